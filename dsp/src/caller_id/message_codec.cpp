// The caller ID message layer: SDMF and MDMF bytes both ways, names and
// the ISO 8859-1 <-> UTF-8 conversion of names.

#include <array>

#include "ivrd/dsp/caller_id.hpp"

namespace ivrd::dsp {
namespace {

constexpr uint8_t kSdmf = 0x04;
constexpr uint8_t kMdmf = 0x80;
constexpr uint8_t kParamDateTime = 0x01;
constexpr uint8_t kParamNumber = 0x02;
constexpr uint8_t kParamNumberAbsence = 0x04;
constexpr uint8_t kParamName = 0x07;
constexpr uint8_t kParamNameAbsence = 0x08;

constexpr std::array<std::string_view, 5> kFormatNames{"bell202_sdmf", "bell202_mdmf", "v23_sdmf",
                                                       "v23_mdmf", "dtmf"};

bool is_sdmf(CallerIdFormat format) {
  return format == CallerIdFormat::bell202_sdmf || format == CallerIdFormat::v23_sdmf;
}

char absence_code(CallerIdAbsence absence) {
  return absence == CallerIdAbsence::private_number ? 'P' : 'O';
}

std::optional<CallerIdAbsence> absence_from_code(uint8_t code) {
  if (code == 'P') return CallerIdAbsence::private_number;
  if (code == 'O') return CallerIdAbsence::out_of_area;
  return std::nullopt;
}

bool all_digits(std::span<const uint8_t> text) {
  for (uint8_t c : text) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

bool printable(std::span<const uint8_t> text) {
  for (uint8_t c : text) {
    if (c < 0x20 || c > 0x7E) return false;
  }
  return true;
}

void append_param(std::vector<uint8_t>& out, uint8_t type, std::string_view value) {
  const size_t n = value.size() < 255 ? value.size() : 255;
  out.push_back(type);
  out.push_back(static_cast<uint8_t>(n));
  out.insert(out.end(), value.begin(), value.begin() + static_cast<std::ptrdiff_t>(n));
}

std::string_view as_text(std::span<const uint8_t> bytes) {
  return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}

// Appends the UTF-8 form of ISO 8859-1 bytes to a bounded text.
template <size_t N>
void assign_latin1(CallerIdText<N>& text, std::span<const uint8_t> latin1) noexcept {
  text.clear();
  for (uint8_t c : latin1) {
    if (c < 0x80) {
      if (!text.push_back(static_cast<char>(c))) return;
    } else {
      if (text.size() + 2 > N) return;
      text.push_back(static_cast<char>(0xC0 | (c >> 6)));
      text.push_back(static_cast<char>(0x80 | (c & 0x3F)));
    }
  }
}

}  // namespace

std::string_view caller_id_format_name(CallerIdFormat format) noexcept {
  return kFormatNames[static_cast<size_t>(format)];
}

std::optional<CallerIdFormat> parse_caller_id_format(std::string_view name) noexcept {
  for (size_t i = 0; i < kFormatNames.size(); ++i) {
    if (kFormatNames[i] == name) return static_cast<CallerIdFormat>(i);
  }
  return std::nullopt;
}

std::string_view caller_id_absence_name(CallerIdAbsence absence) noexcept {
  switch (absence) {
    case CallerIdAbsence::none: return "";
    case CallerIdAbsence::private_number: return "private";
    case CallerIdAbsence::out_of_area: return "out_of_area";
  }
  return "";
}

std::string latin1_to_utf8(std::string_view latin1) {
  std::string out;
  for (char ch : latin1) {
    const auto c = static_cast<unsigned char>(ch);
    if (c < 0x80) {
      out.push_back(ch);
    } else {
      out.push_back(static_cast<char>(0xC0 | (c >> 6)));
      out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
    }
  }
  return out;
}

std::string utf8_to_latin1(std::string_view utf8) {
  std::string out;
  for (size_t i = 0; i < utf8.size();) {
    const auto c = static_cast<unsigned char>(utf8[i]);
    if (c < 0x80) {
      out.push_back(static_cast<char>(c));
      ++i;
      continue;
    }
    size_t length = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
    bool ok = length > 1 && i + length <= utf8.size();
    for (size_t k = 1; ok && k < length; ++k) {
      ok = (static_cast<unsigned char>(utf8[i + k]) & 0xC0) == 0x80;
    }
    if (ok && length == 2 && c <= 0xC3 && c >= 0xC2) {
      out.push_back(
          static_cast<char>(((c & 0x03) << 6) | (static_cast<unsigned char>(utf8[i + 1]) & 0x3F)));
    } else {
      out.push_back('?');
    }
    i += ok ? length : 1;
  }
  return out;
}

std::vector<uint8_t> caller_id_bytes(const CallerIdMessage& message) {
  if (message.format == CallerIdFormat::dtmf) return {};
  std::vector<uint8_t> out;
  if (is_sdmf(message.format)) {
    out.push_back(kSdmf);
    out.push_back(0);
    std::string_view date = message.datetime.view();
    for (size_t i = 0; i < 8; ++i)
      out.push_back(static_cast<uint8_t>(i < date.size() ? date[i] : '0'));
    if (message.absence != CallerIdAbsence::none) {
      out.push_back(static_cast<uint8_t>(absence_code(message.absence)));
    } else {
      for (char c : message.number.view()) out.push_back(static_cast<uint8_t>(c));
    }
  } else {
    out.push_back(kMdmf);
    out.push_back(0);
    if (!message.datetime.empty()) append_param(out, kParamDateTime, message.datetime.view());
    if (message.absence != CallerIdAbsence::none) {
      append_param(out, kParamNumberAbsence, std::string(1, absence_code(message.absence)));
    } else if (!message.number.empty()) {
      append_param(out, kParamNumber, message.number.view());
    }
    if (message.name_absence != CallerIdAbsence::none) {
      append_param(out, kParamNameAbsence, std::string(1, absence_code(message.name_absence)));
    } else if (!message.name.empty()) {
      append_param(out, kParamName, utf8_to_latin1(message.name.view()));
    }
  }
  if (out.size() - 2 > 255) out.resize(257);
  out[1] = static_cast<uint8_t>(out.size() - 2);
  unsigned sum = 0;
  for (uint8_t byte : out) sum += byte;
  out.push_back(static_cast<uint8_t>((256 - sum % 256) % 256));
  return out;
}

std::optional<CallerIdMessage> parse_caller_id_bytes(std::span<const uint8_t> bytes,
                                                     FskModem modem) noexcept {
  if (bytes.size() < 3) return std::nullopt;
  const uint8_t type = bytes[0];
  if (type != kSdmf && type != kMdmf) return std::nullopt;
  if (static_cast<size_t>(bytes[1]) + 3 != bytes.size()) return std::nullopt;

  CallerIdMessage message;
  const bool bell = modem == FskModem::bell202;
  if (type == kSdmf) {
    message.format = bell ? CallerIdFormat::bell202_sdmf : CallerIdFormat::v23_sdmf;
  } else {
    message.format = bell ? CallerIdFormat::bell202_mdmf : CallerIdFormat::v23_mdmf;
  }
  unsigned sum = 0;
  for (uint8_t byte : bytes) sum += byte;
  message.valid = sum % 256 == 0;

  const std::span<const uint8_t> body = bytes.subspan(2, bytes.size() - 3);
  bool ok = true;
  if (type == kSdmf) {
    ok = body.size() >= 8 && all_digits(body.first(8));
    if (ok) {
      message.datetime.assign(as_text(body.first(8)));
      const std::span<const uint8_t> rest = body.subspan(8);
      const std::optional<CallerIdAbsence> absence =
          rest.size() == 1 ? absence_from_code(rest[0]) : std::nullopt;
      if (absence) {
        message.absence = *absence;
      } else {
        ok = printable(rest) && rest.size() <= decltype(message.number)::kCapacity;
        message.number.assign(as_text(rest));
      }
    }
  } else {
    size_t at = 0;
    while (ok && at < body.size()) {
      if (at + 2 > body.size() || at + 2 + body[at + 1] > body.size()) {
        ok = false;
        break;
      }
      const uint8_t param = body[at];
      const std::span<const uint8_t> value = body.subspan(at + 2, body[at + 1]);
      at += 2 + value.size();
      switch (param) {
        case kParamDateTime:
          ok = value.size() == 8 && all_digits(value);
          if (ok) message.datetime.assign(as_text(value));
          break;
        case kParamNumber:
          ok = printable(value) && value.size() <= decltype(message.number)::kCapacity;
          message.number.assign(as_text(value));
          break;
        case kParamNumberAbsence:
        case kParamNameAbsence: {
          const std::optional<CallerIdAbsence> absence =
              value.size() == 1 ? absence_from_code(value[0]) : std::nullopt;
          ok = absence.has_value();
          if (ok)
            (param == kParamNumberAbsence ? message.absence : message.name_absence) = *absence;
          break;
        }
        case kParamName: assign_latin1(message.name, value); break;
        default: break;  // a parameter this receiver does not use
      }
    }
  }
  if (!ok) message.valid = false;
  if (!message.valid) {
    message.number.clear();
    message.name.clear();
    message.datetime.clear();
    message.absence = message.name_absence = CallerIdAbsence::none;
  }
  return message;
}

}  // namespace ivrd::dsp
