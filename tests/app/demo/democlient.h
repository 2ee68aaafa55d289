#pragma once

// What the demo test (tst_demo) reads and drives through HTTP: the sandbox's control endpoints and
// its systems' APIs, the engine's admin API — the same calls an operator or a system would make.
// TestDemo derives from DemoClient, so its test functions call these as their own.

#include "engine/net/httpclient.h"

#include <QHash>
#include <QMultiHash>
#include <QRegularExpression>
#include <QString>
#include <QStringList>
#include <QUrl>

#include <nlohmann/json.hpp>

#include <cstdlib>
#include <utility>

namespace syncline::tests::demo {

using Json = nlohmann::json;
namespace net = syncline::engine::net;

// SYNCLINE_DEMO_SOAK_SECONDS=600 turns the run into the soak (bench/soak/run.sh): the demo's
// traffic at the demo's rate and share of bad data for that long, while the ERP answers 10 % of
// requests with 503 and resets the connection after committing 5 % — then the same checks.
inline int soakSeconds()
{
    return qEnvironmentVariableIntValue("SYNCLINE_DEMO_SOAK_SECONDS");
}

inline Json parse(const QByteArray &body)
{
    return Json::parse(body.constData(), body.constData() + body.size(), nullptr, false);
}

inline QString text(const Json &value)
{
    return QString::fromStdString(value.is_string() ? value.get<std::string>() : value.dump());
}

// Minor units as the ERP's decimal string ("120000" USD → "1200.00").
inline QString major(qint64 minor)
{
    const QString sign = minor < 0 ? QStringLiteral("-") : QString();
    minor = std::llabs(minor);
    return sign + QStringLiteral("%1.%2").arg(minor / 100).arg(minor % 100, 2, 10, QLatin1Char('0'));
}

inline QString decimal2(const Json &number)
{
    return QString::number(number.get<double>(), 'f', 2);
}

// The flows of a lineage graph's messages and its effects' external ids as name=value.
inline std::pair<QStringList, QStringList> lineageSummary(const Json &graph)
{
    QStringList flows;
    QStringList externalIds;
    for (const Json &message : graph.value("messages", Json::array())) {
        flows.append(text(message["flow"]));
        for (const Json &effect : message.value("effects", Json::array())) {
            const Json ids = effect.value("externalIds", Json::object());
            for (auto it = ids.begin(); it != ids.end(); ++it) {
                externalIds.append(QString::fromStdString(it.key()) + u'=' + text(it.value()));
            }
        }
    }
    return {flows, externalIds};
}

class DemoClient
{
protected:
    QString m_sandboxUrl;
    QString m_engineUrl;
    QByteArray m_token;
    net::HttpClient m_http;
    QByteArray m_erpAuth;
    QByteArray m_crmAuth;

    net::HttpResponse call(const QByteArray &method, const QString &url, const QByteArray &body = {},
                           net::HttpHeaders headers = {})
    {
        net::HttpRequest request;
        request.method = method;
        request.url = url;
        request.body = body;
        request.headers = std::move(headers);
        if (!body.isEmpty()) {
            request.headers.append({QByteArray("Content-Type"), QByteArray("application/json")});
        }
        request.totalTimeoutMs = 20'000;
        const net::HttpOutcome outcome = m_http.send(request).get();
        return outcome.response ? *outcome.response : net::HttpResponse{};
    }
    Json sandbox(const QString &path)
    {
        return parse(call("GET", m_sandboxUrl + path).body);
    }
    Json engine(const QString &path)
    {
        return parse(call("GET", m_engineUrl + path, {}, {{"Authorization", "Bearer " + m_token}}).body);
    }

    bool idle()
    {
        const Json traffic = sandbox(QStringLiteral("/_sandbox/traffic"));
        if (traffic.value("running", true)) {
            return false;
        }
        const Json queues = engine(QStringLiteral("/api/v1/queues"));
        const Json &list = queues.is_array() ? queues : queues.value("queues", Json::array());
        for (const Json &q : list) {
            if (q.value("ready", 0) + q.value("delayed", 0) + q.value("inFlight", 0) > 0) {
                return false;
            }
        }
        return true;
    }

