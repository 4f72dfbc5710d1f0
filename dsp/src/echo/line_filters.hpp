#pragma once
// The filters in front of the canceller, applied alike to the tx reference
// and to rx so that the echo path between them stays linear and unchanged.

#include <cmath>
#include <numbers>

namespace ivrd::dsp::echo {

// First-order DC blocker, -3 dB at about 2.5 Hz: its phase shift is under a
// degree from 150 Hz up, so speech passes as it was.
class DcBlocker {
 public:
  float step(float x) noexcept {
    const float y = x - previous_in_ + kPole * previous_out_;
    previous_in_ = x;
    previous_out_ = y;
    return y;
  }
  void reset() noexcept { previous_in_ = previous_out_ = 0.0f; }

 private:
  static constexpr float kPole = 0.998f;
  float previous_in_ = 0.0f, previous_out_ = 0.0f;
};

// Second-order Butterworth high-pass (bilinear transform), for lines with hum.
class HighPass {
 public:
  HighPass() = default;
  explicit HighPass(float cutoff_hz) noexcept {
    if (cutoff_hz <= 0.0f) return;
    const double k = std::tan(std::numbers::pi * cutoff_hz / 8000.0);
    const double q = 1.0 / std::sqrt(2.0);
    const double norm = 1.0 / (1.0 + k / q + k * k);
    b0_ = static_cast<float>(norm);
    b1_ = static_cast<float>(-2.0 * norm);
    b2_ = b0_;
    a1_ = static_cast<float>(2.0 * (k * k - 1.0) * norm);
    a2_ = static_cast<float>((1.0 - k / q + k * k) * norm);
    enabled_ = true;
  }
  float step(float x) noexcept {
    if (!enabled_) return x;
    // Direct form II transposed.
    const float y = b0_ * x + s1_;
    s1_ = b1_ * x - a1_ * y + s2_;
    s2_ = b2_ * x - a2_ * y;
    return y;
  }
  void reset() noexcept { s1_ = s2_ = 0.0f; }

 private:
  bool enabled_ = false;
  float b0_ = 1.0f, b1_ = 0.0f, b2_ = 0.0f, a1_ = 0.0f, a2_ = 0.0f;
  float s1_ = 0.0f, s2_ = 0.0f;
};

}  // namespace ivrd::dsp::echo
