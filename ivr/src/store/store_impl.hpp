#pragma once
// What a Store holds: its connection, the statements of the frequent calls,
// and the lock that serialises them. Shared by the store's source files.

#include <mutex>
#include <string>
#include <string_view>

#include "ivrd/ivr/store.hpp"

#include "store/sqlite.hpp"

namespace ivrd::ivr {
namespace store_detail {

// "disk full", "store is locked by another connection", "damaged store
// (...)", ...: what a failed SQLite call means for the store.
std::string failure_problem(const SqliteFailure& failure);

}  // namespace store_detail

struct Store::Impl {
  Impl(std::filesystem::path file, store_detail::Connection connection);

  std::filesystem::path path;
  std::string name;  // path as given, for messages
  mutable std::mutex mutex;
  store_detail::Connection db;

  // Prepared once, used under `mutex` (declared after `db`: finalised first).
  store_detail::Statement lookup;
  store_detail::Statement directory_id;
  store_detail::Statement insert_directory;
  store_detail::Statement insert_entry;
  store_detail::Statement delete_fields;
  store_detail::Statement insert_field;
  store_detail::Statement delete_entry;
  store_detail::Statement delete_empty_directory;
  store_detail::Statement insert_call;

  // A StoreError for a failed SQLite call, naming the store and what it was
  // doing ("recording call c-12"): "<file>: disk full while recording call c-12".
  [[noreturn]] void fail(const store_detail::SqliteFailure& failure, std::string_view doing) const;
  [[noreturn]] void refuse(std::string problem) const;
};

}  // namespace ivrd::ivr
