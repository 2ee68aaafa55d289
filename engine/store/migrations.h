#pragma once

#include "engine/store/connection.h"

#include <span>
#include <string_view>

namespace syncline::engine::store {

/// One step of the store's schema. Versions start at 1 and increase by one.
struct Migration
{
    int version;
    std::string_view description;
    std::string_view sql;
};

/// Brings the database to the newest version in `migrations`, one transaction per step, and
/// records it in PRAGMA user_version. A database newer than the newest migration is refused
/// (STORE_VERSION) rather than touched. Returns the version the database is at afterwards.
Result<int> migrate(Connection &connection, std::span<const Migration> migrations);

} // namespace syncline::engine::store
