#include "text_output.hpp"

#include <array>

namespace ivrd::ivr::replay {
namespace {

// Length of the valid UTF-8 sequence starting at text[i], or 0 when the bytes
// there are not one (overlong forms, surrogates and values past U+10FFFF are
// invalid, as RFC 3629 says).
size_t utf8_sequence_length(std::string_view text, size_t i) {
  const auto byte = [&](size_t k) { return static_cast<unsigned char>(text[k]); };
  const unsigned char lead = byte(i);
  size_t length = 0;
  unsigned char min_second = 0x80, max_second = 0xBF;
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    if (lead == 0xE0) min_second = 0xA0;
    if (lead == 0xED) max_second = 0x9F;
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    if (lead == 0xF0) min_second = 0x90;
    if (lead == 0xF4) max_second = 0x8F;
  } else {
    return 0;
  }
  if (i + length > text.size()) return 0;
  if (byte(i + 1) < min_second || byte(i + 1) > max_second) return 0;
  for (size_t k = 2; k < length; ++k) {
    if (byte(i + k) < 0x80 || byte(i + k) > 0xBF) return 0;
  }
  return length;
}

}  // namespace

std::string json_quote(std::string_view text) {
  static constexpr std::string_view kHex = "0123456789abcdef";
  std::string out;
  out.reserve(text.size() + 2);
  out.push_back('"');
  for (size_t i = 0; i < text.size();) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c >= 0x80) {
      const size_t length = utf8_sequence_length(text, i);
      if (length == 0) {
        out += "\\ufffd";
        ++i;
      } else {
        out.append(text.substr(i, length));
        i += length;
      }
      continue;
    }
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20 || c == 0x7F) {
          out += "\\u00";
          out.push_back(kHex[c >> 4]);
          out.push_back(kHex[c & 0xF]);
        } else {
          out.push_back(static_cast<char>(c));
        }
    }
    ++i;
  }
  out.push_back('"');
  return out;
}

std::string exact_ms_at_8k(uint64_t samples) {
  // samples / 8 ms: the fraction is a multiple of 1/8 = 0.125.
  std::string out = std::to_string(samples / 8);
  const uint64_t thousandths = (samples % 8) * 125;
  std::array<char, 3> digits{static_cast<char>('0' + thousandths / 100),
                             static_cast<char>('0' + thousandths / 10 % 10),
                             static_cast<char>('0' + thousandths % 10)};
  size_t keep = 3;
  while (keep > 1 && digits[keep - 1] == '0') --keep;
  out.push_back('.');
  out.append(digits.data(), keep);
  return out;
}

std::string rounded_ms_at_8k(uint64_t samples) {
  // Tenths of a millisecond, rounded half up: samples * 10 / 8.
  const uint64_t tenths = (samples * 10 + 4) / 8;
  return std::to_string(tenths / 10) + "." + std::to_string(tenths % 10);
}

}  // namespace ivrd::ivr::replay
