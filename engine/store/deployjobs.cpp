#include "engine/store/deployjobs.h"

#include "engine/store/auditjobs.h"

namespace syncline::engine::store {

Result<int>
insertFlowVersion(Connection &c, const QString &flowId, const QByteArray &document, qint64 atMs)
{
    Result<Statement *> next =
        c.cached("SELECT coalesce(max(version), 0) + 1 FROM flow_versions WHERE flow_id = ?");
    if (!next) {
        return next.error();
    }
    (*next)->bind(1, flowId);
    if (Result<bool> row = (*next)->step(); !row) {
        return row.error();
    }
    const int version = int((*next)->int64(0));
    (*next)->reset();
    Result<Statement *> insert = c.cached(
        "INSERT INTO flow_versions(flow_id, version, document, deployed_at) VALUES (?,?,?,?)");
    if (!insert) {
        return insert.error();
    }
    (*insert)->bind(1, flowId).bind(2, version);
    (*insert)->bindBlob(3, std::string_view(document.constData(), size_t(document.size())));
    (*insert)->bind(4, atMs);
    if (Result<void> done = (*insert)->run(); !done) {
        return done.error();
    }
    return version;
}

Result<QList<int>> insertDeployment(Connection &c,
                                    const QList<FlowDocument> &flows,
                                    const AuditRecord &audit,
                                    qint64 atMs)
{
    QList<int> versions;
    for (const FlowDocument &flow : flows) {
        Result<int> version = insertFlowVersion(c, flow.flowId, flow.document, atMs);
        if (!version) {
            return version.error();
        }
        versions.append(*version);
    }
    if (Result<AuditEntry> recorded = appendAudit(c, audit, atMs); !recorded) {
        return recorded.error();
    }
    return versions;
}

} // namespace syncline::engine::store
