#pragma once
// Internal: the echo canceller's vector kernels, one set per instruction set.
// Not installed; the public interface is ivrd/dsp/echo_canceller.hpp.
//
// Spectra are split into real and imaginary arrays; n is a multiple of 16 and
// arrays are 64-byte aligned except where noted. Every variant performs the
// same IEEE operations in the same order — separate multiplies and adds, never
// fused, and sums kept in 16 lanes reduced by the same tree — so all variants
// give bit-identical results and the canceller makes identical decisions
// whichever one runs.

#include <cstddef>

#include "ivrd/dsp/isa.hpp"

namespace ivrd::dsp::kernels {

inline constexpr std::size_t kEchoLanes = 16;
// The window kernels keep 32 lanes, so that a 16-wide variant runs two
// independent chains of adds; their n is a multiple of 32.
inline constexpr std::size_t kEchoWindowLanes = 32;

struct EchoKernels {
  // y += w * x, per bin.
  void (*spectral_mac)(float* y_re, float* y_im, const float* w_re, const float* w_im,
                       const float* x_re, const float* x_im, std::size_t n) noexcept;
  // A short FIR over a block: y[i] = sum over t < taps of w[t] * x[i + t],
  // each sum taken in order of t, for i < count. x need not be aligned.
  void (*fir_block)(const float* w, const float* x, float* y, std::size_t count,
                    std::size_t taps) noexcept;
  // One proportionate NLMS step and the next output, fused so the taps are
  // read once: w[i] += (c * h[i]) * u_prev[i], then *y = sum w[i] * x_now[i]
  // *yu = sum w[i] * u_now[i] and *q = sum (h[i] * u_now[i]) * u_now[i] (the
  // next step's normaliser); u is the whitened reference the update follows. u_prev, u_now and
  // x_now need not be aligned.
  void (*window_adapt)(float* w, const float* h, const float* u_prev, const float* u_now,
                       const float* x_now, float c, std::size_t n, float* y, float* yu,
                       float* q) noexcept;
  // The same without whitening (u = x): w[i] += (c * h[i]) * x_prev[i], then
  // *y = sum w[i] * x_now[i] and *q = sum (h[i] * x_now[i]) * x_now[i]. When
  // x_prev is x_now - 2, the 16 floats before x_now must be readable.
  void (*window_adapt_plain)(float* w, const float* h, const float* x_prev, const float* x_now,
                             float c, std::size_t n, float* y, float* q) noexcept;
  // The window's output alone: sum w[i] * x_now[i], in the same 32 lanes.
  float (*window_output)(const float* w, const float* x_now, std::size_t n) noexcept;
};

const EchoKernels& echo_kernels(Isa isa) noexcept;

extern const EchoKernels kEchoKernelsScalar;
extern const EchoKernels kEchoKernelsSse41;
extern const EchoKernels kEchoKernelsAvx2;
extern const EchoKernels kEchoKernelsAvx512;

}  // namespace ivrd::dsp::kernels
