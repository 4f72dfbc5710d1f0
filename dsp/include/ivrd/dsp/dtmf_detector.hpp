#pragma once
// DTMF receiver for 8 kHz linear PCM, built to ITU-T Q.24 and Telcordia
// (Bellcore) LSSGR receiver figures.
//
// What it meets, with the default configuration (each figure is a test in
// dsp/tests/dtmf_detector_test.cpp named after its clause):
//   - all 16 digits of Q.23;
//   - accepts tones up to ±1.5 % off nominal, rejects ±3.5 % (either tone);
//   - accepts normal twist (high group louder) up to 8 dB and reverse twist
//     up to 4 dB, rejects beyond; both per administration (DtmfAdministration);
//   - detects from 0 dBm0 down to below -30 dBm0 per tone and ignores tones
//     under a configurable floor (default -40 dBm0);
//   - detects 40 ms tones, rejects tones of 20 ms or less, separates digits
//     by a 40 ms pause, bridges dropouts of 10 ms or less inside one tone;
//   - works with white noise at 15 dB SNR (and down to 12 dB);
//   - reports start and end of each digit within a few milliseconds.
//
// How: the signal is cut into 5 ms sub-blocks. For each sub-block an integer
// kernel correlates the samples with cosine and sine at the eight Q.23
// frequencies (the same DFT bins a Goertzel filter computes) plus the signal
// energy. Those sums are exact integers, so every SIMD variant gives the same
// numbers and therefore the same decisions as the scalar reference. Each 5 ms
// a 20 ms window is assembled from the last four sub-blocks; its bins give
// the tone levels, and the phase advance of each bin from one window to the
// next measures each tone's frequency directly — a 20 ms bin alone cannot
// tell 1.5 % from 3.5 % in the low group, the phase can. A window counts as a
// hit when one tone per group stands out, both frequencies are in tolerance,
// levels and twist (solved jointly for the two tones, which leak into each
// other's bins) are in range, the pair carries 90 % of the window's energy,
// and both tones held their level through the whole window. Three hits in a
// row make a digit; a gap of several windows ends it. Start and end times are
// refined to the sample from the sub-block energies at the edges.
//
// rx() never allocates, locks or throws, and feeding the same audio in any
// block sizes gives the same events at the same sample positions.

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "ivrd/dsp/detail/tone_pair_model.hpp"
#include "ivrd/dsp/function_ref.hpp"
#include "ivrd/dsp/isa.hpp"

namespace ivrd::dsp {

namespace kernels {
struct DtmfCorrelation;
}

struct DtmfConfig {
  // Normal twist: high group louder than low. Reverse: low louder than high.
  float max_normal_twist_db = 8.0f;
  float max_reverse_twist_db = 4.0f;
  // Tones whose level (per tone) is below this are ignored.
  float min_tone_level_dbm0 = -40.0f;
  // Relative frequency error above which a tone is rejected. Q.24 asks for
  // operation up to 1.5 % and non-operation from 3.5 %. The measurement is
  // good to a few tenths of a percent even at 8 dB twist, so 2 % keeps every
  // in-tolerance key while rejecting musical notes that sit 1.7-2.9 % from a
  // DTMF frequency (G5, G#6, D6, D#6), a classic source of talk-off.
  float max_frequency_deviation = 0.02f;
  // Minimum duration of a tone to be reported; Q.24 and LSSGR require 40 ms
  // to be accepted and 20 ms (LSSGR: 23 ms) to be rejected.
  float min_duration_ms = 30.0f;
  // Interruptions up to this long inside one tone are bridged; longer ones
  // separate two digits (LSSGR: bridge 10 ms, separate at 40 ms).
  float max_dropout_ms = 25.0f;

  // An error message naming the offending field, or nothing when valid.
  std::optional<std::string> validate() const;
};

// Named receiver settings per administration, as telephone administrations
// publish them (and as Asterisk's dsp.conf lets a site choose between the
// standard and the "relaxed" figures).
struct DtmfAdministration {
  std::string_view name;
  std::string_view description;
  DtmfConfig config;
};
std::span<const DtmfAdministration> dtmf_administrations() noexcept;
std::optional<DtmfConfig> dtmf_config_for(std::string_view administration) noexcept;

enum class DtmfEventKind : uint8_t {
  // The digit has been recognised and the tone is still on: the moment a
  // prompt should stop for barge-in.
  begin,
  // The tone has ended; start_sample and duration_samples are final.
  end,
};

struct DtmfEvent {
  DtmfEventKind kind = DtmfEventKind::end;
  char digit = 0;
  uint64_t start_sample = 0;      // counted from the first sample fed
  uint32_t duration_samples = 0;  // 0 for begin events
  float low_level_dbm0 = 0.0f;    // measured levels of the two tones
  float high_level_dbm0 = 0.0f;
};

using DtmfEventSink = FunctionRef<void(const DtmfEvent&)>;

class DtmfDetector {
 public:
  static constexpr double kSampleRate = 8000.0;
  static constexpr int kSubBlock = 40;  // samples per 5 ms sub-block

