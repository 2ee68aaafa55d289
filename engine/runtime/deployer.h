#pragma once

#include "engine/core/result.h"
#include "engine/model/workspace.h"
#include "engine/runtime/flowplan.h"
#include "engine/runtime/nodefactory.h"
#include "engine/runtime/webhookingress.h"
#include "engine/security/access.h"

#include <QList>
#include <QSet>
#include <QString>

#include <memory>
#include <mutex>

namespace syncline::engine::runtime {

class Executor;

struct DeployedVersion
{
    QString flowId;
    int version = 0;
    bool latest = true; // false: an older version finishing the messages that started on it
};

/// What one deployment did.
struct DeployReport
{
    QStringList created;   // "flow vN": new versions recorded by this deployment
    QStringList unchanged; // "flow vN": already the latest version
    /// The latest version of each flow of the workspace, for the triggers.
    QList<std::shared_ptr<const FlowPlan>> latest;
    QList<WebhookTrigger> webhooks;
};

/// Deploys a workspace's flows into a running engine: a flow whose bundle (the flow with the
/// mappings, lookups and schemas it uses, see deploybundle.h) changed becomes a new version;
/// messages already in flight finish on the version they started with. A deployment is all or
/// nothing: every flow is checked and built before anything is recorded, and every problem is
/// listed. Thread-safe; deployments run one at a time.
class Deployer
{
public:
    Deployer(store::MessageStore &store, Executor &executor, NodeServices services);

    /// Deploys every flow of `workspace` (which must have passed the workspace checks). The new
    /// versions and a "deploy" audit record naming `by` commit in one transaction.
    Result<DeployReport> deploy(const model::Workspace &workspace,
                                const security::Principal &by = security::enginePrincipal());
    /// Adds the older versions that still have messages waiting (at start, after deploy()).
    Result<void> resumeOlderVersions();

    QList<DeployedVersion> versions() const;
    /// The shared target of a system of the deployed workspace (for polls).
    Result<SystemTarget> system(const QString &systemId);

private:
    struct Built;
    Result<Built> build(const QString &flowId, int version, const QByteArray &bundle,
                        const model::Workspace &current);

    store::MessageStore &m_store;
    Executor &m_executor;
    NodeServices m_services;
    std::shared_ptr<SystemTargets> m_targets;
    mutable std::mutex m_mutex;
    model::Workspace m_current;
    QList<DeployedVersion> m_versions;
    QSet<QPair<QString, int>> m_running;
};

} // namespace syncline::engine::runtime
