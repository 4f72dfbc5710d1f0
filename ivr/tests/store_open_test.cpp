// Opening the store: creation, reopening, migration from an empty database,
// and files that are refused without being touched (not a database, damaged,
// truncated, another application's, a newer ivrd's).
#include <filesystem>
#include <string>

#include <catch2/catch.hpp>

#include "ivrd/ivr/store.hpp"
#include "ivrd/test_support/rng.hpp"
#include "ivrd/test_support/seed.hpp"
#include "ivrd/test_support/temp_dir.hpp"

#include "store_test_support.hpp"

using namespace ivrd::ivr;
using namespace ivrd::ivr::testing;
namespace ts = ivrd::test_support;
namespace fs = std::filesystem;

namespace {

// The message Store::open gives for `file`; fails the test when it opens.
std::string open_error(const fs::path& file) {
  try {
    Store::open(file);
  } catch (const StoreError& e) {
    const std::string message = e.what();
    CHECK(message.find('\n') == std::string::npos);
    CHECK(e.file() == file.string());
    return message;
  }
  FAIL("the store opened: " << file);
  return {};
}

// A closed store holding `calls` call records and one directory entry.
void make_store(const fs::path& file, int calls) {
  Store store = Store::open(file);
  store.put("customers", "555 1234", {{"caller_name", "Alice"}});
  for (int i = 0; i < calls; ++i) store.record_call(numbered_call(i));
}

// The file and the side files SQLite would make beside it.
bool side_files_exist(const fs::path& file) {
  return fs::exists(file.string() + "-wal") || fs::exists(file.string() + "-shm");
}

}  // namespace

TEST_CASE("a missing store is created with its schema, in WAL mode", "[store]") {
  const ts::TempDir dir("ivrd-store");
  const fs::path file = dir.path() / "ivrd.db";
  {
    Store store = Store::open(file);
    CHECK(store.path() == file);
    CHECK(store.directories().empty());
    CHECK(store.recent_calls(10).empty());
    CHECK(store.check_integrity().empty());
  }
  CHECK(fs::is_regular_file(file));
  CHECK(query_sql(file, "PRAGMA journal_mode") == "wal");
  CHECK(query_sql(file, "PRAGMA user_version") == std::to_string(kSchemaVersion));
  CHECK(query_sql(file, "PRAGMA application_id") == std::to_string(kStoreApplicationId));
  for (const char* table : {"directories", "directory_entries", "directory_fields", "calls"}) {
    CHECK(query_sql(file, std::string("SELECT count(*) FROM sqlite_schema WHERE name = '") + table +
                              "'") == "1");
  }
}

TEST_CASE("a store keeps its contents when closed and reopened", "[store]") {
  const ts::TempDir dir("ivrd-store");
  const fs::path file = dir.path() / "ivrd.db";
  make_store(file, 3);
  for (int round = 0; round < 2; ++round) {
    Store store = Store::open(file);
    const auto entry = store.lookup("customers", "5551234");
    REQUIRE(entry.has_value());
    CHECK(entry->fields.at("caller_name") == "Alice");
    const auto calls = store.recent_calls(10);
    REQUIRE(calls.size() == 3);
    CHECK(calls[0] == numbered_call(2));
    CHECK(store.check_integrity().empty());
  }
}

TEST_CASE("two stores on one file see each other's writes", "[store]") {
  const ts::TempDir dir("ivrd-store");
  const fs::path file = dir.path() / "ivrd.db";
  Store writer = Store::open(file);
  Store reader = Store::open(file);
  writer.record_call(numbered_call(1));
  writer.put("vip", "+15550001", {{"vip_level", "2"}});
  CHECK(reader.recent_calls(5).size() == 1);
  REQUIRE(reader.lookup("vip", "+1 555 0001").has_value());
  reader.put("vip", "+15550002", {});
  CHECK(writer.entries("vip").size() == 2);
}

