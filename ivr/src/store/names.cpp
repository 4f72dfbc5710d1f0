#include "store/names.hpp"

#include <cstdint>

#include "ivrd/ivr/store.hpp"

namespace ivrd::ivr {
namespace store_detail {
namespace {

bool is_ascii_letter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_ascii_digit(char c) { return c >= '0' && c <= '9'; }

}  // namespace

bool is_directory_name(std::string_view name) {
  if (name.empty() || name.size() > kMaxNameLength || !is_ascii_letter(name.front())) return false;
  for (const char c : name) {
    if (!is_ascii_letter(c) && !is_ascii_digit(c) && c != '_' && c != '-') return false;
  }
  return true;
}

std::optional<std::string> field_name_problem(std::string_view name) {
  const std::string shape = " (letters, digits and '_', not starting with a digit)";
  if (name.empty()) return "empty field name" + shape;
  bool ok = !is_ascii_digit(name.front()) && name.size() <= kMaxNameLength;
  for (const char c : name) ok = ok && (is_ascii_letter(c) || is_ascii_digit(c) || c == '_');
  if (!ok) return "bad field name " + in_quotes(name) + shape;
  if (name == "number") return "field name 'number' is the entry's number, not a field";
  return std::nullopt;
}

std::optional<std::string> field_value_problem(std::string_view value) {
  if (value.size() > kMaxValueBytes) {
    return "value too long: " + std::to_string(value.size()) + " bytes (limit " +
           std::to_string(kMaxValueBytes) + ")";
  }
  if (!is_utf8(value)) return "value is not UTF-8 text";
  return std::nullopt;
}

bool is_utf8(std::string_view text) {
  size_t i = 0;
  while (i < text.size()) {
    const auto c = static_cast<uint8_t>(text[i]);
    size_t length = 0;
    uint32_t code = 0;
    if (c < 0x80) {
      ++i;
      continue;
    } else if ((c & 0xe0) == 0xc0) {
      length = 2;
      code = c & 0x1fu;
    } else if ((c & 0xf0) == 0xe0) {
      length = 3;
      code = c & 0x0fu;
    } else if ((c & 0xf8) == 0xf0) {
      length = 4;
      code = c & 0x07u;
    } else {
      return false;
    }
    if (i + length > text.size()) return false;
    for (size_t k = 1; k < length; ++k) {
      const auto next = static_cast<uint8_t>(text[i + k]);
      if ((next & 0xc0) != 0x80) return false;
      code = (code << 6) | (next & 0x3fu);
    }
    // Overlong forms, UTF-16 surrogates and code points past U+10FFFF are not UTF-8.
    static constexpr uint32_t kSmallest[5] = {0, 0, 0x80, 0x800, 0x10000};
    if (code < kSmallest[length] || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) {
      return false;
    }
    i += length;
  }
  return true;
}

std::string in_quotes(std::string_view text) {
  constexpr size_t kLongest = 40;
  std::string out = "'";
  size_t end = text.size();
  if (end > kLongest) {
    end = kLongest;
    while (end > 0 && (static_cast<uint8_t>(text[end]) & 0xc0) == 0x80) --end;
  }
  for (size_t i = 0; i < end; ++i) {
    const char c = text[i];
    out += (static_cast<uint8_t>(c) < 0x20 || c == 0x7f) ? '?' : c;
  }
  if (end < text.size()) out += "...";
  return out + "'";
}

}  // namespace store_detail

std::optional<std::string> normalise_number(std::string_view number) {
  constexpr size_t kLongest = 32;
  std::string out;
  for (const char c : number) {
    if (c == ' ' || c == '-' || c == '(' || c == ')' || c == '.') continue;
    if (c == '+' && out.empty()) {
      out += c;
    } else if ((c >= '0' && c <= '9') || c == '*' || c == '#') {
      out += c;
    } else {
      return std::nullopt;
    }
    if (out.size() > kLongest) return std::nullopt;
  }
  if (out.empty() || out == "+") return std::nullopt;
  return out;
}

}  // namespace ivrd::ivr
