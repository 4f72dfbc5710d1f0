#pragma once
// Signal levels in dBm0 for 16-bit linear PCM.
//
// Convention (as G.711's digital milliwatt and spandsp): a full-scale 16-bit
// sine wave is +3.14 dBm0, so a 0 dBm0 sine has a peak of about 22 813.

#include <cmath>

namespace ivrd::dsp {

inline constexpr double kFullScaleSineDbm0 = 3.14;

// Peak amplitude of a sine wave at the given level.
inline double dbm0_to_sine_peak(double dbm0) {
  return 32767.0 * std::pow(10.0, (dbm0 - kFullScaleSineDbm0) / 20.0);
}

// Level of a signal with the given mean square (power per sample).
inline double mean_square_to_dbm0(double mean_square) {
  const double full_scale_sine_power = 32767.0 * 32767.0 / 2.0;
  if (mean_square <= 0.0) return -200.0;
  return 10.0 * std::log10(mean_square / full_scale_sine_power) + kFullScaleSineDbm0;
}

}  // namespace ivrd::dsp