TEST_CASE("an empty file or an empty SQLite database becomes a store (schema 0 migrated)",
          "[store]") {
  const ts::TempDir dir("ivrd-store");
  const fs::path empty = dir.path() / "empty.db";
  write_bytes(empty, "");
  const fs::path bare = dir.path() / "bare.db";
  // An SQLite database with nothing in it, as `sqlite3 bare.db 'VACUUM'` makes.
  REQUIRE(run_sql(bare, "VACUUM") == "");
  REQUIRE(fs::file_size(bare) > 0);
  for (const fs::path& file : {empty, bare}) {
    INFO(file);
    {
      Store store = Store::open(file);
      store.record_call(numbered_call(7));
    }
    CHECK(query_sql(file, "PRAGMA user_version") == std::to_string(kSchemaVersion));
    CHECK(Store::open(file).recent_calls(1).at(0) == numbered_call(7));
  }
}

TEST_CASE("a store written by a newer ivrd is refused and left unchanged", "[store]") {
  const ts::TempDir dir("ivrd-store");
  const fs::path file = dir.path() / "ivrd.db";
  make_store(file, 20);
  REQUIRE(run_sql(file, "PRAGMA user_version = 7") == "");
  const auto before = read_bytes(file);
  CHECK(open_error(file) ==
        file.string() + ": written by a newer ivrd (schema 7, this one reads up to 1)");
  CHECK((read_bytes(file) == before));
  CHECK(query_sql(file, "PRAGMA user_version") == "7");
}

TEST_CASE("a file that is not a database is refused and left unchanged", "[store]") {
  const ts::Seed seed("store: garbage files");
  ts::Rng rng(seed.derive("bytes"));
  const ts::TempDir dir("ivrd-store");
  const fs::path file = dir.path() / "ivrd.db";
  std::string noise(4096 * 3, '\0');
  for (char& c : noise) c = static_cast<char>(rng.uniform_int(0, 255));
  for (const std::string& content :
       {std::string("customers,number\nAlice,5551234\n"), std::string("S"), noise,
        std::string("SQLite format 2\0 and the rest of a page", 40)}) {
    write_bytes(file, content);
    const auto before = read_bytes(file);
    CHECK(open_error(file) == file.string() + ": not an ivrd store: file is not a database");
    CHECK((read_bytes(file) == before));
    CHECK_FALSE(side_files_exist(file));
  }
}

TEST_CASE("another application's SQLite database is refused and left unchanged", "[store]") {
  const ts::TempDir dir("ivrd-store");
  const fs::path other = dir.path() / "other.db";
  REQUIRE(run_sql(other,
                  "CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT); "
                  "INSERT INTO notes (text) VALUES ('keep me')") == "");
  auto before = read_bytes(other);
  CHECK(open_error(other) == other.string() +
                                 ": not an ivrd store: an SQLite database of another application "
                                 "(tables ivrd did not create)");
  CHECK((read_bytes(other) == before));

  const fs::path tagged = dir.path() / "tagged.db";
  REQUIRE(run_sql(tagged, "PRAGMA application_id = 1234567") == "");
  before = read_bytes(tagged);
  CHECK(open_error(tagged) == tagged.string() +
                                  ": not an ivrd store: an SQLite database of another "
                                  "application (application_id 0x0012d687)");
  CHECK((read_bytes(tagged) == before));
}

TEST_CASE("a truncated store is refused and left unchanged", "[store]") {
  const ts::TempDir dir("ivrd-store");
  const fs::path file = dir.path() / "ivrd.db";
  make_store(file, 400);
  const auto whole = read_bytes(file);
  REQUIRE(whole.size() > 8 * 4096);
  for (const size_t size : {whole.size() / 2, whole.size() - 4096, size_t{4096}, size_t{50}}) {
    INFO("truncated to " << size << " bytes");
    write_bytes(file, std::string(whole.begin(), whole.begin() + static_cast<ptrdiff_t>(size)));
    const std::string message = open_error(file);
    CHECK(message.rfind(file.string() + ": damaged store: ", 0) == 0);
    if (size == 50) CHECK(message == file.string() + ": damaged store: truncated to 50 bytes");
    CHECK(read_bytes(file).size() == size);
    CHECK((read_bytes(file) ==
           std::vector<char>(whole.begin(), whole.begin() + static_cast<ptrdiff_t>(size))));
  }
}

