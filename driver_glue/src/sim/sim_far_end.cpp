// The scripted far ends of the simulated card: a caller on a trunk port and a
// phone on an extension port. Each step() call runs one sample of the script.

#include <algorithm>
#include <cmath>
#include <numeric>
#include <stdexcept>
#include <string>

#include "ivrd/driver/sim_card.hpp"
#include "ivrd/dsp/levels.hpp"

namespace ivrd::driver {
namespace {

using detail::SimStep;
using Kind = detail::SimStep::Kind;

constexpr uint64_t kCallerIdAfterRing = ms_to_samples(kCallerIdAfterRingMs);
constexpr uint64_t kCallerIdAfterPolarity = ms_to_samples(250);
constexpr uint64_t kRingAfterCallerId = ms_to_samples(500);
constexpr uint64_t kLongestPulseBreak = ms_to_samples(200);
constexpr uint64_t kInterDigitMake = ms_to_samples(300);
constexpr uint32_t kDialToneAfterMs = 300;
constexpr uint32_t kInterDigitTimeoutMs = 3000;
constexpr uint32_t kRoutingDelayMs = 500;
constexpr uint32_t kMaxRouteDigits = 64;
constexpr uint64_t kSitSilence = ms_to_samples(1000);  // after a SIT whose table has no end
constexpr uint64_t kAnnouncementPause = ms_to_samples(500);

SimStep wait_step(uint32_t ms) {
  SimStep step;
  step.kind = Kind::wait;
  step.samples = ms_to_samples(ms);
  return step;
}

SimStep audio_step(std::span<const int16_t> pcm) {
  SimStep step;
  step.kind = Kind::audio;
  step.audio.assign(pcm.begin(), pcm.end());
  return step;
}

SimStep dtmf_step(std::string_view digits, const dsp::DtmfToneSpec& tone) {
  for (char digit : digits) {
    if (dsp::dtmf_digit_index(digit) < 0) {
      throw std::invalid_argument(std::string("not a DTMF digit: '") + digit + "'");
    }
  }
  // Rendered up front so a script step is plain audio; the generator's queue
  // is bounded, so long strings go through it in slices.
  dsp::DtmfGenerator generator;
  std::vector<int16_t> pcm;
  std::array<int16_t, kBlockSamples> block{};
  for (size_t done = 0; done < digits.size();) {
    done += generator.queue(digits.substr(done), tone);
    while (!generator.idle()) {
      const size_t n = generator.tx(block);
      pcm.insert(pcm.end(), block.begin(), block.begin() + static_cast<std::ptrdiff_t>(n));
    }
  }
  return audio_step(pcm);
}

SimStep hook_step(Kind kind) {
  SimStep step;
  step.kind = kind;
  return step;
}

// Audio of a step that plays it, position by position; nothing once done.
std::optional<int16_t> audio_at(const SimStep& step, uint64_t position) {
  if (position < step.audio.size()) return step.audio[position];
  return std::nullopt;
}

int16_t next_sample(dsp::ToneGenerator& generator) noexcept {
  int16_t out = 0;
  generator.tx(std::span<int16_t>(&out, 1));
  return out;
}

// The zone's SIT once, with the silence that closes it, then the
// announcement and a pause: what an intercept repeats.
std::vector<int16_t> sit_loop(const detail::SimExchangeScript& script) {
  const dsp::ToneDefinition& sit = script.zone->tone(dsp::CallProgressTone::sit);
  uint64_t length = 0;
  for (const dsp::ToneSegment& segment : sit.segments) {
    length += segment.duration_ms > 0 ? ms_to_samples(segment.duration_ms) : kSitSilence;
  }
  std::vector<int16_t> pcm(length);
  dsp::ToneGenerator generator(sit, script.tone_level_dbm0);
  generator.tx(pcm);
  pcm.insert(pcm.end(), script.announcement.begin(), script.announcement.end());
  pcm.resize(pcm.size() + kAnnouncementPause, 0);
  return pcm;
}

}  // namespace

SimCaller& SimCaller::wait_ms(uint32_t ms) {
  script_.steps.push_back(wait_step(ms));
  return *this;
}

SimCaller& SimCaller::ring(const RingCadence& cadence, uint32_t max_cycles) {
  if (max_cycles == 0) throw std::invalid_argument("a caller must ring at least one cycle");
  SimStep step;
  step.kind = Kind::ring;
  step.cadence = cadence.samples();
  step.max_cycles = max_cycles;
  script_.steps.push_back(std::move(step));
  return *this;
}

SimCaller& SimCaller::ring(const RingCadence& cadence, const dsp::CallerIdMessage& caller_id,
                           CallerIdTiming timing, uint32_t max_cycles) {
  return ring(cadence, caller_id, timing, dsp::CallerIdAudioOptions{}, max_cycles);
}

SimCaller& SimCaller::ring(const RingCadence& cadence, const dsp::CallerIdMessage& caller_id,
                           CallerIdTiming timing, const dsp::CallerIdAudioOptions& signal,
                           uint32_t max_cycles) {
  ring(cadence, max_cycles);
  SimStep& step = script_.steps.back();
  step.caller_id = dsp::caller_id_audio(caller_id, signal);
  step.timing = timing;
  return *this;
}

int16_t SimCaller::add_line_noise(int16_t far) noexcept {
  if (noise_rms_ <= 0.0f) return far;
  const float noisy = static_cast<float>(far) + noise_rms_ * noise_(noise_random_);
  return static_cast<int16_t>(std::clamp(std::lround(noisy), -32768L, 32767L));
}

SimCaller& SimCaller::line_noise(float level_dbm0, uint64_t seed) {
  if (!(level_dbm0 <= 0.0f)) {
    throw std::invalid_argument("line noise above 0 dBm0: " + std::to_string(level_dbm0));
  }
  // A sine's mean square is half its peak squared.
  noise_rms_ = static_cast<float>(dsp::dbm0_to_sine_peak(level_dbm0) / std::sqrt(2.0));
  noise_random_.seed(seed);
  return *this;
}

SimCaller& SimCaller::play(std::span<const int16_t> pcm) {
  script_.steps.push_back(audio_step(pcm));
  return *this;
}

SimCaller& SimCaller::press(std::string_view digits, const dsp::DtmfToneSpec& tone) {
  script_.steps.push_back(dtmf_step(digits, tone));
  return *this;
}

SimCaller& SimCaller::hang_up(Supervision supervision) {
  SimStep step = hook_step(Kind::hang_up);
  step.supervision = supervision;
  script_.steps.push_back(std::move(step));
  return *this;
}

SimCaller& SimCaller::expect_outbound(std::string_view zone) {
  const dsp::ToneZone* found = dsp::find_tone_zone(zone);
  if (found == nullptr) {
    throw std::invalid_argument("unknown tone zone '" + std::string(zone) +
                                "': " + dsp::tone_zone_hint(zone));
  }
  SimStep step;
  step.kind = Kind::exchange;
  step.exchange.zone = found;
  step.exchange.dial_tone_after = ms_to_samples(kDialToneAfterMs);
  step.exchange.interdigit_timeout = ms_to_samples(kInterDigitTimeoutMs);
  step.exchange.routing_delay = ms_to_samples(kRoutingDelayMs);
  script_.steps.push_back(std::move(step));
  return *this;
}

detail::SimExchangeScript& SimCaller::last_exchange(const char* call) {
  if (script_.steps.empty() || script_.steps.back().kind != Kind::exchange) {
    throw std::logic_error(std::string(call) + " must follow expect_outbound()");
  }
  return script_.steps.back().exchange;
}

SimCaller& SimCaller::dial_tone_after_ms(uint32_t ms) {
  last_exchange("dial_tone_after_ms()").dial_tone_after = ms_to_samples(ms);
  return *this;
}

SimCaller& SimCaller::no_dial_tone(bool accepts_digits) {
  detail::SimExchangeScript& script = last_exchange("no_dial_tone()");
  script.dial_tone_after.reset();
  script.dead = !accepts_digits;
  return *this;
}

SimCaller& SimCaller::route_after_digits(uint32_t digits) {
  if (digits == 0 || digits > kMaxRouteDigits) {
    throw std::invalid_argument("route_after_digits: " + std::to_string(digits) +
                                " is not between 1 and " + std::to_string(kMaxRouteDigits));
  }
  last_exchange("route_after_digits()").route_after_digits = digits;
  return *this;
}

SimCaller& SimCaller::interdigit_timeout_ms(uint32_t ms) {
  if (ms == 0) throw std::invalid_argument("interdigit_timeout_ms must be positive");
  last_exchange("interdigit_timeout_ms()").interdigit_timeout = ms_to_samples(ms);
  return *this;
}

SimCaller& SimCaller::answer_after_rings(uint32_t rings, AnswerSignal signal) {
  detail::SimExchangeScript& script = last_exchange("answer_after_rings()");
  script.outcome = SimCallOutcome::answer;
  script.rings = rings;
  script.answer_signal = signal;
  return *this;
}

SimCaller& SimCaller::busy() {
  last_exchange("busy()").outcome = SimCallOutcome::busy;
  return *this;
}

SimCaller& SimCaller::congestion() {
  last_exchange("congestion()").outcome = SimCallOutcome::congestion;
  return *this;
}

SimCaller& SimCaller::sit(std::span<const int16_t> announcement) {
  detail::SimExchangeScript& script = last_exchange("sit()");
  script.outcome = SimCallOutcome::sit;
  script.announcement.assign(announcement.begin(), announcement.end());
  return *this;
}

SimCaller& SimCaller::no_answer() {
  last_exchange("no_answer()").outcome = SimCallOutcome::no_answer;
  return *this;
}

SimCaller& SimCaller::tone_level_dbm0(float level) {
  if (!(level <= 0.0f && level >= -60.0f)) {
    throw std::invalid_argument("tone_level_dbm0: " + std::to_string(level) +
                                " is not between -60 and 0");
  }
  last_exchange("tone_level_dbm0()").tone_level_dbm0 = level;
  return *this;
}

bool SimCaller::alerting() const noexcept {
  return !script_.finished() && script_.steps[script_.index].kind == Kind::ring;
}

std::optional<int16_t> SimCaller::ring_step(SimPort& port, const SimStep& step, uint64_t sample) {
  const uint64_t t = script_.position;
  if (port.appliance_off_hook_) {
    // Answered: the exchange trips the ringing and connects the call.
    voltage_ = false;
    port.ring_off_at_.reset();
    in_call_ = true;
    return std::nullopt;
  }
  const uint64_t fsk_size = step.caller_id.size();
  uint64_t pre_ring = 0;
  uint64_t fsk_start = 0;
  if (fsk_size > 0 && step.timing == CallerIdTiming::after_polarity_reversal) {
    if (t == 0) port.emit(LineEventKind::polarity, sample);
    fsk_start = kCallerIdAfterPolarity;
    pre_ring = fsk_start + fsk_size + kRingAfterCallerId;
  } else {
    fsk_start = step.cadence[0] + kCallerIdAfterRing;
  }
  int16_t out = 0;
  if (t >= fsk_start && t - fsk_start < fsk_size) out = step.caller_id[t - fsk_start];
  if (t >= pre_ring) {
    const uint64_t cycle = std::accumulate(step.cadence.begin(), step.cadence.end(), uint64_t{0});
    const uint64_t r = t - pre_ring;
    if (r >= cycle * step.max_cycles) {
      if (voltage_) port.set_ring_voltage(false, sample);
      voltage_ = false;
      gave_up_ = true;
      script_.drop_rest();
      return std::nullopt;
    }
    uint64_t within = r % cycle;
    size_t segment = 0;
    while (within >= step.cadence[segment]) within -= step.cadence[segment++];
    const bool on = segment % 2 == 0;
    if (on != voltage_) {
      voltage_ = on;
      port.set_ring_voltage(on, sample);
    }
  }
  ++script_.position;
  return out;
}

void SimCaller::observe_loop(bool closed, uint64_t sample) {
  const bool collecting = exchange_connected_ &&
                          (phase_ == ExchangePhase::dial_tone || phase_ == ExchangePhase::digits);
  if (closed != loop_closed_) {
    if (!closed && collecting) {
      digit_begun_ = true;
      last_digit_at_ = sample;
    }
    if (closed && loop_opened_at_ && sample - *loop_opened_at_ < kLongestPulseBreak) ++pulses_;
    if (!closed) {
      loop_opened_at_ = sample;
    } else {
      loop_opened_at_.reset();
    }
    loop_closed_ = closed;
    loop_changed_at_ = sample;
  }
  if (closed && pulses_ > 0 && sample - loop_changed_at_ >= kInterDigitMake) {
    const char digit = static_cast<char>('0' + pulses_ % 10);
    pulse_digits_ += digit;
    pulses_ = 0;
    if (collecting) {
      dialled_digits_ += digit;
      last_digit_at_ = sample;
    }
  }
}

void SimCaller::hear(int16_t sample, uint64_t line_sample, size_t limit) {
  heard_.push(sample, limit);
  if (!exchange_connected_ || !digit_detector_) return;
  if (phase_ != ExchangePhase::dial_tone && phase_ != ExchangePhase::digits) return;
  digit_audio_.push_back(sample);
  if (digit_audio_.size() < static_cast<size_t>(dsp::DtmfDetector::kSubBlock)) return;
  digit_detector_->rx(digit_audio_, [&](const dsp::DtmfEvent& event) {
    digit_begun_ = true;
    last_digit_at_ = line_sample;
    if (event.kind == dsp::DtmfEventKind::end) dialled_digits_ += event.digit;
  });
  digit_audio_.clear();
}

void SimCaller::end_outbound() noexcept {
  exchange_connected_ = false;
  phase_ = ExchangePhase::seizure;
  tone_.reset();
  digit_detector_.reset();
  digit_audio_.clear();
  sit_loop_.clear();
  sit_position_ = 0;
}

int16_t SimCaller::outcome_sample(const detail::SimExchangeScript& script) {
  if (script.outcome == SimCallOutcome::sit) {
    const int16_t out = sit_loop_[sit_position_];
    sit_position_ = (sit_position_ + 1) % sit_loop_.size();
    return out;
  }
  return tone_ ? next_sample(*tone_) : int16_t{0};
}

std::optional<int16_t> SimCaller::exchange_step(SimPort& port, const SimStep& step,
                                                uint64_t sample) {
  const detail::SimExchangeScript& script = step.exchange;
  if (!exchange_connected_) {
    if (!port.appliance_off_hook_) return int16_t{0};  // waiting for the seizure
    exchange_connected_ = true;
    phase_ = ExchangePhase::dial_tone;
    phase_start_ = sample;
    digit_begun_ = false;
    last_digit_at_ = sample;
    dialled_digits_.clear();
    tone_.reset();
    digit_detector_.emplace();
    digit_audio_.clear();
  }
  switch (phase_) {
    case ExchangePhase::seizure:
    case ExchangePhase::dial_tone:
      if (!digit_begun_) {
        if (!script.dial_tone_after || sample - phase_start_ < *script.dial_tone_after) {
          return int16_t{0};
        }
        if (!tone_)
          tone_.emplace(*script.zone, dsp::CallProgressTone::dial, script.tone_level_dbm0);
        return next_sample(*tone_);
      }
      tone_.reset();  // the first digit stops dial tone
      phase_ = ExchangePhase::digits;
      [[fallthrough]];
    case ExchangePhase::digits: {
      if (script.dead) return int16_t{0};
      const bool enough =
          script.route_after_digits > 0 && dialled_digits_.size() >= script.route_after_digits;
      const bool timed_out =
          !dialled_digits_.empty() && sample - last_digit_at_ >= script.interdigit_timeout;
      if (!enough && !timed_out) return int16_t{0};
      phase_ = ExchangePhase::routing;
      phase_start_ = sample;
      return int16_t{0};
    }
    case ExchangePhase::routing: {
      if (sample - phase_start_ < script.routing_delay) return int16_t{0};
      phase_ = ExchangePhase::outcome;
      phase_start_ = sample;
      switch (script.outcome) {
        case SimCallOutcome::answer:
        case SimCallOutcome::no_answer:
          tone_.emplace(*script.zone, dsp::CallProgressTone::ringback, script.tone_level_dbm0);
          break;
        case SimCallOutcome::busy:
          tone_.emplace(*script.zone, dsp::CallProgressTone::busy, script.tone_level_dbm0);
          break;
        case SimCallOutcome::congestion:
          tone_.emplace(*script.zone, dsp::CallProgressTone::congestion, script.tone_level_dbm0);
          break;
        case SimCallOutcome::sit:
          sit_loop_ = sit_loop(script);
          sit_position_ = 0;
          break;
      }
      [[fallthrough]];
    }
    case ExchangePhase::outcome:
      if (script.outcome == SimCallOutcome::answer) {
        const uint64_t period =
            tone_ && tone_->period_samples() > 0 ? tone_->period_samples() : ms_to_samples(1000);
        if (sample - phase_start_ >= script.rings * period) {
          tone_.reset();
          in_call_ = true;
          if (script.answer_signal == AnswerSignal::polarity_reversal) {
            port.emit(LineEventKind::polarity, sample);
          }
          return std::nullopt;
        }
      }
      return outcome_sample(script);
  }
  return int16_t{0};
}

int16_t SimCaller::step(SimPort& port, uint64_t sample) {
  if ((in_call_ || exchange_connected_) && !port.appliance_off_hook_) {
    in_call_ = false;
    end_outbound();
    script_.drop_rest();
  }
  while (!script_.finished()) {
    const SimStep& step = script_.steps[script_.index];
    switch (step.kind) {
      case Kind::wait:
        if (script_.waiting(step.samples)) return 0;
        break;
      case Kind::ring:
        if (auto out = ring_step(port, step, sample)) return *out;
        break;
      case Kind::audio:
        if (auto out = audio_at(step, script_.position)) {
          ++script_.position;
          return *out;
        }
        break;
      case Kind::hang_up:
        if (in_call_ && port.appliance_off_hook_) {
          if (step.supervision == Supervision::loop_current_drop) {
            port.emit(LineEventKind::on_hook, sample);
          } else if (step.supervision == Supervision::polarity_reversal) {
            port.emit(LineEventKind::polarity, sample);
          }
        }
        in_call_ = false;
        end_outbound();
        break;
      case Kind::exchange:
        if (auto out = exchange_step(port, step, sample)) return *out;
        break;
      case Kind::wait_for_ring:
      case Kind::off_hook: break;  // phone steps, never built by a caller
    }
    script_.next();
  }
  return 0;
}

SimPhone& SimPhone::wait_ms(uint32_t ms) {
  script_.steps.push_back(wait_step(ms));
  return *this;
}

SimPhone& SimPhone::wait_for_ring() {
  script_.steps.push_back(hook_step(Kind::wait_for_ring));
  return *this;
}

SimPhone& SimPhone::off_hook() {
  script_.steps.push_back(hook_step(Kind::off_hook));
  return *this;
}

SimPhone& SimPhone::hang_up() {
  script_.steps.push_back(hook_step(Kind::hang_up));
  return *this;
}

SimPhone& SimPhone::flash(uint32_t ms) {
  hang_up();
  wait_ms(ms);
  return off_hook();
}

SimPhone& SimPhone::dial(std::string_view digits, const dsp::DtmfToneSpec& tone) {
  script_.steps.push_back(dtmf_step(digits, tone));
  return *this;
}

SimPhone& SimPhone::play(std::span<const int16_t> pcm) {
  script_.steps.push_back(audio_step(pcm));
  return *this;
}

int16_t SimPhone::step(SimPort& port, uint64_t sample) {
  while (!script_.finished()) {
    const SimStep& step = script_.steps[script_.index];
    switch (step.kind) {
      case Kind::wait:
        if (script_.waiting(step.samples)) return 0;
        break;
      case Kind::wait_for_ring:
        if (!port.ringing_) return 0;
        break;
      case Kind::off_hook: port.set_phone_hook(true, sample); break;
      case Kind::hang_up: port.set_phone_hook(false, sample); break;
      case Kind::audio:
        if (auto out = audio_at(step, script_.position)) {
          ++script_.position;
          return *out;
        }
        break;
      case Kind::ring:
      case Kind::exchange: break;  // caller steps, never built by a phone
    }
    script_.next();
  }
  return 0;
}

}  // namespace ivrd::driver
