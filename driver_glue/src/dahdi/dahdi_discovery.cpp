// Discovery of DAHDI spans and channels, as dahdi_scan does it, and the
// parsing of channel lists.

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <string>
#include <vector>

#include <dahdi/user.h>

#include "ivrd/driver/dahdi_card.hpp"

#include "dahdi/dahdi_device.hpp"

namespace ivrd::driver {
namespace {

// DAHDI's own limit on channel numbers (DAHDI_MAX_CHANNELS in the kernel).
constexpr int kMaxChannel = 4096;
// dahdi_scan stops at the first span number DAHDI_SPANSTAT refuses; spans
// can have gaps when a device was removed, so look a little further.
constexpr int kMaxSpanGap = 8;

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

[[noreturn]] void bad_spec(std::string_view spec, const std::string& why) {
  throw DahdiError(DahdiErrorKind::bad_channel_spec,
                   "dahdi channel spec '" + std::string(spec) + "': " + why);
}

int parse_channel(std::string_view spec, std::string_view text) {
  int value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || error != std::errc() || end != text.data() + text.size()) {
    bad_spec(spec, "'" + std::string(text) + "' is not a channel number");
  }
  if (value < 1 || value > kMaxChannel) {
    bad_spec(spec, "channel " + std::string(text) + " is out of range (1-" +
                       std::to_string(kMaxChannel) + ")");
  }
  return value;
}

}  // namespace

std::string dahdi_signalling_name(uint32_t sigtype) {
  switch (sigtype) {
    case DAHDI_SIG_NONE: return "unconfigured";
    case DAHDI_SIG_FXSLS: return "fxs_ls";
    case DAHDI_SIG_FXSGS: return "fxs_gs";
    case DAHDI_SIG_FXSKS: return "fxs_ks";
    case DAHDI_SIG_FXOLS: return "fxo_ls";
    case DAHDI_SIG_FXOGS: return "fxo_gs";
    case DAHDI_SIG_FXOKS: return "fxo_ks";
    case DAHDI_SIG_EM: return "e&m";
    case DAHDI_SIG_EM_E1: return "e&m-e1";
    case DAHDI_SIG_CLEAR: return "clear";
    case DAHDI_SIG_HDLCRAW: return "hdlcraw";
    case DAHDI_SIG_HDLCFCS: return "hdlcfcs";
    case DAHDI_SIG_HDLCNET: return "hdlcnet";
    case DAHDI_SIG_HARDHDLC: return "hardhdlc";
    case DAHDI_SIG_MTP2: return "mtp2";
    case DAHDI_SIG_SLAVE: return "slave";
    case DAHDI_SIG_SF: return "sf";
    case DAHDI_SIG_CAS: return "cas";
    case DAHDI_SIG_DACS: return "dacs";
    case DAHDI_SIG_DACS_RBS: return "dacs_rbs";
    default: break;
  }
  char text[24];
  std::snprintf(text, sizeof(text), "sig 0x%x", sigtype);
  return text;
}

std::optional<PortKind> port_kind_for_dahdi_signalling(uint32_t sigtype) noexcept {
  if (sigtype == DAHDI_SIG_FXSKS) return PortKind::trunk;
  if (sigtype == DAHDI_SIG_FXOKS) return PortKind::extension;
  return std::nullopt;
}

std::vector<int> parse_dahdi_channel_spec(std::string_view spec) {
  if (trim(spec).empty()) bad_spec(spec, "no channels");
  std::vector<int> channels;
  std::string_view rest = spec;
  for (;;) {
    const size_t comma = rest.find(',');
    const std::string_view item = trim(rest.substr(0, comma));
    if (item.empty()) bad_spec(spec, "empty item");
    const size_t dash = item.find('-');
    if (dash == std::string_view::npos) {
      channels.push_back(parse_channel(spec, item));
    } else {
      const int first = parse_channel(spec, trim(item.substr(0, dash)));
      const int last = parse_channel(spec, trim(item.substr(dash + 1)));
      if (last < first) bad_spec(spec, "range '" + std::string(item) + "' runs backwards");
      for (int c = first; c <= last; ++c) channels.push_back(c);
    }
    if (comma == std::string_view::npos) break;
    rest.remove_prefix(comma + 1);
  }
  std::sort(channels.begin(), channels.end());
  channels.erase(std::unique(channels.begin(), channels.end()), channels.end());
  return channels;
}

std::vector<DahdiSpanInfo> DahdiCard::scan(const std::string& device_dir) {
  const int ctl = dahdi::open_ctl(device_dir);
  std::vector<DahdiSpanInfo> spans;
  int first_channel = 1;
  int misses = 0;
  for (int number = 1; misses < kMaxSpanGap; ++number) {
    const auto status = dahdi::span_status(ctl, number);
    if (!status && errno == ENOTTY) {
      ::close(ctl);
      throw DahdiError(DahdiErrorKind::device,
                       "dahdi: " + device_dir + "/ctl is not a DAHDI control device");
    }
    if (!status) {
      ++misses;
      continue;
    }
    misses = 0;
    DahdiSpanInfo span;
    span.number = status->number;
    span.name = status->name;
    span.description = status->description;
    span.type = status->type;
    span.driver_type = status->driver_type;
    span.alarms = status->alarms;
    span.counters = status->counters;
    for (int i = 0; i < status->total_channels; ++i) {
      const int channel = first_channel + i;
      DahdiChannelInfo info;
      info.channel = channel;
      info.span = number;
      if (const auto params = dahdi::get_params(ctl, channel)) {
        info.span = params->span;
        info.name = params->name;
        info.sigtype = params->sigtype;
        info.law = params->law;
      }
      info.signalling = dahdi_signalling_name(info.sigtype);
      info.kind = port_kind_for_dahdi_signalling(info.sigtype);
      span.channels.push_back(std::move(info));
    }
    first_channel += status->total_channels;
    spans.push_back(std::move(span));
  }
  ::close(ctl);
  return spans;
}

}  // namespace ivrd::driver