  // Throws std::invalid_argument when the configuration does not validate.
  // An isa this CPU cannot run is lowered to the best one it can.
  explicit DtmfDetector(const DtmfConfig& config = {}, Isa isa = active_isa());

  // Feeds samples; events are passed to sink as they are decided.
  void rx(std::span<const int16_t> pcm, DtmfEventSink sink) noexcept;
  // A gap in the audio (lost block, overrun): treated as that much silence.
  void fill_in(size_t missing_samples, DtmfEventSink sink) noexcept;
  // Ends a digit still in progress, as at the end of a recording.
  void flush(DtmfEventSink sink) noexcept;

  uint64_t samples_seen() const noexcept { return sample_count_; }
  Isa isa() const noexcept { return isa_; }
  const DtmfConfig& config() const noexcept { return config_; }

  // Number of sub-blocks kept for edge refinement; internal but sized here
  // so the state is one fixed-size object.
  static constexpr int kHistory = 16;

 private:
  static constexpr int kBins = 8;
  struct SubBlock {
    // Correlation with each tone, referred to absolute time so that a tone's
    // phase advances from one sub-block to the next by its frequency error.
    std::array<float, kBins> re{}, im{};
    float ac_energy = 0.0f;  // energy with the sub-block's mean removed
    uint32_t energy = 0;
    int32_t sum = 0;
    bool tonal = false;  // one bin per group carries much of the energy
  };
  struct WindowResult {
    int digit = -1;
    float low_power = 0.0f, high_power = 0.0f;  // per tone, kernel units
  };

  void process_sub_block(const int16_t* samples, DtmfEventSink& sink) noexcept;
  WindowResult evaluate_window(uint64_t newest) noexcept;
  void track(const WindowResult& hit, uint64_t window, DtmfEventSink& sink) noexcept;
  void begin_digit(int digit, uint64_t first_window, DtmfEventSink& sink) noexcept;
  void end_digit(uint64_t cap_sample, DtmfEventSink& sink) noexcept;
  const SubBlock& sub_block(uint64_t index) const noexcept { return history_[index % kHistory]; }
  float coverage(uint64_t index, float reference) const noexcept;
  uint64_t refine_start(uint64_t first_window) const noexcept;
  uint64_t refine_end(uint64_t last_window) const noexcept;

  DtmfConfig config_;
  Isa isa_;
  void (*kernel_)(const int16_t*, const int16_t*, kernels::DtmfCorrelation*) = nullptr;
  const int16_t* table_ = nullptr;

  // Thresholds derived from the configuration, in the kernel's units.
  float min_tone_power_ = 0.0f;
  float min_window_energy_ = 0.0f;
  float max_normal_ratio_ = 0.0f;
  float max_reverse_ratio_ = 0.0f;
  int min_hits_ = 3;
  int max_missing_ = 8;

  std::array<int16_t, kSubBlock> pending_{};
  int pending_count_ = 0;
  uint64_t sample_count_ = 0;
  uint64_t sub_block_count_ = 0;  // sub-blocks processed so far
  int tonal_run_ = 0;             // consecutive tonal sub-blocks up to the last
  std::array<SubBlock, kHistory> history_{};

  // The tone-pair model of the latest window whose tones were in tolerance,
  // reused by the next window if it shows the same digit.
  detail::TonePairModel model_{};
  int model_digit_ = -1;
  uint64_t model_window_ = 0;

  // A run of consecutive windows showing the same digit, not yet reported.
  int candidate_ = -1;
  int candidate_hits_ = 0;
  uint64_t candidate_first_window_ = 0;
  // The digit reported with a begin event and not yet ended.
  int current_ = -1;
  uint64_t current_start_ = 0;
  uint64_t current_last_window_ = 0;
  int missing_ = 0;
  float current_low_dbm0_ = 0.0f, current_high_dbm0_ = 0.0f;
};

// Many channels in one call: the daemon hands over every channel's block of a
// 20 ms tick at once. Each channel has its own detector state; the kernels
// run channel after channel with their tables hot in cache.
class DtmfDetectorBank {
 public:
  using Sink = FunctionRef<void(size_t channel, const DtmfEvent&)>;

  DtmfDetectorBank(size_t channels, const DtmfConfig& config = {}, Isa isa = active_isa());

  size_t channels() const noexcept { return detectors_.size(); }
  DtmfDetector& channel(size_t index) { return detectors_.at(index); }

  // blocks[c] holds samples_per_channel samples of channel c (a null pointer
  // skips that channel for this call).
  void rx(std::span<const int16_t* const> blocks, size_t samples_per_channel, Sink sink) noexcept;
  // Per-channel lengths, for captures of different lengths.
  void rx(std::span<const std::span<const int16_t>> blocks, Sink sink) noexcept;
  void flush(Sink sink) noexcept;

 private:
  std::vector<DtmfDetector> detectors_;
};

}  // namespace ivrd::dsp
