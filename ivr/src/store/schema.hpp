#pragma once
// The store's schema and the steps that bring an older file up to it.

#include <vector>

#include "store/sqlite.hpp"

namespace ivrd::ivr::store_detail {

// The tables a store of the current version must have.
const std::vector<const char*>& schema_tables();

// Runs every migration step from `version` up to kSchemaVersion and sets
// user_version and application_id, inside the caller's transaction.
void migrate(Connection& db, int version);

}  // namespace ivrd::ivr::store_detail