    QHash<QString, int> exceptionsByReason()
    {
        QHash<QString, int> counts;
        const Json page = engine(QStringLiteral("/api/v1/exceptions?limit=1&counts=reason"));
        for (const Json &group : page["counts"].value("reason", Json::array())) {
            counts[text(group["key"])] = group.value("count", 0);
        }
        return counts;
    }

    // An OAuth 2 token of one of the sandbox's systems ("crm", "erp").
    QByteArray systemToken(const QString &system)
    {
        net::HttpRequest login;
        login.method = "POST";
        login.url = m_sandboxUrl + (system == QLatin1String("crm")
                                        ? QStringLiteral("/crm/services/oauth2/token")
                                        : QStringLiteral("/erp/oauth2/token"));
        login.headers = {{"Content-Type", "application/x-www-form-urlencoded"}};
        login.body = "grant_type=client_credentials&client_id=syncline-integration&client_secret=sandbox-"
                     + system.toUtf8() + "-client-secret";
        const net::HttpOutcome granted = m_http.send(login).get();
        return granted.response ? QByteArray::fromStdString(
                                      parse(granted.response->body).value("access_token", std::string()))
                                : QByteArray();
    }
    Json system(const QString &path, const QByteArray &token)
    {
        return parse(call("GET", m_sandboxUrl + path, {}, {{"Authorization", "Bearer " + token}}).body);
    }
    // Messages a node of the engine finished, from its Prometheus text.
    qint64 processed(const QString &flow, const QString &node)
    {
        const QByteArray text = call("GET", m_engineUrl + QStringLiteral("/metrics"), {},
                                     {{"Authorization", "Bearer " + m_token}})
                                    .body;
        const QByteArray series = "syncline_node_processed_total{flow=\"" + flow.toUtf8() + "\",node=\""
                                  + node.toUtf8() + "\"} ";
        const qsizetype at = text.indexOf(series);
        if (at < 0) {
            return 0;
        }
        const qsizetype end = text.indexOf('\n', at);
        return text.mid(at + series.size(), end - at - series.size()).trimmed().toLongLong();
    }
    qint64 crmWebhooksDelivered()
    {
        return sandbox(QStringLiteral("/_sandbox/webhooks"))["deliveries"]["crm"].value("succeeded", qint64(0));
    }

    // Every exception of a flow (all pages): business key → reason codes.
    QMultiHash<QString, QString> exceptionsOf(const QString &flow)
    {
        QMultiHash<QString, QString> found;
        QString cursor;
        do {
            const Json page = engine(QStringLiteral("/api/v1/exceptions?flow=%1&limit=500%2")
                                         .arg(flow, cursor.isEmpty() ? QString() : QStringLiteral("&cursor=") + cursor));
            for (const Json &e : page.value("items", Json::array())) {
                found.insert(text(e["businessKey"]), text(e["reasonCode"]));
            }
            cursor = page.value("nextCursor", Json()).is_string() ? text(page["nextCursor"]) : QString();
        } while (!cursor.isEmpty());
        return found;
    }
    QByteArray oauthToken(const QString &path, const QByteArray &secret)
    {
        net::HttpRequest login;
        login.method = "POST";
        login.url = m_sandboxUrl + path;
        login.headers = {{"Content-Type", "application/x-www-form-urlencoded"}};
        login.body = "grant_type=client_credentials&client_id=syncline-integration&client_secret=" + secret;
        const net::HttpOutcome granted = m_http.send(login).get();
        return granted.response ? "Bearer " + QByteArray::fromStdString(parse(granted.response->body).value("access_token", std::string()))
                                : QByteArray();
    }
    Json erpGet(const QString &path)
    {
        if (m_erpAuth.isEmpty()) {
            m_erpAuth = oauthToken(QStringLiteral("/erp/oauth2/token"), "sandbox-erp-client-secret");
        }
        return parse(call("GET", m_sandboxUrl + QStringLiteral("/erp/api/v1") + path, {}, {{"Authorization", m_erpAuth}}).body);
    }
    QByteArray crmAuth()
    {
        if (m_crmAuth.isEmpty()) {
            m_crmAuth = oauthToken(QStringLiteral("/crm/services/oauth2/token"), "sandbox-crm-client-secret");
        }
        return m_crmAuth;
    }
    Json crmGet(const QString &path)
    {
        return parse(call("GET", m_sandboxUrl + QStringLiteral("/crm/services/data/v59.0") + path, {}, {{"Authorization", crmAuth()}}).body);
    }
    Json billingGet(const QString &path)
    {
        return parse(call("GET", m_sandboxUrl + QStringLiteral("/billing/v1") + path, {}, {{"Authorization", "Bearer sk_test_sandbox"}}).body);
    }
    Json supportGet(const QString &path)
    {
        return parse(call("GET", m_sandboxUrl + QStringLiteral("/support/api/v2") + path, {},
                          {{"Authorization", "Basic " + QByteArray("syncline-integration/token:sandbox-support-token").toBase64()}})
                         .body);
    }

