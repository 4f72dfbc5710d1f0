// Opening a store: the checks that keep ivrd from touching a file it does
// not understand, the connection settings, and the schema migration.
#include "ivrd/ivr/store.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <system_error>

#include <sqlite3.h>

#include "store/names.hpp"
#include "store/schema.hpp"
#include "store/sqlite.hpp"
#include "store/store_impl.hpp"

namespace ivrd::ivr {

using store_detail::Connection;
using store_detail::SqliteFailure;
using store_detail::Statement;
using store_detail::StatementUse;
using store_detail::Transaction;

namespace {

std::string error_text(const std::string& file, const std::string& problem, uint64_t line) {
  return line == 0 ? file + ": " + problem : file + ":" + std::to_string(line) + ": " + problem;
}

// The problems an integrity_check or quick_check statement reports, one per
// line: SQLite may put several in one row, under a "*** in database main ***"
// heading. Empty when the answer is "ok".
std::vector<std::string> check_problems(Statement& check) {
  std::vector<std::string> problems;
  while (check.step()) {
    const std::string row = check.column_text(0);
    if (row == "ok") continue;
    size_t start = 0;
    while (start <= row.size()) {
      const size_t end = std::min(row.find('\n', start), row.size());
      const std::string line = row.substr(start, end - start);
      if (!line.empty() && line.rfind("*** ", 0) != 0) problems.push_back(line);
      start = end + 1;
    }
  }
  return problems;
}

enum class FileState { missing, empty, database };

// Looks at the file before SQLite does: SQLite would turn a missing folder,
// a folder or an empty file into less helpful messages.
FileState inspect(const std::filesystem::path& file, const std::string& name) {
  namespace fs = std::filesystem;
  std::error_code error;
  const fs::file_status status = fs::status(file, error);
  if (status.type() == fs::file_type::not_found) {
    const fs::path folder = file.parent_path().empty() ? fs::path(".") : file.parent_path();
    if (!fs::is_directory(folder, error)) {
      throw StoreError(name,
                       "cannot create the store: folder " + folder.string() + " does not exist");
    }
    return FileState::missing;
  }
  if (error) throw StoreError(name, "cannot open: " + error.message());
  if (status.type() == fs::file_type::directory) {
    throw StoreError(name, "is a folder, not a store file");
  }
  if (status.type() != fs::file_type::regular) throw StoreError(name, "not a regular file");

  std::ifstream in(file, std::ios::binary);
  if (!in) throw StoreError(name, std::string("cannot read: ") + std::strerror(errno));
  char header[100];
  in.read(header, sizeof header);
  const auto got = static_cast<size_t>(in.gcount());
  if (got == 0) return FileState::empty;
  static constexpr char kMagic[16] = "SQLite format 3";  // with its NUL, as in the file
  if (got < sizeof kMagic || std::memcmp(header, kMagic, sizeof kMagic) != 0) {
    throw StoreError(name, "not an ivrd store: file is not a database");
  }
  if (got < sizeof header) {
    throw StoreError(name, "damaged store: truncated to " + std::to_string(got) + " bytes");
  }
  return FileState::database;
}

// SQLite would replay a WAL left behind by a deleted database into a new
// one; a store is never created over such a file.
void refuse_orphan_wal(const std::filesystem::path& file, const std::string& name) {
  std::error_code error;
  const std::filesystem::path wal = file.string() + "-wal";
  const uintmax_t size = std::filesystem::file_size(wal, error);
  if (!error && size > 0) {
    throw StoreError(name, "cannot create the store: " + wal.string() +
                               " is left from a store that is gone (move it away)");
  }
}

// The checks of an existing database through a read-only connection, so
// nothing about a refused file changes.
void probe(const std::string& name, std::chrono::milliseconds busy_timeout) {
  const auto refuse = [&](const std::string& problem) { throw StoreError(name, problem); };
  try {
    Connection db(name, Connection::Mode::read_only);
    sqlite3_busy_timeout(db.handle(), static_cast<int>(busy_timeout.count()));
    const int64_t application = db.query_int("PRAGMA application_id");
    const int64_t version = db.query_int("PRAGMA user_version");
    const int64_t objects = db.query_int("SELECT count(*) FROM sqlite_schema");
    if (application != kStoreApplicationId && application != 0) {
      char id[16];
      std::snprintf(id, sizeof id, "0x%08x", static_cast<unsigned>(application));
      refuse("not an ivrd store: an SQLite database of another application (application_id " +
             std::string(id) + ")");
    }
    if (application == 0 && (objects > 0 || version != 0)) {
      refuse(
          "not an ivrd store: an SQLite database of another application (tables ivrd did not "
          "create)");
    }
    if (version > kSchemaVersion) {
      refuse("written by a newer ivrd (schema " + std::to_string(version) +
             ", this one reads up to " + std::to_string(kSchemaVersion) + ")");
    }
    Statement check = db.prepare("PRAGMA quick_check");
    const std::vector<std::string> problems = check_problems(check);
    if (!problems.empty()) {
      refuse(
          "damaged store: " + problems.front() +
          (problems.size() > 1 ? " (and " + std::to_string(problems.size() - 1) + " more)" : ""));
    }
    if (version == kSchemaVersion) {
      Statement table =
          db.prepare("SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = ?1");
      for (const char* expected : store_detail::schema_tables()) {
        StatementUse use(table);
        use->bind(1, std::string_view(expected));
        if (!use->step() || use->column_int(0) != 1) {
          refuse("damaged store: table '" + std::string(expected) + "' is missing");
        }
      }
    }
  } catch (const SqliteFailure& failure) {
    switch (failure.code()) {
      case SQLITE_NOTADB: throw StoreError(name, "not an ivrd store: file is not a database");
      case SQLITE_CORRUPT: throw StoreError(name, std::string("damaged store: ") + failure.what());
      default: throw StoreError(name, std::string("cannot read: ") + failure.what());
    }
  }
}

}  // namespace

std::string store_detail::failure_problem(const SqliteFailure& failure) {
  switch (failure.code()) {
    case SQLITE_FULL: return "disk full";
    case SQLITE_BUSY:
    case SQLITE_LOCKED: return "store is locked by another connection";
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB: return std::string("damaged store (") + failure.what() + ")";
    case SQLITE_IOERR: return std::string("I/O error (") + failure.what() + ")";
    case SQLITE_CANTOPEN: return std::string("cannot open the file (") + failure.what() + ")";
    case SQLITE_READONLY:
    case SQLITE_PERM: return std::string("cannot write (") + failure.what() + ")";
    default: return failure.what();
  }
}

StoreError::StoreError(std::string file, std::string problem, uint64_t line)
    : std::runtime_error(error_text(file, problem, line)),
      file_(std::move(file)),
      line_(line),
      problem_(std::move(problem)) {}

Store::Impl::Impl(std::filesystem::path file, Connection connection)
    : path(std::move(file)),
      name(path.string()),
      db(std::move(connection)),
      lookup(db, R"sql(
        SELECT f.name, f.value FROM directories d
          JOIN directory_entries e ON e.directory_id = d.id
          LEFT JOIN directory_fields f ON f.entry_id = e.id
         WHERE d.name = ?1 AND e.number = ?2)sql"),
      directory_id(db, "SELECT id FROM directories WHERE name = ?1"),
      insert_directory(db, R"sql(
        INSERT INTO directories (name) VALUES (?1)
          ON CONFLICT (name) DO UPDATE SET name = excluded.name RETURNING id)sql"),
      insert_entry(db, R"sql(
        INSERT INTO directory_entries (directory_id, number) VALUES (?1, ?2)
          ON CONFLICT (directory_id, number) DO UPDATE SET number = excluded.number RETURNING id)sql"),
      delete_fields(db, "DELETE FROM directory_fields WHERE entry_id = ?1"),
      insert_field(db, "INSERT INTO directory_fields (entry_id, name, value) VALUES (?1, ?2, ?3)"),
      delete_entry(db, R"sql(
        DELETE FROM directory_entries
         WHERE number = ?2 AND directory_id = (SELECT id FROM directories WHERE name = ?1))sql"),
      delete_empty_directory(db, R"sql(
        DELETE FROM directories WHERE name = ?1
           AND NOT EXISTS (SELECT 1 FROM directory_entries e WHERE e.directory_id = directories.id))sql"),
      insert_call(db, R"sql(
        INSERT INTO calls (call_id, line, direction, caller_number, caller_name, started_us,
                           answered_us, ended_us, route, final_menu, keys, hangup_reason, language)
        VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13))sql") {}

