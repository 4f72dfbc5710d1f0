#pragma once
// Call-progress tone detector: dial, ringback, busy, congestion, special
// information (SIT) and disconnect tones of one tone zone (tone_zone.hpp),
// recognised by frequency *and* cadence.
//
// How it works (docs/tones.md has the figures):
//  - A 120 Hz high-pass removes hum and the sub-audio partner of tones such as
//    Japan's "400+15".
//  - Every 10 ms a 40 ms window is analysed with Goertzel-style correlators at
//    the zone's frequencies, on a 25 Hz grid around each (40 ms resolves the
//    25 Hz between, e.g., the UAE's 400 Hz busy and 425 Hz congestion). A
//    window holds a tone when the bins around its frequencies carry at least
//    `min_tone_ratio` of the window's energy, every frequency of the tone is
//    present (within `max_twist_db` of the others), and the level is at least
//    `min_level_dbm0`. When several of the zone's tones qualify, the one whose
//    exact frequencies carry most energy wins. The three SIT bands
//    (880-1020, 1340-1480, 1740-1880 Hz) are always analysed.
//    Two frequencies 25 Hz apart must also make the envelope beat (a single
//    tone between them leaks into both bins but does not).
//  - Windows become segments (a tone or quiet), debounced by 40 ms, with
//    start and end placed to the sample from the 10 ms sub-block energies.
//  - Each tone of the zone is a cadence: its repeated segments (a "!" part
//    played once is not matched, but counted into the tone's start). The recent segments are
//    matched against every cadence at every phase; each on and off duration must be within
//    `cadence_tolerance` (+/- 30 ms) of the table's, gaps must be quiet
//    relative to the tone, burst levels in the table's ratios ("@": -10 dB;
//    Australia's congestion is also recognised without its weak bursts,
//    which noise can hide), and a first burst cut short by what came before
//    (speech, the start of the stream) may be short; it counts as a whole
//    burst once it is as long as the cadence's, and for busy, congestion and
//    disconnect whatever its length (the caller who has hung up is often
//    still heard over the start of the exchange's tone). A tone is reported once
//    its cadence has been seen for a full period (busy, congestion and
//    disconnect: a period plus the next burst, about 1.5 periods after it
//    starts) and no other tone of the zone that would be reported
//    differently still explains the same segments: where busy is the start
//    of congestion's cadence (Brazil, Spain) busy waits until the cadence
//    tells them apart (in_call, both being disconnect, it does not). A
//    continuous tone (dial) is reported once it has lasted longer than any
//    burst of another tone with its frequencies and `min_continuous_ms`, and
//    has been steady for 1 s: level within 4 dB and, for a single plain
//    frequency, a frequency that wanders < 1 Hz from window to window (a
//    held musical note has vibrato or decays).
//  - Where two tones of a zone are the same (Japan's busy and congestion),
//    the first in dial, ringback, busy, congestion order is reported.
//  - SIT: three bursts rising through the SIT bands, 180-480 ms each, gaps
//    up to 100 ms; repeats within 2.5 s are the same event.
//
// Events: `begin` when the tone is recognised (detected_sample says when),
// `end` when its cadence stops (a gap longer than the cadence allows, a burst
// too long, another sound) or at flush(). Both carry the tone's start; `end`
// also the end of its last burst. busy and congestion are reported as
// `disconnect` when CallProgressConfig::in_call is set.
//
// rx() never allocates, locks or throws, and gives the same events whatever
// the block sizes (audio is cut into 10 ms sub-blocks internally). One
// detector per channel; not thread-safe.

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "ivrd/dsp/function_ref.hpp"
#include "ivrd/dsp/tone_zone.hpp"

namespace ivrd::dsp {

struct CallProgressConfig {
  float min_level_dbm0 = -45.0f;    // weakest tone accepted (its total power)
  float min_tone_ratio = 0.70f;     // share of the window's energy in the tone's bins
  float max_twist_db = 6.0f;        // between the frequencies of one tone
  float cadence_tolerance = 0.20f;  // relative, plus 30 ms
  float min_continuous_ms = 1500.0f;
  bool in_call = false;  // the call is answered: busy/congestion mean disconnect

