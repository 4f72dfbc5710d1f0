#pragma once
// Call-progress tone generator: plays one tone of a zone (tone_zone.hpp) with
// its cadence, block by block, as a DAHDI channel or a test signal needs it.
//
// Level: `level_dbm0` is the power of the tone's loudest sounding segment
// (levels.hpp: 0 dBm0 is the G.711 reference). The frequencies of a segment
// share it equally ("350+440" at -13 dBm0 is two tones at -16 dBm0); a
// segment marked "@" is 10 dB lower. "f*fm" is f amplitude-modulated at fm Hz
// with 90 % depth, as DAHDI's kernel plays it, scaled to the same power.
//
// Segments marked "!" are played once, then the rest repeats for ever; a
// segment without a time lasts until the generator is reset. Each sounding
// segment starts at phase zero. The output depends only on the sample count,
// not on the block sizes asked for.
//
// tx() never allocates, locks or throws. Not thread-safe (one per channel).

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "ivrd/dsp/tone_zone.hpp"

namespace ivrd::dsp {

class ToneGenerator {
 public:
  static constexpr double kSampleRate = 8000.0;

  ToneGenerator(const ToneDefinition& tone, float level_dbm0);
  ToneGenerator(const ToneZone& zone, CallProgressTone kind, float level_dbm0);

  // Fills `out` with the next samples (silence once a tone that does not
  // repeat has ended).
  void tx(std::span<int16_t> out) noexcept;

  // Back to the start of the tone.
  void reset() noexcept;

  // Samples produced since construction or reset.
  uint64_t samples_played() const noexcept { return sample_; }
  // Length of one repetition of the repeated part in samples, 0 when it
  // holds a segment without a time (or nothing repeats).
  uint64_t period_samples() const noexcept { return period_; }

 private:
  struct Segment {
    std::array<double, 3> step{};  // radians per sample
    int count = 0;
    double modulation_step = 0.0;
    double amplitude = 0.0;  // peak of each frequency
    uint64_t length = 0;     // samples; 0: until reset
  };

  std::vector<Segment> segments_;
  size_t repeat_from_ = 0;
  uint64_t period_ = 0;

  size_t index_ = 0;
  uint64_t in_segment_ = 0;  // samples into segments_[index_]
  uint64_t sample_ = 0;
  bool ended_ = false;
};

}  // namespace ivrd::dsp
