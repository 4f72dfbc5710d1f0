#include "table.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <ostream>

namespace ivrd::ivr::ctl {
namespace {

size_t display_width(const std::string& text) {
  // UTF-8 continuation bytes (10xxxxxx) do not start a character.
  return static_cast<size_t>(std::count_if(text.begin(), text.end(), [](char c) {
    return (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  }));
}

std::string printable(const std::string& text) {
  std::string out = text;
  for (char& c : out) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte == 0x7F) c = '?';
  }
  return out;
}

std::string number_text(double value) {
  if (!std::isfinite(value)) return "-";
  if (value == std::floor(value) && std::fabs(value) < 1e15) {
    return std::to_string(static_cast<long long>(value));
  }
  char text[64];
  std::snprintf(text, sizeof text, "%.1f", value);
  return text;
}

}  // namespace

void Table::print(std::ostream& out) const {
  std::vector<size_t> widths(header_.size(), 0);
  const auto measure = [&widths](const std::vector<std::string>& row) {
    for (size_t i = 0; i < row.size() && i < widths.size(); ++i) {
      widths[i] = std::max(widths[i], display_width(row[i]));
    }
  };
  measure(header_);
  for (const auto& row : rows_) measure(row);
  const auto line = [&](const std::vector<std::string>& row) {
    std::string text;
    for (size_t i = 0; i < widths.size(); ++i) {
      const std::string value = i < row.size() ? row[i] : "";
      text += value;
      if (i + 1 < widths.size()) text.append(widths[i] - display_width(value) + 2, ' ');
    }
    while (!text.empty() && text.back() == ' ') text.pop_back();
    out << text << '\n';
  };
  line(header_);
  for (const auto& row : rows_) line(row);
}

std::string cell(const nlohmann::json& value) {
  switch (value.type()) {
    case nlohmann::json::value_t::null:
    case nlohmann::json::value_t::discarded: return "-";
    case nlohmann::json::value_t::string: {
      const std::string text = printable(value.get<std::string>());
      return text.empty() ? "-" : text;
    }
    case nlohmann::json::value_t::boolean: return value.get<bool>() ? "yes" : "no";
    case nlohmann::json::value_t::number_integer: return std::to_string(value.get<int64_t>());
    case nlohmann::json::value_t::number_unsigned: return std::to_string(value.get<uint64_t>());
    case nlohmann::json::value_t::number_float: return number_text(value.get<double>());
    case nlohmann::json::value_t::array: {
      if (value.empty()) return "-";
      std::string text;
      for (const auto& item : value) text += (text.empty() ? "" : ",") + cell(item);
      return text;
    }
    case nlohmann::json::value_t::object: {
      if (value.empty()) return "-";
      std::string text;
      for (const auto& [key, item] : value.items()) {
        text += (text.empty() ? "" : " ") + printable(key) + "=" + cell(item);
      }
      return text;
    }
    default: return printable(value.dump());
  }
}

std::string cell(const nlohmann::json& object, const char* key) {
  if (!object.is_object()) return "-";
  const auto found = object.find(key);
  return found == object.end() ? "-" : cell(*found);
}

std::string duration_text(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) return "-";
  const auto total = static_cast<long long>(seconds);
  char text[64];
  if (total < 60) {
    std::snprintf(text, sizeof text, "%llds", total);
  } else if (total < 3600) {
    std::snprintf(text, sizeof text, "%lldm%02llds", total / 60, total % 60);
  } else if (total < 86400) {
    std::snprintf(text, sizeof text, "%lldh%02lldm", total / 3600, total % 3600 / 60);
  } else {
    std::snprintf(text, sizeof text, "%lldd%02lldh", total / 86400, total % 86400 / 3600);
  }
  return text;
}

}  // namespace ivrd::ivr::ctl
