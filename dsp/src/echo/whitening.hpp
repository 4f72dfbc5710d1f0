#pragma once
// Pre-whitening for the adaptive window: a short linear predictor of the far
// end's speech. NLMS converges slowly on speech because speech is coloured
// (its formants make some directions of the tap space far more excited than
// others); passing both the reference and the adaptation target through the
// predictor's error filter A(z) flattens the spectrum the update sees, while
// the echo path between them stays the same, since A(z) is linear and is
// applied to both.

#include <array>
#include <cstddef>

namespace ivrd::dsp::echo {

class Whitening {
 public:
  // Order 8 over 32 ms of reference; the predictor's poles are pulled in by
  // 0.95 per order so that it flattens the formants without lifting the
  // spectral valleys (and the line noise in them) too far.
  static constexpr int kOrder = 8;
  static constexpr std::size_t kSpan = 256;

  // Fits the predictor to the last `n` samples ending at `newest` (inclusive;
  // reads nothing before them). Keeps the previous predictor when the signal
  // is silent or the fit is singular.
  void fit(const float* newest, std::size_t n) noexcept;

  // x[0] through A(z); x[-1] .. x[-kOrder] must be valid.
  float filter(const float* x) const noexcept {
    float out = x[0];
    for (int i = 0; i < kOrder; ++i) out += coefficients_[static_cast<std::size_t>(i)] * x[-1 - i];
    return out;
  }

  // history[0] is the sample before `now`, history[1] the one before that...
  float filter(float now, const float* history) const noexcept {
    float out = now;
    for (int i = 0; i < kOrder; ++i) {
      out += coefficients_[static_cast<std::size_t>(i)] * history[i];
    }
    return out;
  }

  bool active() const noexcept { return active_; }
  void disable() noexcept { active_ = false; }
  void reset() noexcept {
    coefficients_.fill(0.0f);
    active_ = false;
  }

 private:
  std::array<float, kOrder> coefficients_{};
  bool active_ = false;
};

}  // namespace ivrd::dsp::echo
