#include "moneyfields.h"

#include "engine/money/currency.h"
#include "engine/money/decimal.h"
#include "engine/schema/errormessages.h"
#include "engine/schema/instanceview.h"

#include <QRegularExpression>

namespace syncline::engine::schema {

namespace {

QString escapeToken(QString token)
{
    token.replace(u'~', QStringLiteral("~0"));
    token.replace(u'/', QStringLiteral("~1"));
    return token;
}

std::optional<Violation> checkAmount(const json::Value &amount, const json::Value &object,
                                     const nlohmann::json &annotation, const QString &pointer)
{
    if (!instance::isText(amount)) {
        return std::nullopt;
    }
    static const QRegularExpression plainDecimal(QStringLiteral("^-?[0-9]+(\\.[0-9]+)?$"));
    const QString text = QString::fromUtf8(instance::text(amount));
    if (!plainDecimal.match(text).hasMatch()) {
        return Violation{pointer, QStringLiteral("x-syncline-money"),
                         QStringLiteral("must be a decimal amount written as text, like \"12.30\""),
                         {}};
    }
    const auto field = annotation.find("currencyField");
    if (field == annotation.end() || !field->is_string()) {
        return std::nullopt;
    }
    const json::Value *currency = instance::member(object, field->get<std::string>());
    if (currency == nullptr || !instance::isText(*currency)) {
        return std::nullopt;
    }
    const auto rule = money::currencyRule(QString::fromUtf8(instance::text(*currency)));
    if (!rule) {
        return std::nullopt;
    }
    const auto value = money::Decimal::parse(text);
    if (!value || value->fitsScale(rule->minorDigits)) {
        return std::nullopt;
    }
    return Violation{pointer, QStringLiteral("x-syncline-money"),
                     QStringLiteral("must be a decimal string with at most %1 fraction digits (%2)")
                         .arg(rule->minorDigits)
                         .arg(rule->code),
                     {}};
}

// Members in nlohmann's order (instance::orderedMembers), so violations keep their order.
void walk(const json::Value &value, const QList<SchemaLocator::Node> &nodes,
          const QString &pointer, const SchemaLocator &locator, Violations &violations)
{
    if (nodes.isEmpty()) {
        return;
    }
    if (value.isObject()) {
        for (const json::Member *member : instance::orderedMembers(value)) {
            const QString key = QString::fromUtf8(member->key.view());
            const QList<SchemaLocator::Node> childNodes = locator.child(nodes, value, key);
            const QString childPointer = pointer + u'/' + escapeToken(key);
            if (const nlohmann::json *annotation = SchemaLocator::find(childNodes, "x-syncline-money");
                annotation && annotation->is_object()) {
                if (auto violation = checkAmount(member->value, value, *annotation, childPointer)) {
                    violation->field = fieldName(childNodes);
                    violations.append(*violation);
                }
            }
            walk(member->value, childNodes, childPointer, locator, violations);
        }
    } else if (value.isArray()) {
        for (std::size_t i = 0; i < value.size(); ++i) {
            const QString index = QString::number(i);
            walk(value[i], locator.child(nodes, value, index), pointer + u'/' + index, locator,
                 violations);
        }
    }
}

} // namespace

void checkMoneyFields(const json::Value &instance, const SchemaLocator &locator,
                      Violations &violations)
{
    walk(instance, locator.atRoot(), QString(), locator, violations);
}

} // namespace syncline::engine::schema
