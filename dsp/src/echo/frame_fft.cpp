#include "echo/frame_fft.hpp"

#include <mutex>
#include <stdexcept>

#include <fftw3.h>

namespace ivrd::dsp::echo {
namespace {

struct Plans {
  fftwf_plan forward = nullptr;
  fftwf_plan inverse = nullptr;
};

// Made on first use and kept for the life of the process: every canceller
// shares them. The arrays only give the planner the alignment that later
// calls keep (64 bytes).
const Plans& plans() {
  static const Plans shared = [] {
    alignas(64) static float time[kFftSize];
    alignas(64) static fftwf_complex spectrum[kBins];
    Plans made;
    made.forward = fftwf_plan_dft_r2c_1d(static_cast<int>(kFftSize), time, spectrum, FFTW_ESTIMATE);
    made.inverse = fftwf_plan_dft_c2r_1d(static_cast<int>(kFftSize), spectrum, time, FFTW_ESTIMATE);
    if (made.forward == nullptr || made.inverse == nullptr) {
      throw std::runtime_error("FFTW could not plan the echo canceller's transform");
    }
    return made;
  }();
  return shared;
}

}  // namespace

FrameFft::FrameFft() : forward_plan_(plans().forward), inverse_plan_(plans().inverse) {}

void FrameFft::forward(const float* in, float* re, float* im) const noexcept {
  alignas(64) fftwf_complex spectrum[kBins];
  // FFTW's r2c does not write its input; the cast only matches its signature.
  fftwf_execute_dft_r2c(static_cast<fftwf_plan>(forward_plan_), const_cast<float*>(in), spectrum);
  for (std::size_t k = 0; k < kBins; ++k) {
    re[k] = spectrum[k][0];
    im[k] = spectrum[k][1];
  }
}

void FrameFft::inverse(const float* re, const float* im, float* out) const noexcept {
  // c2r overwrites its input, hence the copy (which also interleaves).
  alignas(64) fftwf_complex spectrum[kBins];
  for (std::size_t k = 0; k < kBins; ++k) {
    spectrum[k][0] = re[k];
    spectrum[k][1] = im[k];
  }
  fftwf_execute_dft_c2r(static_cast<fftwf_plan>(inverse_plan_), spectrum, out);
}

}  // namespace ivrd::dsp::echo
