#pragma once
// The angle of a complex number, for the DTMF receiver's frequency
// measurements (internal).
//
// Accurate to 1e-6 rad, far below what a frequency decision needs (1 % of a
// tone's frequency is an angle of 0.06 rad over 80 samples), and several
// times cheaper than std::atan2. Plain double arithmetic, so every build and
// every instruction-set variant gets the same value.

#include <cmath>
#include <numbers>

namespace ivrd::dsp::detail {

inline double phase_angle(double y, double x) noexcept {
  const double ax = std::abs(x);
  const double ay = std::abs(y);
  if (ax == 0.0 && ay == 0.0) return 0.0;
  // Fold into the first octant: 0 <= t <= 1.
  const bool steep = ay > ax;
  const double t = steep ? ax / ay : ay / ax;
  // atan(t) = pi/4 + atan((t - 1) / (t + 1)) brings |u| to tan(pi/8) or less,
  // where the odd series to u^11 is good to 1e-6.
  constexpr double kTanPiOver8 = 0.41421356237309503;
  const bool high = t > kTanPiOver8;
  const double u = high ? (t - 1.0) / (t + 1.0) : t;
  const double u2 = u * u;
  double angle =
      u *
      (1.0 - u2 * (1.0 / 3.0 - u2 * (1.0 / 5.0 - u2 * (1.0 / 7.0 - u2 * (1.0 / 9.0 - u2 / 11.0)))));
  if (high) angle += std::numbers::pi / 4.0;
  if (steep) angle = std::numbers::pi / 2.0 - angle;
  if (x < 0.0) angle = std::numbers::pi - angle;
  return y < 0.0 ? -angle : angle;
}

}  // namespace ivrd::dsp::detail
