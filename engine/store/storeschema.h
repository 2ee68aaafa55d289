#pragma once

#include "engine/store/migrations.h"

#include <span>

namespace syncline::engine::store {

/// The message store's schema, newest last (docs/store.md describes the tables).
std::span<const Migration> messageStoreMigrations();

} // namespace syncline::engine::store
