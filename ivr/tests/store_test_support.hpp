#pragma once
// Helpers of the store tests: whole files as bytes, SQL run straight on a
// store file (as another program would), and call records to write.

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <string>
#include <vector>

#include <sqlite3.h>

#include "ivrd/ivr/store.hpp"

namespace ivrd::ivr::testing {

inline std::vector<char> read_bytes(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

inline void write_bytes(const std::filesystem::path& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << bytes;
  if (!out) throw std::runtime_error(path.string() + ": cannot write");
}

// Runs `sql` on the database in `path` through a connection of its own;
// returns SQLite's error message, or an empty string on success.
inline std::string run_sql(const std::filesystem::path& path, const std::string& sql) {
  sqlite3* db = nullptr;
  if (sqlite3_open(path.c_str(), &db) != SQLITE_OK) {
    const std::string message = sqlite3_errmsg(db);
    sqlite3_close(db);
    return message;
  }
  char* error = nullptr;
  sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &error);
  const std::string message = error != nullptr ? error : "";
  sqlite3_free(error);
  sqlite3_close(db);
  return message;
}

// The first column of the first row of `sql`, as text.
inline std::string query_sql(const std::filesystem::path& path, const std::string& sql) {
  sqlite3* db = nullptr;
  std::string out;
  if (sqlite3_open(path.c_str(), &db) == SQLITE_OK) {
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr) == SQLITE_OK &&
        sqlite3_step(stmt) == SQLITE_ROW && sqlite3_column_text(stmt, 0) != nullptr) {
      out = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0));
    }
    sqlite3_finalize(stmt);
  }
  sqlite3_close(db);
  return out;
}

// A call record with every field set, numbered `i`, starting `i` minutes
// after a fixed moment (to the microsecond, as the store keeps times).
inline CallRecord numbered_call(int i) {
  using namespace std::chrono;
  const sys_time<microseconds> base = sys_days{year{2026} / 12 / 7} + hours{9} + microseconds{17};
  CallRecord r;
  r.call_id = "c-" + std::to_string(i);
  r.line = "trunk-" + std::to_string(i % 4 + 1);
  r.direction = i % 3 == 0 ? CallDirection::outbound : CallDirection::inbound;
  r.caller_number = "+4930" + std::to_string(1000000 + i);
  r.caller_name = "Caller Ünïcødé " + std::to_string(i);
  r.started = time_point_cast<system_clock::duration>(base + minutes{i});
  if (i % 5 != 0) r.answered = r.started + seconds{3} + microseconds{i};
  r.ended = r.started + seconds{40 + i % 60};
  r.route = i % 2 == 0 ? "sales_desk" : "menu:support";
  r.final_menu = "main";
  r.keys = std::to_string(i % 10) + "*#";
  r.hangup_reason = i % 2 == 0 ? "caller_hung_up" : "operator_hung_up";
  r.language = i % 2 == 0 ? "en" : "fr";
  return r;
}

}  // namespace ivrd::ivr::testing
