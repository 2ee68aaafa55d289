// JsonIntake::parse reads a body with simdjson first (FastIntake) and leaves everything that
// parser would not accept as is to the strict parser. This test holds the two to one verdict:
// on every JSONTestSuite file, on real SaaS payloads, on thousands of damaged copies of a
// webhook body and on hand-picked edge cases, a body the fast path accepts is accepted by the
// strict parser with an equal Value and the same text, and parse() answers exactly what
// parseStrict() answers, refusals included (reason, message, position, pointer).

#include "engine/json/fastintake.h"
#include "engine/json/intake.h"

#include <QDir>
#include <QDirIterator>
#include <QFile>
#include <QTest>

using namespace syncline::engine::json;
using namespace Qt::StringLiterals;

namespace {

QString sharedDir()
{
    const QString fromEnvironment = qEnvironmentVariable("SYNCLINE_SHARED_DIR");
    return fromEnvironment.isEmpty() ? QStringLiteral(SYNCLINE_SHARED_DIR) : fromEnvironment;
}

QString invoiceEventPath()
{
    return sharedDir() + u"/bench/jsonata/input/invoice_event.json"_s;
}

QByteArray readAll(const QString &path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        qFatal("cannot read %s", qPrintable(path));
    }
    return file.readAll();
}

QStringList jsonFilesUnder(const QString &dir)
{
    QStringList files;
    QDirIterator it(dir, {u"*.json"_s}, QDir::Files, QDirIterator::Subdirectories);
    while (it.hasNext()) {
        files << it.next();
    }
    files.sort();
    return files;
}

QString describe(const IntakeResult &result)
{
    if (result.ok()) {
        return u"accepted "_s + QString::fromStdString(toJsonText(result.value())).left(200);
    }
    const IntakeRefusal &refusal = result.refusal();
    return refusal.describe() + u" pointer="_s
           + (refusal.pointer ? *refusal.pointer : u"(none)"_s);
}

// Empty when the two paths agree on `body`, else what differs.
QString difference(const QByteArray &body, const IntakeLimits &limits = {})
{
    const std::string_view bytes(body.constData(), std::size_t(body.size()));
    const IntakeResult strict = JsonIntake::parseStrict(bytes, limits);
    if (const std::optional<Value> fast = FastIntake::tryParse(bytes, limits)) {
        if (!strict.ok()) {
            return u"the fast path accepted what the strict parser refuses: "_s + describe(strict);
        }
        if (!(*fast == strict.value()) || toJsonText(*fast) != toJsonText(strict.value())) {
            return u"the fast path read another value: "_s
                   + QString::fromStdString(toJsonText(*fast)).left(200);
        }
    }
    const IntakeResult combined = JsonIntake::parse(bytes, limits);
    if (describe(combined) != describe(strict)
        || (combined.ok() && !(combined.value() == strict.value()))) {
        return u"parse() answered "_s + describe(combined) + u" where parseStrict() answered "_s
               + describe(strict);
    }
    return {};
}

QByteArray nested(int depth)
{
    return QByteArray(depth, '[') + QByteArray(depth, ']');
}

} // namespace

class TestJsonFastPath : public QObject
{
    Q_OBJECT

private slots:
    void suiteFilesAgree_data()
    {
        QTest::addColumn<QString>("path");
        const QString suite = sharedDir() + u"/external-data/json-test-suite"_s;
        const QStringList files = jsonFilesUnder(suite);
        // test_parsing (318) and test_transform (22).
        QCOMPARE(files.size(), 340);
        for (const QString &path : files) {
            QTest::newRow(qPrintable(QDir(suite).relativeFilePath(path))) << path;
        }
    }

    void suiteFilesAgree()
    {
        QFETCH(QString, path);
        const QString why = difference(readAll(path));
        QVERIFY2(why.isEmpty(), qPrintable(why));
    }

    void payloadsAgreeAndTakeTheFastPath_data()
    {
        QTest::addColumn<QString>("path");
        const QString payloads = sharedDir() + u"/external-data/saas-payloads"_s;
        const QStringList files = jsonFilesUnder(payloads);
        QVERIFY(files.size() >= 50);
        for (const QString &path : files) {
            QTest::newRow(qPrintable(QDir(payloads).relativeFilePath(path))) << path;
        }
        QTest::newRow("invoice_event.json") << invoiceEventPath();
    }

    // Real bodies are what the fast path is for: each of them must be read by it, else the
    // speed-up would silently be lost.
    void payloadsAgreeAndTakeTheFastPath()
    {
        QFETCH(QString, path);
        const QByteArray body = readAll(path);
        const QString why = difference(body);
        QVERIFY2(why.isEmpty(), qPrintable(why));
        const std::string_view bytes(body.constData(), std::size_t(body.size()));
        QVERIFY2(FastIntake::tryParse(bytes, IntakeLimits()).has_value(),
                 "the strict parser read this payload, not the fast path");
    }

