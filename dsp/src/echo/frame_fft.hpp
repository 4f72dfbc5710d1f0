#pragma once
// The canceller's one transform: a real FFT of two partitions (128 samples)
// into 65 bins held as split real/imaginary arrays padded to 80 floats, and
// back. FFTW does the work; its plans are made once per process (planning is
// not thread-safe, executing a plan on other arrays is) with FFTW_ESTIMATE,
// so the same input gives the same bits on every run.

#include <cstddef>

namespace ivrd::dsp::echo {

inline constexpr std::size_t kFrame = 64;               // samples per partition
inline constexpr std::size_t kFftSize = 2 * kFrame;     // 128
inline constexpr std::size_t kBins = kFftSize / 2 + 1;  // 65
inline constexpr std::size_t kPaddedBins = 80;          // multiple of 16 lanes

class FrameFft {
 public:
  FrameFft();
  // in: kFftSize samples; re, im: kPaddedBins each (bins past kBins are
  // left untouched). All 64-byte aligned.
  void forward(const float* in, float* re, float* im) const noexcept;
  // The unnormalised inverse (kFftSize times the true inverse) of bins
  // [0, kBins) into out (kFftSize samples). The spectrum is not modified.
  void inverse(const float* re, const float* im, float* out) const noexcept;

 private:
  void* forward_plan_;
  void* inverse_plan_;
};

}  // namespace ivrd::dsp::echo
