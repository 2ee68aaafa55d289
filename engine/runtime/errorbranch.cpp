#include "engine/runtime/errorbranch.h"

#include "engine/json/intake.h"

namespace syncline::engine::runtime {

namespace {

QString settingText(const nlohmann::json &settings, const char *key)
{
    const auto it = settings.find(key);
    return it != settings.end() && it->is_string() ? QString::fromStdString(it->get<std::string>())
                                                   : QString();
}

nlohmann::json parseObject(const QByteArray &text)
{
    nlohmann::json parsed = nlohmann::json::parse(text.constData(), text.constData() + text.size(),
                                                  nullptr, false);
    return parsed.is_object() ? parsed : nlohmann::json::object();
}

QByteArray dump(const nlohmann::json &value)
{
    return QByteArray::fromStdString(value.dump(-1, ' ', false,
                                                nlohmann::json::error_handler_t::replace));
}

QString headerText(const nlohmann::json &headers, const char *name)
{
    return settingText(headers, name);
}

} // namespace

bool divertToErrorBranch(const PlannedNode &node, const store::WorkItem &item,
                         store::StepResult &step)
{
    if (step.status != store::StepStatus::Failed
        || step.errorCode == QLatin1String("UNCERTAIN")) {
        return false;
    }
    const QStringList targets = node.successors(QLatin1String(kErrorOutput));
    if (targets.isEmpty()) {
        return false;
    }
    nlohmann::json headers = parseObject(item.message.headers);
    headers[kErrorCodeHeader] = step.errorCode.toStdString();
    headers[kErrorDetailHeader] = step.errorDetail.toStdString();
    headers[kErrorNodeHeader] = node.id.toStdString();
    if (step.exception && !step.exception->pointer.isEmpty()) {
        headers[kErrorPointerHeader] = step.exception->pointer.toStdString();
    }

    store::NewMessage copy = item.message;
    copy.causationId.clear(); // the store links the copy to the failed message
    copy.headers = dump(headers);
    step.status = store::StepStatus::Succeeded;
    step.retryAtMs = 0;
    step.exception.reset(); // handled on the error path instead
    step.outputs.clear();
    for (const QString &target : targets) {
        step.outputs.append({target, copy, QLatin1String(kErrorOutput)});
    }
    return true;
}

Result<std::shared_ptr<ErrorBranchNode>> ErrorBranchNode::create(const nlohmann::json &settings)
{
    auto node = std::shared_ptr<ErrorBranchNode>(new ErrorBranchNode());
    const QString action = settingText(settings, "action");
    if (!action.isEmpty() && action != QLatin1String("exception")
        && action != QLatin1String("continue")) {
        return Error::make(QStringLiteral("SETTINGS_INVALID"),
                           QStringLiteral("settings/action: \"%1\" is neither \"exception\" nor "
                                          "\"continue\"")
                               .arg(action));
    }
    node->m_raise = action != QLatin1String("continue");
    node->m_reasonCode = settingText(settings, "reasonCode");
    node->m_ownerRole = settingText(settings, "ownerRole");
    node->m_reason = settingText(settings, "reason");
    if (const QString category = settingText(settings, "category"); !category.isEmpty()) {
        node->m_category = store::exceptionCategoryFromName(category);
        if (!node->m_category) {
            return Error::make(QStringLiteral("SETTINGS_INVALID"),
                               QStringLiteral("settings/category: \"%1\" is not business, "
                                              "technical or uncertain")
                                   .arg(category));
        }
    }
    node->m_errorField = settingText(settings, "errorField");
    return node;
}

NodeOutcome ErrorBranchNode::run(const store::WorkItem &item)
{
    const nlohmann::json headers = parseObject(item.message.headers);
    const QString code = headerText(headers, kErrorCodeHeader);
    const QString detail = headerText(headers, kErrorDetailHeader);
    const QString failedNode = headerText(headers, kErrorNodeHeader);
    if (m_raise) {
        QStringList parts;
        if (!m_reason.isEmpty()) {
            parts.append(m_reason);
        }
        if (!failedNode.isEmpty()) {
            parts.append(QStringLiteral("node %1 failed with %2: %3").arg(failedNode, code, detail));
        }
        const QString reasonCode = !m_reasonCode.isEmpty() ? m_reasonCode
                                   : !code.isEmpty()       ? code
                                                           : QStringLiteral("ERROR_BRANCH");
        NodeOutcome raised = NodeOutcome::fail(reasonCode, parts.join(QStringLiteral("; ")));
        raised.ownerRole = m_ownerRole;
        // A code of the flow's own is a business rule unless the settings say otherwise; the
        // failure's own code keeps its own category.
        raised.category = m_category ? m_category
                          : !m_reasonCode.isEmpty()
                              ? std::optional(store::ExceptionCategory::Business)
                              : std::nullopt;
        raised.errorPointer = headerText(headers, kErrorPointerHeader);
        if (!failedNode.isEmpty()) {
            raised.errorFacts = dump({{"failedNode", failedNode.toStdString()},
                                      {"failedCode", code.toStdString()},
                                      {"failedDetail", detail.toStdString()}});
        }
        return raised;
    }
    if (m_errorField.isEmpty()) {
        return NodeOutcome::next();
    }
    // Through the strict reader, so money numbers keep their exact text.
    const json::IntakeResult read = json::JsonIntake::parse(item.message.payload);
    if (!read.ok() || !read.value().isObject()) {
        return NodeOutcome::fail(QStringLiteral("ERROR_BRANCH"),
                                 QStringLiteral("settings/errorField needs an object payload to "
                                                "write the error into"));
    }
    json::ObjectBuilder error;
    error.set("code", json::Value::string(code));
    error.set("detail", json::Value::string(detail));
    error.set("node", json::Value::string(failedNode));
    json::ObjectBuilder payload = json::ObjectBuilder::from(read.value());
    const QByteArray field = m_errorField.toUtf8();
    payload.set(std::string_view(field.constData(), size_t(field.size())), error.build());
    const std::string text = json::toJsonText(payload.build());
    store::NewMessage child;
    child.flowId = item.message.flowId;
    child.flowVersion = item.message.flowVersion;
    child.businessKey = item.message.businessKey;
    child.headers = item.message.headers;
    child.payload = QByteArray(text.data(), qsizetype(text.size()));
    return NodeOutcome::produce({{QString(), child}});
}

} // namespace syncline::engine::runtime
