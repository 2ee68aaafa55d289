#pragma once

#include "engine/core/result.h"
#include "engine/store/sqlitemessagestore.h"

#include <QString>

#include <functional>
#include <memory>
#include <vector>

/// What a filled store holds, and keys to look lineage up by (sampled from the store).
struct FillReport
{
    qint64 messages = 0;
    qint64 transactions = 0; // source events
    qint64 effects = 0;
    qint64 externalIds = 0;
    qint64 edges = 0;
    std::vector<QString> correlationIds;
    std::vector<QString> businessKeys;
    std::vector<QString> externalIdValues;
};

/// Writes business transactions into a store through its writer, as the engine would.
/// Shapes, by share of transactions:
///  - 30 % invoices: billing event → canonical invoice → posted to the ERP (erpDocument) and
///    split into 2–5 lines, each posted (erpLine); the invoice is published to a CRM flow that
///    records it (crmActivity). 1 % fail at the ERP with a 422 and wait as exceptions; 5 % of
///    posts succeed on a second attempt after a 503.
///  - 60 % usage events: event → canonical usage → aggregated twenty at a time per subscription
///    and hour (many-to-one; the aggregate keeps the first member's correlation id) → posted to
///    billing (billingUsageRecord).
///  - 10 % customer syncs: CRM account → canonical customer → posted to the ERP (erpCustomer).
class Filler
{
public:
    explicit Filler(syncline::engine::store::SqliteMessageStore &store);
    ~Filler();

    /// Adds transactions until the store holds `messages` messages (nothing when it does
    /// already), then counts and samples what it holds.
    syncline::engine::Result<FillReport>
    fill(qint64 messages, const std::function<void(const FillReport &)> &progress);
    /// Adds `transactions` more in one commit (the engine at work while lineage is read).
    syncline::engine::Result<void> add(int transactions);

private:
    struct Impl;
    std::unique_ptr<Impl> d;
};