  std::optional<std::string> validate() const;
};

enum class CallProgressEventKind : uint8_t { begin, end };

struct CallProgressEvent {
  CallProgressEventKind kind = CallProgressEventKind::end;
  CallProgressTone tone = CallProgressTone::busy;
  uint64_t start_sample = 0;     // first sample of the tone's first burst seen
  uint64_t end_sample = 0;       // end events: end of its last burst
  uint64_t detected_sample = 0;  // sample count when the event was decided
  float level_dbm0 = 0.0f;       // of the loudest burst
};

using CallProgressEventSink = FunctionRef<void(const CallProgressEvent&)>;

class CallProgressDetector {
 public:
  static constexpr int kSubBlock = 80;     // 10 ms
  static constexpr int kWindowBlocks = 4;  // 40 ms windows
  static constexpr int kMaxSets = 16;      // distinct frequency sets
  static constexpr int kMaxBins = 96;
  static constexpr int kMaxCadences = 8;
  static constexpr int kMaxPattern = 16;
  static constexpr int kHistory = 32;  // segments kept

  explicit CallProgressDetector(const ToneZone& zone, const CallProgressConfig& config = {});

  void rx(std::span<const int16_t> pcm, CallProgressEventSink sink) noexcept;
  // End of the stream: ends a tone in progress.
  void flush(CallProgressEventSink sink) noexcept;

  uint64_t samples_seen() const noexcept { return sample_count_; }
  // The tone reported for a tone of the zone: itself, or the earlier tone
  // whose cadence it duplicates (Japan: congestion -> busy), or disconnect
  // for busy and congestion when in_call is set.
  CallProgressTone reported(CallProgressTone tone) const noexcept;
  const CallProgressConfig& config() const noexcept { return config_; }

 private:
  struct Bin {
    float frequency_hz = 0.0f;
    double phase = 0.0;       // e^{-j phase} at the next sub-block's first sample
    double phase_step = 0.0;  // per sub-block
    std::array<float, kSubBlock> cos{}, sin{};
  };
  struct FrequencySet {
    std::array<int, 3> centre{};  // bin of each frequency
    // Bins 25 Hz either side of each frequency of 500 Hz and up, where a few
    // per cent is more than half a bin (-1: none).
    std::array<int, 3> below{-1, -1, -1}, above{-1, -1, -1};
    int count = 0;
    std::array<int, 24> band{};  // bins counted as the tone's energy
    int band_count = 0;
    bool sit = false;
    bool modulated = false;  // has an "f*fm" tone (drift not measured)
    bool beats = false;      // two frequencies < 40 Hz apart: the envelope must beat
  };
  struct PatternStep {
    int set = -1;  // -1: quiet
    float ms = 0.0f;
    float level_db = 0.0f;
  };
  struct Cadence {
    CallProgressTone tone = CallProgressTone::busy;
    std::array<PatternStep, kMaxPattern> steps{};
    int length = 0;
    bool continuous = false;  // one burst lasting until stopped
    int needed = 0;           // segments to see before reporting
    int needed_on = 0;
    bool hang_up = false;  // busy, congestion or disconnect
  };
  struct Segment {
    int set = -1;  // -1: no tone
    uint64_t first_frame = 0;
    uint64_t frames = 0;
    double energy_sum = 0.0;  // window energies (quiet: after the first 3 windows)
    uint64_t energy_count = 0;
    uint64_t start_sample = 0, end_sample = 0;
    bool cut_short = false;  // a burst whose start may be hidden
    // Frequency drift of the first frequency from window to window, Hz:
    // a dial tone is steady, a held musical note has vibrato.
    double drift_sum = 0.0, drift_squares = 0.0;
    uint32_t drift_count = 0;
    // Window energies of the steady run (within kMaxLevelSpread) that ends
    // at the newest window, and where it started; the drift is of that run.
    float steady_min = 0.0f, steady_max = 0.0f;
    uint64_t steady_since = 0;
    float drift_spread_hz() const noexcept;
    float level_db() const noexcept;
  };
  struct Match {
    bool consistent = false;
    int first = 0;  // oldest segment (absolute index) explained
    int phase = 0;
    int complete = 0, complete_on = 0;
    float deviation = 0.0f;
    uint64_t last_on_end = 0;
    bool confirmed = false;
  };

