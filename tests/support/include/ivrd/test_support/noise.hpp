#pragma once
// White Gaussian noise and mixing at a given signal-to-noise ratio.

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace ivrd::test_support {

// n samples of white Gaussian noise whose mean square is that of level_dbm0
// (flat from 0 to 4 kHz). Samples saturate at int16 full scale, so above
// about -8 dBm0 the level comes out slightly low (Gaussian peaks clip).
// Deterministic by seed.
std::vector<int16_t> white_noise(size_t n, double level_dbm0, uint64_t seed);
std::vector<float> white_noise_float(size_t n, double level_dbm0, uint64_t seed);

// signal + g * noise, saturated to int16, where g sets
//   10 log10(P_signal / (g^2 P_noise)) = snr_db.
// P_signal is the mean square over the *active part* of the signal (5 ms
// blocks within 30 dB of its loudest block, see levels.hpp), so the silence
// around a tone burst does not lower it. For a DTMF burst that is the power
// of both tones together. P_noise is the mean square of the noise over the
// signal's length. noise must be at least as long as signal (throws
// std::invalid_argument otherwise); extra noise is ignored.
std::vector<int16_t> add_at_snr(std::span<const int16_t> signal, std::span<const int16_t> noise,
                                double snr_db);

// Same, with the signal's power given as a level (e.g. the nominal level of a
// generated tone pair: each tone at L dBm0 gives L + 3.01 dBm0 together)
// instead of measured.
std::vector<int16_t> add_at_snr(std::span<const int16_t> signal, double signal_level_dbm0,
                                std::span<const int16_t> noise, double snr_db);

// Sample-wise sum, saturated; the result is as long as the longer input.
std::vector<int16_t> mix(std::span<const int16_t> a, std::span<const int16_t> b);

}  // namespace ivrd::test_support
