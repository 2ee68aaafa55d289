#include "engine/expr/regex/regex.h"
#include "tests/engine/pictures/suitecases.h"

#include <QElapsedTimer>
#include <QJsonArray>
#include <QTest>

#include <atomic>
#include <thread>

using namespace syncline::engine;
using namespace syncline::engine::expr::regex;
using syncline::tests::SuiteArg;
using syncline::tests::SuiteCall;

namespace {

const std::vector<SuiteCall> &calls()
{
    static const std::vector<SuiteCall> all = [] {
        auto found = syncline::tests::suiteCalls(
            {QStringLiteral("regex"), QStringLiteral("function-replace"), QStringLiteral("function-split"),
             QStringLiteral("function-contains"), QStringLiteral("matchers"), QStringLiteral("errors")},
            {QStringLiteral("match"), QStringLiteral("replace"), QStringLiteral("split"), QStringLiteral("contains")});
        std::vector<SuiteCall> withRegex;
        for (auto &call : found) {
            if (call.args.size() >= 2 && call.args[1].kind == SuiteArg::Kind::Regex) {
                withRegex.push_back(call);
            }
        }
        return withRegex;
    }();
    return all;
}

QJsonValue matchObject(const std::string &subject, const Match &match)
{
    QJsonArray groups;
    for (const auto &group : match.groups) {
        groups.append(group ? QJsonValue(QString::fromStdString(*group)) : QJsonValue());
    }
    return QJsonObject{{QStringLiteral("match"), QString::fromStdString(match.text)},
                       {QStringLiteral("index"), static_cast<double>(utf16Offset(subject, match.start))},
                       {QStringLiteral("groups"), groups}};
}

// The four JSONata functions over a regex, written with the public API the way the evaluator
// uses it. Returns the JSON result, or an Error.
Result<QJsonValue> evaluate(const SuiteCall &call)
{
    const std::string subject = call.args[0].text.toStdString();
    auto regex = Regex::compile(call.args[1].text.toStdString(), call.args[1].flags.toStdString());
    if (!regex) {
        return regex.error();
    }
    const std::size_t limitIndex = call.function == QLatin1String("replace") ? 3 : 2;
    std::optional<std::size_t> limit;
    if (call.args.size() > limitIndex) {
        limit = static_cast<std::size_t>(call.args[limitIndex].number);
    }
    auto matches = regex->findAll(subject, limit);
    if (!matches) {
        return matches.error();
    }
    if (call.function == QLatin1String("contains")) {
        return QJsonValue(!matches->empty());
    }
    if (call.function == QLatin1String("match")) {
        QJsonArray out;
        for (const auto &match : *matches) {
            out.append(matchObject(subject, match));
        }
        return out.size() == 1 ? out.at(0) : QJsonValue(out);
    }
    if (call.function == QLatin1String("split")) {
        QJsonArray parts;
        std::size_t start = 0;
        for (const auto &match : *matches) {
            parts.append(QString::fromStdString(subject.substr(start, match.start - start)));
            start = match.end;
        }
        if (!limit || matches->size() < *limit) {
            parts.append(QString::fromStdString(subject.substr(start)));
        }
        return QJsonValue(parts);
    }
    std::string out;
    std::size_t position = 0;
    const std::string replacement = call.args[2].text.toStdString();
    for (const auto &match : *matches) {
        out += subject.substr(position, match.start - position);
        out += expandReplacement(replacement, match);
        position = match.end;
    }
    out += subject.substr(position);
    return QJsonValue(QString::fromStdString(out));
}

} // namespace

class TestRegex : public QObject
{
    Q_OBJECT

private slots:
    void suite_data();
    void suite();
    void ecmaScriptSyntax_data();
    void ecmaScriptSyntax();
    void groupsAndOffsets();
    void replacement_data();
    void replacement();
    void compileErrors_data();
    void compileErrors();
    void catastrophicPatternFails();
    void zeroLengthMatches();
    void sharedAcrossThreads();
};

void TestRegex::suite_data()
{
    QTest::addColumn<int>("index");
    const auto &all = calls();
    QVERIFY2(all.size() >= 25, qPrintable(QStringLiteral("only %1 suite cases found").arg(all.size())));
    for (std::size_t i = 0; i < all.size(); ++i) {
        QTest::newRow(qPrintable(all[i].file + QLatin1Char(' ') + all[i].expr)) << static_cast<int>(i);
    }
}

