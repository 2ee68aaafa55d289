#include "engine/runtime/triggersource.h"

namespace syncline::engine::runtime {

TriggerSource::TriggerSource(TriggerTarget target, QString type, TriggerContext context)
    : m_target(std::move(target))
    , m_context(std::move(context))
{
    m_status.flowId = m_target.flowId;
    m_status.flowVersion = m_target.flowVersion;
    m_status.nodeId = m_target.nodeId;
    m_status.type = std::move(type);
}

TriggerStatus TriggerSource::status() const
{
    std::lock_guard lock(m_statusMutex);
    return m_status;
}

void TriggerSource::updateStatus(const std::function<void(TriggerStatus &)> &change)
{
    std::lock_guard lock(m_statusMutex);
    change(m_status);
}

Result<store::IngestResult> TriggerSource::ingest(store::IngestRequest request)
{
    request.source = m_target.source();
    request.firstNodes = m_target.firstNodes;
    request.message.flowId = m_target.flowId;
    request.message.flowVersion = m_target.flowVersion;
    const QStringList waitsAt = arrivalNodes(m_context.prepare ? m_context.prepare(request, nullptr)
                                                               : arrivalsAtFirstNodes(request));
    Result<store::IngestResult> stored = m_context.store->ingest(request);
    if (!stored) {
        return stored;
    }
    if (stored->duplicate) {
        updateStatus([](TriggerStatus &s) { ++s.duplicates; });
        return stored;
    }
    updateStatus([](TriggerStatus &s) { ++s.messages; });
    if (m_context.onStored) {
        m_context.onStored(m_target.flowId, m_target.flowVersion, waitsAt);
    }
    return stored;
}

void TriggerSource::recordSuccess(qint64 nowMs)
{
    updateStatus([nowMs](TriggerStatus &s) {
        ++s.runs;
        s.consecutiveFailures = 0;
        s.lastError.clear();
        s.lastSuccessAtMs = nowMs;
    });
}

void TriggerSource::recordFailure(const QString &error)
{
    updateStatus([&error](TriggerStatus &s) {
        ++s.failures;
        ++s.consecutiveFailures;
        s.lastError = error;
    });
}

} // namespace syncline::engine::runtime
