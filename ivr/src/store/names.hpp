#pragma once
// The shapes the store accepts: directory names, field names, UTF-8 text.

#include <optional>
#include <string>
#include <string_view>

namespace ivrd::ivr::store_detail {

inline constexpr size_t kMaxNameLength = 64;
inline constexpr size_t kMaxValueBytes = 4096;

// A letter, then letters, digits, '_' and '-'; at most kMaxNameLength.
bool is_directory_name(std::string_view name);

// Why `name` cannot be a field name, or nullopt when it can.
std::optional<std::string> field_name_problem(std::string_view name);

// Why `value` cannot be a field value (not UTF-8, too long), or nullopt.
std::optional<std::string> field_value_problem(std::string_view value);

bool is_utf8(std::string_view text);

// "'text'", cut short with "..." past 40 bytes, for messages.
std::string in_quotes(std::string_view text);

}  // namespace ivrd::ivr::store_detail
