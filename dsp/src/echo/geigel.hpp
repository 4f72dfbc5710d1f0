#pragma once
// Geigel double-talk detector: the near end talks when rx peaks above what
// the loudest reference of the last tail could return through the echo loss
// measured so far (less a 3 dB margin). Coarse, but immune to the ways a
// filter-based detector is fooled while the filter itself is wrong.

#include <algorithm>
#include <cmath>
#include <vector>

namespace ivrd::dsp::echo {

class GeigelDetector {
 public:
  explicit GeigelDetector(int frames_in_tail)
      : far_peaks_(static_cast<std::size_t>(frames_in_tail) + 1, 0.0f) {}

  // One frame's peaks; returns whether double talk is (still) detected.
  bool update(float far_peak, float near_peak, float erl_db, float noise_rms) noexcept {
    std::rotate(far_peaks_.rbegin(), far_peaks_.rbegin() + 1, far_peaks_.rend());
    far_peaks_[0] = far_peak;
    const float tail_peak = *std::max_element(far_peaks_.begin(), far_peaks_.end());
    const float loss_db = std::clamp(erl_db, 3.0f, 30.0f) - 3.0f;
    const float echo_peak_limit = tail_peak * std::pow(10.0f, -loss_db / 20.0f);
    if (near_peak > echo_peak_limit && near_peak > 4.0f * noise_rms) {
      hangover_ = kHangoverFrames;
    } else if (hangover_ > 0) {
      --hangover_;
    }
    return hangover_ > 0;
  }

  void reset() noexcept {
    std::fill(far_peaks_.begin(), far_peaks_.end(), 0.0f);
    hangover_ = 0;
  }

 private:
  static constexpr int kHangoverFrames = 6;  // 48 ms
  std::vector<float> far_peaks_;
  int hangover_ = 0;
};

}  // namespace ivrd::dsp::echo
