#pragma once

#include "app/sandbox/system.h"
#include "engine/money/decimal.h"

#include <QDate>

namespace syncline::sandbox {

/// A NetSuite-like ERP under /erp/api/v1 (docs/sandbox.md, "ERP"): its own document numbers,
/// dd/MM/yyyy dates, decimal-string amounts, GL validation, posting periods — and no
/// idempotency, so a repeated POST creates a second document (visible in the ledger).
class ErpSystem : public System
{
public:
    using System::System;

    QString name() const override { return QStringLiteral("erp"); }
    QByteArray prefix() const override { return "/erp"; }
    std::optional<engine::net::ServerResponse> authenticate(const Call &call) override;
    engine::net::ServerResponse handle(Call &call) override;
    engine::net::ServerResponse refuse(Refusal refusal, int status,
                                       const QString &detail) const override;

    /// The chart of accounts: code → name.
    static const std::map<QString, QString> &chartOfAccounts();
    /// "open" or "closed" for a YYYY-MM period at `nowMs`, overrides included.
    QString periodState(const QDate &month, qint64 nowMs);

private:
    using Failure = std::optional<engine::net::ServerResponse>;

    engine::net::ServerResponse error(int status, const QString &code, const QString &detail,
                                      const QString &path = {}) const;
    engine::net::ServerResponse create(Call &call, const QByteArray &record, const Json &body);
    engine::net::ServerResponse get(const QByteArray &record, const QString &id);
    engine::net::ServerResponse list(const Call &call, const QByteArray &record);
    engine::net::ServerResponse upsertCustomer(Call &call, const QString &reference,
                                               const Json &body);
    engine::net::ServerResponse periods(const Call &call);
    engine::net::ServerResponse accounts() const;

    Failure checkCustomer(const Json &body, bool creating) const;
    Json customerBody(const Call &call, const Json &body, const Json &existing);
    Failure transaction(Call &call, const QByteArray &record, const Json &body, Json &document);
    Failure lines(const QByteArray &record, const Json &body, Json &document);
    Failure journalLines(const Json &body, Json &document);
    Failure schedule(Call &call, const Json &body, Json &document);
    Failure required(const Json &body, std::initializer_list<const char *> members,
                     const QString &prefix = {}) const;
    Failure decimal(const Json &value, const QString &path, engine::money::Decimal &out,
                    bool required) const;
    Failure date(const Json &body, const char *member, QDate &out, bool required) const;
    Failure account(const Json &line, const char *member, const QString &path) const;
    Failure openPeriod(const QDate &date, const QString &path, qint64 nowMs);
    std::optional<Document> customer(const QString &number);
    Document keep(Call &call, const QString &type, const QString &id, Json body);
};

} // namespace syncline::sandbox