  void process_sub_block(const int16_t* samples, CallProgressEventSink& sink) noexcept;
  int classify_window(float& energy) noexcept;
  void add_frame(int set, float energy, CallProgressEventSink& sink) noexcept;
  void commit(CallProgressEventSink& sink) noexcept;
  uint64_t refine_start(uint64_t first_frame, float block_level) const noexcept;
  uint64_t refine_end(uint64_t first_off_frame, float block_level) const noexcept;
  bool loud_before(uint64_t first_frame, float window_level) const noexcept;
  float ongoing_ms() const noexcept;
  Segment& segment(uint64_t index) noexcept { return history_[index % kHistory]; }
  const Segment& segment(uint64_t index) const noexcept { return history_[index % kHistory]; }
  Match match(const Cadence& cadence) const noexcept;
  bool consistent_from(const Cadence& cadence, uint64_t first, int phase,
                       Match& out) const noexcept;
  void decide(CallProgressEventSink& sink) noexcept;
  void check_sit(CallProgressEventSink& sink) noexcept;
  uint64_t extend_back(const Cadence& cadence, uint64_t first) const noexcept;
  void emit_end(uint64_t last_on_end, CallProgressEventSink& sink) noexcept;
  uint64_t frame_end_sample(uint64_t frame) const noexcept { return (frame + 1) * kSubBlock; }

  CallProgressConfig config_;
  std::vector<Bin> bins_;
  std::vector<FrequencySet> sets_;
  std::vector<Cadence> cadences_;
  std::array<int, 3> sit_sets_{};
  std::array<CallProgressTone, kCallProgressToneCount> aliases_{
      CallProgressTone::dial,       CallProgressTone::ringback, CallProgressTone::busy,
      CallProgressTone::congestion, CallProgressTone::sit,      CallProgressTone::disconnect};
  float min_energy_ = 0.0f;  // window energy at min_level_dbm0
  float twist_ratio_ = 0.0f;

  // Front end.
  std::array<int16_t, kSubBlock> pending_{};
  int pending_count_ = 0;
  uint64_t sample_count_ = 0;
  uint64_t frame_count_ = 0;
  std::array<double, 4> highpass_{};  // biquad state x1 x2 y1 y2
  std::array<std::array<float, kMaxBins * 2>, kWindowBlocks> sub_re_im_{};
  std::array<float, kWindowBlocks> sub_energy_{};
  std::vector<float> power_;                  // per bin, this window (sized once)
  std::vector<float> window_re_, window_im_;  // per bin, this window
  int previous_bin_ = -1;                     // bin followed for drift, last window
  float previous_re_ = 0.0f, previous_im_ = 0.0f;
  static constexpr int kRing = 16;
  std::array<float, kRing> block_energy_{};   // per 10 ms sub-block (= frame index)
  std::array<float, kRing> window_energy_{};  // per frame

  // Segmenter (debounced).
  int current_set_ = -1;
  int candidate_set_ = -1;
  int candidate_frames_ = 0;
  uint64_t candidate_first_ = 0;
  std::array<Segment, kHistory> history_{};
  uint64_t segments_ = 0;  // segments started so far; the last is ongoing
  double candidate_energy_ = 0.0;

  // Reporting.
  int active_ = -1;  // cadence index, or kMaxCadences for SIT
  uint64_t active_first_ = 0;
  int active_phase_ = 0;
  uint64_t active_start_ = 0;
  uint64_t active_last_on_end_ = 0;
  float active_level_ = -200.0f;
  uint64_t quiet_after_ = 0;  // segments before this one cannot start a new tone
};

}  // namespace ivrd::dsp
