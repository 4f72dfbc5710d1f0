#pragma once
// Call-progress test signals: a zone's tone played by ToneGenerator with
// deliberate frequency and cadence errors, and the detector run over it in
// blocks of a chosen size.

#include <cstdint>
#include <span>
#include <vector>

#include "ivrd/dsp/call_progress_detector.hpp"
#include "ivrd/dsp/tone_generator.hpp"

namespace ivrd::dsp::testing {

struct TonePlay {
  float level_dbm0 = -13.0f;
  float frequency_scale = 1.0f;  // 1.02: every frequency 2 % high
  float time_scale = 1.0f;       // 1.1: every segment 10 % long
  double lead_ms = 1000.0;       // silence (or what is mixed in) before
  double play_ms = 0.0;          // 0: long enough for three periods
  double tail_ms = 4000.0;       // silence after
};

struct TonePlayed {
  std::vector<int16_t> pcm;
  uint64_t start_sample = 0;
  uint64_t end_sample = 0;  // end of the last sounding sample
  double period_ms = 0.0;   // of the repeated part as played, 0: continuous
};

// The tone with its errors: frequencies and durations scaled.
ToneDefinition distorted(const ToneDefinition& tone, float frequency_scale, float time_scale);

TonePlayed play_tone(const ToneDefinition& tone, const TonePlay& play);

// Every event (begin and end) from feeding pcm in blocks of `block` samples
// (0: random sizes from 1 to 400, seeded), then flush().
std::vector<CallProgressEvent> run_detector(CallProgressDetector& detector,
                                            std::span<const int16_t> pcm, size_t block,
                                            uint64_t seed = 1);
std::vector<CallProgressEvent> detect_tones(const ToneZone& zone, std::span<const int16_t> pcm,
                                            const CallProgressConfig& config = {},
                                            size_t block = 160);

std::vector<CallProgressEvent> ends_of(const std::vector<CallProgressEvent>& events);

}  // namespace ivrd::dsp::testing
