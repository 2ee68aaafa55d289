#include "engine/runtime/nodesupport.h"

#include "engine/json/intake.h"
#include "engine/runtime/jsonpointer.h"

#include <atomic>

namespace syncline::engine::runtime {

QString settingText(const nlohmann::json &settings, const char *key)
{
    const auto it = settings.find(key);
    return it != settings.end() && it->is_string() ? QString::fromStdString(it->get<std::string>())
                                                   : QString();
}

std::optional<qint64> settingInteger(const nlohmann::json &settings, const char *key)
{
    const auto it = settings.find(key);
    if (it == settings.end() || !it->is_number_integer()) {
        return std::nullopt;
    }
    return it->get<qint64>();
}

Result<expr::Expression> compileSetting(const QString &what, const QString &source)
{
    const QByteArray utf8 = source.toUtf8();
    expr::ExprResult<expr::Expression> compiled = expr::Expression::compile(
        std::string_view(utf8.constData(), size_t(utf8.size())));
    if (!compiled) {
        return Error::make(QStringLiteral("SETTINGS_INVALID"),
                           QStringLiteral("%1: %2").arg(what, compiled.error().toError().message));
    }
    return std::move(compiled).value();
}

Result<json::Value> readPayload(const store::WorkItem &item)
{
    const json::IntakeResult read = json::JsonIntake::parse(item.message.payload);
    if (!read.ok()) {
        return Error::make(read.refusal().code(), read.refusal().describe());
    }
    return read.value();
}

QByteArray toBytes(const json::Value &value)
{
    const std::string text = json::toJsonText(value);
    return QByteArray(text.data(), qsizetype(text.size()));
}

QString keyText(const json::Value &value)
{
    if (value.isString()) {
        return value.toQString();
    }
    if (value.isNumber()) {
        return QString::fromStdString(value.numberToText());
    }
    if (value.isBool()) {
        return value.toBool() ? QStringLiteral("true") : QStringLiteral("false");
    }
    if (value.isArray() || value.isObject()) {
        return QString::fromUtf8(toBytes(value));
    }
    return {};
}

void purgeExpiredStateNowAndThen(store::MessageStore &store, qint64 nowMs)
{
    constexpr qint64 kEveryMs = 10 * 60'000;
    static std::atomic<qint64> nextMs{0};
    qint64 due = nextMs;
    if (nowMs < due || !nextMs.compare_exchange_strong(due, nowMs + kEveryMs)) {
        return;
    }
    (void) store.purgeExpiredState(); // a failure leaves rows that read as absent anyway
}

Result<KeySetting> KeySetting::parse(const QString &what, const QString &source)
{
    KeySetting key;
    key.m_source = source.trimmed();
    if (key.m_source.isEmpty()) {
        return key;
    }
    if (key.m_source.startsWith(u'/')) {
        key.m_pointer = key.m_source;
        return key;
    }
    Result<expr::Expression> compiled = compileSetting(what, key.m_source);
    if (!compiled) {
        return compiled.error();
    }
    key.m_expression = std::move(*compiled);
    return key;
}

Result<QString> KeySetting::evaluate(const json::Value &payload,
                                     const store::StoredMessage &message) const
{
    if (m_source.isEmpty()) {
        return message.businessKey;
    }
    Result<json::Value> found = value(payload, message);
    if (!found) {
        return found.error();
    }
    return keyText(*found);
}

Result<json::Value> KeySetting::value(const json::Value &payload,
                                      const store::StoredMessage &message) const
{
    if (m_source.isEmpty()) {
        return json::Value::string(message.businessKey.toStdString());
    }
    if (!m_pointer.isEmpty()) {
        const json::Value *found = resolvePointer(payload, m_pointer);
        return found ? *found : json::Value();
    }
    expr::ExprResult<json::Value> value = m_expression->evaluate(payload);
    if (!value) {
        return Error::make(QStringLiteral("KEY_EXPRESSION"),
                           QStringLiteral("%1: %2").arg(m_source, value.error().toError().message));
    }
    return value.value();
}

QString KeySetting::text(const json::Value &value)
{
    return keyText(value);
}

Result<json::Value> setField(const json::Value &payload, const QString &path,
                             const json::Value &value)
{
    const QStringList steps = path.split(u'.');
    if (!payload.isObject()) {
        return Error::make(QStringLiteral("TARGET_FIELD"),
                           QStringLiteral("cannot set %1: the message is not an object").arg(path));
    }
    json::ObjectBuilder builder = json::ObjectBuilder::from(payload);
    const QByteArray name = steps.first().toUtf8();
    const std::string_view key(name.constData(), size_t(name.size()));
    if (steps.size() == 1) {
        builder.set(key, value);
        return builder.build();
    }
    const json::Value *existing = builder.find(json::Key(key));
    const json::Value child = existing ? *existing : json::ObjectBuilder().build();
    Result<json::Value> inner = setField(child, steps.mid(1).join(u'.'), value);
    if (!inner) {
        return Error::make(QStringLiteral("TARGET_FIELD"),
                           QStringLiteral("cannot set %1: %2 is not an object")
                               .arg(path, steps.first()));
    }
    builder.set(key, *inner);
    return builder.build();
}

store::NewMessage childOf(const store::StoredMessage &input, const json::Value &payload)
{
    store::NewMessage child;
    child.flowId = input.flowId;
    child.flowVersion = input.flowVersion;
    child.businessKey = input.businessKey;
    child.headers = input.headers;
    child.payload = toBytes(payload);
    return child;
}

} // namespace syncline::engine::runtime
