#include "engine/store/lineagetext.h"

#include <QDateTime>
#include <QHash>
#include <QSet>

#include <algorithm>

namespace syncline::engine::store {

namespace {

QString clock(qint64 ms)
{
    return QDateTime::fromMSecsSinceEpoch(ms, Qt::UTC).toString(QStringLiteral("HH:mm:ss.zzz"));
}

QString shortId(const QString &id)
{
    return id.left(8);
}

QString keyLabel(LineageKey key)
{
    switch (key) {
    case LineageKey::CorrelationId:
        return QStringLiteral("correlation id");
    case LineageKey::BusinessKey:
        return QStringLiteral("business key");
    case LineageKey::ExternalId:
        return QStringLiteral("external id");
    }
    return {};
}

QString plural(qsizetype n, const char *one, const char *many)
{
    return QStringLiteral("%1 %2").arg(n).arg(QLatin1String(n == 1 ? one : many));
}

class TreeWriter
{
public:
    explicit TreeWriter(const LineageGraph &graph)
        : m_graph(graph)
    {
        for (qsizetype i = 0; i < graph.messages.size(); ++i) {
            m_order.insert(graph.messages[i].messageId, i);
        }
        for (const LineageEdge &edge : graph.edges) {
            m_children[edge.parentId].append(edge);
        }
        for (auto it = m_children.begin(); it != m_children.end(); ++it) {
            std::sort(it->begin(), it->end(), [this](const LineageEdge &a, const LineageEdge &b) {
                return m_order.value(a.childId) < m_order.value(b.childId);
            });
        }
    }

    QString write()
    {
        const QStringList roots = m_graph.roots();
        for (qsizetype i = 0; i < roots.size(); ++i) {
            message(roots[i], QString(), QString(), QString());
            if (i + 1 < roots.size()) {
                m_out += u'\n';
            }
        }
        return m_out;
    }

private:
    // `lead` starts the message's own line, `indent` every line below it.
    void message(const QString &id, const QString &lead, const QString &indent, const QString &link)
    {
        const LineageMessage *m = m_graph.message(id);
        if (!m) {
            return;
        }
        if (m_shown.contains(id)) {
            m_out += lead + link + QStringLiteral("message %1 (shown above)\n").arg(shortId(id));
            return;
        }
        m_shown.insert(id);
        QStringList marks;
        if (m->causationId.isEmpty()) {
            marks.append(QStringLiteral("source event"));
        }
        if (m->matched) {
            marks.append(QStringLiteral("matched"));
        }
        m_out +=
            lead + link +
            QStringLiteral("%1 v%2 · message %3%4 · %5 · %6%7\n")
                .arg(m->flowId)
                .arg(m->flowVersion)
                .arg(shortId(id),
                     m->businessKey.isEmpty() ? QString() : QStringLiteral(" · ") + m->businessKey,
                     m->status(),
                     clock(m->createdAtMs),
                     marks.isEmpty()
                         ? QString()
                         : QStringLiteral(" [%1]").arg(marks.join(QStringLiteral(", "))));
        const QList<LineageEdge> children = m_children.value(id);
        const QString detail =
            indent + (children.isEmpty() ? QStringLiteral("    ") : QStringLiteral("│   "));
        for (const LineageStep &step : m->steps) {
            m_out +=
                detail +
                QStringLiteral("%1 attempt %2: %3, %4 ms%5\n")
                    .arg(step.nodeId)
                    .arg(step.attempt)
                    .arg(step.status)
                    .arg(step.finishedAtMs - step.startedAtMs)
                    .arg(step.errorCode.isEmpty()
                             ? QString()
                             : QStringLiteral(" — %1: %2").arg(step.errorCode, step.errorDetail));
        }
        for (const LineageEffect &effect : m->effects) {
            effectLines(effect, detail);
        }
        for (const LineageException &exception : m->exceptions) {
            exceptionLines(exception, detail);
        }
        for (qsizetype i = 0; i < children.size(); ++i) {
            const bool last = i + 1 == children.size();
            const LineageEdge &edge = children[i];
            message(edge.childId,
                    indent + (last ? QStringLiteral("└── ") : QStringLiteral("├── ")),
                    indent + (last ? QStringLiteral("    ") : QStringLiteral("│   ")),
                    QStringLiteral("%1 at %2 → ").arg(edge.kind, edge.nodeId));
        }
    }

