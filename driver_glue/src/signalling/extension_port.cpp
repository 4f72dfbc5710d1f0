#include "ivrd/driver/extension_port.hpp"

#include <algorithm>
#include <array>
#include <stdexcept>
#include <utility>

#include "ivrd/dsp/dtmf_generator.hpp"

#include "common/take_front.hpp"
#include "signalling/tone_notch.hpp"

namespace ivrd::driver {

namespace {

constexpr uint32_t kMaxDigitsLimit = 64;

}  // namespace

std::optional<std::string> ExtensionPortConfig::validate() const {
  std::string problems;
  auto problem = [&](const std::string& text) {
    if (!problems.empty()) problems += '\n';
    problems += text;
  };
  const dsp::ToneZone* zone = dsp::find_tone_zone(tone_zone);
  if (zone == nullptr) {
    problem("unknown tone zone '" + tone_zone + "': " + dsp::tone_zone_hint(tone_zone));
  } else {
    for (dsp::CallProgressTone tone :
         {dsp::CallProgressTone::dial, dsp::CallProgressTone::congestion}) {
      if (!zone->tone(tone).defined()) {
        problem("tone zone '" + tone_zone + "' has no " + std::string(dsp::tone_name(tone)) +
                " tone");
      }
    }
  }
  if (!(tone_level_dbm0 >= -40.0f && tone_level_dbm0 <= 0.0f)) {
    problem("tone_level_dbm0 must be between -40 and 0");
  }
  if (ring_cadence) {
    try {
      ring_cadence->validate();
    } catch (const std::invalid_argument& error) {
      problem(std::string("ring_cadence: ") + error.what());
    }
  }
  if (no_answer_timeout_ms == 0) problem("no_answer_timeout_ms must be positive");
  if (first_digit_timeout_ms == 0) problem("first_digit_timeout_ms must be positive");
  if (inter_digit_timeout_ms == 0) problem("inter_digit_timeout_ms must be positive");
  if (terminator != '\0' && dsp::dtmf_digit_index(terminator) < 0) {
    problem(std::string("terminator '") + terminator + "' is not a DTMF key");
  }
  if (max_digits == 0 || max_digits > kMaxDigitsLimit) {
    problem("max_digits must be from 1 to " + std::to_string(kMaxDigitsLimit));
  }
  if (congestion_ms == 0) problem("congestion_ms must be positive");
  if (auto error = dtmf.validate()) problem("dtmf: " + *error);
  if (problems.empty()) return std::nullopt;
  return problems;
}

RingCadence zone_ring_cadence(const dsp::ToneZone& zone) {
  const dsp::ToneDefinition& ringback = zone.tone(dsp::CallProgressTone::ringback);
  // Sounding and silent runs of the repeated part, merged.
  std::vector<std::pair<bool, uint32_t>> runs;
  for (size_t i = ringback.repeat_start(); i < ringback.segments.size(); ++i) {
    const dsp::ToneSegment& segment = ringback.segments[i];
    if (segment.duration_ms == 0) return RingCadence::us();  // continuous: no cadence
    const bool on = !segment.silent();
    if (!runs.empty() && runs.back().first == on) {
      runs.back().second += segment.duration_ms;
    } else {
      runs.emplace_back(on, segment.duration_ms);
    }
  }
  // A cadence starts with a ring: a leading pause joins the trailing one.
  if (!runs.empty() && !runs.front().first) {
    const uint32_t lead = runs.front().second;
    runs.erase(runs.begin());
    if (!runs.empty() && !runs.back().first) {
      runs.back().second += lead;
    } else {
      runs.emplace_back(false, lead);
    }
  }
  if (runs.size() < 2 || runs.size() % 2 != 0) return RingCadence::us();
  RingCadence cadence;
  for (const auto& run : runs) cadence.on_off_ms.push_back(run.second);
  return cadence;
}

std::string_view dial_plan_verdict_name(DialPlanVerdict verdict) noexcept {
  switch (verdict) {
    case DialPlanVerdict::incomplete: return "incomplete";
    case DialPlanVerdict::complete: return "complete";
    case DialPlanVerdict::complete_or_more: return "complete_or_more";
    case DialPlanVerdict::invalid: return "invalid";
  }
  return "?";
}

std::string_view extension_state_name(ExtensionState state) noexcept {
  switch (state) {
    case ExtensionState::idle: return "idle";
    case ExtensionState::ringing: return "ringing";
    case ExtensionState::dialling: return "dialling";
    case ExtensionState::in_call: return "in_call";
    case ExtensionState::congestion: return "congestion";
    case ExtensionState::lockout: return "lockout";
    case ExtensionState::out_of_service: return "out_of_service";
  }
  return "?";
}

std::string_view extension_event_name(ExtensionEventKind kind) noexcept {
  switch (kind) {
    case ExtensionEventKind::answered: return "answered";
    case ExtensionEventKind::no_answer: return "no_answer";
    case ExtensionEventKind::off_hook: return "off_hook";
    case ExtensionEventKind::number_dialled: return "number_dialled";
    case ExtensionEventKind::congestion: return "congestion";
    case ExtensionEventKind::lockout: return "lockout";
    case ExtensionEventKind::flash: return "flash";
    case ExtensionEventKind::hung_up: return "hung_up";
    case ExtensionEventKind::alarm: return "alarm";
    case ExtensionEventKind::alarm_cleared: return "alarm_cleared";
  }
  return "?";
}

std::string_view dial_completion_name(DialCompletion completion) noexcept {
  switch (completion) {
    case DialCompletion::terminator: return "terminator";
    case DialCompletion::inter_digit_timeout: return "inter_digit_timeout";
    case DialCompletion::max_digits: return "max_digits";
    case DialCompletion::dial_plan: return "dial_plan";
  }
  return "?";
}

std::string_view congestion_reason_name(CongestionReason reason) noexcept {
  switch (reason) {
    case CongestionReason::first_digit_timeout: return "first_digit_timeout";
    case CongestionReason::partial_dial: return "partial_dial";
    case CongestionReason::invalid_number: return "invalid_number";
    case CongestionReason::call_ended: return "call_ended";
    case CongestionReason::line_alarm: return "line_alarm";
  }
  return "?";
}

std::string_view ring_result_name(RingResult result) noexcept {
  switch (result) {
    case RingResult::ringing: return "ringing";
    case RingResult::phone_off_hook: return "phone_off_hook";
    case RingResult::already_ringing: return "already_ringing";
    case RingResult::line_alarm: return "line_alarm";
  }
  return "?";
}

ExtensionPort::ExtensionPort(Line& line, const ExtensionPortConfig& config, uint64_t start_sample)
    : line_(line), config_(config), clock_(start_sample) {
  if (auto problems = config_.validate()) {
    throw std::invalid_argument(line_.name() + ": extension port configuration: " + *problems);
  }
  if (line_.kind() != PortKind::extension) {
    throw std::invalid_argument(line_.name() + ": extension signalling needs an extension port");
  }
  zone_ = dsp::find_tone_zone(config_.tone_zone);
  ring_cadence_ = config_.ring_cadence ? *config_.ring_cadence : zone_ring_cadence(*zone_);
  notch_ = std::make_unique<detail::ToneNotch>(zone_->tone(dsp::CallProgressTone::dial));
  digits_.reserve(kMaxDigitsLimit);
  call_audio_.reserve(4);
}

void ExtensionPort::tick() noexcept {
  call_audio_.clear();
  drain_.take(line_);
  drain_.hand_on(
      clock_, [&](const LineEvent& event) { on_event(event); },
      [&](const Block& block) {
        on_block(block);
        check_timers();
        send_block();
      });
}

ExtensionPort::~ExtensionPort() = default;

std::optional<ExtensionEvent> ExtensionPort::next_event() { return detail::take_front(events_); }

RingResult ExtensionPort::ring(const std::optional<dsp::CallerIdMessage>& caller_id) {
  return ring(caller_id, ring_cadence_);
}

RingResult ExtensionPort::ring(const std::optional<dsp::CallerIdMessage>& caller_id,
                               const RingCadence& cadence) {
  try {
    cadence.validate();
  } catch (const std::invalid_argument& error) {
    throw std::invalid_argument(line_.name() + ": cannot ring: " + error.what());
  }
  switch (state_) {
    case ExtensionState::idle: break;
    case ExtensionState::ringing: return RingResult::already_ringing;
    case ExtensionState::out_of_service: return RingResult::line_alarm;
    case ExtensionState::dialling:
    case ExtensionState::in_call:
    case ExtensionState::congestion:
    case ExtensionState::lockout: return RingResult::phone_off_hook;
  }
  try {
    line_.ring(RingRequest{cadence, caller_id});
  } catch (const LineError&) {
    // The phone went off-hook after the last tick: its event is still queued.
    if (line_.off_hook()) return RingResult::phone_off_hook;
    throw;
  }
  state_ = ExtensionState::ringing;
  // The backend starts ringing with the next block it produces.
  deadline_ = clock_ + ms_to_samples(config_.no_answer_timeout_ms);
  timer_running_ = true;
  return RingResult::ringing;
}

bool ExtensionPort::stop_ringing() {
  if (state_ != ExtensionState::ringing) return false;
  if (line_.off_hook()) return false;  // answered: the event is on its way
  try {
    line_.stop_ringing();
  } catch (const LineError&) {
    // The phone tripped the ringing in the meantime: its off-hook event follows.
  }
  to_idle();
  return true;
}

bool ExtensionPort::write(std::span<const int16_t, kBlockSamples> block) noexcept {
  if (state_ != ExtensionState::in_call || tone_) return false;
  return line_.write(block);
}

bool ExtensionPort::play_tone(dsp::CallProgressTone tone) {
  if (state_ != ExtensionState::in_call || !zone_->tone(tone).defined()) return false;
  set_tone(tone);
  return true;
}

void ExtensionPort::stop_tone() noexcept {
  if (state_ == ExtensionState::in_call) set_tone(std::nullopt);
}

bool ExtensionPort::end_call() {
  if (state_ != ExtensionState::in_call) return false;
  start_congestion(CongestionReason::call_ended);
  return true;
}

void ExtensionPort::on_event(const LineEvent& event) noexcept {
  switch (event.kind) {
    case LineEventKind::ring_off_hook:
      if (state_ == ExtensionState::idle) {
        report(make(ExtensionEventKind::off_hook, event.sample));
        start_dialling(event.sample);
      } else if (state_ == ExtensionState::ringing) {
        report(make(ExtensionEventKind::answered, event.sample));
        to_in_call();
      }
      break;
    case LineEventKind::wink_flash:
      if (state_ == ExtensionState::in_call) {
        report(make(ExtensionEventKind::flash, event.sample));
      } else if (state_ == ExtensionState::dialling) {
        start_dialling(event.sample);
      }
      break;
    case LineEventKind::on_hook:
      if (state_ == ExtensionState::dialling || state_ == ExtensionState::in_call ||
          state_ == ExtensionState::congestion || state_ == ExtensionState::lockout) {
        ExtensionEvent out = make(ExtensionEventKind::hung_up, event.sample);
        out.state = state_;
        out.digits = digits_;
        report(std::move(out));
        to_idle();
      }
      break;
    case LineEventKind::alarm:
      if (state_ != ExtensionState::out_of_service) {
        ExtensionEvent out = make(ExtensionEventKind::alarm, event.sample);
        out.state = state_;
        report(std::move(out));
        if (state_ == ExtensionState::ringing) {
          try {
            line_.stop_ringing();
          } catch (const LineError&) {
            // Already stopped by the backend.
          }
        }
        to_idle();
        state_ = ExtensionState::out_of_service;
      }
      break;
    case LineEventKind::no_alarm:
      if (state_ == ExtensionState::out_of_service) {
        report(make(ExtensionEventKind::alarm_cleared, event.sample));
        state_ = ExtensionState::idle;
        if (line_.off_hook()) start_congestion(CongestionReason::line_alarm);
      }
      break;
    case LineEventKind::ring_begin:
    case LineEventKind::dial_complete:
    case LineEventKind::ringer_on:
    case LineEventKind::ringer_off:
    case LineEventKind::polarity: break;
  }
}

void ExtensionPort::on_block(std::span<const int16_t, kBlockSamples> block) noexcept {
  clock_ += kBlockSamples;
  if (state_ == ExtensionState::in_call) {
    Block copy;
    std::copy(block.begin(), block.end(), copy.begin());
    call_audio_.push_back(copy);
    return;
  }
  if (state_ != ExtensionState::dialling || !dtmf_) return;

  // Keys are acted on after rx() returns: a complete number ends the dialling
  // and destroys the detector, which must not happen inside its own rx().
  Block filtered;
  std::copy(block.begin(), block.end(), filtered.begin());
  notch_->process(filtered);
  std::array<dsp::DtmfEvent, 8> got{};
  size_t count = 0;
  dtmf_->rx(filtered, [&](const dsp::DtmfEvent& event) {
    if (count < got.size()) got[count++] = event;
  });
  for (size_t i = 0; i < count && state_ == ExtensionState::dialling; ++i) {
    // The inter-digit pause is counted from the key's release (and from its
    // recognition, should the release never be seen).
    deadline_ = clock_ + ms_to_samples(config_.inter_digit_timeout_ms);
    if (got[i].kind == dsp::DtmfEventKind::begin) {
      key_down_ = true;
      on_key(got[i].digit);  // may end the dialling and set another timer
    } else {
      key_down_ = false;
    }
  }
}

void ExtensionPort::on_key(char key) noexcept {
  if (digits_.empty()) set_tone(std::nullopt);  // the first key stops the dial tone
  write_silence_ = true;
  if (config_.terminator != '\0' && key == config_.terminator) {
    end_number(DialCompletion::terminator);
    return;
  }
  digits_ += key;
  verdict_ = judge(digits_);
  switch (verdict_) {
    case DialPlanVerdict::invalid: start_congestion(CongestionReason::invalid_number); return;
    case DialPlanVerdict::complete: finish_number(DialCompletion::dial_plan); return;
    case DialPlanVerdict::incomplete:
    case DialPlanVerdict::complete_or_more: break;
  }
  if (digits_.size() >= config_.max_digits) end_number(DialCompletion::max_digits);
}

void ExtensionPort::check_timers() noexcept {
  if (!timer_running_ || clock_ < deadline_) return;
  switch (state_) {
    case ExtensionState::ringing:
      // Answered in the same instant: the off-hook event is on its way and
      // the answer wins.
      if (line_.off_hook()) break;
      try {
        line_.stop_ringing();
      } catch (const LineError&) {
        // The backend has stopped ringing already; nothing to undo.
      }
      report(make(ExtensionEventKind::no_answer, clock_));
      to_idle();
      break;
    case ExtensionState::dialling:
      if (key_down_) break;  // a key held down is not a pause
      if (digits_.empty()) {
        start_congestion(CongestionReason::first_digit_timeout);
      } else {
        end_number(DialCompletion::inter_digit_timeout);
      }
      break;
    case ExtensionState::congestion:
      set_tone(std::nullopt);
      write_silence_ = true;
      timer_running_ = false;
      state_ = ExtensionState::lockout;
      report(make(ExtensionEventKind::lockout, clock_));
      break;
    case ExtensionState::idle:
    case ExtensionState::in_call:
    case ExtensionState::lockout:
    case ExtensionState::out_of_service: timer_running_ = false; break;
  }
}

void ExtensionPort::send_block() noexcept {
  Block out{};
  if (tone_) {
    tone_->tx(out);
  } else if (!write_silence_) {
    return;  // the owner's audio, or none
  }
  (void)line_.write(out);
}

void ExtensionPort::start_dialling(uint64_t sample) noexcept {
  state_ = ExtensionState::dialling;
  digits_.clear();
  key_down_ = false;
  verdict_ = DialPlanVerdict::incomplete;
  dtmf_.emplace(config_.dtmf);
  notch_->reset();
  write_silence_ = false;
  set_tone(dsp::CallProgressTone::dial);
  deadline_ = sample + ms_to_samples(config_.first_digit_timeout_ms);
  timer_running_ = true;
}

void ExtensionPort::end_number(DialCompletion completion) noexcept {
  if (!digits_.empty() &&
      (verdict_ == DialPlanVerdict::complete_or_more || verdict_ == DialPlanVerdict::complete)) {
    finish_number(completion);
  } else {
    start_congestion(CongestionReason::partial_dial);
  }
}

void ExtensionPort::finish_number(DialCompletion completion) noexcept {
  ExtensionEvent event = make(ExtensionEventKind::number_dialled, clock_);
  event.digits = digits_;
  event.completion = completion;
  report(std::move(event));
  to_in_call();
}

void ExtensionPort::start_congestion(CongestionReason reason) noexcept {
  ExtensionEvent event = make(ExtensionEventKind::congestion, clock_);
  event.reason = reason;
  event.digits = digits_;
  report(std::move(event));
  dtmf_.reset();
  digits_.clear();
  key_down_ = false;
  state_ = ExtensionState::congestion;
  write_silence_ = false;
  set_tone(dsp::CallProgressTone::congestion);
  deadline_ = clock_ + ms_to_samples(config_.congestion_ms);
  timer_running_ = true;
}

void ExtensionPort::to_in_call() noexcept {
  state_ = ExtensionState::in_call;
  dtmf_.reset();
  digits_.clear();
  key_down_ = false;
  write_silence_ = false;
  set_tone(std::nullopt);
  timer_running_ = false;
}

void ExtensionPort::to_idle() noexcept {
  state_ = ExtensionState::idle;
  dtmf_.reset();
  digits_.clear();
  key_down_ = false;
  write_silence_ = false;
  set_tone(std::nullopt);
  timer_running_ = false;
}

void ExtensionPort::set_tone(std::optional<dsp::CallProgressTone> tone) noexcept {
  tone_kind_ = tone;
  if (tone) {
    tone_.emplace(*zone_, *tone, config_.tone_level_dbm0);
  } else {
    tone_.reset();
  }
}

DialPlanVerdict ExtensionPort::judge(std::string_view digits) const noexcept {
  if (!config_.dial_plan) return DialPlanVerdict::complete_or_more;
  try {
    return config_.dial_plan(digits);
  } catch (...) {
    // A dial plan that cannot judge a number cannot route it either.
    return DialPlanVerdict::invalid;
  }
}

void ExtensionPort::report(ExtensionEvent event) noexcept { events_.push_back(std::move(event)); }

ExtensionEvent ExtensionPort::make(ExtensionEventKind kind, uint64_t sample) const {
  ExtensionEvent event;
  event.kind = kind;
  event.sample = sample;
  return event;
}

}  // namespace ivrd::driver
