#include "engine/plugin/connectordescription.h"

#include <QJsonArray>

namespace syncline::engine::plugin {

namespace {

const QStringList kAuthKinds = {QStringLiteral("apiKey"),
                                QStringLiteral("basic"),
                                QStringLiteral("bearer"),
                                QStringLiteral("oauth2ClientCredentials")};
const QStringList kSignatures = {
    QStringLiteral("stripe"), QStringLiteral("sha256-header"), QStringLiteral("none")};
const QStringList kPagingStyles = {QStringLiteral("cursor"),
                                   QStringLiteral("offset"),
                                   QStringLiteral("nextUrl"),
                                   QStringLiteral("none")};
const QStringList kMethods = {
    QStringLiteral("GET"), QStringLiteral("POST"), QStringLiteral("PUT"), QStringLiteral("PATCH")};

Pagination readPagination(const QJsonObject &json, const QString &at, QStringList &problems)
{
    Pagination paging;
    paging.style = json.value(QStringLiteral("style")).toString(QStringLiteral("none"));
    if (!kPagingStyles.contains(paging.style)) {
        problems.append(QStringLiteral("%1/style: \"%2\" is not one of %3")
                            .arg(at, paging.style, kPagingStyles.join(QStringLiteral(", "))));
    }
    paging.requestParam = json.value(QStringLiteral("param")).toString();
    paging.sizeParam = json.value(QStringLiteral("size")).toString();
    paging.itemsPointer = json.value(QStringLiteral("items")).toString();
    paging.nextPointer = json.value(QStringLiteral("next")).toString();
    paging.hasMorePointer = json.value(QStringLiteral("hasMore")).toString();
    paging.lastItemPointer = json.value(QStringLiteral("lastItem")).toString();
    const bool byParameter =
        paging.style == QLatin1String("cursor") || paging.style == QLatin1String("offset");
    if (byParameter && paging.requestParam.isEmpty()) {
        problems.append(QStringLiteral("%1/param: a paged list names its page parameter").arg(at));
    }
    return paging;
}

OperationSpec readOperation(const QString &name,
                            const QJsonObject &json,
                            const QString &at,
                            QStringList &problems)
{
    OperationSpec op;
    op.name = name;
    if (!operationNames().contains(name)) {
        problems.append(QStringLiteral("%1: \"%2\" is not an operation (%3)")
                            .arg(at, name, operationNames().join(QStringLiteral(", "))));
    }
    const QString method = json.value(QStringLiteral("method")).toString();
    if (!kMethods.contains(method)) {
        problems.append(QStringLiteral("%1/method: \"%2\" is not one of %3")
                            .arg(at, method, kMethods.join(QStringLiteral(", "))));
    }
    op.method = method.toLatin1();
    op.path = json.value(QStringLiteral("path")).toString();
    if (!op.path.startsWith(u'/')) {
        problems.append(QStringLiteral("%1/path: must start with /").arg(at));
    }
    if ((name == QLatin1String("get") || name == QLatin1String("update"))
        && !op.needsExternalId()) {
        problems.append(QStringLiteral("%1/path: %2 addresses one document: the path needs "
                                       "{externalId}")
                            .arg(at, name));
    }
    const QJsonObject ids = json.value(QStringLiteral("ids")).toObject();
    for (auto it = ids.begin(); it != ids.end(); ++it) {
        op.ids.insert(it.key(), it.value().toString());
    }
    if (name == QLatin1String("list")) {
        op.pagination = readPagination(json.value(QStringLiteral("pagination")).toObject(),
                                       at + QStringLiteral("/pagination"),
                                       problems);
    }
    return op;
}

} // namespace

const QStringList &operationNames()
{
    static const QStringList names = {QStringLiteral("create"),
                                      QStringLiteral("upsert"),
                                      QStringLiteral("update"),
                                      QStringLiteral("get"),
                                      QStringLiteral("list")};
    return names;
}

const OperationSpec *ObjectSpec::operation(const QString &name) const
{
    for (const OperationSpec &op : operations) {
        if (op.name == name) {
            return &op;
        }
    }
    return nullptr;
}

const ObjectSpec *ConnectorDescription::object(const QString &name) const
{
    for (const ObjectSpec &spec : objects) {
        if (spec.name == name) {
            return &spec;
        }
    }
    return nullptr;
}

QStringList ConnectorDescription::objectNames() const
{
    QStringList names;
    for (const ObjectSpec &spec : objects) {
        names.append(spec.name);
    }
    return names;
}

Result<ConnectorDescription> ConnectorDescription::fromJson(const QJsonObject &document)
{
    QStringList problems;
    ConnectorDescription d;
    if (document.isEmpty()) {
        return Error::make(QStringLiteral("CONNECTOR_INVALID"),
                           QStringLiteral("the connector describes nothing (its description is "
                                          "empty or not JSON)"));
    }
    d.settingsSchema = document.value(QStringLiteral("settingsSchema")).toObject();
    if (d.settingsSchema.value(QStringLiteral("type")).toString() != QLatin1String("object")) {
        problems.append(QStringLiteral("/settingsSchema: must be a JSON Schema of type object"));
    }
    for (const QJsonValue &kind : document.value(QStringLiteral("auth")).toArray()) {
        d.authKinds.append(kind.toString());
        if (!kAuthKinds.contains(kind.toString())) {
            problems.append(QStringLiteral("/auth: \"%1\" is not one of %2")
                                .arg(kind.toString(), kAuthKinds.join(QStringLiteral(", "))));
        }
    }
    if (d.authKinds.isEmpty()) {
        problems.append(QStringLiteral("/auth: names no authentication kind"));
    }
    d.idempotencyHeader = document.value(QStringLiteral("idempotency"))
                              .toObject()
                              .value(QStringLiteral("header"))
                              .toString();
    const QJsonObject webhooks = document.value(QStringLiteral("webhooks")).toObject();
    d.webhookSignature =
        webhooks.value(QStringLiteral("signature")).toString(QStringLiteral("none"));
    d.webhookHeader = webhooks.value(QStringLiteral("header")).toString();
    if (!kSignatures.contains(d.webhookSignature)) {
        problems.append(QStringLiteral("/webhooks/signature: \"%1\" is not one of %2")
                            .arg(d.webhookSignature, kSignatures.join(QStringLiteral(", "))));
    }
    const QJsonObject objects = document.value(QStringLiteral("objects")).toObject();
    if (objects.isEmpty()) {
        problems.append(QStringLiteral("/objects: declares no object"));
    }
    for (auto it = objects.begin(); it != objects.end(); ++it) {
        ObjectSpec spec;
        spec.name = it.key();
        const QJsonObject object = it.value().toObject();
        spec.schema = object.value(QStringLiteral("schema")).toObject();
        const QString at = QStringLiteral("/objects/%1").arg(spec.name);
        const QJsonObject ops = object.value(QStringLiteral("operations")).toObject();
        if (ops.isEmpty()) {
            problems.append(QStringLiteral("%1/operations: declares no operation").arg(at));
        }
        for (auto op = ops.begin(); op != ops.end(); ++op) {
            spec.operations.append(
                readOperation(op.key(),
                              op.value().toObject(),
                              QStringLiteral("%1/operations/%2").arg(at, op.key()),
                              problems));
        }
        d.objects.append(std::move(spec));
    }
    if (!problems.isEmpty()) {
        return Error::make(QStringLiteral("CONNECTOR_INVALID"),
                           problems.join(QStringLiteral("; ")));
    }
    return d;
}

} // namespace syncline::engine::plugin