    // The closed-won opportunities the traffic made whose external id starts with `prefix`
    // (OPP- new business, AMD- amendments), each with its line items.
    QList<Json> closedWon(const QString &prefix)
    {
        QList<Json> found;
        const Json ledger = sandbox(QStringLiteral("/_sandbox/ledger?system=crm&type=Opportunity&limit=5000"));
        for (const Json &d : ledger.value("documents", Json::array())) {
            if (!text(d["businessKey"]).startsWith(prefix)) {
                continue;
            }
            Json opportunity = crmGet(QStringLiteral("/sobjects/Opportunity/") + text(d["id"]));
            if (text(opportunity["StageName"]) != QLatin1String("Closed Won")) {
                continue;
            }
            const QString soql = QStringLiteral("SELECT FIELDS(ALL) FROM OpportunityLineItem WHERE OpportunityId = '%1'").arg(text(d["id"]));
            opportunity["lineItems"] = crmGet(QStringLiteral("/query?q=") + QString::fromLatin1(QUrl::toPercentEncoding(soql)))["records"];
            found.append(opportunity);
        }
        return found;
    }

    // The sandbox ledger's documents for a query ("system=erp&type=invoice&businessKey=…").
    Json ledger(const QString &query)
    {
        return sandbox(QStringLiteral("/_sandbox/ledger?limit=5000&") + query).value("documents", Json::array());
    }
    // The whole lineage of the messages with a business key (a source event's id).
    Json lineage(const QString &businessKey)
    {
        return engine(QStringLiteral("/api/v1/lineage?limit=5000&businessKey=")
                      + QString::fromLatin1(QUrl::toPercentEncoding(businessKey)));
    }
    QByteArray supportAuth() const
    {
        return "Basic " + QByteArray("syncline-integration/token:sandbox-support-token").toBase64();
    }
    // The CRM account, support organization id and entitlement of a global account id.
    Json crmAccount(const QString &globalAccountId)
    {
        const QString soql = QStringLiteral("SELECT FIELDS(ALL) FROM Account WHERE Global_Account_Id__c = '%1'").arg(globalAccountId);
        const Json found = crmGet(QStringLiteral("/query?q=") + QString::fromLatin1(QUrl::toPercentEncoding(soql)));
        return found.value("records", Json::array()).size() == 1 ? found["records"][0] : Json();
    }
    QString supportOrganization(const QString &globalAccountId)
    {
        const Json found = supportGet(QStringLiteral("/organizations.json?external_id=") + globalAccountId);
        return found.value("organizations", Json::array()).size() == 1 ? text(found["organizations"][0]["id"]) : QString();
    }
    Json entitlement(const QString &globalAccountId)
    {
        const Json found = supportGet(QStringLiteral("/entitlements.json?external_id=ENT-") + globalAccountId);
        return found.value("entitlements", Json::array()).size() == 1 ? found["entitlements"][0] : Json();
    }
};

} // namespace syncline::tests::demo
