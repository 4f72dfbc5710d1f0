#include "ivrd/driver/line.hpp"

#include "ivrd/driver/span.hpp"

namespace ivrd::driver {

dsp::DtmfToneSpec dtmf_dialling_spec() noexcept {
  dsp::DtmfToneSpec spec;
  spec.level_dbm0 = -10.0f;
  spec.on_ms = 100.0f;
  spec.off_ms = 100.0f;
  return spec;
}

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

std::vector<uint64_t> RingCadence::samples() const {
  validate();
  std::vector<uint64_t> out;
  out.reserve(on_off_ms.size());
  for (uint32_t ms : on_off_ms) out.push_back(ms_to_samples(ms));
  return out;
}

std::optional<std::string> dtmf_dialling_problem(std::string_view digits) {
  for (char digit : digits) {
    if (dsp::dtmf_digit_index(digit) < 0) {
      return std::string("cannot dial '") + digit + "': not a DTMF digit";
    }
  }
  if (digits.size() > dsp::DtmfGenerator::kQueueCapacity) {
    return "cannot dial: more than " + std::to_string(dsp::DtmfGenerator::kQueueCapacity) +
           " digits at once";
  }
  return std::nullopt;
}

LineError::LineError(std::string line, std::string problem)
    : std::runtime_error(line + ": " + problem),
      line_(std::move(line)),
      problem_(std::move(problem)) {}

}  // namespace ivrd::driver
