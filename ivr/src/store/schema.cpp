#include "store/schema.hpp"

#include <string>

#include "ivrd/ivr/store.hpp"

namespace ivrd::ivr::store_detail {
namespace {

// Version 0 -> 1: the first schema. docs/store.md describes every column.
constexpr const char* kVersion1 = R"sql(
CREATE TABLE directories (
  id   INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE
);
CREATE TABLE directory_entries (
  id           INTEGER PRIMARY KEY,
  directory_id INTEGER NOT NULL REFERENCES directories(id) ON DELETE CASCADE,
  number       TEXT NOT NULL,
  UNIQUE (directory_id, number)
);
CREATE TABLE directory_fields (
  entry_id INTEGER NOT NULL REFERENCES directory_entries(id) ON DELETE CASCADE,
  name     TEXT NOT NULL,
  value    TEXT NOT NULL,
  PRIMARY KEY (entry_id, name)
) WITHOUT ROWID;
CREATE TABLE calls (
  seq           INTEGER PRIMARY KEY,
  call_id       TEXT NOT NULL UNIQUE,
  line          TEXT NOT NULL,
  direction     TEXT NOT NULL CHECK (direction IN ('inbound', 'outbound')),
  caller_number TEXT NOT NULL,
  caller_name   TEXT NOT NULL,
  started_us    INTEGER NOT NULL,
  answered_us   INTEGER,
  ended_us      INTEGER NOT NULL,
  route         TEXT NOT NULL,
  final_menu    TEXT NOT NULL,
  keys          TEXT NOT NULL,
  hangup_reason TEXT NOT NULL,
  language      TEXT NOT NULL,
  CHECK (ended_us >= started_us),
  CHECK (answered_us IS NULL OR (answered_us >= started_us AND answered_us <= ended_us))
);
CREATE INDEX calls_by_start ON calls (started_us, seq);
CREATE TRIGGER calls_are_append_only_update BEFORE UPDATE ON calls
BEGIN
  SELECT RAISE(ABORT, 'call records are append-only');
END;
CREATE TRIGGER calls_are_append_only_delete BEFORE DELETE ON calls
BEGIN
  SELECT RAISE(ABORT, 'call records are append-only');
END;
)sql";

// Step i takes a store from version i to version i + 1.
constexpr const char* kSteps[] = {kVersion1};
static_assert(std::size(kSteps) == kSchemaVersion);

}  // namespace

const std::vector<const char*>& schema_tables() {
  static const std::vector<const char*> tables = {"directories", "directory_entries",
                                                  "directory_fields", "calls"};
  return tables;
}

void migrate(Connection& db, int version) {
  for (int step = version; step < kSchemaVersion; ++step) db.exec(kSteps[step]);
  db.exec(("PRAGMA application_id = " + std::to_string(kStoreApplicationId)).c_str());
  db.exec(("PRAGMA user_version = " + std::to_string(kSchemaVersion)).c_str());
}

}  // namespace ivrd::ivr::store_detail
