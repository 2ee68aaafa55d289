#pragma once

#include "engine/core/result.h"
#include "engine/expr/expression.h"
#include "engine/json/value.h"
#include "engine/runtime/noderunner.h"
#include "engine/store/messagestore.h"

#include <QString>

#include <optional>

namespace syncline::engine::runtime {

/// Helpers shared by the runners of the stateful and control node types.

QString settingText(const nlohmann::json &settings, const char *key);
/// An integer setting; nothing when it is absent (the type's schema has checked its shape).
std::optional<qint64> settingInteger(const nlohmann::json &settings, const char *key);
/// Compiles a JSONata setting; the error (SETTINGS_INVALID) names `what` and the position.
Result<expr::Expression> compileSetting(const QString &what, const QString &source);

/// The message payload through the strict reader (money numbers keep their text). A stored
/// payload was accepted once, so a refusal means the store was changed behind the engine.
Result<json::Value> readPayload(const store::WorkItem &item);
QByteArray toBytes(const json::Value &value);

/// A scalar as key text: a string as it is, a number as its JSON text, true/false; an object
/// or array as its compact JSON text; empty for null and nothing.
QString keyText(const json::Value &value);

/// Deletes expired node state (dedupe keys, closed-member markers, written ids) now and then:
/// at most every ten minutes in a process, run by whichever stateful node gets there first.
void purgeExpiredStateNowAndThen(store::MessageStore &store, qint64 nowMs);

/// A business key setting: a JSON pointer when it starts with "/", else a JSONata expression;
/// when empty, the message's own business key.
class KeySetting
{
public:
    static Result<KeySetting> parse(const QString &what, const QString &source);
    /// The key of a message; empty when the message has none. A failing expression is an Error.
    Result<QString> evaluate(const json::Value &payload, const store::StoredMessage &message) const;
    /// The value itself (an array stays an array); null when the message has none.
    Result<json::Value> value(const json::Value &payload, const store::StoredMessage &message) const;
    /// A key value as the text keys are compared by.
    static QString text(const json::Value &value);
    bool isSet() const { return !m_source.isEmpty(); }

private:
    QString m_source;
    QString m_pointer;
    std::optional<expr::Expression> m_expression;
};

/// Sets a dotted path ("customer.erpNumber") on an object payload, making objects on the way.
/// Fails when the payload or a step on the way is not an object.
Result<json::Value> setField(const json::Value &payload, const QString &path,
                             const json::Value &value);

/// A child of the input with a new payload: same flow, version, business key and headers.
store::NewMessage childOf(const store::StoredMessage &input, const json::Value &payload);

} // namespace syncline::engine::runtime
