#include "engine/plugin/connectorbase.h"

#include <QFile>
#include <QJsonDocument>

namespace syncline::engine::plugin {

ConnectorBase::ConnectorBase(const QString &id)
{
    QFile file(QStringLiteral(":/syncline/connectors/%1.connector.json").arg(id));
    if (file.open(QIODevice::ReadOnly)) {
        // An unreadable description stays empty: the loader refuses the plugin and says why.
        m_description = QJsonDocument::fromJson(file.readAll()).object();
    }
}

AnswerVerdict ConnectorBase::classify(const ConnectorAnswer &answer) const
{
    const QJsonValue body = answer.json();
    if (answer.status >= 200 && answer.status < 300) {
        return AnswerVerdict::success(externalIds(answer, body));
    }
    const QString message =
        textAt(body, m_description.value(QStringLiteral("errorMessage")).toString());
    if (std::optional<AnswerVerdict> technical = technicalVerdict(answer, message)) {
        return *technical;
    }
    return refusal(answer, body);
}

AnswerVerdict ConnectorBase::refusal(const ConnectorAnswer &answer, const QJsonValue &body) const
{
    return problemJsonRefusal(answer, body);
}

QMap<QString, QString> ConnectorBase::externalIds(const ConnectorAnswer &answer,
                                                  const QJsonValue &body) const
{
    QMap<QString, QString> ids;
    const QJsonObject pointers = m_description.value(QStringLiteral("objects"))
                                     .toObject()
                                     .value(answer.object)
                                     .toObject()
                                     .value(QStringLiteral("operations"))
                                     .toObject()
                                     .value(answer.operation)
                                     .toObject()
                                     .value(QStringLiteral("ids"))
                                     .toObject();
    for (auto it = pointers.begin(); it != pointers.end(); ++it) {
        const QString id = textAt(body, it.value().toString());
        if (!id.isEmpty()) {
            ids.insert(it.key(), id);
        }
    }
    return ids;
}

QString reasonFromTable(const QString &vendorCode,
                        std::initializer_list<std::pair<const char *, const char *>> table,
                        const QString &fallback)
{
    for (const auto &[vendor, reason] : table) {
        if (vendorCode.compare(QLatin1String(vendor), Qt::CaseInsensitive) == 0) {
            return QLatin1String(reason);
        }
    }
    return fallback;
}

} // namespace syncline::engine::plugin
