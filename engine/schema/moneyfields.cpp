#include "moneyfields.h"

#include "engine/money/currency.h"
#include "engine/money/decimal.h"
#include "engine/schema/errormessages.h"

#include <QRegularExpression>

namespace syncline::engine::schema {

namespace {

QString escapeToken(QString token)
{
    token.replace(u'~', QStringLiteral("~0"));
    token.replace(u'/', QStringLiteral("~1"));
    return token;
}

std::optional<Violation> checkAmount(const nlohmann::json &amount, const nlohmann::json &object,
                                     const nlohmann::json &annotation, const QString &pointer)
{
    if (!amount.is_string()) {
        return std::nullopt;
    }
    static const QRegularExpression plainDecimal(QStringLiteral("^-?[0-9]+(\\.[0-9]+)?$"));
    const QString text = QString::fromStdString(amount.get<std::string>());
    if (!plainDecimal.match(text).hasMatch()) {
        return Violation{pointer, QStringLiteral("x-syncline-money"),
                         QStringLiteral("must be a decimal amount written as text, like \"12.30\""),
                         {}};
    }
    const auto field = annotation.find("currencyField");
    if (field == annotation.end() || !field->is_string()) {
        return std::nullopt;
    }
    const auto currency = object.find(field->get<std::string>());
    if (currency == object.end() || !currency->is_string()) {
        return std::nullopt;
    }
    const auto rule = money::currencyRule(QString::fromStdString(currency->get<std::string>()));
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

void walk(const nlohmann::json &instance, const QList<SchemaLocator::Node> &nodes,
          const QString &pointer, const SchemaLocator &locator, Violations &violations)
{
    if (nodes.isEmpty()) {
        return;
    }
    if (instance.is_object()) {
        for (auto it = instance.begin(); it != instance.end(); ++it) {
            const QString key = QString::fromStdString(it.key());
            const QList<SchemaLocator::Node> childNodes = locator.child(nodes, instance, key);
            const QString childPointer = pointer + u'/' + escapeToken(key);
            if (const nlohmann::json *annotation = SchemaLocator::find(childNodes, "x-syncline-money");
                annotation && annotation->is_object()) {
                if (auto violation = checkAmount(it.value(), instance, *annotation, childPointer)) {
                    violation->field = fieldName(childNodes);
                    violations.append(*violation);
                }
            }
            walk(it.value(), childNodes, childPointer, locator, violations);
        }
    } else if (instance.is_array()) {
        for (std::size_t i = 0; i < instance.size(); ++i) {
            const QString index = QString::number(i);
            walk(instance[i], locator.child(nodes, instance, index), pointer + u'/' + index, locator,
                 violations);
        }
    }
}

} // namespace

void checkMoneyFields(const nlohmann::json &instance, const SchemaLocator &locator,
                      Violations &violations)
{
    walk(instance, locator.atRoot(), QString(), locator, violations);
}

} // namespace syncline::engine::schema
