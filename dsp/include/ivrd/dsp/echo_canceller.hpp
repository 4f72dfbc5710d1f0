#pragma once
// Line echo canceller for 8 kHz linear PCM, in the spirit of ITU-T G.168.
//
// On an analog line the 2-to-4-wire hybrid reflects what ivrd sends (tx) back
// into what it receives (rx). process(tx_reference, rx_in_out) is given both,
// sample-aligned as they pass the card, and removes the reflection from rx.
//
// How (docs/echo.md has the full design and the measurements):
//   - Both signals first lose their DC (a first-order high-pass at 2.5 Hz,
//     which leaves the speech band untouched; an optional second-order
//     high-pass removes hum as well).
//   - The echo path is an adaptive FIR of tail_ms (1024 taps at the default
//     128 ms). A background filter learns it sample by sample with
//     proportionate NLMS (each tap's step grows with the logarithm of its
//     size, so the short burst of a hybrid's response converges many times
//     faster than a uniform step allows) on pre-whitened signals (a short
//     linear predictor of the far-end speech is applied to both sides, which
//     removes speech's colouring, the reason plain NLMS is slow on speech).
//     While the whole tail converges on a new echo path, a 32 ms probe
//     window placed where it first peaks adapts beside it and converges
//     several times faster; the output takes whichever cancels better.
//     Once converged, only the taps that hold the echo stay in this
//     time-domain window (the rest held noise and is dropped), and once the
//     output cancels 25 dB the window adapts on every other sample (every
//     fourth from 33 dB). It widens
//     to the whole tail again when the echo path changes: at once when the
//     output gets louder than rx, and as a search beside the unchanged
//     output filter when the output stops removing the echo (a louder new
//     path, or a near talker the search must not mistake for one).
//   - A foreground filter produces the output and only takes the
//     background's coefficients when they cancel measurably better, come
//     within 10 dB of the ERLE it has established (which falls no faster
//     than 2.5 dB/s), and a Geigel detector sees no near-end talker. Double talk therefore cannot
//     spoil the output filter; a background that went astray is reset from the foreground.
//   - The foreground's first 8 ms partition runs in the time domain over each
//     block and the rest a frame ahead in the frequency domain (FFTW), so the
//     output has no delay and any block size gives the same samples.
//   - A non-linear processor replaces the residual echo by comfort noise
//     matched to the line's background (level and spectral tilt) while only
//     the far end talks, and lets everything through as soon as the near end
//     talks.
//   - A G.165 tone disabler stops all processing (the output is the input,
//     sample for sample) on a 2100 Hz answer tone with phase reversals and
//     re-enables once the line has been quiet for 250 ms.
//
// process() never allocates, locks or throws. The constructor allocates.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "ivrd/dsp/isa.hpp"

namespace ivrd::dsp {

// Which tone turns the canceller off.
enum class ToneDisablerMode : uint8_t {
  off,
  // 2100 Hz with phase reversals every 450 ms (G.165, V.25 /ANS, V.8 ANSam):
  // the tone data modems and fax send before they train their own cancellers.
  phase_reversal,
  // Any 2100 Hz answer tone, with or without reversals (the G.164 tone that
  // disables echo suppressors).
  any_2100,
};

struct EchoCancellerConfig {
  // Longest echo path covered, 16..256 ms; rounded up to whole 8 ms partitions.
  int tail_ms = 128;
  // Non-linear processing: residual echo replaced by comfort noise while only
  // the far end talks.
  bool nlp = true;
  // Comfort noise while the NLP suppresses (else silence).
  bool comfort_noise = true;
  ToneDisablerMode tone_disabler = ToneDisablerMode::phase_reversal;
  // Second-order high-pass on both paths at this frequency, 0 = off (DC is
  // always removed). 60..300 Hz removes mains hum, at the price of some phase
  // shift of the lowest speech frequencies.
  float high_pass_hz = 0.0f;

  // An error message naming the offending field, or nothing when valid.
  std::optional<std::string> validate() const;
};

enum class TalkState : uint8_t {
  idle,         // neither side is talking
  far_end,      // only the far end (what ivrd sends): echo is being cancelled
  near_end,     // only the near end (the caller)
  double_talk,  // both at once: adaptation is protected, the NLP passes speech
};
std::string_view talk_state_name(TalkState state) noexcept;

enum class NlpState : uint8_t {
  off,          // disabled by configuration
  passing,      // output is the linear canceller's output
  suppressing,  // residual echo replaced by comfort noise (or silence)
};
std::string_view nlp_state_name(NlpState state) noexcept;

// Live figures, updated as audio is processed. Levels in dBm0 (see levels.hpp);
// -100 stands for "nothing measurable".
struct EchoCancellerMetrics {
  // Echo return loss enhancement of the linear filter: near-input power over
  // its output power while only the far end talks, summed over ~0.25 s.
  float erle_db = 0.0f;
  // Echo return loss: far-end level minus the level of the echo it causes,
  // from the adapted filter.
  float erl_db = 0.0f;
  // Level of what remains of the echo after the linear filter (single talk).
  float residual_echo_dbm0 = -100.0f;
  // Delay of the echo path's strongest tap.
  float echo_delay_ms = 0.0f;
  float far_level_dbm0 = -100.0f;         // tx reference, short term
  float near_level_dbm0 = -100.0f;        // rx input, short term
  float background_level_dbm0 = -100.0f;  // the line's noise floor on rx
  TalkState talk_state = TalkState::idle;
  NlpState nlp_state = NlpState::off;
  bool disabled_by_tone = false;  // the 2100 Hz tone disabler holds
  bool converged = false;         // the filter has reached 20 dB ERLE
  uint64_t samples = 0;           // processed so far
  uint64_t filter_updates = 0;    // foreground took the background's filter
};

namespace detail {
struct EchoCancellerState;
}

class EchoCanceller {
 public:
  static constexpr int kSampleRate = 8000;
  static constexpr int kPartition = 64;  // samples per frame and partition: 8 ms

  // Throws std::invalid_argument when the configuration does not validate.
  // An isa this CPU cannot run is lowered to the best one it can.
  explicit EchoCanceller(const EchoCancellerConfig& config = {}, Isa isa = active_isa());
  ~EchoCanceller();
  EchoCanceller(EchoCanceller&&) noexcept;
  EchoCanceller& operator=(EchoCanceller&&) noexcept;

  // tx_reference: what was sent to the line; rx_in_out: what came back, which
  // is replaced by the echo-free signal. Both hold the same samples in time;
  // when their sizes differ only the common length is processed.
  void process(std::span<const int16_t> tx_reference, std::span<int16_t> rx_in_out) noexcept;

  // Forgets the echo path and all state (a new call on the line).
  void reset() noexcept;

  const EchoCancellerMetrics& metrics() const noexcept;
  const EchoCancellerConfig& config() const noexcept;
  Isa isa() const noexcept;
  // Taps actually modelled (tail rounded up to whole partitions).
  int taps() const noexcept;

 private:
  std::unique_ptr<detail::EchoCancellerState> state_;
};

}  // namespace ivrd::dsp