void TestRegex::suite()
{
    QFETCH(int, index);
    const SuiteCall &call = calls()[static_cast<std::size_t>(index)];
    const auto result = evaluate(call);
    const QJsonObject &expected = call.testCase;
    if (expected.contains(QStringLiteral("code"))) {
        QVERIFY(!result.ok());
        QCOMPARE(result.error().code, expected.value(QStringLiteral("code")).toString());
        return;
    }
    QVERIFY2(result.ok(), result.ok() ? "" : qPrintable(result.error().message));
    QCOMPARE(*result, expected.value(QStringLiteral("result")));
}

void TestRegex::ecmaScriptSyntax_data()
{
    QTest::addColumn<QString>("pattern");
    QTest::addColumn<QString>("flags");
    QTest::addColumn<QString>("subject");
    QTest::addColumn<QString>("expected"); // first match, or "-" for none
    QTest::newRow("dollar only at end") << QStringLiteral("a$") << QString() << QStringLiteral("a\n") << QStringLiteral("-");
    QTest::newRow("multiline dollar") << QStringLiteral("a$") << QStringLiteral("m") << QStringLiteral("a\nb") << QStringLiteral("a");
    QTest::newRow("ignore case") << QStringLiteral("HAT") << QStringLiteral("i") << QStringLiteral("Bowler hat") << QStringLiteral("hat");
    QTest::newRow("unicode escape") << QStringLiteral("\\u00e9") << QString() << QStringLiteral("caf\u00e9") << QStringLiteral("\u00e9");
    QTest::newRow("surrogate pair escape") << QStringLiteral("\\uD83D\\uDCA9") << QString() << QStringLiteral("x\U0001F4A9") << QStringLiteral("\U0001F4A9");
    QTest::newRow("any char class") << QStringLiteral("a[^]b") << QString() << QStringLiteral("a\nb") << QStringLiteral("a\nb");
    QTest::newRow("empty class") << QStringLiteral("a[]") << QString() << QStringLiteral("a") << QStringLiteral("-");
    QTest::newRow("unset backreference") << QStringLiteral("(a)?b\\1") << QString() << QStringLiteral("b") << QStringLiteral("b");
    QTest::newRow("named group") << QStringLiteral("(?<y>\\d{4})-\\k<y>") << QString() << QStringLiteral("2018-2018") << QStringLiteral("2018-2018");
    QTest::newRow("lookahead") << QStringLiteral("\\d+(?=%)") << QString() << QStringLiteral("50 and 20%") << QStringLiteral("20");
    QTest::newRow("dot is one character") << QStringLiteral("^.$") << QString() << QStringLiteral("\u00e9") << QStringLiteral("\u00e9");
    QTest::newRow("non-unicode \\u{}") << QStringLiteral("^\\u{2}$") << QString() << QStringLiteral("uu") << QStringLiteral("uu");
}

void TestRegex::ecmaScriptSyntax()
{
    QFETCH(QString, pattern);
    QFETCH(QString, flags);
    QFETCH(QString, subject);
    QFETCH(QString, expected);
    auto regex = Regex::compile(pattern.toStdString(), flags.toStdString());
    QVERIFY2(regex.ok(), regex.ok() ? "" : qPrintable(regex.error().message));
    auto match = regex->exec(subject.toStdString());
    QVERIFY(match.ok());
    QCOMPARE(match->has_value() ? QString::fromStdString((*match)->text) : QStringLiteral("-"), expected);
}

void TestRegex::groupsAndOffsets()
{
    auto regex = Regex::compile("(\xF0\x9F\x92\xA9)|(b)(x)?");
    QVERIFY(regex.ok());
    QCOMPARE(regex->groupCount(), std::size_t(3));
    const std::string subject = "a\xF0\x9F\x92\xA9" "b";
    auto all = regex->findAll(subject);
    QVERIFY(all.ok());
    QCOMPARE(all->size(), std::size_t(2));
    QCOMPARE((*all)[0].start, std::size_t(1));
    QCOMPARE((*all)[1].start, std::size_t(5));
    QCOMPARE(utf16Offset(subject, (*all)[1].start), std::size_t(3)); // the emoji is two UTF-16 units
    QVERIFY(!(*all)[1].groups[0].has_value());
    QCOMPARE((*all)[1].groups[1].value(), std::string("b"));
    QVERIFY(!(*all)[1].groups[2].has_value());
    // exec from an offset inside a character moves to the next character.
    auto from = regex->exec(subject, 2);
    QVERIFY(from.ok() && from->has_value());
    QCOMPARE((*from)->text, std::string("b"));
    QCOMPARE(regex->source(), std::string("(\xF0\x9F\x92\xA9)|(b)(x)?"));
}