    void effectLines(const LineageEffect &effect, const QString &indent)
    {
        m_out += indent + QStringLiteral("effect %1 %2 %3 → %4 %5, %6, key %7\n")
                              .arg(effect.target,
                                   effect.method,
                                   effect.url,
                                   effect.httpStatus > 0 ? QString::number(effect.httpStatus)
                                                         : QStringLiteral("no answer"),
                                   effect.state,
                                   plural(effect.attempts, "attempt", "attempts"),
                                   effect.idempotencyKey);
        for (const ExternalId &id : effect.externalIds) {
            m_out += indent + QStringLiteral("  %1 = %2\n").arg(id.name, id.value);
        }
        if (effect.state != QLatin1String("succeeded") && !effect.detail.isEmpty()) {
            m_out += indent + QStringLiteral("  answer: %1\n").arg(effect.detail.simplified());
        }
    }

    void exceptionLines(const LineageException &exception, const QString &indent)
    {
        m_out += indent + QStringLiteral("exception %1 %2 (%3) at %4: %5%6 — %7\n")
                              .arg(exception.id)
                              .arg(exception.reasonCode,
                                   exception.category,
                                   exception.nodeId,
                                   exception.state,
                                   exception.resolution.isEmpty()
                                       ? QString()
                                       : QStringLiteral(", %1 by %2")
                                             .arg(exception.resolution, exception.resolvedBy),
                                   exception.detail.simplified());
        for (const LineageExceptionEvent &event : exception.events) {
            m_out += indent + QStringLiteral("  %1 %2 (%3) %4%5\n")
                                  .arg(clock(event.atMs),
                                       event.actor,
                                       event.role,
                                       event.kind,
                                       event.text.isEmpty()
                                           ? QString()
                                           : QStringLiteral(": ") + event.text.simplified());
        }
    }

    const LineageGraph &m_graph;
    QHash<QString, qsizetype> m_order;
    QHash<QString, QList<LineageEdge>> m_children;
    QSet<QString> m_shown;
    QString m_out;
};

} // namespace

QString lineageText(const LineageGraph &graph)
{
    QStringList flows;
    int failed = 0;
    for (const LineageMessage &m : graph.messages) {
        if (!flows.contains(m.flowId)) {
            flows.append(m.flowId);
        }
        failed += m.status() == QLatin1String("failed");
    }
    const qint64 started = graph.startedAtMs();
    const qint64 finished = graph.finishedAtMs();
    QString out = QStringLiteral("Lineage by %1 %2: %3 in %4, %5, %6 failed\n")
                      .arg(keyLabel(graph.key),
                           graph.value,
                           plural(graph.messages.size(), "message", "messages"),
                           plural(flows.size(), "flow", "flows"),
                           plural(graph.effectCount(), "effect", "effects"))
                      .arg(failed);
    out += QStringLiteral("%1 → %2 UTC (%3 ms)\n")
               .arg(QDateTime::fromMSecsSinceEpoch(started, Qt::UTC)
                        .toString(QStringLiteral("yyyy-MM-dd HH:mm:ss.zzz")),
                    clock(finished))
               .arg(finished - started);
    if (graph.truncated) {
        out += QStringLiteral("Truncated: more messages are connected than the %1 shown.\n")
                   .arg(graph.maxMessages);
    }
    out += u'\n';
    return out + TreeWriter(graph).write();
}

} // namespace syncline::engine::store
