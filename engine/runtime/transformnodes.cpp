#include "engine/runtime/transformnodes.h"

#include "engine/runtime/nodesupport.h"

#include <algorithm>

namespace syncline::engine::runtime {

namespace {

json::Value setPath(const json::Value &target, const QStringList &path, qsizetype at,
                    const json::Value &value);

// Sets `path[at..]` to `value` on each element of an array; element by element when `value`
// is an array of the same length.
json::Value setOnEach(const json::Value &array, const QStringList &path, qsizetype at,
                      const json::Value &value)
{
    std::vector<json::Value> items;
    const bool pairwise = value.isArray() && value.size() == array.size();
    for (std::size_t i = 0; i < array.size(); ++i) {
        items.push_back(setPath(array[i], path, at, pairwise ? value[i] : value));
    }
    return json::Value::array(std::move(items));
}

json::Value setPath(const json::Value &target, const QStringList &path, qsizetype at,
                    const json::Value &value)
{
    if (target.isArray()) {
        return setOnEach(target, path, at, value);
    }
    json::ObjectBuilder builder = json::ObjectBuilder::from(target);
    const QByteArray name = path[at].toUtf8();
    const std::string_view key(name.constData(), size_t(name.size()));
    if (at == path.size() - 1) {
        builder.set(key, value);
        return builder.build();
    }
    const json::Value *existing = builder.find(json::Key(key));
    const json::Value child = existing ? *existing : json::ObjectBuilder().build();
    builder.set(key, setPath(child, path, at + 1, value));
    return builder.build();
}

} // namespace

NodeOutcome PureNode::run(const store::WorkItem &item)
{
    Result<json::Value> payload = readPayload(item);
    if (!payload) {
        return NodeOutcome::fail(payload.error().code, payload.error().message);
    }
    return runParsed(item, *payload);
}

ValidateNode::ValidateNode(QString schemaId, schema::SchemaValidator validator,
                           QHash<QString, QString> reasonCodes)
    : m_schemaId(std::move(schemaId))
    , m_validator(std::move(validator))
    , m_reasonCodes(std::move(reasonCodes))
{}

NodeOutcome ValidateNode::runParsed(const store::WorkItem &, const json::Value &payload)
{
    const schema::Violations violations = m_validator.validate(payload);
    if (violations.isEmpty()) {
        return NodeOutcome::next();
    }
    QStringList lines;
    nlohmann::json listed = nlohmann::json::array();
    QString code = QStringLiteral("SCHEMA");
    QString pointer = violations.first().pointer;
    bool named = false;
    for (const schema::Violation &v : violations) {
        lines.append(v.text());
        listed.push_back({{"pointer", v.pointer.toStdString()},
                          {"keyword", v.keyword.toStdString()},
                          {"message", v.message.toStdString()},
                          {"field", v.field.toStdString()}});
        for (auto it = m_reasonCodes.cbegin(); it != m_reasonCodes.cend() && !named; ++it) {
            if (v.pointer == it.key() || v.pointer.startsWith(it.key() + u'/')) {
                code = it.value();
                pointer = v.pointer;
                named = true;
            }
        }
    }
    NodeOutcome failed = NodeOutcome::fail(code, QStringLiteral("not a valid %1: %2")
                                                     .arg(m_schemaId, lines.join(QStringLiteral("; "))));
    failed.errorPointer = pointer;
    failed.errorFacts = QByteArray::fromStdString(
        nlohmann::json({{"schema", m_schemaId.toStdString()}, {"violations", listed}}).dump());
    return failed;
}

Result<std::shared_ptr<MapNode>> MapNode::create(const QString &mappingId,
                                                 const nlohmann::json &fields)
{
    auto node = std::shared_ptr<MapNode>(new MapNode());
    node->m_mappingId = mappingId;
    if (!fields.is_object() || fields.empty()) {
        return Error::make(QStringLiteral("SETTINGS_INVALID"),
                           QStringLiteral("mapping %1 has no fields").arg(mappingId));
    }
    for (auto it = fields.begin(); it != fields.end(); ++it) {
        const QString target = QString::fromStdString(it.key());
        const QString source = it->is_string() ? QString::fromStdString(it->get<std::string>())
                                               : QString();
        Result<expr::Expression> compiled = compileSetting(
            QStringLiteral("mapping %1, field %2").arg(mappingId, target), source);
        if (!compiled) {
            return compiled.error();
        }
        node->m_fields.append({target.split(u'.'), source, std::move(*compiled)});
    }
    // Parents before their children ("lines" before "lines.amount").
    std::stable_sort(node->m_fields.begin(), node->m_fields.end(),
                     [](const FieldMapping &a, const FieldMapping &b) {
                         return a.path.size() < b.path.size();
                     });
    return node;
}

Result<json::Value> MapNode::apply(const json::Value &input) const
{
    json::Value output = json::ObjectBuilder().build();
    for (const FieldMapping &field : m_fields) {
        expr::ExprResult<json::Value> value = field.expression.evaluate(input);
        if (!value) {
            const Error error = value.error().toError();
            return Error::make(QStringLiteral("MAPPING"),
                               QStringLiteral("mapping %1, field %2 (%3): %4")
                                   .arg(m_mappingId, field.path.join(u'.'), field.source,
                                        error.message));
        }
        if (value.value().isUndefined()) {
            continue;
        }
        output = setPath(output, field.path, 0, value.value());
    }
    return output;
}

NodeOutcome MapNode::runParsed(const store::WorkItem &item, const json::Value &payload)
{
    Result<json::Value> mapped = apply(payload);
    if (!mapped) {
        return NodeOutcome::fail(mapped.error().code, mapped.error().message);
    }
    store::NewMessage child;
    child.flowId = item.message.flowId;
    child.flowVersion = item.message.flowVersion;
    child.businessKey = item.message.businessKey;
    child.headers = item.message.headers;
    child.payload = toBytes(*mapped);
    return NodeOutcome::produce({{QString(), child}});
}

Result<std::shared_ptr<RouteNode>> RouteNode::create(const nlohmann::json &settings)
{
    auto node = std::shared_ptr<RouteNode>(new RouteNode());
    node->m_otherwise = settingText(settings, "otherwise");
    node->m_all = settingText(settings, "mode") == QLatin1String("all");
    const auto routes = settings.find("routes");
    if (routes == settings.end() || !routes->is_array() || routes->empty()) {
        return Error::make(QStringLiteral("SETTINGS_INVALID"),
                           QStringLiteral("settings/routes: a route node needs at least one "
                                          "{\"output\", \"condition\"}"));
    }
    for (std::size_t i = 0; i < routes->size(); ++i) {
        const nlohmann::json &route = (*routes)[i];
        const QString output = route.is_object() ? settingText(route, "output") : QString();
        const QString raise = route.is_object() ? settingText(route, "raise") : QString();
        const QString condition = route.is_object() ? settingText(route, "condition") : QString();
        if (output.isEmpty() == raise.isEmpty() || condition.isEmpty()) {
            return Error::make(QStringLiteral("SETTINGS_INVALID"),
                               QStringLiteral("settings/routes/%1: needs a condition and either "
                                              "an output or a reason code to raise")
                                   .arg(i));
        }
        Result<expr::Expression> compiled = compileSetting(
            QStringLiteral("settings/routes/%1/condition").arg(i), condition);
        if (!compiled) {
            return compiled.error();
        }
        node->m_routes.append({output, condition, std::move(*compiled), raise,
                               settingText(route, "detail")});
    }
    return node;
}

NodeOutcome RouteNode::runParsed(const store::WorkItem &, const json::Value &payload)
{
    QStringList outputs;
    const auto holds = [&payload](const Route &route) -> Result<bool> {
        expr::ExprResult<json::Value> value = route.condition.evaluate(payload);
        if (!value) {
            return Error::make(QStringLiteral("ROUTE"),
                               QStringLiteral("condition for %1 (%2): %3")
                                   .arg(route.raise.isEmpty() ? route.output : route.raise,
                                        route.source, value.error().toError().message));
        }
        return value.value().isBool() && value.value().toBool();
    };
    // Raising rules first: a message a rule refuses goes nowhere, whatever the order.
    for (const Route &route : m_routes) {
        if (route.raise.isEmpty()) {
            continue;
        }
        const Result<bool> raised = holds(route);
        if (!raised) {
            return NodeOutcome::fail(raised.error().code, raised.error().message);
        }
        if (*raised) {
            NodeOutcome failed = NodeOutcome::fail(
                route.raise, route.detail.isEmpty()
                                 ? QStringLiteral("the flow's rule %1 holds").arg(route.source)
                                 : route.detail);
            failed.category = store::ExceptionCategory::Business;
            return failed;
        }
    }
    for (const Route &route : m_routes) {
        if (route.output.isEmpty()) {
            continue;
        }
        const Result<bool> taken = holds(route);
        if (!taken) {
            return NodeOutcome::fail(taken.error().code, taken.error().message);
        }
        if (*taken) {
            outputs.append(route.output);
            if (!m_all) {
                break;
            }
        }
    }
    if (outputs.isEmpty() && !m_otherwise.isEmpty()) {
        outputs.append(m_otherwise);
    }
    if (outputs.size() == 1) {
        return NodeOutcome::next(outputs.first());
    }
    // Several (or no) outputs: the executor resolves each named output's successors.
    NodeOutcome outcome = NodeOutcome::produce({});
    outcome.routedOutputs = outputs;
    return outcome;
}

Result<std::shared_ptr<SplitNode>> SplitNode::create(const nlohmann::json &settings)
{
    Result<expr::Expression> items = compileSetting(QStringLiteral("settings/items"),
                                                    settingText(settings, "items"));
    if (!items) {
        return items.error();
    }
    auto node = std::shared_ptr<SplitNode>(new SplitNode(std::move(*items)));
    const QString key = settingText(settings, "businessKey");
    if (!key.isEmpty()) {
        Result<expr::Expression> compiled = compileSetting(QStringLiteral("settings/businessKey"),
                                                           key);
        if (!compiled) {
            return compiled.error();
        }
        node->m_businessKey = std::move(*compiled);
    }
    return node;
}

NodeOutcome SplitNode::run(const store::WorkItem &item)
{
    Result<json::Value> read = readPayload(item);
    if (!read) {
        return NodeOutcome::fail(read.error().code, read.error().message);
    }
    const json::Value &payload = *read;
    expr::ExprResult<json::Value> items = m_items.evaluate(payload);
    if (!items) {
        return NodeOutcome::fail(QStringLiteral("SPLIT"), items.error().toError().message);
    }
    QList<store::StepOutput> outputs;
    const json::Value &all = items.value();
    const std::size_t count = all.isUndefined() ? 0 : all.isArray() ? all.size() : 1;
    for (std::size_t i = 0; i < count; ++i) {
        const json::Value part = all.isArray() ? all[i] : all;
        store::NewMessage child;
        child.flowId = item.message.flowId;
        child.flowVersion = item.message.flowVersion;
        child.headers = item.message.headers;
        child.payload = toBytes(part);
        // Each child needs a key of its own: the effect ledger derives idempotency keys from
        // it, and children sharing their parent's key would be skipped as "already done" after
        // the first one's call. Without a key expression (or a value for it), the parent's key
        // and the item's position, stable across retries and replays.
        child.businessKey = item.message.businessKey + u'/' + QString::number(i + 1);
        if (m_businessKey) {
            expr::ExprResult<json::Value> key = m_businessKey->evaluate(part);
            if (key && key.value().isString()) {
                child.businessKey = key.value().toQString();
            } else if (key && key.value().isNumber()) {
                child.businessKey = QString::fromStdString(key.value().numberToText());
            }
        }
        outputs.append({QString(), child, QStringLiteral("split")});
    }
    return NodeOutcome::produce(outputs);
}

} // namespace syncline::engine::runtime
