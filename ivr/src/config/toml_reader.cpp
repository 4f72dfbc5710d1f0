#include "config/toml_reader.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <tuple>

#include "config/did_you_mean.hpp"

namespace ivrd::ivr::config_detail {

SourcePosition position_of(const toml::source_region& region) {
  return {static_cast<uint32_t>(region.begin.line), static_cast<uint32_t>(region.begin.column)};
}

std::string_view type_phrase(toml::node_type type) {
  switch (type) {
    case toml::node_type::table: return "a table";
    case toml::node_type::array: return "an array";
    case toml::node_type::string: return "a string";
    case toml::node_type::integer: return "an integer";
    case toml::node_type::floating_point: return "a floating-point number";
    case toml::node_type::boolean: return "a boolean";
    case toml::node_type::date: return "a date";
    case toml::node_type::time: return "a time";
    case toml::node_type::date_time: return "a date-time";
    case toml::node_type::none: break;
  }
  return "nothing";
}

void Diagnostics::error(SourcePosition where, std::string message) {
  // Messages quote the file's own text, which may hold line breaks or other
  // control characters: escape them so that every error stays one line.
  std::string line;
  for (const char c : message) {
    if (c == '\n') {
      line += "\\n";
    } else if (c == '\t') {
      line += "\\t";
    } else if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
      char escaped[8];
      std::snprintf(escaped, sizeof escaped, "\\x%02x",
                    static_cast<unsigned>(static_cast<unsigned char>(c)));
      line += escaped;
    } else {
      line += c;
    }
  }
  errors_.push_back({file_, where.line, where.column, std::move(line)});
}

std::vector<ConfigError> Diagnostics::take() {
  auto order = [](const ConfigError& e) { return std::tie(e.line, e.column, e.message); };
  std::stable_sort(errors_.begin(), errors_.end(),
                   [&](const ConfigError& a, const ConfigError& b) { return order(a) < order(b); });
  errors_.erase(
      std::unique(errors_.begin(), errors_.end(),
                  [&](const ConfigError& a, const ConfigError& b) { return order(a) == order(b); }),
      errors_.end());
  return std::move(errors_);
}

void check_keys(const toml::table& table, std::initializer_list<std::string_view> allowed,
                std::string_view context, Diagnostics& diag) {
  const std::vector<std::string> names(allowed.begin(), allowed.end());
  for (const auto& [key, node] : table) {
    if (std::find(allowed.begin(), allowed.end(), key.str()) != allowed.end()) continue;
    diag.error(key, "unknown key '" + std::string(key.str()) + "' in " + std::string(context) +
                        did_you_mean(key.str(), names));
  }
}

namespace {

// The node at `key` when it has type T's TOML type; records a type error otherwise.
const toml::node* typed_node(const toml::table& parent, std::string_view key,
                             toml::node_type wanted, std::string_view wanted_phrase,
                             Diagnostics& diag) {
  const toml::node* node = parent.get(key);
  if (node == nullptr) return nullptr;
  if (node->type() != wanted) {
    diag.error(*node, "'" + std::string(key) + "' must be " + std::string(wanted_phrase) +
                          ", not " + std::string(type_phrase(node->type())));
    return nullptr;
  }
  return node;
}

}  // namespace

const toml::table* table_at(const toml::table& parent, std::string_view key, Diagnostics& diag) {
  const toml::node* node = typed_node(parent, key, toml::node_type::table, "a table", diag);
  return node == nullptr ? nullptr : node->as_table();
}

std::optional<std::string> string_at(const toml::table& parent, std::string_view key,
                                     Diagnostics& diag) {
  const toml::node* node = typed_node(parent, key, toml::node_type::string, "a string", diag);
  if (node == nullptr) return std::nullopt;
  return node->as_string()->get();
}

std::optional<bool> bool_at(const toml::table& parent, std::string_view key, Diagnostics& diag) {
  const toml::node* node =
      typed_node(parent, key, toml::node_type::boolean, "a boolean (true or false)", diag);
  if (node == nullptr) return std::nullopt;
  return node->as_boolean()->get();
}

std::optional<int64_t> integer_at(const toml::table& parent, std::string_view key, int64_t min,
                                  int64_t max, Diagnostics& diag) {
  const toml::node* node = typed_node(parent, key, toml::node_type::integer, "an integer", diag);
  if (node == nullptr) return std::nullopt;
  const int64_t value = node->as_integer()->get();
  if (value < min || value > max) {
    diag.error(*node, "'" + std::string(key) + "' must be between " + std::to_string(min) +
                          " and " + std::to_string(max) + ", not " + std::to_string(value));
    return std::nullopt;
  }
  return value;
}

std::optional<std::chrono::milliseconds> seconds_at(const toml::table& parent, std::string_view key,
                                                    double min_s, double max_s, Diagnostics& diag) {
  const toml::node* node = parent.get(key);
  if (node == nullptr) return std::nullopt;
  double seconds = 0.0;
  if (const auto* i = node->as_integer()) {
    seconds = static_cast<double>(i->get());
  } else if (const auto* f = node->as_floating_point()) {
    seconds = f->get();
  } else {
    diag.error(*node, "'" + std::string(key) + "' must be a number of seconds, not " +
                          std::string(type_phrase(node->type())));
    return std::nullopt;
  }
  if (!(seconds >= min_s && seconds <= max_s)) {
    char text[128];
    std::snprintf(text, sizeof text, "'%.*s' must be between %g and %g seconds, not %g",
                  static_cast<int>(key.size()), key.data(), min_s, max_s, seconds);
    diag.error(*node, text);
    return std::nullopt;
  }
  return std::chrono::milliseconds(static_cast<int64_t>(std::llround(seconds * 1000.0)));
}

bool require(const toml::table& table, std::string_view key, std::string_view context,
             Diagnostics& diag) {
  if (table.contains(key)) return true;
  diag.error(table, "missing key '" + std::string(key) + "' in " + std::string(context));
  return false;
}

bool is_name(std::string_view text) {
  if (text.empty() || !std::isalpha(static_cast<unsigned char>(text[0]))) return false;
  return std::all_of(text.begin(), text.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-';
  });
}

}  // namespace ivrd::ivr::config_detail
