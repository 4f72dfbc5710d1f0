#pragma once
// A thin RAII layer over SQLite's C API for the store: a connection, prepared
// statements and transactions. Failures throw SqliteFailure with SQLite's
// primary result code and message; the store turns them into StoreError
// with the file and what it was doing.

#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>

struct sqlite3;
struct sqlite3_stmt;

namespace ivrd::ivr::store_detail {

class SqliteFailure : public std::runtime_error {
 public:
  SqliteFailure(int code, const std::string& message) : std::runtime_error(message), code_(code) {}
  int code() const noexcept { return code_; }  // primary result code (SQLITE_FULL, ...)

 private:
  int code_;
};

class Statement;

class Connection {
 public:
  // Opens `file` read-only, or read-write creating it when missing.
  enum class Mode { read_only, read_write_create };
  Connection(const std::string& file, Mode mode);
  Connection(Connection&&) noexcept;
  Connection& operator=(Connection&&) noexcept;
  ~Connection();

  // Runs one or more statements that return nothing of interest.
  void exec(const char* sql);
  Statement prepare(std::string_view sql);
  // The first column of the first row of `sql` (a PRAGMA, a count).
  int64_t query_int(const char* sql);
  std::string query_text(const char* sql);

  // Rows changed by the last INSERT, UPDATE or DELETE.
  int64_t changes() const noexcept;

  sqlite3* handle() const noexcept { return db_; }
  [[noreturn]] void fail(int code) const;

 private:
  sqlite3* db_ = nullptr;
};

class Statement {
 public:
  Statement(Connection& connection, std::string_view sql);
  Statement(Statement&&) noexcept;
  Statement& operator=(Statement&&) noexcept;
  ~Statement();

  // Parameters are numbered from 1; text is copied.
  Statement& bind(int index, std::string_view text);
  Statement& bind(int index, int64_t value);
  Statement& bind_null(int index);

  // Steps once: true when a row is ready, false when done.
  bool step();
  // Runs to completion, for statements without rows.
  void run();
  // Clears bindings and rewinds, ready for the next use.
  void reset() noexcept;

  // Columns are numbered from 0.
  bool is_null(int column) const;
  int64_t column_int(int column) const;
  std::string column_text(int column) const;

 private:
  Connection* connection_;
  sqlite3_stmt* stmt_ = nullptr;
};

// Resets a statement when leaving the scope that used it, so a failure or an
// early return never leaves it holding a read transaction open.
class StatementUse {
 public:
  explicit StatementUse(Statement& statement) noexcept : statement_(statement) {}
  ~StatementUse() { statement_.reset(); }
  StatementUse(const StatementUse&) = delete;
  StatementUse& operator=(const StatementUse&) = delete;
  Statement* operator->() noexcept { return &statement_; }

 private:
  Statement& statement_;
};

// BEGIN IMMEDIATE (takes the write lock at once, waiting up to the busy
// timeout) ... commit(); rolled back when destroyed uncommitted.
class Transaction {
 public:
  explicit Transaction(Connection& connection);
  ~Transaction();
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  void commit();

 private:
  Connection& connection_;
  bool open_ = true;
};

}  // namespace ivrd::ivr::store_detail
