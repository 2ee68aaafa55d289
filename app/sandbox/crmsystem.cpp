#include "app/sandbox/crmsystem.h"

#include "engine/money/decimal.h"

#include <QDate>
#include <QDateTime>
#include <QRegularExpression>
#include <QUrl>

namespace syncline::sandbox {

using engine::money::Decimal;
using engine::money::RoundingMode;
using engine::net::ServerResponse;

struct CrmSystem::TypeInfo
{
    const char *name;
    const char *keyPrefix;
    QList<const char *> requiredFields;
    QList<std::pair<const char *, const char *>> references; // field → sObject
    const char *businessKey;
};

namespace {

const QByteArray kApi = "/services/data/v59.0";

std::string sfTime(qint64 ms)
{
    return QDateTime::fromMSecsSinceEpoch(ms, Qt::UTC)
        .toString(QStringLiteral("yyyy-MM-ddTHH:mm:ss.zzz+0000"))
        .toStdString();
}

Json number(const Decimal &value)
{
    return Json::parse(value.rounded(2, RoundingMode::HalfEven).toStdString());
}

std::optional<Decimal> decimalOf(const Json &value)
{
    if (!value.is_number() && !value.is_string()) {
        return std::nullopt;
    }
    const auto parsed = Decimal::parse(value.is_string() ? value.get<std::string>() : value.dump());
    return parsed ? std::optional<Decimal>(*parsed) : std::nullopt;
}

} // namespace

const CrmSystem::TypeInfo *CrmSystem::typeInfo(const QString &type)
{
    static const QList<TypeInfo> kTypes = {
        {"Account", "001", {"Name"}, {{"ParentId", "Account"}}, "Global_Account_Id__c"},
        {"Contact", "003", {"LastName"}, {{"AccountId", "Account"}}, "Email"},
        {"Product2", "01t", {"Name"}, {}, "ProductCode"},
        {"Opportunity", "006", {"Name", "StageName", "CloseDate"}, {{"AccountId", "Account"}},
         "External_Id__c"},
        {"OpportunityLineItem", "00k", {"OpportunityId", "Product2Id", "Quantity", "UnitPrice"},
         {{"OpportunityId", "Opportunity"}, {"Product2Id", "Product2"}}, ""},
        {"Quote", "0Q0", {"Name", "OpportunityId"}, {{"OpportunityId", "Opportunity"}}, ""},
    };
    for (const TypeInfo &info : kTypes) {
        if (type == QLatin1String(info.name)) {
            return &info;
        }
    }
    return nullptr;
}

ServerResponse CrmSystem::error(int status, const QString &code, const QString &message,
                                const QStringList &fields) const
{
    Json item = {{"message", message.toStdString()}, {"errorCode", code.toStdString()}};
    if (!fields.isEmpty()) {
        Json names = Json::array();
        for (const QString &field : fields) {
            names.push_back(field.toStdString());
        }
        item["fields"] = names;
    }
    return jsonResponse(status, Json::array({item}));
}

ServerResponse CrmSystem::refuse(Refusal refusal, int status, const QString &detail) const
{
    switch (refusal) {
    case Refusal::Unauthorized:
        return error(status, QStringLiteral("INVALID_SESSION_ID"), detail);
    case Refusal::NotFound:
        return error(status, QStringLiteral("NOT_FOUND"), detail);
    case Refusal::BadRequest:
        return error(status, QStringLiteral("JSON_PARSER_ERROR"), detail);
    case Refusal::RateLimited:
        return error(status, QStringLiteral("REQUEST_LIMIT_EXCEEDED"), detail);
    case Refusal::Unavailable:
        return error(status, QStringLiteral("SERVER_UNAVAILABLE"), detail);
    default:
        return error(status, status == 429 ? QStringLiteral("REQUEST_LIMIT_EXCEEDED")
                                           : QStringLiteral("UNKNOWN_EXCEPTION"),
                     detail);
    }
}

std::optional<ServerResponse> CrmSystem::authenticate(const Call &call)
{
    if (call.path == "/services/oauth2/token"
        || tokenValid(store(), name(), bearerToken(call.request), call.nowMs)) {
        return std::nullopt;
    }
    return error(401, QStringLiteral("INVALID_SESSION_ID"),
                 QStringLiteral("Session expired or invalid"));
}

ServerResponse CrmSystem::handle(Call &call)
{
    if (call.path == "/services/oauth2/token") {
        return issueToken(store(), name(), call.request,
                          credentials().value(QStringLiteral("crm/oauth-client-secret")),
                          call.nowMs);
    }
    if (!call.path.startsWith(kApi + '/')) {
        return error(404, QStringLiteral("NOT_FOUND"),
                     QStringLiteral("The requested resource does not exist"));
    }
    const QByteArray rest = call.path.mid(kApi.size());
    if (rest == "/query" && call.request.method == "GET") {
        return query(call, QString::fromUtf8(call.request.queryValue("q")), 0, -1);
    }
    if (rest.startsWith("/query/") && call.request.method == "GET") {
        return queryMore(call, rest.mid(7));
    }
    if (rest.startsWith("/sobjects/")) {
        return sobjects(call);
    }
    return error(404, QStringLiteral("NOT_FOUND"),
                 QStringLiteral("The requested resource does not exist"));
}

ServerResponse CrmSystem::sobjects(Call &call)
{
    const QByteArray rest = call.path.mid(kApi.size());
    const QString typeName = QString::fromUtf8(segment(rest, 1));
    const TypeInfo *type = typeInfo(typeName);
    if (!type) {
        return error(404, QStringLiteral("NOT_FOUND"),
                     QStringLiteral("The requested resource does not exist: sObject type '%1' is "
                                    "not supported")
                         .arg(typeName));
    }
    const int parts = segmentCount(rest);
    const QByteArray &method = call.request.method;
    std::optional<Json> fields;
    if (method == "POST" || method == "PATCH") {
        fields = parseBody(call.request.body);
        if (!fields || !fields->is_object()) {
            return error(400, QStringLiteral("JSON_PARSER_ERROR"),
                         QStringLiteral("The request body must be a JSON object of fields."));
        }
    }
    if (parts == 2 && method == "POST") {
        return create(call, *type, *fields);
    }
    if (parts == 3) {
        auto record = store().find(name(), typeName, QString::fromUtf8(segment(rest, 2)));
        if (!record) {
            return error(404, QStringLiteral("NOT_FOUND"),
                         QStringLiteral("The requested resource does not exist"));
        }
        if (method == "GET") {
            return jsonResponse(200, record->body);
        }
        if (method == "PATCH") {
            return update(call, *type, *record, *fields);
        }
    }
    if (parts == 4 && (method == "PATCH" || method == "GET")) {
        const QString field = QString::fromUtf8(segment(rest, 2));
        const QString value = QUrl::fromPercentEncoding(segment(rest, 3));
        if (method == "PATCH") {
            return upsert(call, *type, field, value, *fields);
        }
        ListQuery select{name(), typeName};
        select.filters.append({QStringLiteral("$.") + field, value});
        const QList<Document> found = store().list(select);
        if (found.isEmpty()) {
            return error(404, QStringLiteral("NOT_FOUND"),
                         QStringLiteral("Provided external ID field does not exist or is not "
                                        "accessible: %1")
                             .arg(value));
        }
        return jsonResponse(200, found.first().body);
    }
    return error(405, QStringLiteral("METHOD_NOT_ALLOWED"),
                 QStringLiteral("HTTP Method '%1' not allowed.").arg(QString::fromLatin1(method)));
}

std::optional<ServerResponse> CrmSystem::validate(const TypeInfo &type, const Json &record)
{
    QStringList missing;
    for (const char *field : type.requiredFields) {
        if (!record.contains(field) || record[field].is_null()
            || (record[field].is_string() && record[field].get<std::string>().empty())) {
            missing.append(QLatin1String(field));
        }
    }
    if (!missing.isEmpty()) {
        return error(400, QStringLiteral("REQUIRED_FIELD_MISSING"),
                     QStringLiteral("Required fields are missing: [%1]")
                         .arg(missing.join(QStringLiteral(", "))),
                     missing);
    }
    for (const auto &[field, target] : type.references) {
        const QString id = text(record, field);
        if (!id.isEmpty() && !store().find(name(), QLatin1String(target), id)) {
            return error(400, QStringLiteral("INVALID_CROSS_REFERENCE_KEY"),
                         QStringLiteral("invalid cross reference id"), {QLatin1String(field)});
        }
    }
    if (record.contains("CloseDate")
        && !QDate::fromString(text(record, "CloseDate"), Qt::ISODate).isValid()) {
        return error(400, QStringLiteral("INVALID_TYPE_ON_FIELD_IN_RECORD"),
                     QStringLiteral("Close Date: value not of required type: %1")
                         .arg(text(record, "CloseDate")),
                     {QStringLiteral("CloseDate")});
    }
    for (const char *field : {"Quantity", "UnitPrice", "Amount"}) {
        if (record.contains(field) && !record[field].is_null() && !decimalOf(record[field])) {
            return error(400, QStringLiteral("INVALID_TYPE_ON_FIELD_IN_RECORD"),
                         QStringLiteral("%1: value not of required type: %2")
                             .arg(QLatin1String(field),
                                  QString::fromStdString(record[field].dump())),
                         {QLatin1String(field)});
        }
    }
    return std::nullopt;
}

ServerResponse CrmSystem::create(Call &call, const TypeInfo &type, const Json &fields)
{
    Json record = fields;
    record.erase("Id");
    record.erase("attributes");
    if (auto invalid = validate(type, record)) {
        return *invalid;
    }
    const QString typeName = QLatin1String(type.name);
    const QString id = vendorId(QLatin1String(type.keyPrefix) + QStringLiteral("5g0"),
                                store().next(QStringLiteral("crm:") + typeName), 12);
    if (typeName == QLatin1String("Account") && text(record, "Global_Account_Id__c").isEmpty()) {
        record["Global_Account_Id__c"] = QStringLiteral("ACC-%1")
                                             .arg(store().next(QStringLiteral("crm:global")), 6, 10,
                                                  QLatin1Char('0'))
                                             .toStdString();
    }
    record["attributes"] = {{"type", type.name},
                            {"url", (QString::fromLatin1(kApi) + QStringLiteral("/sobjects/")
                                     + typeName + QLatin1Char('/') + id)
                                        .toStdString()}};
    record["Id"] = id.toStdString();
    record["IsDeleted"] = false;
    record["CreatedDate"] = sfTime(call.nowMs);
    record["LastModifiedDate"] = sfTime(call.nowMs);
    record["SystemModstamp"] = sfTime(call.nowMs);
    if (typeName == QLatin1String("OpportunityLineItem")) {
        rollUp(call, record);
    }
    Document document;
    document.system = name();
    document.type = typeName;
    document.id = id;
    document.businessKey = *type.businessKey ? text(record, type.businessKey) : QString();
    document.body = record;
    document.origin = call.origin;
    document.createdMs = call.nowMs;
    auto stored = store().insert(document);
    if (!stored) {
        return error(500, QStringLiteral("UNKNOWN_EXCEPTION"), stored.error().message);
    }
    if (typeName == QLatin1String("Account")) {
        notify(call, QStringLiteral("account.created"), *stored, {});
    }
    if (typeName == QLatin1String("Opportunity")
        && text(record, "StageName") == QLatin1String("Closed Won")) {
        notify(call, QStringLiteral("opportunity.closedWon"), *stored,
               {QStringLiteral("StageName")});
    }
    return jsonResponse(201, {{"id", id.toStdString()}, {"success", true},
                              {"errors", Json::array()}});
}

ServerResponse CrmSystem::update(Call &call, const TypeInfo &type, Document record,
                                 const Json &fields)
{
    Json merged = record.body;
    QStringList changed;
    for (const auto &[field, value] : fields.items()) {
        if (field == "Id" || field == "attributes" || field == "CreatedDate") {
            continue;
        }
        if (!merged.contains(field) || merged[field] != value) {
            changed.append(QString::fromStdString(field));
        }
        merged[field] = value;
    }
    if (auto invalid = validate(type, merged)) {
        return *invalid;
    }
    if (changed.isEmpty()) {
        return ServerResponse{204, {}, {}};
    }
    const bool wonNow = text(merged, "StageName") == QLatin1String("Closed Won")
                        && text(record.body, "StageName") != QLatin1String("Closed Won");
    merged["LastModifiedDate"] = sfTime(call.nowMs);
    merged["SystemModstamp"] = sfTime(call.nowMs);
    if (record.type == QLatin1String("OpportunityLineItem")) {
        rollUp(call, merged);
    }
    (void) store().replace(name(), record.type, record.id, merged);
    record.body = merged;
    if (record.type == QLatin1String("Account")) {
        notify(call, QStringLiteral("account.changed"), record, changed);
    }
    if (record.type == QLatin1String("Opportunity") && wonNow) {
        notify(call, QStringLiteral("opportunity.closedWon"), record, changed);
    }
    return ServerResponse{204, {}, {}};
}

ServerResponse CrmSystem::upsert(Call &call, const TypeInfo &type, const QString &field,
                                 const QString &value, const Json &fields)
{
    ListQuery select{name(), QLatin1String(type.name)};
    select.filters.append({QStringLiteral("$.") + field, value});
    select.limit = 2;
    const QList<Document> found = store().list(select);
    if (found.size() > 1) {
        Json urls = Json::array();
        for (const Document &document : found) {
            urls.push_back(document.body["attributes"]["url"]);
        }
        return jsonResponse(300, urls);
    }
    if (found.isEmpty()) {
        Json record = fields;
        record[field.toStdString()] = value.toStdString();
        ServerResponse created = create(call, type, record);
        if (created.status != 201) {
            return created;
        }
        Json answer = Json::parse(created.body.toStdString());
        answer["created"] = true;
        return jsonResponse(201, answer);
    }
    const ServerResponse updated = update(call, type, found.first(), fields);
    if (updated.status >= 300) {
        return updated;
    }
    return jsonResponse(200, {{"id", found.first().id.toStdString()},
                              {"success", true},
                              {"errors", Json::array()},
                              {"created", false}});
}

void CrmSystem::rollUp(Call &call, Json &lineItem)
{
    const Decimal quantity = decimalOf(lineItem["Quantity"]).value_or(Decimal(0));
    const Decimal price = decimalOf(lineItem["UnitPrice"]).value_or(Decimal(0));
    lineItem["TotalPrice"] = number(quantity * price);
    if (const auto product = store().find(name(), QStringLiteral("Product2"),
                                          text(lineItem, "Product2Id"))) {
        lineItem["ProductCode"] = product->body.value("ProductCode", Json());
        if (!lineItem.contains("Name")) {
            lineItem["Name"] = product->body.value("Name", Json());
        }
    }
    auto opportunity = store().find(name(), QStringLiteral("Opportunity"),
                                    text(lineItem, "OpportunityId"));
    if (!opportunity) {
        return;
    }
    ListQuery items{name(), QStringLiteral("OpportunityLineItem")};
    items.filters.append({QStringLiteral("$.OpportunityId"), opportunity->id});
    items.limit = 10'000;
    Decimal amount = quantity * price;
    for (const Document &item : store().list(items)) {
        if (text(item.body, "Id") != text(lineItem, "Id")) {
            amount = amount + decimalOf(item.body["TotalPrice"]).value_or(Decimal(0));
        }
    }
    opportunity->body["Amount"] = number(amount);
    opportunity->body["LastModifiedDate"] = sfTime(call.nowMs);
    (void) store().replace(name(), opportunity->type, opportunity->id, opportunity->body);
}

void CrmSystem::notify(Call &call, const QString &type, const Document &record,
                       const QStringList &changed)
{
    Json changedFields = Json::array();
    for (const QString &field : changed) {
        changedFields.push_back(field.toStdString());
    }
    Json event = {{"id", QStringLiteral("evt_crm_%1")
                             .arg(store().next(QStringLiteral("crm:event")), 6, 10,
                                  QLatin1Char('0'))
                             .toStdString()},
                  {"type", type.toStdString()},
                  {"createdDate", sfTime(call.nowMs)},
                  {"sobject", record.body},
                  {"changedFields", changedFields}};
    if (record.type == QLatin1String("Opportunity")) {
        ListQuery items{name(), QStringLiteral("OpportunityLineItem")};
        items.filters.append({QStringLiteral("$.OpportunityId"), record.id});
        items.limit = 10'000;
        Json lineItems = Json::array();
        for (const Document &item : store().list(items)) {
            lineItems.push_back(item.body);
        }
        event["lineItems"] = lineItems;
        const auto account = store().find(name(), QStringLiteral("Account"),
                                          text(record.body, "AccountId"));
        event["account"] = account ? account->body : Json();
    }
    call.events.append({name(), std::move(event)});
}

ServerResponse CrmSystem::query(const Call &call, const QString &soql, qint64 afterSeq,
                                int remaining)
{
    static const QRegularExpression pattern(
        QStringLiteral(R"(^\s*SELECT\s+.+?\s+FROM\s+(\w+)(?:\s+WHERE\s+(\w+)\s*=\s*'([^']*)')?)"
                       R"((?:\s+LIMIT\s+(\d+))?\s*$)"),
        QRegularExpression::CaseInsensitiveOption);
    const QRegularExpressionMatch match = pattern.match(soql);
    if (!match.hasMatch() || !typeInfo(match.captured(1))) {
        return error(400, QStringLiteral("MALFORMED_QUERY"),
                     QStringLiteral("The sandbox understands SELECT … FROM <sObject> [WHERE "
                                    "Field = 'value'] [LIMIT n]; got: %1")
                         .arg(soql));
    }
    ListQuery select{name(), match.captured(1)};
    if (!match.captured(2).isEmpty()) {
        select.filters.append({QStringLiteral("$.") + match.captured(2), match.captured(3)});
    }
    const qint64 total = store().count(select);
    if (remaining < 0) {
        remaining = match.captured(4).isEmpty() ? int(std::min<qint64>(total, INT_MAX))
                                                : match.captured(4).toInt();
    }
    int batch = 200;
    const QByteArray options = call.request.header("sforce-query-options");
    if (options.startsWith("batchSize=")) {
        batch = std::clamp(options.mid(10).toInt(), 1, 2000);
    }
    select.afterSeq = afterSeq;
    select.limit = std::min(batch, remaining);
    const QList<Document> page = select.limit > 0 ? store().list(select) : QList<Document>();
    Json records = Json::array();
    for (const Document &document : page) {
        records.push_back(document.body);
    }
    const int left = remaining - int(page.size());
    const bool done = page.size() < select.limit || left <= 0;
    Json answer = {{"totalSize", std::min<qint64>(total, match.captured(4).isEmpty()
                                                             ? total
                                                             : match.captured(4).toLongLong())},
                   {"done", done},
                   {"records", records}};
    if (!done) {
        const QByteArray state = QByteArray::number(page.last().seq) + '|' + QByteArray::number(left)
                                 + '|' + soql.toUtf8();
        answer["nextRecordsUrl"] = "/crm" + kApi.toStdString() + "/query/01g"
                                   + state.toBase64(QByteArray::Base64UrlEncoding
                                                    | QByteArray::OmitTrailingEquals)
                                         .toStdString();
    }
    return jsonResponse(200, answer);
}

ServerResponse CrmSystem::queryMore(const Call &call, const QByteArray &locator)
{
    const QByteArray state = QByteArray::fromBase64(locator.mid(3),
                                                    QByteArray::Base64UrlEncoding
                                                        | QByteArray::OmitTrailingEquals);
    const QList<QByteArray> parts = state.split('|');
    if (!locator.startsWith("01g") || parts.size() < 3) {
        return error(400, QStringLiteral("INVALID_QUERY_LOCATOR"),
                     QStringLiteral("invalid query locator"));
    }
    const QByteArray soql = state.mid(parts[0].size() + parts[1].size() + 2);
    return query(call, QString::fromUtf8(soql), parts[0].toLongLong(), parts[1].toInt());
}

void CrmSystem::seed()
{
    static constexpr std::pair<const char *, const char *> kProducts[] = {
        {"CLOUD-STD", "Syncline Cloud Standard"}, {"CLOUD-PRO", "Syncline Cloud Professional"},
        {"CLOUD-ENT", "Syncline Cloud Enterprise"}, {"API-CALLS", "API calls"},
        {"ONBOARDING", "Onboarding package"},
    };
    const engine::net::ServerRequest request;
    Call call{request, QByteArray()};
    call.origin = QStringLiteral("seed");
    call.nowMs = QDateTime::currentMSecsSinceEpoch();
    for (const auto &[code, title] : kProducts) {
        (void) create(call, *typeInfo(QStringLiteral("Product2")),
                      {{"Name", title}, {"ProductCode", code}, {"IsActive", true},
                       {"Family", "Software"}});
    }
}

} // namespace syncline::sandbox
