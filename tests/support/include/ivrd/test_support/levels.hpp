#pragma once
// Level measurement and scaling for 8 kHz 16-bit test signals, in dBm0 with
// the convention of ivrd/dsp/levels.hpp (a full-scale sine is +3.14 dBm0).
//
// "Active" level: the mean square over the 5 ms blocks (40 samples) that
// are not silence, where silence is a block more than threshold_db below
// the loudest block or below -70 dBm0. For a tone burst this is the level of
// the tone; for speech it approximates the active speech level of ITU-T P.56
// (which this does not claim to implement).

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace ivrd::test_support {

inline constexpr size_t kSampleRate = 8000;
inline constexpr size_t kLevelBlock = 40;  // 5 ms

double mean_square(std::span<const int16_t> pcm) noexcept;
double mean_square(std::span<const float> pcm) noexcept;
double rms(std::span<const int16_t> pcm) noexcept;

// Level over the whole span; -200 for an empty or all-zero span.
double level_dbm0(std::span<const int16_t> pcm) noexcept;
double level_dbm0(std::span<const float> pcm) noexcept;

// Level over the active part (see above); -200 when nothing is active.
double active_level_dbm0(std::span<const int16_t> pcm, double threshold_db = 30.0) noexcept;
double active_level_dbm0(std::span<const float> pcm, double threshold_db = 30.0) noexcept;
// Mean square of the active part; 0 when nothing is active.
double active_mean_square(std::span<const float> pcm, double threshold_db = 30.0) noexcept;

// Largest absolute sample value.
int peak(std::span<const int16_t> pcm) noexcept;

// Rounds to the nearest integer and saturates to int16.
int16_t to_int16(double x) noexcept;
std::vector<int16_t> to_int16(std::span<const float> pcm);
std::vector<float> to_float(std::span<const int16_t> pcm);

// Multiplies by the gain that brings the active level to target_dbm0 and
// returns that gain (0 when the signal is silent). The float overload uses
// the relative threshold only, so a float signal at any scale can be
// normalised; its samples are not clipped; the int16 overload saturates, which lowers the level of
// signals whose peaks would exceed full scale.
double scale_to_active_level(std::span<float> pcm, double target_dbm0,
                             double threshold_db = 30.0) noexcept;
double scale_to_active_level(std::span<int16_t> pcm, double target_dbm0,
                             double threshold_db = 30.0) noexcept;

}  // namespace ivrd::test_support
