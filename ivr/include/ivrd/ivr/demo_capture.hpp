#pragma once
// A demo capture for ivr-replay: a dialled number as a caller's phone sends
// it, over speech-like background noise, with silence around.
//
// Each digit gets its own level (-5 to -20 dBm0 per tone), twist (within
// ±2 dB), tone length (60 to 90 ms) and pause (60 to 120 ms), all drawn from
// the seed, so the same seed gives the same samples on every machine. The
// noise is white noise shaped by three formant resonators whose frequencies
// change from syllable to syllable, amplitude-modulated at a syllabic rate of
// 3 to 5 Hz; its level is 18 dB below the weakest digit's tone pair.
//
// Allocates the result; no other state.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace ivrd::ivr {

inline constexpr std::string_view kDemoDialledNumber = "0612345678";
inline constexpr uint64_t kDemoSeed = 20240611;

struct DemoCapture {
  std::string digits;            // what was dialled, in order
  std::vector<int16_t> samples;  // 8 kHz linear PCM
  // Where each digit's tone starts and ends, in samples.
  std::vector<uint64_t> tone_start;
  std::vector<uint64_t> tone_end;
};

// Throws std::invalid_argument for a character that is not a DTMF digit or
// more than 64 digits.
DemoCapture make_demo_capture(std::string_view digits = kDemoDialledNumber,
                              uint64_t seed = kDemoSeed);

}  // namespace ivrd::ivr
