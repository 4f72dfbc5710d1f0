#pragma once
// Comfort noise for the NLP: noise at the line's background level with the
// background's spectral tilt (a first-order fit, enough to tell hiss from
// rumble), so that suppressing the residual echo does not make the line
// sound dead or switch its character.

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>

namespace ivrd::dsp::echo {

class ComfortNoise {
 public:
  // A frame of background (no echo, no speech) at mean square `power`.
  void learn(const float* frame, std::size_t n, float power) noexcept {
    float r0 = 0.0f, r1 = 0.0f;
    for (std::size_t i = 0; i < n; ++i) {
      r0 += frame[i] * frame[i];
      if (i > 0) r1 += frame[i] * frame[i - 1];
    }
    if (r0 > 0.0f) {
      const float tilt = std::clamp(r1 / r0, -0.9f, 0.9f);
      tilt_ += 0.1f * (tilt - tilt_);
    }
    power_ = power;
    update_gain();
  }

  void set_level(float power) noexcept {
    power_ = power;
    update_gain();
  }

  float next() noexcept {
    // A uniform deviate of unit variance from a 32-bit LCG (Numerical
    // Recipes constants), through the one-pole tilt filter.
    state_ = state_ * 1664525u + 1013904223u;
    const float uniform =
        (static_cast<float>(state_ >> 8) * (1.0f / 16777216.0f) - 0.5f) * 3.4641016f;
    last_ = tilt_ * last_ + gain_ * uniform;
    return last_;
  }

  void reset() noexcept {
    state_ = 0x2545f491u;
    tilt_ = 0.0f;
    last_ = 0.0f;
    power_ = 0.0f;
    gain_ = 0.0f;
  }

 private:
  void update_gain() noexcept {
    // An AR(1) filter raises the power of unit-variance input by 1/(1 - a^2).
    gain_ = std::sqrt(std::max(power_, 0.0f) * (1.0f - tilt_ * tilt_));
  }

  uint32_t state_ = 0x2545f491u;
  float tilt_ = 0.0f, last_ = 0.0f, power_ = 0.0f, gain_ = 0.0f;
};

}  // namespace ivrd::dsp::echo
