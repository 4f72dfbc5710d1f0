#pragma once
// Speech-like noise: a stand-in for speech when espeak-ng is not wanted (it
// is slow to start, version-dependent, or missing).
//
// A source-filter model: a glottal pulse train (pitch 80..280 Hz, falling
// through each talk spurt, with jitter) or, for fricatives, white noise,
// through three formant resonators that glide between vowel targets once
// per syllable; syllables (100..300 ms, about 4 per second) carry a raised-
// cosine envelope, talk spurts of 0.5..3 s alternate with pauses of
// 0.2..1.2 s. The voiced parts therefore have real harmonic series moving
// through the DTMF band, which is the property talk-off tests need.
//
// Not intelligible and not ITU-T P.50; use espeak (speech.hpp) for that.

#include <cstddef>
#include <cstdint>
#include <vector>

namespace ivrd::test_support {

struct SpeechLikeOptions {
  double min_f0_hz = 80.0;
  double max_f0_hz = 280.0;
  double min_spurt_s = 0.5, max_spurt_s = 3.0;
  double min_pause_s = 0.2, max_pause_s = 1.2;
  double voiced_fraction = 0.8;  // share of syllables that are voiced
};

// n samples at 8 kHz whose active level (levels.hpp) is level_dbm0.
// Deterministic by seed.
std::vector<int16_t> speech_like_noise(size_t n, double level_dbm0, uint64_t seed,
                                       const SpeechLikeOptions& options = {});

}  // namespace ivrd::test_support
