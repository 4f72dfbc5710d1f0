#include "ivrd/driver/line.hpp"

#include "ivrd/driver/span.hpp"

namespace ivrd::driver {

std::string_view port_kind_name(PortKind kind) noexcept {
  return kind == PortKind::trunk ? "trunk" : "extension";
}

std::string_view dahdi_signalling_name(PortKind kind) noexcept {
  // DAHDI names the signalling after the far end: a trunk port talks to the
  // exchange as an FXS would see it, hence "fxs_ks" on an FXO port.
  return kind == PortKind::trunk ? "fxs_ks" : "fxo_ks";
}

std::string_view line_event_name(LineEventKind kind) noexcept {
  switch (kind) {
    case LineEventKind::on_hook: return "on_hook";
    case LineEventKind::ring_off_hook: return "ring_off_hook";
    case LineEventKind::wink_flash: return "wink_flash";
    case LineEventKind::alarm: return "alarm";
    case LineEventKind::no_alarm: return "no_alarm";
    case LineEventKind::dial_complete: return "dial_complete";
    case LineEventKind::ringer_on: return "ringer_on";
    case LineEventKind::ringer_off: return "ringer_off";
    case LineEventKind::polarity: return "polarity";
    case LineEventKind::ring_begin: return "ring_begin";
  }
  return "unknown";
}

std::string_view span_type_name(SpanType type) noexcept {
  switch (type) {
    case SpanType::analog: return "analog";
    case SpanType::t1: return "T1";
    case SpanType::e1: return "E1";
  }
  return "unknown";
}

RingCadence RingCadence::us() { return RingCadence{{2000, 4000}}; }

RingCadence RingCadence::uk() { return RingCadence{{400, 200, 400, 2000}}; }

void RingCadence::validate() const {
  if (on_off_ms.empty()) throw std::invalid_argument("ring cadence is empty");
  if (on_off_ms.size() % 2 != 0) {
    throw std::invalid_argument("ring cadence needs on/off pairs, got an odd number of durations");
  }
  for (uint32_t ms : on_off_ms) {
    if (ms == 0) throw std::invalid_argument("ring cadence has a zero duration");
  }
}

LineError::LineError(std::string line, std::string problem)
    : std::runtime_error(line + ": " + problem),
      line_(std::move(line)),
      problem_(std::move(problem)) {}

}  // namespace ivrd::driver
