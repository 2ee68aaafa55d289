#include "app/sandbox/faults.h"

#include <QDateTime>

#include <cmath>

namespace syncline::sandbox {

using engine::Error;
using engine::Result;

namespace {

Error invalid(const QString &message)
{
    return Error::make(QStringLiteral("SANDBOX_FAULTS"), message);
}

Json defaultRateLimits()
{
    return {{"erp", {{"requestsPerSecond", 5}, {"burst", 10}}}};
}

Result<qint64> parseTime(const Json &value, const QString &where)
{
    if (!value.is_string()) {
        return invalid(QStringLiteral("%1 must be an ISO 8601 time text").arg(where));
    }
    const QDateTime time = QDateTime::fromString(QString::fromStdString(value.get<std::string>()),
                                                 Qt::ISODateWithMs);
    if (!time.isValid()) {
        return invalid(QStringLiteral("%1 is not an ISO 8601 time such as "
                                      "2026-11-22T21:00:00Z")
                           .arg(where));
    }
    return time.toMSecsSinceEpoch();
}

} // namespace

Faults::Faults()
{
    restoreDefaults(1);
}

void Faults::restoreDefaults(quint64 seed)
{
    (void) configure({{"seed", seed}, {"rules", Json::array()},
                      {"rateLimits", defaultRateLimits()}});
}

bool Faults::Rule::matches(const QString &systemName, const QByteArray &requestMethod,
                           const QByteArray &requestPath) const
{
    if (system != QLatin1String("*") && system != systemName) {
        return false;
    }
    if (method != QLatin1String("*") && method.toLatin1() != requestMethod) {
        return false;
    }
    const QString full = QString::fromUtf8(requestPath);
    if (path.endsWith(QLatin1Char('*'))) {
        return full.startsWith(path.chopped(1));
    }
    return path.isEmpty() || full == path;
}

double Faults::Rule::draw()
{
    return double(random() >> 11) * 0x1.0p-53;
}

Result<Faults::Rule> Faults::parseRule(const Json &rule, int index, quint64 seed)
{
    const QString where = QStringLiteral("rules[%1]").arg(index);
    if (!rule.is_object()) {
        return invalid(where + QStringLiteral(" must be an object"));
    }
    Rule parsed;
    parsed.system = rule.contains("system") ? text(rule, "system") : QStringLiteral("*");
    parsed.method = rule.contains("method") ? text(rule, "method").toUpper() : QStringLiteral("*");
    parsed.path = text(rule, "path");
    const auto rate = [&](const char *member, double &target) -> Result<void> {
        if (!rule.contains(member)) {
            return {};
        }
        if (!rule[member].is_number() || rule[member].get<double>() < 0
            || rule[member].get<double>() > 1) {
            return invalid(QStringLiteral("%1.%2 must be a number from 0 to 1")
                               .arg(where, QLatin1String(member)));
        }
        target = rule[member].get<double>();
        return {};
    };
    if (auto r = rate("errorRate", parsed.errorRate); !r) {
        return r.error();
    }
    if (auto r = rate("resetRate", parsed.resetRate); !r) {
        return r.error();
    }
    if (rule.contains("errorStatus")) {
        if (!rule["errorStatus"].is_number_integer() || rule["errorStatus"].get<int>() < 400
            || rule["errorStatus"].get<int>() > 599) {
            return invalid(where + QStringLiteral(".errorStatus must be an HTTP status 400-599"));
        }
        parsed.errorStatus = rule["errorStatus"].get<int>();
    }
    if (rule.contains("latencyMs")) {
        if (!rule["latencyMs"].is_number_integer() || rule["latencyMs"].get<int>() < 0
            || rule["latencyMs"].get<int>() > 600'000) {
            return invalid(where + QStringLiteral(".latencyMs must be 0 to 600000"));
        }
        parsed.latencyMs = rule["latencyMs"].get<int>();
    }
    const Json downtime = rule.value("downtime", Json::array());
    if (!downtime.is_array()) {
        return invalid(where + QStringLiteral(".downtime must be an array of {start, end}"));
    }
    for (size_t i = 0; i < downtime.size(); ++i) {
        const QString at = QStringLiteral("%1.downtime[%2]").arg(where).arg(i);
        if (!downtime[i].is_object()) {
            return invalid(at + QStringLiteral(" must be an object {start, end}"));
        }
        const Result<qint64> start = parseTime(downtime[i].value("start", Json()),
                                               at + QStringLiteral(".start"));
        const Result<qint64> end = parseTime(downtime[i].value("end", Json()),
                                             at + QStringLiteral(".end"));
        if (!start || !end) {
            return !start ? start.error() : end.error();
        }
        parsed.downtime.append({*start, *end});
    }
    parsed.random.seed(seed * 1'000'003ULL + quint64(index));
    return parsed;
}

Result<void> Faults::configure(const Json &config)
{
    if (!config.is_object()) {
        return invalid(QStringLiteral("the fault configuration must be a JSON object"));
    }
    quint64 seed = 1;
    if (config.contains("seed")) {
        if (!config["seed"].is_number_unsigned()) {
            return invalid(QStringLiteral("seed must be a non-negative integer"));
        }
        seed = config["seed"].get<quint64>();
    }
    const Json rules = config.value("rules", Json::array());
    if (!rules.is_array()) {
        return invalid(QStringLiteral("rules must be an array"));
    }
    QList<Rule> parsed;
    for (size_t i = 0; i < rules.size(); ++i) {
        Result<Rule> rule = parseRule(rules[i], int(i), seed);
        if (!rule) {
            return rule.error();
        }
        parsed.append(std::move(*rule));
    }
    const Json limits = config.contains("rateLimits") ? config["rateLimits"] : defaultRateLimits();
    if (!limits.is_object()) {
        return invalid(QStringLiteral("rateLimits must be an object of systems"));
    }
    std::map<QString, Bucket> buckets;
    for (const auto &[system, limit] : limits.items()) {
        const double perSecond = limit.is_object() ? limit.value("requestsPerSecond", 0.0) : 0;
        const double burst = limit.is_object() ? limit.value("burst", perSecond) : 0;
        if (perSecond <= 0 || burst < 1) {
            return invalid(QStringLiteral("rateLimits.%1 needs requestsPerSecond > 0 and burst "
                                          ">= 1")
                               .arg(QString::fromStdString(system)));
        }
        buckets[QString::fromStdString(system)] = {perSecond, burst, burst, 0};
    }
    std::lock_guard lock(m_mutex);
    m_seed = seed;
    m_rules = std::move(parsed);
    m_buckets = std::move(buckets);
    m_configuration = {{"seed", seed}, {"rules", rules}, {"rateLimits", limits}};
    return {};
}

Json Faults::configuration() const
{
    std::lock_guard lock(m_mutex);
    return m_configuration;
}

Json Faults::describe() const
{
    std::lock_guard lock(m_mutex);
    Json described = m_configuration;
    for (int i = 0; i < m_rules.size(); ++i) {
        described["rules"][size_t(i)]["counts"] = {{"matched", m_rules[i].matched},
                                                   {"errors", m_rules[i].errors},
                                                   {"resets", m_rules[i].resets},
                                                   {"downtimeRefusals",
                                                    m_rules[i].downtimeRefusals}};
    }
    return described;
}

FaultDecision Faults::decide(const QString &system, const QByteArray &method,
                             const QByteArray &path, qint64 nowMs)
{
    FaultDecision decision;
    std::lock_guard lock(m_mutex);
    for (Rule &rule : m_rules) {
        if (!rule.matches(system, method, path)) {
            continue;
        }
        ++rule.matched;
        // Both draws are taken for every request so one request's fate never shifts the next's.
        const bool error = rule.draw() < rule.errorRate;
        const bool reset = rule.draw() < rule.resetRate;
        for (const auto &[start, end] : rule.downtime) {
            if (nowMs >= start && nowMs < end) {
                ++rule.downtimeRefusals;
                decision.refusal = Refusal::Unavailable;
                decision.status = 503;
                decision.retryAfterSeconds = int(std::max<qint64>(1, (end - nowMs + 999) / 1000));
                decision.detail = QStringLiteral("the service is down for maintenance until %1")
                                      .arg(isoTime(end));
                return decision;
            }
        }
        if (error) {
            ++rule.errors;
            decision.refusal = Refusal::Injected;
            decision.status = rule.errorStatus;
            decision.retryAfterSeconds = rule.errorStatus == 429 || rule.errorStatus == 503 ? 1
                                                                                           : 0;
            decision.detail = QStringLiteral("injected fault: HTTP %1").arg(rule.errorStatus);
            return decision;
        }
        decision.latencyMs = rule.latencyMs;
        decision.reset = reset;
        rule.resets += reset ? 1 : 0;
        break;
    }
    const auto bucket = m_buckets.find(system);
    if (bucket == m_buckets.end() || path.endsWith("/oauth2/token")) {
        return decision;
    }
    Bucket &b = bucket->second;
    if (b.lastMs > 0) {
        b.tokens = std::min(b.burst, b.tokens + double(nowMs - b.lastMs) * b.perSecond / 1000.0);
    }
    b.lastMs = nowMs;
    if (b.tokens >= 1) {
        b.tokens -= 1;
        return decision;
    }
    decision = {};
    decision.refusal = Refusal::RateLimited;
    decision.status = 429;
    decision.retryAfterSeconds = int(std::ceil((1 - b.tokens) / b.perSecond));
    decision.detail = QStringLiteral("request limit exceeded: at most %1 requests a second")
                          .arg(b.perSecond);
    return decision;
}

} // namespace syncline::sandbox
