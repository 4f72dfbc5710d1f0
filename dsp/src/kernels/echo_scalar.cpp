// Scalar reference of the echo canceller kernels; the SIMD variants must give
// the same bits (see echo_kernels.hpp for the arithmetic they all follow).

#include "kernels/echo_kernels.hpp"

namespace ivrd::dsp::kernels {
namespace {

using std::size_t;

// Folds 16 partial sums the way the vector variants do: halves, then quarters.
float reduce_lanes(float (&lanes)[kEchoLanes]) noexcept {
  for (size_t l = 0; l < 8; ++l) lanes[l] = lanes[l] + lanes[l + 8];
  for (size_t l = 0; l < 4; ++l) lanes[l] = lanes[l] + lanes[l + 4];
  for (size_t l = 0; l < 2; ++l) lanes[l] = lanes[l] + lanes[l + 2];
  return lanes[0] + lanes[1];
}

// The window kernels keep 32 lanes (two independent chains in a 16-wide
// variant): halves first, then the 16-lane tree.
float reduce_window_lanes(float (&lanes)[kEchoWindowLanes]) noexcept {
  float folded[kEchoLanes];
  for (size_t l = 0; l < kEchoLanes; ++l) folded[l] = lanes[l] + lanes[l + kEchoLanes];
  return reduce_lanes(folded);
}

void spectral_mac(float* y_re, float* y_im, const float* w_re, const float* w_im, const float* x_re,
                  const float* x_im, size_t n) noexcept {
  for (size_t k = 0; k < n; ++k) {
    const float re = w_re[k] * x_re[k] - w_im[k] * x_im[k];
    const float im = w_re[k] * x_im[k] + w_im[k] * x_re[k];
    y_re[k] = y_re[k] + re;
    y_im[k] = y_im[k] + im;
  }
}

void fir_block(const float* w, const float* x, float* y, size_t count, size_t taps) noexcept {
  for (size_t i = 0; i < count; ++i) {
    float sum = 0.0f;
    for (size_t t = 0; t < taps; ++t) sum = sum + w[t] * x[i + t];
    y[i] = sum;
  }
}

void window_adapt(float* w, const float* h, const float* u_prev, const float* u_now,
                  const float* x_now, float c, size_t n, float* y, float* yu, float* q) noexcept {
  float y_lanes[kEchoWindowLanes] = {};
  float q_lanes[kEchoWindowLanes] = {};
  float u_lanes[kEchoWindowLanes] = {};
  for (size_t i = 0; i < n; i += kEchoWindowLanes) {
    for (size_t l = 0; l < kEchoWindowLanes; ++l) {
      const float step = (c * h[i + l]) * u_prev[i + l];
      w[i + l] = w[i + l] + step;
      y_lanes[l] = y_lanes[l] + w[i + l] * x_now[i + l];
      u_lanes[l] = u_lanes[l] + w[i + l] * u_now[i + l];
      q_lanes[l] = q_lanes[l] + (h[i + l] * u_now[i + l]) * u_now[i + l];
    }
  }
  *y = reduce_window_lanes(y_lanes);
  *yu = reduce_window_lanes(u_lanes);
  *q = reduce_window_lanes(q_lanes);
}

void window_adapt_plain(float* w, const float* h, const float* x_prev, const float* x_now, float c,
                        size_t n, float* y, float* q) noexcept {
  float y_lanes[kEchoWindowLanes] = {};
  float q_lanes[kEchoWindowLanes] = {};
  for (size_t i = 0; i < n; i += kEchoWindowLanes) {
    for (size_t l = 0; l < kEchoWindowLanes; ++l) {
      const float step = (c * h[i + l]) * x_prev[i + l];
      w[i + l] = w[i + l] + step;
      y_lanes[l] = y_lanes[l] + w[i + l] * x_now[i + l];
      q_lanes[l] = q_lanes[l] + (h[i + l] * x_now[i + l]) * x_now[i + l];
    }
  }
  *y = reduce_window_lanes(y_lanes);
  *q = reduce_window_lanes(q_lanes);
}

float window_output(const float* w, const float* x_now, size_t n) noexcept {
  float lanes[kEchoWindowLanes] = {};
  for (size_t i = 0; i < n; i += kEchoWindowLanes) {
    for (size_t l = 0; l < kEchoWindowLanes; ++l) lanes[l] = lanes[l] + w[i + l] * x_now[i + l];
  }
  return reduce_window_lanes(lanes);
}

}  // namespace

const EchoKernels kEchoKernelsScalar{spectral_mac, fir_block, window_adapt, window_adapt_plain,
                                     window_output};

const EchoKernels& echo_kernels(Isa isa) noexcept {
  switch (isa) {
    case Isa::avx512: return kEchoKernelsAvx512;
    case Isa::avx2: return kEchoKernelsAvx2;
    case Isa::sse41: return kEchoKernelsSse41;
    case Isa::scalar: break;
  }
  return kEchoKernelsScalar;
}

}  // namespace ivrd::dsp::kernels
