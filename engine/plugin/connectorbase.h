#pragma once

#include "engine/plugin/connector.h"

#include <QJsonObject>
#include <QString>

namespace syncline::engine::plugin {

/// What the built-in connectors share: the description read from a JSON file in the plugin's
/// resources, technical failures read the same way for every vendor (their message at the
/// description's "errorMessage" pointer), and external ids picked from a success by the
/// operation's "ids" pointers. A vendor's connector says only how its error bodies name their
/// codes (refusal(); RFC 9457 problem JSON by default).
class ConnectorBase : public Connector
{
public:
    /// `id` names the description in the plugin's resources,
    /// ":/syncline/connectors/<id>.connector.json".
    explicit ConnectorBase(const QString &id);

    QJsonObject description() const override { return m_description; }
    AnswerVerdict classify(const ConnectorAnswer &answer) const override;

protected:
    /// A 4xx the generic rules leave to the vendor (not 408, 425 or 429): the reason code, the
    /// vendor's code and message from its error body.
    virtual AnswerVerdict refusal(const ConnectorAnswer &answer, const QJsonValue &body) const;
    /// "ids" of the operation: name → JSON pointer into a success body.
    QMap<QString, QString> externalIds(const ConnectorAnswer &answer, const QJsonValue &body) const;

private:
    QJsonObject m_description;
};

/// The first code of `table` that `vendorCode` names, else `fallback` — for vendor code → reason
/// code tables, where one reason may have several vendor spellings.
QString reasonFromTable(const QString &vendorCode,
                        std::initializer_list<std::pair<const char *, const char *>> table,
                        const QString &fallback);

} // namespace syncline::engine::plugin