    // Every prefix of a webhook body, and the body with each byte replaced by characters that
    // matter to JSON (quotes, escapes, brackets, number parts, NUL, a byte that is never UTF-8).
    void damagedBodiesAgree()
    {
        const QByteArray body = readAll(invoiceEventPath());
        int checked = 0;
        for (qsizetype length = 0; length <= body.size(); ++length) {
            const QString why = difference(body.left(length));
            QVERIFY2(why.isEmpty(), qPrintable(u"first %1 bytes: "_s.arg(length) + why));
            ++checked;
        }
        QByteArray replacements("\"\\,]}: 0\xFF");
        replacements.append('\0');
        for (qsizetype at = 0; at < body.size(); ++at) {
            for (const char replacement : replacements) {
                QByteArray damaged = body;
                damaged[at] = replacement;
                const QString why = difference(damaged);
                QVERIFY2(why.isEmpty(),
                         qPrintable(u"byte %1 set to 0x%2: "_s.arg(at).arg(
                                        int(static_cast<unsigned char>(replacement)), 2, 16,
                                        QLatin1Char('0'))
                                    + why));
                ++checked;
            }
        }
        QVERIFY(checked > 20000);
    }

    void edgeCasesAgree_data()
    {
        QTest::addColumn<QByteArray>("body");
        QTest::addColumn<int>("maxDepth");
        QTest::addColumn<qint64>("maxBytes");
        const int depth = IntakeLimits().maxDepth;
        const qint64 bytes = IntakeLimits().maxBytes;
        const auto row = [&](const char *name, const QByteArray &body) {
            QTest::newRow(name) << body << depth << bytes;
        };
        row("pair of surrogate escapes", R"(["\ud83d\ude00"])");
        row("high surrogate then plain escape", R"(["\ud800\u0041"])");
        row("high surrogate then text", R"(["\ud800abc"])");
        row("lone low surrogate", R"(["\udc00"])");
        row("two high surrogates", R"(["\ud800\ud800"])");
        row("surrogate in a member name", R"({"\ud800":1})");
        row("escaped backslash before u", R"(["\\ud800"])");
        row("escaped nul", R"(["a\u0000b"])");
        row("escaped duplicate name", R"({"a":1,"\u0061":2})");
        row("duplicate among many",
            R"({"a":1,"b":2,"c":3,"d":4,"e":5,"f":6,"g":7,"h":8,"i":9,"a":0})");
        row("negative zero", "[-0,-0.0,0e-400]");
        row("kept number text", "[0.10,1E3,18446744073709551616,9007199254740993]");
        row("overflow", R"({"total":1e400})");
        row("underflow", "[1e-400]");
        row("number with junk", "[1x]");
        row("leading zero", "[012]");
        row("plus sign", "[+1]");
        row("scalar body", "42");
        row("string body", "\"x\"");
        row("trailing value", "{} {}");
        row("trailing bracket", "[1]]");
        row("trailing whitespace", "[1]  \r\n\t");
        row("byte order mark", "\xEF\xBB\xBF{}");
        row("nul after the value", QByteArray("[1]\0", 4));
        row("raw control character", "[\"a\x01\"]");
        row("mismatched brackets", "[1}");
        row("string then colon in an array", R"(["a":1])");
        row("string then colon in an object", R"({"a":"b":"c"})");
        row("number then colon", R"({"a":1:2})");
        row("literal typo", "[nul]");
        row("literal run-on", "[truefalse]");
        row("empty", "");
        row("whitespace only", "  ");
        QTest::newRow("at the default depth limit") << nested(64) << depth << bytes;
        QTest::newRow("over the default depth limit") << nested(65) << depth << bytes;
        QTest::newRow("at the fast path's depth") << nested(FastIntake::kMaxDepth) << 1000 << bytes;
        QTest::newRow("past the fast path's depth")
            << nested(FastIntake::kMaxDepth + 1) << 1000 << bytes;
        QTest::newRow("depth zero, array") << QByteArray("[]") << 0 << bytes;
        QTest::newRow("depth two, object in array in object")
            << QByteArray(R"({"a":[{"b":1}]})") << 2 << bytes;
        QTest::newRow("at the size limit") << QByteArray("[1,2,3,4]") << depth << qint64(9);
        QTest::newRow("over the size limit") << QByteArray("[1,2,3,4,5]") << depth << qint64(10);
        QTest::newRow("larger than the reused parser") << "[\"" + QByteArray(100000, 'x') + "\"]"
                                                       << depth << bytes;
    }

    void edgeCasesAgree()
    {
        QFETCH(QByteArray, body);
        QFETCH(int, maxDepth);
        QFETCH(qint64, maxBytes);
        IntakeLimits limits;
        limits.maxDepth = maxDepth;
        limits.maxBytes = maxBytes;
        const QString why = difference(body, limits);
        QVERIFY2(why.isEmpty(), qPrintable(why));
    }
};

QTEST_GUILESS_MAIN(TestJsonFastPath)
#include "tst_json_fastpath.moc"
