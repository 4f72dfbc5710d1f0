// The scripted far ends of the simulated card: a caller on a trunk port and a
// phone on an extension port. Each step() call runs one sample of the script.

#include <numeric>
#include <stdexcept>

#include "ivrd/driver/sim_card.hpp"

namespace ivrd::driver {
namespace {

using detail::SimStep;
using Kind = detail::SimStep::Kind;

constexpr uint64_t kCallerIdAfterRing = ms_to_samples(500);
constexpr uint64_t kCallerIdAfterPolarity = ms_to_samples(250);
constexpr uint64_t kRingAfterCallerId = ms_to_samples(500);
constexpr uint64_t kLongestPulseBreak = ms_to_samples(200);
constexpr uint64_t kInterDigitMake = ms_to_samples(300);

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

std::vector<uint64_t> cadence_samples(const RingCadence& cadence) {
  cadence.validate();
  std::vector<uint64_t> samples;
  for (uint32_t ms : cadence.on_off_ms) samples.push_back(ms_to_samples(ms));
  return samples;
}

// Audio of a step that plays it, position by position; nothing once done.
std::optional<int16_t> audio_at(const SimStep& step, uint64_t position) {
  if (position < step.audio.size()) return step.audio[position];
  return std::nullopt;
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
  step.cadence = cadence_samples(cadence);
  step.max_cycles = max_cycles;
  script_.steps.push_back(std::move(step));
  return *this;
}

SimCaller& SimCaller::ring(const RingCadence& cadence, const dsp::CallerIdMessage& caller_id,
                           CallerIdTiming timing, uint32_t max_cycles) {
  ring(cadence, max_cycles);
  SimStep& step = script_.steps.back();
  step.caller_id = dsp::caller_id_audio(caller_id);
  step.timing = timing;
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
  if (closed != loop_closed_) {
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
    pulse_digits_ += static_cast<char>('0' + pulses_ % 10);
    pulses_ = 0;
  }
}

int16_t SimCaller::step(SimPort& port, uint64_t sample) {
  if (in_call_ && !port.appliance_off_hook_) {
    in_call_ = false;
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
      case Kind::ring: break;  // a caller step, never built by a phone
    }
    script_.next();
  }
  return 0;
}

}  // namespace ivrd::driver
