#pragma once
// The directory writes shared by put() and the CSV import; each runs inside
// the caller's transaction, under the store's lock.

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "store/store_impl.hpp"

namespace ivrd::ivr::store_detail {

// Throw StoreError naming the bad directory name, field name or value.
void check_directory_name(const Store::Impl& impl, std::string_view directory);
void check_fields(const Store::Impl& impl, const std::map<std::string, std::string>& fields);

// The directory's row id, creating the row when missing.
int64_t directory_row(Store::Impl& impl, std::string_view directory);

// Inserts or replaces the entry of `number` (normalised) with exactly `fields`.
void write_entry(Store::Impl& impl, int64_t directory_row, std::string_view number,
                 const std::map<std::string, std::string>& fields);

// Deletes the directory with its entries; returns how many it had.
size_t clear_directory(Store::Impl& impl, std::string_view directory);

}  // namespace ivrd::ivr::store_detail
