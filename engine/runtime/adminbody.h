#pragma once

#include "engine/runtime/adminapi.h"

#include <nlohmann/json.hpp>

#include <optional>

namespace syncline::engine::runtime {

/// The JSON object a route was sent. When the body is not a JSON object (strictly parsed), answers
/// 400 itself and returns nothing. An empty body reads as {}.
std::optional<nlohmann::json> readJsonObject(const AdminCall &call, const net::Responder &respond);

/// Answers 400 (BAD_REQUEST) naming the first member of `body` not in `known` and returns false.
bool onlyKnownMembers(const nlohmann::json &body,
                      std::initializer_list<const char *> known,
                      const net::Responder &respond);

/// An Error from the engine as the problem document to answer: the status follows the error's
/// code (…_NOT_FOUND 404, …_EXISTS 409, …_INVALID 422, others 500).
net::ServerResponse problemFor(const Error &error);

} // namespace syncline::engine::runtime
