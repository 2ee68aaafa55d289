#include "app/sandbox/erpsystem.h"

#include "engine/money/allocation.h"

#include <QDateTime>

namespace syncline::sandbox {

using engine::money::Decimal;
using engine::money::RoundingMode;
using engine::net::ServerResponse;

namespace {

const QStringList kSubsidiaries = {QStringLiteral("US01"), QStringLiteral("GB01"),
                                   QStringLiteral("DE01")};
const QStringList kTaxCodes = {QStringLiteral("US-EXEMPT"), QStringLiteral("US-STD"),
                               QStringLiteral("GB-STD"),    QStringLiteral("GB-ZERO"),
                               QStringLiteral("DE-STD"),    QStringLiteral("DE-REV"),
                               QStringLiteral("NONE")};
const QString kDateFormat = QStringLiteral("dd/MM/yyyy");

struct RecordInfo
{
    const char *path;
    const char *type;
    const char *numberPrefix;
    int digits;
};

constexpr RecordInfo kRecords[] = {
    {"customers", "customer", "C-", 5},
    {"salesOrders", "salesOrder", "SO-", 6},
    {"invoices", "invoice", "INV-", 6},
    {"journalEntries", "journalEntry", "JE-", 6},
    {"revenueSchedules", "revenueSchedule", "RS-", 6},
};

const RecordInfo *recordInfo(const QByteArray &path)
{
    for (const RecordInfo &info : kRecords) {
        if (path == info.path) {
            return &info;
        }
    }
    return nullptr;
}

std::string msDate(qint64 ms)
{
    return "/Date(" + std::to_string(ms) + "+0000)/";
}

std::string money(const Decimal &value)
{
    return value.rounded(2, RoundingMode::HalfEven).toStdString();
}

QString period(const QDate &date)
{
    return date.toString(QStringLiteral("yyyy-MM"));
}

const char *statusType(int status)
{
    switch (status) {
    case 401:
        return "https://www.rfc-editor.org/rfc/rfc9110.html#section-15.5.2";
    case 404:
        return "https://www.rfc-editor.org/rfc/rfc9110.html#section-15.5.5";
    case 405:
        return "https://www.rfc-editor.org/rfc/rfc9110.html#section-15.5.6";
    case 429:
        return "https://www.rfc-editor.org/rfc/rfc6585.html#section-4";
    case 503:
        return "https://www.rfc-editor.org/rfc/rfc9110.html#section-15.6.4";
    default:
        return status >= 500 ? "https://www.rfc-editor.org/rfc/rfc9110.html#section-15.6.1"
                             : "https://www.rfc-editor.org/rfc/rfc9110.html#section-15.5.1";
    }
}

const char *statusTitle(int status)
{
    switch (status) {
    case 400:
        return "Bad Request";
    case 401:
        return "Unauthorized";
    case 404:
        return "Not Found";
    case 429:
        return "Too Many Requests";
    case 503:
        return "Service Unavailable";
    default:
        return status >= 500 ? "Internal Server Error" : "Client Error";
    }
}

} // namespace

const std::map<QString, QString> &ErpSystem::chartOfAccounts()
{
    static const std::map<QString, QString> kChart = {
        {QStringLiteral("1100"), QStringLiteral("Accounts receivable")},
        {QStringLiteral("1200"), QStringLiteral("Cash")},
        {QStringLiteral("2100"), QStringLiteral("Sales tax payable")},
        {QStringLiteral("2400"), QStringLiteral("Deferred revenue")},
        {QStringLiteral("4000"), QStringLiteral("Subscription revenue")},
        {QStringLiteral("4100"), QStringLiteral("Usage revenue")},
        {QStringLiteral("4200"), QStringLiteral("Professional services revenue")},
        {QStringLiteral("4900"), QStringLiteral("Other revenue")},
        {QStringLiteral("5000"), QStringLiteral("Cost of revenue")},
    };
    return kChart;
}

ServerResponse ErpSystem::error(int status, const QString &code, const QString &detail,
                                const QString &path) const
{
    Json item = {{"detail", detail.toStdString()}, {"o:errorCode", code.toStdString()}};
    if (!path.isEmpty()) {
        item["o:errorPath"] = path.toStdString();
    }
    return jsonResponse(status, {{"type", statusType(status)},
                                 {"title", statusTitle(status)},
                                 {"status", status},
                                 {"o:errorDetails", Json::array({item})}});
}

ServerResponse ErpSystem::refuse(Refusal refusal, int status, const QString &detail) const
{
    switch (refusal) {
    case Refusal::Unauthorized:
        return error(status, QStringLiteral("INVALID_LOGIN"), detail);
    case Refusal::NotFound:
        return error(status, QStringLiteral("NONEXISTENT_ID"), detail);
    case Refusal::BadRequest:
        return error(status, QStringLiteral("USER_ERROR"), detail);
    case Refusal::RateLimited:
        return error(status, QStringLiteral("CONCURRENCY_LIMIT_EXCEEDED"),
                     QStringLiteral("Request limit exceeded. %1").arg(detail));
    case Refusal::Unavailable:
        return error(status, QStringLiteral("SERVICE_UNAVAILABLE"), detail);
    default:
        return error(status, status == 429 ? QStringLiteral("CONCURRENCY_LIMIT_EXCEEDED")
                                           : QStringLiteral("UNEXPECTED_ERROR"),
                     detail);
    }
}

std::optional<ServerResponse> ErpSystem::authenticate(const Call &call)
{
    if (call.path == "/oauth2/token") {
        return std::nullopt;
    }
    if (tokenValid(store(), name(), bearerToken(call.request), call.nowMs)) {
        return std::nullopt;
    }
    return error(401, QStringLiteral("INVALID_LOGIN"),
                 QStringLiteral("Invalid login attempt. Get a token from /erp/oauth2/token "
                                "(client credentials) and send it as Authorization: Bearer."));
}

ServerResponse ErpSystem::handle(Call &call)
{
    const QByteArray &method = call.request.method;
    if (call.path == "/oauth2/token") {
        if (method != "POST") {
            return error(405, QStringLiteral("METHOD_NOT_ALLOWED"), QStringLiteral("use POST"));
        }
        return issueToken(store(), name(), call.request,
                          credentials().value(QStringLiteral("erp/oauth-client-secret")),
                          call.nowMs);
    }
    if (segment(call.path, 0) != "api" || segment(call.path, 1) != "v1") {
        return error(404, QStringLiteral("NONEXISTENT_ID"),
                     QStringLiteral("No such resource: %1").arg(QString::fromUtf8(call.path)));
    }
    const QByteArray record = segment(call.path, 2);
    const QString id = QString::fromUtf8(segment(call.path, 3));
    const int parts = segmentCount(call.path);
    if (record == "accounts" && method == "GET" && parts == 3) {
        return accounts();
    }
    if (record == "accountingPeriods" && method == "GET" && parts == 3) {
        return periods(call);
    }
    if (!recordInfo(record) || parts > 4) {
        return error(404, QStringLiteral("NONEXISTENT_ID"),
                     QStringLiteral("No such record type: %1").arg(QString::fromUtf8(record)));
    }
    std::optional<Json> body;
    if (method == "POST" || method == "PUT") {
        body = parseBody(call.request.body);
        if (!body || !body->is_object()) {
            return error(400, QStringLiteral("INVALID_CONTENT"),
                         QStringLiteral("The request body must be a JSON object."));
        }
    }
    if (parts == 3 && method == "GET") {
        return list(call, record);
    }
    if (parts == 3 && method == "POST") {
        return create(call, record, *body);
    }
    if (parts == 4 && method == "GET") {
        return get(record, id);
    }
    if (parts == 4 && method == "PUT" && record == "customers" && id.startsWith(QLatin1String("eid:"))) {
        return upsertCustomer(call, id.mid(4), *body);
    }
    return error(405, QStringLiteral("METHOD_NOT_ALLOWED"),
                 QStringLiteral("%1 is not supported on %2")
                     .arg(QString::fromLatin1(method), QString::fromUtf8(call.request.path)));
}

ServerResponse ErpSystem::accounts() const
{
    Json items = Json::array();
    for (const auto &[code, title] : chartOfAccounts()) {
        items.push_back({{"AccountCode", code.toStdString()}, {"Name", title.toStdString()},
                         {"Type", code.startsWith(QLatin1Char('4')) ? "Income"
                                  : code.startsWith(QLatin1Char('5')) ? "Expense"
                                  : code.startsWith(QLatin1Char('1')) ? "Asset"
                                                                      : "Liability"}});
    }
    return jsonResponse(200, {{"items", items}, {"count", items.size()}, {"hasMore", false},
                              {"offset", 0}, {"totalResults", items.size()}});
}

QString ErpSystem::periodState(const QDate &month, qint64 nowMs)
{
    const QString name = period(month);
    const std::optional<Json> overrides = store().setting(QStringLiteral("erp:periods"));
    if (overrides && overrides->contains(name.toStdString())) {
        return QString::fromStdString((*overrides)[name.toStdString()].get<std::string>());
    }
    const QDate today = QDateTime::fromMSecsSinceEpoch(nowMs, Qt::UTC).date();
    const QDate current(today.year(), today.month(), 1);
    const QDate first(month.year(), month.month(), 1);
    return first == current || first == current.addMonths(-1) ? QStringLiteral("open")
                                                               : QStringLiteral("closed");
}

ServerResponse ErpSystem::periods(const Call &call)
{
    const QDate today = QDateTime::fromMSecsSinceEpoch(call.nowMs, Qt::UTC).date();
    const QDate current(today.year(), today.month(), 1);
    Json items = Json::array();
    for (int offset = -12; offset <= 3; ++offset) {
        const QDate month = current.addMonths(offset);
        items.push_back({{"Period", period(month).toStdString()},
                         {"StartDate", month.toString(kDateFormat).toStdString()},
                         {"EndDate", month.addMonths(1).addDays(-1).toString(kDateFormat)
                                         .toStdString()},
                         {"Status", periodState(month, call.nowMs) == QLatin1String("open")
                                        ? "OPEN"
                                        : "CLOSED"}});
    }
    return jsonResponse(200, {{"items", items}, {"count", items.size()}, {"hasMore", false},
                              {"offset", 0}, {"totalResults", items.size()}});
}

ErpSystem::Failure ErpSystem::required(const Json &body,
                                       std::initializer_list<const char *> members,
                                       const QString &prefix) const
{
    for (const char *member : members) {
        if (!body.contains(member) || body[member].is_null()
            || (body[member].is_string() && body[member].get<std::string>().empty())) {
            return error(400, QStringLiteral("USER_ERROR"),
                         QStringLiteral("Please enter value(s) for: %1").arg(QLatin1String(member)),
                         prefix + QLatin1String(member));
        }
    }
    return std::nullopt;
}

ErpSystem::Failure ErpSystem::decimal(const Json &value, const QString &path, Decimal &out,
                                      bool isRequired) const
{
    if (value.is_null()) {
        if (isRequired) {
            return error(400, QStringLiteral("USER_ERROR"),
                         QStringLiteral("Please enter a value for %1").arg(path), path);
        }
        out = Decimal(0);
        return std::nullopt;
    }
    const std::string text = value.is_string() ? value.get<std::string>()
                             : value.is_number() ? value.dump()
                                                 : std::string();
    const auto parsed = Decimal::parse(std::string_view(text));
    if (!parsed || !parsed->fitsScale(2)) {
        return error(400, QStringLiteral("INVALID_AMOUNT"),
                     QStringLiteral("Invalid amount %1: a decimal with at most 2 fraction digits "
                                    "is expected")
                         .arg(QString::fromStdString(value.dump())),
                     path);
    }
    out = *parsed;
    return std::nullopt;
}

ErpSystem::Failure ErpSystem::date(const Json &body, const char *member, QDate &out,
                                   bool isRequired) const
{
    const QString value = text(body, member);
    if (value.isEmpty()) {
        if (isRequired) {
            return required(body, {member});
        }
        return std::nullopt;
    }
    out = QDate::fromString(value, kDateFormat);
    if (!out.isValid()) {
        return error(400, QStringLiteral("INVALID_DATE_FORMAT"),
                     QStringLiteral("Invalid date value %1 (must be dd/MM/yyyy)").arg(value),
                     QLatin1String(member));
    }
    return std::nullopt;
}

ErpSystem::Failure ErpSystem::account(const Json &line, const char *member,
                                      const QString &path) const
{
    const QString code = text(line, member);
    if (code.isEmpty()) {
        return error(400, QStringLiteral("USER_ERROR"),
                     QStringLiteral("Please enter value(s) for: %1").arg(QLatin1String(member)),
                     path + QLatin1String(member));
    }
    if (!chartOfAccounts().contains(code)) {
        return error(400, QStringLiteral("INVALID_KEY_OR_REF"),
                     QStringLiteral("Invalid account reference key %1.").arg(code),
                     path + QLatin1String(member));
    }
    return std::nullopt;
}

ErpSystem::Failure ErpSystem::openPeriod(const QDate &day, const QString &path, qint64 nowMs)
{
    if (periodState(day, nowMs) == QLatin1String("open")) {
        return std::nullopt;
    }
    return error(400, QStringLiteral("PERIOD_CLOSED"),
                 QStringLiteral("The accounting period %1 is closed to posting (posting is open "
                                "for the current and the previous month).")
                     .arg(period(day)),
                 path);
}

std::optional<Document> ErpSystem::customer(const QString &number)
{
    return store().find(name(), QStringLiteral("customer"), number);
}

Document ErpSystem::keep(Call &call, const QString &type, const QString &id, Json body)
{
    Document document;
    document.system = name();
    document.type = type;
    document.id = id;
    document.businessKey = text(body, "ExternalReference");
    document.body = std::move(body);
    document.origin = call.origin;
    document.createdMs = call.nowMs;
    auto stored = store().insert(document);
    return stored ? *stored : document;
}

ErpSystem::Failure ErpSystem::checkCustomer(const Json &body, bool creating) const
{
    if (creating) {
        if (auto missing = required(body, {"Name", "Subsidiary", "Currency"})) {
            return missing;
        }
    }
    if (body.contains("Subsidiary") && !kSubsidiaries.contains(text(body, "Subsidiary"))) {
        return error(400, QStringLiteral("INVALID_KEY_OR_REF"),
                     QStringLiteral("Invalid subsidiary reference key %1.")
                         .arg(text(body, "Subsidiary")),
                     QStringLiteral("Subsidiary"));
    }
    if (body.contains("Currency") && text(body, "Currency").size() != 3) {
        return error(400, QStringLiteral("INVALID_KEY_OR_REF"),
                     QStringLiteral("Invalid currency reference key %1.")
                         .arg(text(body, "Currency")),
                     QStringLiteral("Currency"));
    }
    return std::nullopt;
}

Json ErpSystem::customerBody(const Call &call, const Json &body, const Json &existing)
{
    Json customer = existing;
    for (const char *member : {"Name", "LegalName", "Subsidiary", "Currency", "TaxRegistration",
                               "ExternalReference", "Email", "Address", "Phone"}) {
        if (body.contains(member)) {
            customer[member] = body[member];
        } else if (!customer.contains(member)) {
            customer[member] = nullptr;
        }
    }
    customer["Currency"] = text(customer, "Currency").toUpper().toStdString();
    customer["LastModifiedDate"] = msDate(call.nowMs);
    return customer;
}

ServerResponse ErpSystem::upsertCustomer(Call &call, const QString &reference, const Json &body)
{
    ListQuery query{name(), QStringLiteral("customer")};
    query.filters.append({QStringLiteral("$.ExternalReference"), reference});
    query.limit = 1;
    const QList<Document> found = store().list(query);
    if (found.isEmpty()) {
        Json created = body;
        created["ExternalReference"] = reference.toStdString();
        return create(call, "customers", created);
    }
    if (auto failed = checkCustomer(body, false)) {
        return *failed;
    }
    Json updated = customerBody(call, body, found.first().body);
    updated["ExternalReference"] = reference.toStdString();
    (void) store().replace(name(), QStringLiteral("customer"), found.first().id, updated);
    return jsonResponse(200, updated);
}

ServerResponse ErpSystem::create(Call &call, const QByteArray &record, const Json &body)
{
    const RecordInfo *info = recordInfo(record);
    const qint64 internalId = store().next(QStringLiteral("erp:internal"));
    const QString number = QStringLiteral("%1%2")
                               .arg(QLatin1String(info->numberPrefix))
                               .arg(store().next(QStringLiteral("erp:") + QLatin1String(info->type)),
                                    info->digits, 10, QLatin1Char('0'));
    Json document;
    if (record == "customers") {
        if (auto failed = checkCustomer(body, true)) {
            return *failed;
        }
        document = customerBody(call, body, {{"InternalId", internalId},
                                             {"CustomerNumber", number.toStdString()},
                                             {"Status", "ACTIVE"},
                                             {"CreatedDate", msDate(call.nowMs)}});
    } else {
        document = {{"InternalId", internalId}, {"DocumentNumber", number.toStdString()},
                    {"CreatedDate", msDate(call.nowMs)}};
        if (auto failed = transaction(call, record, body, document)) {
            return *failed;
        }
    }
    const Document stored = keep(call, QLatin1String(info->type), number, document);
    return jsonResponse(201, stored.body);
}

ErpSystem::Failure ErpSystem::transaction(Call &call, const QByteArray &record, const Json &body,
                                          Json &document)
{
    for (const char *member : {"ExternalReference", "Memo", "InvoiceNumber", "SourceDocument"}) {
        if (body.contains(member)) {
            document[member] = body[member];
        }
    }
    if (!document.contains("ExternalReference")) {
        document["ExternalReference"] = nullptr;
    }
    if (record == "revenueSchedules") {
        return schedule(call, body, document);
    }
    const bool journal = record == "journalEntries";
    if (auto missing = required(body, journal ? std::initializer_list<const char *>{
                                                    "TranDate", "Subsidiary", "Currency", "Lines"}
                                              : std::initializer_list<const char *>{
                                                  "CustomerNumber", "TranDate", "Currency",
                                                  "Lines"})) {
        return missing;
    }
    const QString currency = text(body, "Currency").toUpper();
    document["Currency"] = currency.toStdString();
    if (!journal) {
        const auto customer = this->customer(text(body, "CustomerNumber"));
        if (!customer) {
            return error(400, QStringLiteral("INVALID_KEY_OR_REF"),
                         QStringLiteral("Invalid customer reference key %1.")
                             .arg(text(body, "CustomerNumber")),
                         QStringLiteral("CustomerNumber"));
        }
        if (text(customer->body, "Currency") != currency) {
            return error(400, QStringLiteral("CURRENCY_MISMATCH"),
                         QStringLiteral("Customer %1 trades in %2; the document is in %3.")
                             .arg(customer->id, text(customer->body, "Currency"), currency),
                         QStringLiteral("Currency"));
        }
        document["CustomerNumber"] = customer->id.toStdString();
        document["Subsidiary"] = customer->body["Subsidiary"];
    } else if (!kSubsidiaries.contains(text(body, "Subsidiary"))) {
        return error(400, QStringLiteral("INVALID_KEY_OR_REF"),
                     QStringLiteral("Invalid subsidiary reference key %1.")
                         .arg(text(body, "Subsidiary")),
                     QStringLiteral("Subsidiary"));
    } else {
        document["Subsidiary"] = body["Subsidiary"];
    }
    QDate tranDate;
    QDate dueDate;
    if (auto failed = date(body, "TranDate", tranDate, true)) {
        return failed;
    }
    if (auto failed = date(body, "DueDate", dueDate, false)) {
        return failed;
    }
    document["TranDate"] = tranDate.toString(kDateFormat).toStdString();
    document["Period"] = period(tranDate).toStdString();
    if (record == "invoices") {
        document["DueDate"] = (dueDate.isValid() ? dueDate : tranDate.addDays(30))
                                  .toString(kDateFormat)
                                  .toStdString();
    }
    if (record != "salesOrders") {
        if (auto closed = openPeriod(tranDate, QStringLiteral("TranDate"), call.nowMs)) {
            return closed;
        }
    }
    if (journal) {
        document["Type"] = "JournalEntry";
        document["Status"] = "POSTED";
        return journalLines(body, document);
    }
    document["Type"] = record == "invoices" ? "Invoice" : "SalesOrder";
    document["Status"] = record == "invoices" ? "OPEN" : "PENDING_FULFILLMENT";
    return lines(record, body, document);
}

ErpSystem::Failure ErpSystem::lines(const QByteArray &record, const Json &body, Json &document)
{
    const Json &input = body["Lines"];
    if (!input.is_array() || input.empty()) {
        return error(400, QStringLiteral("USER_ERROR"),
                     QStringLiteral("You must enter at least one line item."),
                     QStringLiteral("Lines"));
    }
    const bool invoice = record == "invoices";
    Decimal subtotal(0);
    Decimal taxTotal(0);
    Json lines = Json::array();
    for (size_t i = 0; i < input.size(); ++i) {
        const Json &line = input[i];
        const QString path = QStringLiteral("Lines[%1].").arg(i);
        if (!line.is_object()) {
            return error(400, QStringLiteral("USER_ERROR"), QStringLiteral("A line must be an "
                                                                           "object."),
                         path.chopped(1));
        }
        Decimal quantity(1);
        Decimal rate;
        Decimal amount;
        Decimal tax;
        if (line.contains("Quantity")) {
            if (auto failed = decimal(line["Quantity"], path + QStringLiteral("Quantity"),
                                      quantity, true)) {
                return failed;
            }
        }
        const bool hasRate = line.contains("Rate") && !line["Rate"].is_null();
        const bool hasAmount = line.contains("Amount") && !line["Amount"].is_null();
        if (!hasRate && !hasAmount) {
            return error(400, QStringLiteral("USER_ERROR"),
                         QStringLiteral("Please enter value(s) for: Rate or Amount"),
                         path + QStringLiteral("Amount"));
        }
        if (hasRate) {
            if (auto failed = decimal(line["Rate"], path + QStringLiteral("Rate"), rate, true)) {
                return failed;
            }
        }
        if (hasAmount) {
            if (auto failed = decimal(line["Amount"], path + QStringLiteral("Amount"), amount,
                                      true)) {
                return failed;
            }
        }
        if (hasRate && !hasAmount) {
            amount = (quantity * rate).rounded(2, RoundingMode::HalfEven);
        } else if (hasRate && (quantity * rate).rounded(2, RoundingMode::HalfEven) != amount) {
            return error(400, QStringLiteral("INVALID_AMOUNT"),
                         QStringLiteral("Amount %1 is not Quantity × Rate (%2 × %3).")
                             .arg(amount.toString(), quantity.toString(), rate.toString()),
                         path + QStringLiteral("Amount"));
        }
        if (auto failed = decimal(line.value("TaxAmount", Json()),
                                  path + QStringLiteral("TaxAmount"), tax, false)) {
            return failed;
        }
        if (invoice || line.contains("AccountCode")) {
            if (auto failed = account(line, "AccountCode", path)) {
                return failed;
            }
        }
        if (invoice) {
            const QString taxCode = text(line, "TaxCode");
            if (taxCode.isEmpty()) {
                return error(400, QStringLiteral("MISSING_TAX_CODE"),
                             QStringLiteral("Line %1 has no tax code.").arg(i + 1),
                             path + QStringLiteral("TaxCode"));
            }
            if (!kTaxCodes.contains(taxCode)) {
                return error(400, QStringLiteral("INVALID_TAX_CODE"),
                             QStringLiteral("Invalid tax code reference key %1.").arg(taxCode),
                             path + QStringLiteral("TaxCode"));
            }
        }
        Json stored = line;
        stored["Line"] = i + 1;
        stored["Quantity"] = quantity.normalized().toStdString();
        stored["Amount"] = money(amount);
        if (hasRate) {
            stored["Rate"] = rate.toStdString();
        }
        stored["TaxAmount"] = money(tax);
        subtotal = subtotal + amount;
        taxTotal = taxTotal + tax;
        lines.push_back(std::move(stored));
    }
    document["Lines"] = lines;
    document["SubTotal"] = money(subtotal);
    document["TaxTotal"] = money(taxTotal);
    document["Total"] = money(subtotal + taxTotal);
    if (invoice) {
        document["AmountRemaining"] = document["Total"];
    }
    return std::nullopt;
}

ErpSystem::Failure ErpSystem::journalLines(const Json &body, Json &document)
{
    const Json &input = body["Lines"];
    if (!input.is_array() || input.size() < 2) {
        return error(400, QStringLiteral("USER_ERROR"),
                     QStringLiteral("A journal entry needs at least two lines."),
                     QStringLiteral("Lines"));
    }
    Decimal debits(0);
    Decimal credits(0);
    Json lines = Json::array();
    for (size_t i = 0; i < input.size(); ++i) {
        const Json &line = input[i];
        const QString path = QStringLiteral("Lines[%1].").arg(i);
        if (auto failed = account(line, "AccountCode", path)) {
            return failed;
        }
        Decimal debit;
        Decimal credit;
        if (auto failed = decimal(line.value("Debit", Json()), path + QStringLiteral("Debit"),
                                  debit, false)) {
            return failed;
        }
        if (auto failed = decimal(line.value("Credit", Json()), path + QStringLiteral("Credit"),
                                  credit, false)) {
            return failed;
        }
        Json stored = line;
        stored["Line"] = i + 1;
        stored["Debit"] = money(debit);
        stored["Credit"] = money(credit);
        debits = debits + debit;
        credits = credits + credit;
        lines.push_back(std::move(stored));
    }
    if (debits != credits) {
        return error(400, QStringLiteral("UNBALANCED_TRANSACTION"),
                     QStringLiteral("The transaction is out of balance: debits %1, credits %2.")
                         .arg(QString::fromStdString(money(debits)),
                              QString::fromStdString(money(credits))),
                     QStringLiteral("Lines"));
    }
    document["Lines"] = lines;
    document["Total"] = money(debits);
    return std::nullopt;
}

ErpSystem::Failure ErpSystem::schedule(Call &call, const Json &body, Json &document)
{
    if (auto missing = required(body, {"CustomerNumber", "Amount", "Currency", "StartDate",
                                       "EndDate", "AccountCode", "DeferredAccountCode"})) {
        return missing;
    }
    const auto customer = this->customer(text(body, "CustomerNumber"));
    if (!customer) {
        return error(400, QStringLiteral("INVALID_KEY_OR_REF"),
                     QStringLiteral("Invalid customer reference key %1.")
                         .arg(text(body, "CustomerNumber")),
                     QStringLiteral("CustomerNumber"));
    }
    const QString currency = text(body, "Currency").toUpper();
    if (text(customer->body, "Currency") != currency) {
        return error(400, QStringLiteral("CURRENCY_MISMATCH"),
                     QStringLiteral("Customer %1 trades in %2; the schedule is in %3.")
                         .arg(customer->id, text(customer->body, "Currency"), currency),
                     QStringLiteral("Currency"));
    }
    for (const char *member : {"AccountCode", "DeferredAccountCode"}) {
        if (auto failed = account(body, member, QString())) {
            return failed;
        }
    }
    Decimal amount;
    if (auto failed = decimal(body["Amount"], QStringLiteral("Amount"), amount, true)) {
        return failed;
    }
    QDate start;
    QDate end;
    if (auto failed = date(body, "StartDate", start, true)) {
        return failed;
    }
    if (auto failed = date(body, "EndDate", end, true)) {
        return failed;
    }
    if (end < start) {
        return error(400, QStringLiteral("USER_ERROR"),
                     QStringLiteral("EndDate is before StartDate."), QStringLiteral("EndDate"));
    }
    if (auto closed = openPeriod(start, QStringLiteral("StartDate"), call.nowMs)) {
        return closed;
    }
    const int months = (end.year() - start.year()) * 12 + end.month() - start.month() + 1;
    const auto parts = engine::money::allocateEvenly(amount.rounded(2, RoundingMode::HalfEven),
                                                     months, 2);
    if (!parts) {
        return error(400, QStringLiteral("INVALID_AMOUNT"), parts.error().message,
                     QStringLiteral("Amount"));
    }
    Json lines = Json::array();
    for (int i = 0; i < months; ++i) {
        lines.push_back({{"Line", i + 1},
                         {"Period", period(start.addMonths(i)).toStdString()},
                         {"Amount", money((*parts)[i])},
                         {"Status", "PLANNED"}});
    }
    document["Type"] = "RevenueSchedule";
    document["Status"] = "IN_PROGRESS";
    document["CustomerNumber"] = customer->id.toStdString();
    document["Currency"] = currency.toStdString();
    document["Amount"] = money(amount);
    document["StartDate"] = start.toString(kDateFormat).toStdString();
    document["EndDate"] = end.toString(kDateFormat).toStdString();
    document["AccountCode"] = body["AccountCode"];
    document["DeferredAccountCode"] = body["DeferredAccountCode"];
    document["Method"] = body.value("Method", "STRAIGHT_LINE");
    document["Lines"] = lines;
    return std::nullopt;
}

ServerResponse ErpSystem::get(const QByteArray &record, const QString &id)
{
    const RecordInfo *info = recordInfo(record);
    std::optional<Document> document = store().find(name(), QLatin1String(info->type), id);
    if (!document) {
        bool numeric = false;
        const qint64 internalId = id.toLongLong(&numeric);
        if (numeric) {
            ListQuery query{name(), QLatin1String(info->type)};
            query.filters.append({QStringLiteral("$.InternalId"), QString::number(internalId)});
            query.limit = 1;
            const QList<Document> found = store().list(query);
            if (!found.isEmpty()) {
                document = found.first();
            }
        }
    }
    if (!document) {
        return error(404, QStringLiteral("NONEXISTENT_ID"),
                     QStringLiteral("That record does not exist. %1 %2")
                         .arg(QString::fromUtf8(record), id));
    }
    return jsonResponse(200, document->body);
}

ServerResponse ErpSystem::list(const Call &call, const QByteArray &record)
{
    const RecordInfo *info = recordInfo(record);
    ListQuery query{name(), QLatin1String(info->type)};
    for (const char *filter : {"ExternalReference", "CustomerNumber"}) {
        const QByteArray value = call.request.queryValue(filter);
        if (!value.isEmpty()) {
            query.filters.append({QStringLiteral("$.") + QLatin1String(filter),
                                  QString::fromUtf8(value)});
        }
    }
    query.limit = queryInt(call.request, "limit", 100, 1, 1000);
    query.offset = queryInt(call.request, "offset", 0, 0, std::numeric_limits<int>::max());
    const qint64 total = store().count(query);
    Json items = Json::array();
    for (const Document &document : store().list(query)) {
        items.push_back(document.body);
    }
    const bool more = query.offset + qint64(items.size()) < total;
    Json links = Json::array();
    if (more) {
        links.push_back({{"rel", "next"},
                         {"href", QStringLiteral("/erp/api/v1/%1?limit=%2&offset=%3")
                                      .arg(QString::fromUtf8(record))
                                      .arg(query.limit)
                                      .arg(query.offset + query.limit)
                                      .toStdString()}});
    }
    return jsonResponse(200, {{"items", items},
                              {"count", items.size()},
                              {"offset", query.offset},
                              {"totalResults", total},
                              {"hasMore", more},
                              {"links", links}});
}

} // namespace syncline::sandbox
