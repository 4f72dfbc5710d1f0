#pragma once
// Typed reading of toml++ nodes with every problem collected as a
// ConfigError at the node's position. Each reader either returns the value
// or records an error and returns nothing, so loading goes on and reports
// everything in one pass.

#include <chrono>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <toml++/toml.h>

#include "ivrd/ivr/config.hpp"
#include "ivrd/ivr/config_loader.hpp"

namespace ivrd::ivr::config_detail {

SourcePosition position_of(const toml::source_region& region);
inline SourcePosition position_of(const toml::node& node) { return position_of(node.source()); }
inline SourcePosition position_of(const toml::key& key) { return position_of(key.source()); }

// "a string", "an integer", "a table", ... for messages.
std::string_view type_phrase(toml::node_type type);

class Diagnostics {
 public:
  explicit Diagnostics(std::string file) : file_(std::move(file)) {}

  void error(SourcePosition where, std::string message);
  void error(const toml::node& node, std::string message) {
    error(position_of(node), std::move(message));
  }
  void error(const toml::key& key, std::string message) {
    error(position_of(key), std::move(message));
  }

  bool empty() const noexcept { return errors_.empty(); }
  const std::string& file() const noexcept { return file_; }

  // The errors, sorted by position (file-wide ones first), duplicates removed.
  std::vector<ConfigError> take();

 private:
  std::string file_;
  std::vector<ConfigError> errors_;
};

// Records "unknown key" for each key of `table` not in `allowed`, with the
// closest allowed key suggested. `context` names the table: "[menus.main]".
void check_keys(const toml::table& table, std::initializer_list<std::string_view> allowed,
                std::string_view context, Diagnostics& diag);

// The typed readers. `key` is the key's name for messages; absent keys give
// nullopt without an error (use require() for mandatory keys).
const toml::table* table_at(const toml::table& parent, std::string_view key, Diagnostics& diag);
std::optional<std::string> string_at(const toml::table& parent, std::string_view key,
                                     Diagnostics& diag);
std::optional<bool> bool_at(const toml::table& parent, std::string_view key, Diagnostics& diag);
std::optional<int64_t> integer_at(const toml::table& parent, std::string_view key, int64_t min,
                                  int64_t max, Diagnostics& diag);
// A number of seconds (integer or floating point) within [min_s, max_s].
std::optional<std::chrono::milliseconds> seconds_at(const toml::table& parent, std::string_view key,
                                                    double min_s, double max_s, Diagnostics& diag);

// Records "missing key" at the table when `key` is absent; returns presence.
bool require(const toml::table& table, std::string_view key, std::string_view context,
             Diagnostics& diag);

// Names: letters, digits, '_' and '-', starting with a letter.
bool is_name(std::string_view text);

}  // namespace ivrd::ivr::config_detail
