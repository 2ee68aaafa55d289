#include "engine/runtime/flowplan.h"

#include "engine/runtime/orderingkey.h"

#include <algorithm>

namespace syncline::engine::runtime {

namespace {

QString text(const nlohmann::json &value)
{
    return value.is_string() ? QString::fromStdString(value.get<std::string>()) : QString();
}

// Reads the optional "retry" settings object onto the defaults, noting what is wrong.
RetryPolicy readRetry(const nlohmann::json &settings, const QString &pointer, QStringList &problems)
{
    RetryPolicy policy;
    const auto retry = settings.find("retry");
    if (retry == settings.end()) {
        return policy;
    }
    if (!retry->is_object()) {
        problems.append(QStringLiteral("%1/retry: must be an object").arg(pointer));
        return policy;
    }
    const auto integer = [&](const char *key, auto &field, double minimum) {
        const auto it = retry->find(key);
        if (it == retry->end()) {
            return;
        }
        if (!it->is_number() || it->get<double>() < minimum) {
            problems.append(QStringLiteral("%1/retry/%2: must be a number of at least %3")
                                .arg(pointer, QLatin1String(key))
                                .arg(minimum));
            return;
        }
        field = static_cast<std::decay_t<decltype(field)>>(it->get<double>());
    };
    integer("maxAttempts", policy.maxAttempts, 1);
    integer("initialDelayMs", policy.initialDelayMs, 0);
    integer("factor", policy.factor, 1);
    integer("maxDelayMs", policy.maxDelayMs, 0);
    integer("jitter", policy.jitter, 0);
    integer("horizonMs", policy.horizonMs, 0);
    if (policy.jitter > 1) {
        problems.append(QStringLiteral("%1/retry/jitter: must be between 0 and 1").arg(pointer));
    }
    return policy;
}

// Reads an edge's optional "backPressure" object onto the defaults, noting what is wrong.
EdgeThreshold readThreshold(const nlohmann::json &edge, const QString &pointer,
                            QStringList &problems)
{
    EdgeThreshold threshold;
    const auto found = edge.find("backPressure");
    if (found == edge.end()) {
        return threshold;
    }
    if (!found->is_object()) {
        problems.append(QStringLiteral("%1/backPressure: must be an object").arg(pointer));
        return threshold;
    }
    for (auto [key, field] : {std::pair{"messages", &threshold.messages},
                              std::pair{"bytes", &threshold.bytes}}) {
        const auto value = found->find(key);
        if (value == found->end()) {
            continue;
        }
        if (!value->is_number_integer() || value->get<qint64>() < 1) {
            problems.append(QStringLiteral("%1/backPressure/%2: must be a whole number of at "
                                           "least 1")
                                .arg(pointer, QLatin1String(key)));
            continue;
        }
        *field = value->get<qint64>();
    }
    return threshold;
}

} // namespace

bool isTriggerType(const QString &type)
{
    static const QStringList triggers = {QStringLiteral("webhook"), QStringLiteral("schedule"),
                                         QStringLiteral("poll"), QStringLiteral("subscribe"),
                                         QStringLiteral("manual")};
    return triggers.contains(type);
}

Result<FlowPlan> FlowPlan::fromDocument(const nlohmann::json &document, int version)
{
    FlowPlan plan;
    plan.version = version;
    plan.flowId = text(document.value("id", nlohmann::json()));
    QStringList problems;
    if (plan.flowId.isEmpty()) {
        problems.append(QStringLiteral("/id: a flow needs an id"));
    }
    if (!document.is_object()) {
        return Error::make(QStringLiteral("FLOW_INVALID"), QStringLiteral("a flow is a JSON object"));
    }
    plan.policy = ExceptionPolicy::fromJson(document.value("policy", nlohmann::json()), problems);
    const nlohmann::json nodes = document.value("nodes", nlohmann::json::array());
    const nlohmann::json edges = document.value("edges", nlohmann::json::array());
    if (!nodes.is_array() || !edges.is_array()) {
        return Error::make(QStringLiteral("FLOW_INVALID"),
                           QStringLiteral("flow %1: /nodes and /edges must be arrays").arg(plan.flowId));
    }
    for (std::size_t i = 0; i < nodes.size(); ++i) {
        const QString pointer = QStringLiteral("/nodes/%1").arg(i);
        const nlohmann::json &n = nodes[i];
        if (!n.is_object()) {
            problems.append(QStringLiteral("%1: must be an object").arg(pointer));
            continue;
        }
        PlannedNode node;
        node.id = text(n.value("id", nlohmann::json()));
        node.type = text(n.value("type", nlohmann::json()));
        if (node.id.isEmpty() || node.type.isEmpty()) {
            problems.append(QStringLiteral("%1: a node needs an id and a type").arg(pointer));
            continue;
        }
        if (plan.nodes.contains(node.id)) {
            problems.append(QStringLiteral("%1/id: \"%2\" is used twice").arg(pointer, node.id));
            continue;
        }
        node.settings = n.value("settings", nlohmann::json::object());
        node.retry = readRetry(node.settings, pointer + QStringLiteral("/settings"), problems);
        if (!node.settings.is_object()) {
            problems.append(QStringLiteral("%1/settings: must be an object").arg(pointer));
            continue;
        }
        if (const auto c = node.settings.find("concurrency"); c != node.settings.end()) {
            if (!c->is_number_integer() || c->get<int>() < 1) {
                problems.append(QStringLiteral("%1/settings/concurrency: must be a whole number "
                                               "of at least 1")
                                    .arg(pointer));
            } else {
                node.concurrency = c->get<int>();
            }
        }
        node.isTrigger = isTriggerType(node.type);
        node.flowId = plan.flowId;
        plan.ordered = plan.ordered || (node.isTrigger && !orderingKeyPointer(node.settings).isEmpty());
        plan.nodes.insert(node.id, node);
        plan.nodeOrder.append(node.id);
    }
    for (std::size_t i = 0; i < edges.size(); ++i) {
        const QString pointer = QStringLiteral("/edges/%1").arg(i);
        if (!edges[i].is_object()) {
            problems.append(QStringLiteral("%1: must be an object").arg(pointer));
            continue;
        }
        const QString from = text(edges[i].value("from", nlohmann::json()));
        const QString to = text(edges[i].value("to", nlohmann::json()));
        const QString output = text(edges[i].value("output", nlohmann::json()));
        if (!plan.nodes.contains(from) || !plan.nodes.contains(to)) {
            problems.append(QStringLiteral("%1: connects \"%2\" to \"%3\", but both must be "
                                           "nodes of this flow")
                                .arg(pointer, from, to));
            continue;
        }
        if (plan.nodes[to].isTrigger) {
            problems.append(QStringLiteral("%1/to: \"%2\" is a trigger and takes no input")
                                .arg(pointer, to));
            continue;
        }
        const EdgeThreshold threshold = readThreshold(edges[i], pointer, problems);
        PlannedNode &source = plan.nodes[from];
        source.next[output].append(to);
        if (const auto known = source.thresholds.constFind(to); known != source.thresholds.cend()) {
            // Two edges into the same queue (different outputs): the stricter one holds.
            source.thresholds[to] = {std::min(known->messages, threshold.messages),
                                     std::min(known->bytes, threshold.bytes)};
        } else {
            source.thresholds.insert(to, threshold);
        }
    }
    if (!problems.isEmpty()) {
        return Error::make(QStringLiteral("FLOW_INVALID"),
                           QStringLiteral("flow %1 cannot run: %2")
                               .arg(plan.flowId, problems.join(QStringLiteral("; "))));
    }
    return plan;
}

const PlannedNode *FlowPlan::node(const QString &id) const
{
    const auto found = nodes.constFind(id);
    return found == nodes.cend() ? nullptr : &*found;
}

QStringList FlowPlan::predecessors(const QString &id) const
{
    QStringList out;
    for (const QString &from : nodeOrder) {
        const QHash<QString, QStringList> &next = nodes[from].next;
        for (auto it = next.cbegin(); it != next.cend(); ++it) {
            if (it.key() != QLatin1String("error") && it.value().contains(id)
                && !out.contains(from)) {
                out.append(from);
            }
        }
    }
    return out;
}

QStringList FlowPlan::triggers() const
{
    QStringList out;
    for (const QString &id : nodeOrder) {
        if (nodes[id].isTrigger) {
            out.append(id);
        }
    }
    return out;
}

} // namespace syncline::engine::runtime