TEST_CASE("a store with damaged pages is refused and left unchanged", "[store]") {
  const ts::Seed seed("store: damaged pages");
  ts::Rng rng(seed.derive("damage"));
  const ts::TempDir dir("ivrd-store");
  const fs::path file = dir.path() / "ivrd.db";
  make_store(file, 400);
  const auto whole = read_bytes(file);
  std::string damaged(whole.begin(), whole.end());
  // Scribble over every page but the first (the header stays valid).
  for (size_t page = 4096; page < damaged.size(); page += 4096) {
    for (size_t i = page + 16; i < page + 200; ++i) {
      damaged[i] = static_cast<char>(rng.uniform_int(0, 255));
    }
  }
  write_bytes(file, damaged);
  const std::string message = open_error(file);
  CHECK(message.rfind(file.string() + ": damaged store: ", 0) == 0);
  CHECK((read_bytes(file) == std::vector<char>(damaged.begin(), damaged.end())));
}

TEST_CASE("a store in a missing folder, or a folder as the store, is refused", "[store]") {
  const ts::TempDir dir("ivrd-store");
  const fs::path missing = dir.path() / "no-such-folder" / "ivrd.db";
  CHECK(open_error(missing) == missing.string() + ": cannot create the store: folder " +
                                   (dir.path() / "no-such-folder").string() + " does not exist");
  CHECK_FALSE(fs::exists(missing.parent_path()));
  CHECK(open_error(dir.path()) == dir.path().string() + ": is a folder, not a store file");
}

TEST_CASE("call records cannot be changed or deleted", "[store]") {
  const ts::TempDir dir("ivrd-store");
  const fs::path file = dir.path() / "ivrd.db";
  make_store(file, 2);
  CHECK(run_sql(file, "UPDATE calls SET keys = '0' WHERE call_id = 'c-1'") ==
        "call records are append-only");
  CHECK(run_sql(file, "DELETE FROM calls") == "call records are append-only");
  CHECK(Store::open(file).recent_calls(5).size() == 2);
}

TEST_CASE("a migration that fails leaves the schema as it was (all steps or none)", "[store]") {
  const ts::TempDir dir("ivrd-store");
  const fs::path file = dir.path() / "bare.db";
  REQUIRE(run_sql(file, "VACUUM") == "");  // an SQLite database at schema 0
  StoreOptions one_page;
  one_page.max_bytes = 4096;  // no room for the tables
  try {
    Store::open(file, one_page);
    FAIL("migrated into one page");
  } catch (const StoreError& e) {
    CHECK(std::string(e.what()) ==
          file.string() + ": disk full while migrating the store from schema 0 to 1");
  }
  CHECK(query_sql(file, "PRAGMA user_version") == "0");
  CHECK(query_sql(file, "SELECT count(*) FROM sqlite_schema") == "0");
  Store store = Store::open(file);
  store.record_call(numbered_call(1));
  CHECK(store.check_integrity().empty());
}

TEST_CASE("the store's file is ivrd.db in the state directory", "[store]") {
  CHECK(store_path() == fs::path("/var/lib/ivrd/ivrd.db"));
  CHECK(store_path("/srv/ivrd-state") == fs::path("/srv/ivrd-state/ivrd.db"));
}

TEST_CASE("a store is not created over the WAL file of a store that is gone", "[store]") {
  const ts::TempDir dir("ivrd-store");
  const fs::path file = dir.path() / "ivrd.db";
  const fs::path wal = file.string() + "-wal";
  write_bytes(wal, std::string(4096, 'w'));
  CHECK(open_error(file) == file.string() + ": cannot create the store: " + wal.string() +
                                " is left from a store that is gone (move it away)");
  CHECK_FALSE(fs::exists(file));
  CHECK(fs::file_size(wal) == 4096);
  fs::remove(wal);
  Store::open(file);
  CHECK(fs::exists(file));
}
