#include "engine/runtime/deployer.h"

#include "engine/runtime/deploybundle.h"
#include "engine/runtime/executor.h"

#include <nlohmann/json.hpp>

#include <algorithm>

namespace syncline::engine::runtime {

namespace {

// Who deployed what: the record written with the new versions.
store::AuditRecord deployAudit(const model::Workspace &workspace,
                               const security::Principal &by,
                               const DeployReport &report)
{
    const auto list = [](const QStringList &names) {
        nlohmann::json out = nlohmann::json::array();
        for (const QString &name : names) {
            out.push_back(name.toStdString());
        }
        return out;
    };
    const nlohmann::json detail = {{"created", list(report.created)},
                                   {"unchanged", list(report.unchanged)}};
    store::AuditRecord record;
    record.actor = by.userId;
    record.role = security::roleName(by.role);
    record.action = QStringLiteral("deploy");
    record.objectType = QStringLiteral("workspace");
    record.objectId = workspace.name();
    record.detail = QByteArray::fromStdString(detail.dump());
    return record;
}

} // namespace

struct Deployer::Built
{
    std::shared_ptr<const FlowPlan> plan;
    QHash<QString, std::shared_ptr<NodeRunner>> runners;
    QList<WebhookTrigger> webhooks;
};

Deployer::Deployer(store::MessageStore &store, Executor &executor, NodeServices services)
    : m_store(store)
    , m_executor(executor)
    , m_services(std::move(services))
    , m_targets(std::make_shared<SystemTargets>(m_services.secrets))
{}

Result<Deployer::Built> Deployer::build(const QString &flowId, int version,
                                        const QByteArray &bundle, const model::Workspace &current)
{
    Result<FlowPlan> plan = FlowPlan::fromDocument(deploybundle::flowOf(bundle), version);
    if (!plan) {
        return plan.error();
    }
    if (plan->flowId != flowId) {
        return Error::make(QStringLiteral("FLOW_INVALID"),
                           QStringLiteral("flow %1 v%2: the stored document is flow \"%3\"")
                               .arg(flowId)
                               .arg(version)
                               .arg(plan->flowId));
    }
    NodeFactory factory(deploybundle::workspaceOf(bundle, current), m_services, m_targets);
    Result<QHash<QString, std::shared_ptr<NodeRunner>>> runners = factory.build(*plan);
    if (!runners) {
        return runners.error();
    }
    Result<QList<WebhookTrigger>> webhooks = factory.webhookTriggers(*plan);
    if (!webhooks) {
        return webhooks.error();
    }
    return Built{std::make_shared<const FlowPlan>(std::move(*plan)), std::move(*runners),
                 std::move(*webhooks)};
}

Result<DeployReport> Deployer::deploy(const model::Workspace &workspace,
                                      const security::Principal &by)
{
    std::lock_guard lock(m_mutex);
    struct Pending
    {
        QString flowId;
        int version = 0;
        bool created = false;
        QByteArray bundle;
        Built built;
    };
    QList<Pending> pending;
    QStringList problems;
    for (const model::WorkspaceObject &flow : workspace.objects(model::ObjectKind::Flow)) {
        Pending p;
        p.flowId = flow.id;
        p.bundle = deploybundle::make(workspace, flow.id);
        Result<int> latest = m_store.latestFlowVersion(flow.id);
        if (!latest) {
            return latest.error();
        }
        Result<std::optional<QByteArray>> stored = m_store.flowVersion(flow.id, *latest);
        if (!stored) {
            return stored.error();
        }
        p.created = *latest == 0 || !stored->has_value() || **stored != p.bundle;
        p.version = p.created ? *latest + 1 : *latest;
        Result<Built> built = build(flow.id, p.version, p.bundle, workspace);
        if (!built) {
            problems.append(built.error().message);
            continue;
        }
        p.built = std::move(*built);
        pending.append(std::move(p));
    }
    if (!problems.isEmpty()) {
        return Error::make(QStringLiteral("DEPLOY_FAILED"),
                           QStringLiteral("nothing was deployed:\n") + problems.join(u'\n'));
    }

    DeployReport report;
    QList<store::FlowDocument> documents;
    for (const Pending &p : pending) {
        const QString name = QStringLiteral("%1 v%2").arg(p.flowId).arg(p.version);
        if (p.created) {
            documents.append({p.flowId, p.bundle});
            report.created.append(name);
        } else {
            report.unchanged.append(name);
        }
    }
    Result<QList<int>> recorded =
        m_store.deployFlows(documents, deployAudit(workspace, by, report));
    if (!recorded) {
        return recorded.error();
    }
    for (qsizetype i = 0; i < documents.size(); ++i) {
        const auto expected = std::find_if(pending.cbegin(), pending.cend(), [&](const Pending &p) {
            return p.flowId == documents[i].flowId;
        });
        if (recorded->at(i) != expected->version) {
            return Error::make(QStringLiteral("DEPLOY_CONFLICT"),
                               QStringLiteral("flow %1 was deployed as v%2 by someone else "
                                              "meanwhile; deploy again")
                                   .arg(documents[i].flowId)
                                   .arg(recorded->at(i)));
        }
    }
    for (const Pending &p : pending) {
        if (!m_running.contains({p.flowId, p.version})) {
            m_executor.addFlow(p.built.plan, p.built.runners);
            m_running.insert({p.flowId, p.version});
        }
        report.latest.append(p.built.plan);
        report.webhooks += p.built.webhooks;
    }
    m_current = workspace;
    m_versions.clear();
    QSet<QPair<QString, int>> latest;
    for (const Pending &p : pending) {
        m_versions.append({p.flowId, p.version, true});
        latest.insert({p.flowId, p.version});
    }
    for (const QPair<QString, int> &running : std::as_const(m_running)) {
        if (!latest.contains(running)) {
            m_versions.append({running.first, running.second, false});
        }
    }
    return report;
}

Result<void> Deployer::resumeOlderVersions()
{
    std::lock_guard lock(m_mutex);
    Result<QList<QPair<QString, int>>> active = m_store.activeFlowVersions();
    if (!active) {
        return active.error();
    }
    QStringList problems;
    for (const auto &[flowId, version] : *active) {
        if (m_running.contains({flowId, version})) {
            continue;
        }
        Result<std::optional<QByteArray>> stored = m_store.flowVersion(flowId, version);
        if (!stored) {
            return stored.error();
        }
        if (!stored->has_value()) {
            problems.append(QStringLiteral("flow %1 v%2 has messages waiting but its document is "
                                           "missing from the store")
                                .arg(flowId)
                                .arg(version));
            continue;
        }
        Result<Built> built = build(flowId, version, **stored, m_current);
        if (!built) {
            problems.append(QStringLiteral("flow %1 v%2 has messages waiting but cannot run: %3")
                                .arg(flowId)
                                .arg(version)
                                .arg(built.error().message));
            continue;
        }
        m_executor.addFlow(built->plan, built->runners);
        m_running.insert({flowId, version});
        m_versions.append({flowId, version, false});
    }
    if (!problems.isEmpty()) {
        return Error::make(QStringLiteral("DEPLOY_FAILED"), problems.join(u'\n'));
    }
    return {};
}

QList<DeployedVersion> Deployer::versions() const
{
    std::lock_guard lock(m_mutex);
    return m_versions;
}

Result<SystemTarget> Deployer::system(const QString &systemId)
{
    model::Workspace current;
    {
        std::lock_guard lock(m_mutex);
        current = m_current;
    }
    const model::WorkspaceObject *system = current.find(model::ObjectKind::System, systemId);
    if (!system) {
        return Error::make(QStringLiteral("SYSTEM_INVALID"),
                           QStringLiteral("no system \"%1\" is deployed").arg(systemId));
    }
    return m_targets->get(system->document);
}

} // namespace syncline::engine::runtime
