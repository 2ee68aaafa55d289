#pragma once

#include "engine/core/result.h"

#include <QByteArray>
#include <QJsonObject>
#include <QList>
#include <QMap>
#include <QString>
#include <QStringList>

namespace syncline::engine::plugin {

/// How a list operation pages, the way the vendor does it.
struct Pagination
{
    QString style;        // "cursor", "offset", "nextUrl" or "none"
    QString requestParam; // the query parameter that asks for the next page
    QString sizeParam;    // the query parameter for the page size
    QString itemsPointer; // where the page's items are in the answer
    QString nextPointer;  // cursor: where the next page's token is; nextUrl: the next page's path
    QString lastItemPointer; // cursor taken from the last item (Stripe's starting_after = its id)
    QString hasMorePointer;  // a boolean "more pages" flag, when the vendor has one
};

/// One operation on one object: create, upsert (by external id), update (of the document with
/// an id the target gave), get, list.
struct OperationSpec
{
    QString name;
    QByteArray method;
    /// Appended to the system's base URL; "{externalId}" stands for the external id the node names.
    QString path;
    QMap<QString, QString> ids; // external id name → JSON pointer into a success body
    Pagination pagination;      // list only

    bool needsExternalId() const { return path.contains(QLatin1String("{externalId}")); }
};

struct ObjectSpec
{
    QString name;
    QJsonObject schema; // JSON Schema of the vendor's document
    QList<OperationSpec> operations;

    const OperationSpec *operation(const QString &name) const;
};

/// A connector's description(), checked: what the registry answers with.
struct ConnectorDescription
{
    QJsonObject settingsSchema;
    QStringList authKinds;     // apiKey, basic, bearer, oauth2ClientCredentials
    QString idempotencyHeader; // empty: the vendor has no idempotency support
    QString webhookSignature;  // stripe, sha256-header or none
    QString webhookHeader;
    QList<ObjectSpec> objects;

    const ObjectSpec *object(const QString &name) const;
    QStringList objectNames() const;

    /// Every problem of the document, joined, in one CONNECTOR_INVALID error.
    static Result<ConnectorDescription> fromJson(const QJsonObject &document);
};

/// The operations a connector may declare, in the order documents list them.
const QStringList &operationNames();

} // namespace syncline::engine::plugin
