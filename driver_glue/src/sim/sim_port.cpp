// One port of the simulated card: the appliance's actions, the line's
// signalling rules, and the audio path between the appliance and the far end.

#include <algorithm>
#include <stdexcept>
#include <string>

#include "ivrd/driver/sim_card.hpp"

namespace ivrd::driver {
namespace {

constexpr uint64_t kCallerIdAfterRing = ms_to_samples(kCallerIdAfterRingMs);
// DAHDI_DEFAULT_PULSEBREAKTIME, _PULSEMAKETIME and _PULSEAFTERTIME.
constexpr uint64_t kPulseBreak = ms_to_samples(50);
constexpr uint64_t kPulseMake = ms_to_samples(50);
constexpr uint64_t kPulseAfter = ms_to_samples(750);

}  // namespace

SimPort::SimPort(SimCard& card, SimSpan& span, std::string name, PortKind kind)
    : card_(card),
      span_(span),
      name_(std::move(name)),
      kind_(kind),
      queues_(card.config().queue_blocks),
      hook_events_(ms_to_samples(card.config().rx_flash_ms)) {}

bool SimPort::off_hook() const noexcept {
  return kind_ == PortKind::trunk ? appliance_off_hook_ : phone_.off_hook_;
}

std::optional<Block> SimPort::read() noexcept { return queues_.read(); }

bool SimPort::write(std::span<const int16_t, kBlockSamples> block) noexcept {
  return queues_.write(block);
}

std::optional<LineEvent> SimPort::next_event() noexcept { return queues_.next_event(); }

void SimPort::fail(std::string_view problem) const { throw LineError(name_, std::string(problem)); }

void SimPort::emit(LineEventKind kind, uint64_t sample) { queues_.emit(kind, sample); }

void SimPort::answer() {
  if (kind_ != PortKind::trunk) fail("cannot answer an extension port (ring it instead)");
  if (appliance_off_hook_) fail("cannot answer: the line is already off-hook");
  if (!caller_.alerting()) fail("cannot answer: the line is not ringing");
  appliance_off_hook_ = true;
}

void SimPort::seize() {
  if (kind_ != PortKind::trunk) fail("cannot seize an extension port");
  if (appliance_off_hook_) fail("cannot seize: the line is already off-hook");
  if (caller_.alerting()) fail("cannot seize: the line is ringing (answer it)");
  appliance_off_hook_ = true;
}

void SimPort::hang_up() {
  if (kind_ != PortKind::trunk) fail("cannot hang up an extension port (the phone does)");
  if (!appliance_off_hook_) fail("cannot hang up: the line is already on-hook");
  appliance_off_hook_ = false;
  tx_flash_left_ = 0;
  dialer_.clear();
  dtmf_done_at_.reset();
  pulse_plan_.clear();
  pulse_segment_ = 0;
  queues_.clear_transmit();
}

void SimPort::flash() {
  if (kind_ != PortKind::trunk) fail("cannot flash an extension port (the phone does)");
  if (!appliance_off_hook_) fail("cannot flash: the line is on-hook");
  if (flashing()) fail("cannot flash: a flash is already in progress");
  tx_flash_left_ = ms_to_samples(card_.config().tx_flash_ms);
  if (caller_.in_call_) ++caller_.flashes_;
}

void SimPort::dial_dtmf(std::string_view digits) {
  if (auto problem = dtmf_dialling_problem(digits)) fail(*problem);
  if (!off_hook()) fail("cannot dial: the line is on-hook");
  if (dialling()) fail("cannot dial: still dialling the previous digits");
  dialer_.queue(digits, dtmf_dialling_spec());
}

void SimPort::dial_pulse(std::string_view digits) {
  if (kind_ != PortKind::trunk) fail("cannot pulse dial on an extension port");
  for (char digit : digits) {
    if (digit < '0' || digit > '9') {
      fail(std::string("cannot pulse dial '") + digit + "': only 0-9 can be pulsed");
    }
  }
  if (!appliance_off_hook_) fail("cannot dial: the line is on-hook");
  if (flashing()) fail("cannot dial: a flash is in progress");
  if (dialling()) fail("cannot dial: still dialling the previous digits");
  pulse_plan_.clear();
  for (char digit : digits) {
    const int pulses = digit == '0' ? 10 : digit - '0';
    for (int i = 0; i < pulses; ++i) {
      pulse_plan_.push_back(kPulseBreak);
      pulse_plan_.push_back(kPulseMake);
    }
    pulse_plan_.back() += kPulseAfter;
  }
  pulse_segment_ = 0;
  pulse_position_ = 0;
}

void SimPort::ring(const RingRequest& request) {
  if (kind_ != PortKind::extension) fail("cannot ring a trunk port (only the exchange rings it)");
  if (phone_.off_hook_) fail("cannot ring: the phone is off-hook");
  if (ringing_) fail("cannot ring: already ringing");
  try {
    ring_cadence_ = request.cadence.samples();
  } catch (const std::invalid_argument& error) {
    fail(error.what());
  }
  ring_caller_id_.clear();
  if (request.caller_id) ring_caller_id_ = dsp::caller_id_audio(*request.caller_id);
  ring_caller_id_start_ = ring_cadence_[0] + kCallerIdAfterRing;
  ring_segment_ = 0;
  ring_segment_position_ = 0;
  ring_position_ = 0;
  ringing_ = true;
  emit(LineEventKind::ringer_on, card_.now_sample());
}

void SimPort::stop_ringing() {
  if (kind_ != PortKind::extension) fail("cannot stop ringing a trunk port");
  if (!ringing_) fail("cannot stop ringing: not ringing");
  ringing_ = false;
  phone_.ringing_ = false;
  emit(LineEventKind::ringer_off, card_.now_sample());
}

SimCaller& SimPort::caller() {
  if (kind_ != PortKind::trunk) throw std::logic_error(name_ + ": an extension port has no caller");
  return caller_;
}

SimPhone& SimPort::phone() {
  if (kind_ != PortKind::extension) throw std::logic_error(name_ + ": a trunk port has no phone");
  return phone_;
}

void SimPort::set_ring_voltage(bool on, uint64_t sample) {
  if (on) {
    // Voltage back within the trailer is the same ring continuing.
    if (ring_off_at_) {
      ring_off_at_.reset();
    } else {
      emit(LineEventKind::ring_begin, sample);
    }
    return;
  }
  const uint64_t trailer = ms_to_samples(card_.config().ring_trailer_ms);
  if (trailer == 0) {
    emit(LineEventKind::ring_off_hook, sample);
  } else {
    ring_off_at_ = sample + trailer;
  }
}

void SimPort::set_phone_hook(bool up, uint64_t sample) {
  if (up == phone_.off_hook_) return;
  phone_.off_hook_ = up;
  const auto event = hook_events_.moved(up, sample);
  if (event) emit(*event, sample);
  if (!up) return;
  // Ring trip: lifting the handset stops the ringing at once.
  ringing_ = false;
  phone_.ringing_ = false;
}

bool SimPort::trunk_connected() const noexcept {
  return appliance_off_hook_ && !flashing() && !pulsing() &&
         (caller_.in_call_ || caller_.exchange_connected_);
}

size_t SimPort::heard_limit() const noexcept {
  return static_cast<size_t>(ms_to_samples(card_.config().heard_limit_ms));
}

void SimPort::take_tx() noexcept {
  current_tx_ = queues_.take_transmit();
  if (!dialer_.idle()) {
    const size_t n = dialer_.tx(current_tx_);
    // Emitted from the sample loop, so events stay in sample order.
    if (dialer_.idle()) dtmf_done_at_ = card_.now_sample() + n;
  }
}

int16_t SimPort::trunk_sample(uint64_t sample, int16_t tx, int16_t far) {
  if (ring_off_at_ && *ring_off_at_ == sample) {
    ring_off_at_.reset();
    emit(LineEventKind::ring_off_hook, sample);
  }
  if (pulsing() && pulse_position_ == pulse_plan_[pulse_segment_]) {
    ++pulse_segment_;
    pulse_position_ = 0;
    if (!pulsing()) emit(LineEventKind::dial_complete, sample);
  }
  const bool pulse_break = pulsing() && pulse_segment_ % 2 == 0;
  if (pulsing()) ++pulse_position_;
  caller_.observe_loop(appliance_off_hook_ && !flashing() && !pulse_break, sample);
  const bool connected = trunk_connected();
  if (tx_flash_left_ > 0) --tx_flash_left_;
  caller_.hear(connected ? tx : 0, sample, heard_limit());
  // On-hook, the line still carries audio: that is how caller ID arrives.
  return connected || !appliance_off_hook_ ? far : 0;
}

int16_t SimPort::extension_sample(uint64_t sample, int16_t tx, int16_t far) {
  if (hook_events_.on_hook_due(sample)) emit(LineEventKind::on_hook, sample);
  int16_t caller_id = 0;
  if (ringing_) {
    if (ring_segment_position_ == ring_cadence_[ring_segment_]) {
      ring_segment_ = (ring_segment_ + 1) % ring_cadence_.size();
      ring_segment_position_ = 0;
      emit(ring_segment_ % 2 == 0 ? LineEventKind::ringer_on : LineEventKind::ringer_off, sample);
    }
    phone_.ringing_ = ring_segment_ % 2 == 0;
    if (ring_position_ >= ring_caller_id_start_ &&
        ring_position_ - ring_caller_id_start_ < ring_caller_id_.size()) {
      caller_id = ring_caller_id_[ring_position_ - ring_caller_id_start_];
    }
    ++ring_segment_position_;
    ++ring_position_;
  }
  const bool connected = phone_.off_hook_;
  phone_.heard_.push(connected ? tx : caller_id, heard_limit());
  return connected ? far : 0;
}

void SimPort::run_tick(uint64_t first_sample) {
  const bool alarmed = span_.alarms_.any();
  Block silence{};
  const Block& tx = alarmed ? silence : current_tx_;
  Block rx{};
  for (size_t i = 0; i < kBlockSamples; ++i) {
    const uint64_t sample = first_sample + i;
    if (dtmf_done_at_ && *dtmf_done_at_ == sample) {
      dtmf_done_at_.reset();
      emit(LineEventKind::dial_complete, sample);
    }
    if (kind_ == PortKind::trunk) {
      rx[i] = trunk_sample(sample, loopback_ ? 0 : tx[i],
                           caller_.add_line_noise(caller_.step(*this, sample)));
    } else {
      rx[i] = extension_sample(sample, loopback_ ? 0 : tx[i], phone_.step(*this, sample));
    }
    if (loopback_) rx[i] = loopback_->current_tx_[i];
    if (alarmed) rx[i] = 0;
  }
  queues_.receive(rx);
}

}  // namespace ivrd::driver