void Store::Impl::fail(const SqliteFailure& failure, std::string_view doing) const {
  throw StoreError(name, store_detail::failure_problem(failure) + " while " + std::string(doing));
}

void Store::Impl::refuse(std::string problem) const { throw StoreError(name, std::move(problem)); }

Store Store::open(const std::filesystem::path& file, const StoreOptions& options) {
  const std::string name = file.string();
  if (inspect(file, name) == FileState::database) {
    probe(name, options.busy_timeout);
  } else {
    refuse_orphan_wal(file, name);
  }

  std::string doing = "opening the store";
  try {
    Connection db(name, Connection::Mode::read_write_create);
    sqlite3_busy_timeout(db.handle(), static_cast<int>(options.busy_timeout.count()));
    // SQLite quietly opens a write-protected file read-only; every write
    // would fail later, so say it now.
    if (sqlite3_db_readonly(db.handle(), "main") == 1) {
      throw StoreError(name, "cannot write the store: the file or its folder is read-only");
    }
    const std::string journal = db.query_text("PRAGMA journal_mode = WAL");
    if (journal != "wal") {
      throw StoreError(name, "cannot use write-ahead logging (journal mode '" + journal + "')");
    }
    db.exec("PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;");
    if (options.max_bytes > 0) {
      const auto page = static_cast<uint64_t>(db.query_int("PRAGMA page_size"));
      const uint64_t pages = std::max<uint64_t>(1, options.max_bytes / page);
      db.exec(("PRAGMA max_page_count = " + std::to_string(pages)).c_str());
    }
    {
      // Read again under the write lock: another process may have created or
      // migrated the file since the check.
      Transaction transaction(db);
      const int64_t version = db.query_int("PRAGMA user_version");
      if (version > kSchemaVersion) {
        throw StoreError(name, "written by a newer ivrd (schema " + std::to_string(version) +
                                   ", this one reads up to " + std::to_string(kSchemaVersion) +
                                   ")");
      }
      if (version < kSchemaVersion) {
        doing = "migrating the store from schema " + std::to_string(version) + " to " +
                std::to_string(kSchemaVersion);
        store_detail::migrate(db, static_cast<int>(version));
      }
      transaction.commit();
    }
    doing = "preparing the store's statements";
    return Store(std::make_unique<Impl>(file, std::move(db)));
  } catch (const SqliteFailure& failure) {
    throw StoreError(name, store_detail::failure_problem(failure) + " while " + doing);
  }
}

Store::Store(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Store::Store(Store&&) noexcept = default;
Store& Store::operator=(Store&&) noexcept = default;
Store::~Store() = default;

const std::filesystem::path& Store::path() const noexcept { return impl_->path; }

std::vector<std::string> Store::check_integrity() const {
  const std::lock_guard lock(impl_->mutex);
  std::vector<std::string> problems;
  try {
    Statement check = impl_->db.prepare("PRAGMA integrity_check");
    problems = check_problems(check);
    Statement keys = impl_->db.prepare("PRAGMA foreign_key_check");
    while (keys.step()) {
      problems.push_back("row " + std::to_string(keys.column_int(1)) + " of " +
                         keys.column_text(0) + " refers to a missing row of " +
                         keys.column_text(2));
    }
  } catch (const SqliteFailure& failure) {
    problems.push_back(failure.what());
  }
  return problems;
}

}  // namespace ivrd::ivr