void TestRegex::replacement_data()
{
    QTest::addColumn<QString>("replacement");
    QTest::addColumn<QString>("expected");
    QTest::newRow("literal dollar") << QStringLiteral("$$") << QStringLiteral("$");
    QTest::newRow("whole match") << QStringLiteral("[$0]") << QStringLiteral("[abc]");
    QTest::newRow("groups") << QStringLiteral("$2$1") << QStringLiteral("ba");
    QTest::newRow("unset group") << QStringLiteral("<$3>") << QStringLiteral("<>");
    QTest::newRow("missing group digits dropped") << QStringLiteral("$9") << QStringLiteral("");
    QTest::newRow("dollar at end") << QStringLiteral("x$") << QStringLiteral("x$");
    QTest::newRow("not a digit") << QStringLiteral("$a") << QStringLiteral("$a");
}

void TestRegex::replacement()
{
    QFETCH(QString, replacement);
    QFETCH(QString, expected);
    auto regex = Regex::compile("(a)(b)(x)?c");
    QVERIFY(regex.ok());
    auto match = regex->exec("abc");
    QVERIFY(match.ok() && match->has_value());
    QCOMPARE(QString::fromStdString(expandReplacement(replacement.toStdString(), **match)), expected);
}

void TestRegex::compileErrors_data()
{
    QTest::addColumn<QString>("pattern");
    QTest::addColumn<QString>("flags");
    QTest::addColumn<QString>("code");
    QTest::newRow("empty") << QString() << QString() << QStringLiteral("S0301");
    QTest::newRow("unbalanced") << QStringLiteral("(a") << QString() << QStringLiteral("S0303");
    QTest::newRow("bad quantifier") << QStringLiteral("*a") << QString() << QStringLiteral("S0303");
    QTest::newRow("unknown flag") << QStringLiteral("a") << QStringLiteral("g") << QStringLiteral("S0303");
}

void TestRegex::compileErrors()
{
    QFETCH(QString, pattern);
    QFETCH(QString, flags);
    QFETCH(QString, code);
    auto regex = Regex::compile(pattern.toStdString(), flags.toStdString());
    QVERIFY(!regex.ok());
    QCOMPARE(regex.error().code, code);
    QVERIFY(!regex.error().message.isEmpty());
}

void TestRegex::catastrophicPatternFails()
{
    MatchLimits limits;
    limits.matchLimit = 1'000'000;
    auto regex = Regex::compile("^(a+)+$", {}, limits);
    QVERIFY(regex.ok());
    const std::string subject = std::string(40, 'a') + "b";
    QElapsedTimer timer;
    timer.start();
    auto match = regex->exec(subject);
    QVERIFY(!match.ok());
    QCOMPARE(match.error().code, QStringLiteral("D1005"));
    QVERIFY2(timer.elapsed() < 5000, "the match limit must stop the search quickly");
}

void TestRegex::zeroLengthMatches()
{
    auto lazy = Regex::compile(".*?");
    QVERIFY(lazy.ok());
    auto all = lazy->findAll("abc");
    QVERIFY(!all.ok());
    QCOMPARE(all.error().code, QStringLiteral("D1004"));
    QCOMPARE(all.error().message, QStringLiteral("Regular expression matches zero length string"));
    // A zero-length first match on an empty subject is simply returned.
    auto empty = lazy->findAll("");
    QVERIFY(empty.ok());
    QCOMPARE(empty->size(), std::size_t(1));
    auto limited = Regex::compile("b")->findAll("abcabc", 1);
    QVERIFY(limited.ok());
    QCOMPARE(limited->size(), std::size_t(1));
}

void TestRegex::sharedAcrossThreads()
{
    auto regex = Regex::compile("(\\w+)@(\\w+)\\.com", "i");
    QVERIFY(regex.ok());
    const Regex shared = *regex;
    std::atomic<int> failures = 0;
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
        threads.emplace_back([&shared, &failures, t] {
            for (int i = 0; i < 2000; ++i) {
                const std::string user = "user" + std::to_string(t * 10000 + i);
                auto match = shared.exec("mail " + user + "@Example.COM now");
                if (!match.ok() || !match->has_value() || (*match)->groups[0] != user) {
                    ++failures;
                }
            }
        });
    }
    for (auto &thread : threads) {
        thread.join();
    }
    QCOMPARE(failures.load(), 0);
}

QTEST_GUILESS_MAIN(TestRegex)
#include "tst_regex.moc"
