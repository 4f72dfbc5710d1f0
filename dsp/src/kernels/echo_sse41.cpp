// SSE4.1 echo canceller kernels: four 4-lane accumulators stand for the
// reference's 16 lanes, so sums come out bit-identical.

#include <smmintrin.h>

#include "kernels/echo_kernels.hpp"

namespace ivrd::dsp::kernels {
namespace {

using std::size_t;

void spectral_mac(float* y_re, float* y_im, const float* w_re, const float* w_im, const float* x_re,
                  const float* x_im, size_t n) noexcept {
  for (size_t k = 0; k < n; k += 4) {
    const __m128 wr = _mm_load_ps(w_re + k), wi = _mm_load_ps(w_im + k);
    const __m128 xr = _mm_load_ps(x_re + k), xi = _mm_load_ps(x_im + k);
    const __m128 re = _mm_sub_ps(_mm_mul_ps(wr, xr), _mm_mul_ps(wi, xi));
    const __m128 im = _mm_add_ps(_mm_mul_ps(wr, xi), _mm_mul_ps(wi, xr));
    _mm_store_ps(y_re + k, _mm_add_ps(_mm_load_ps(y_re + k), re));
    _mm_store_ps(y_im + k, _mm_add_ps(_mm_load_ps(y_im + k), im));
  }
}

void spectral_adapt(float* w_re, float* w_im, const float* x_re, const float* x_im,
                    const float* e_re, const float* e_im, const float* step, float gain,
                    size_t n) noexcept {
  const __m128 g = _mm_set1_ps(gain);
  for (size_t k = 0; k < n; k += 4) {
    const __m128 s = _mm_mul_ps(g, _mm_load_ps(step + k));
    const __m128 xr = _mm_load_ps(x_re + k), xi = _mm_load_ps(x_im + k);
    const __m128 er = _mm_load_ps(e_re + k), ei = _mm_load_ps(e_im + k);
    const __m128 gr = _mm_add_ps(_mm_mul_ps(xr, er), _mm_mul_ps(xi, ei));
    const __m128 gi = _mm_sub_ps(_mm_mul_ps(xr, ei), _mm_mul_ps(xi, er));
    _mm_store_ps(w_re + k, _mm_add_ps(_mm_load_ps(w_re + k), _mm_mul_ps(s, gr)));
    _mm_store_ps(w_im + k, _mm_add_ps(_mm_load_ps(w_im + k), _mm_mul_ps(s, gi)));
  }
}

void spectral_power_acc(float* acc, const float* x_re, const float* x_im, float gain,
                        size_t n) noexcept {
  const __m128 g = _mm_set1_ps(gain);
  for (size_t k = 0; k < n; k += 4) {
    const __m128 xr = _mm_load_ps(x_re + k), xi = _mm_load_ps(x_im + k);
    const __m128 power = _mm_add_ps(_mm_mul_ps(xr, xr), _mm_mul_ps(xi, xi));
    _mm_store_ps(acc + k, _mm_add_ps(_mm_load_ps(acc + k), _mm_mul_ps(g, power)));
  }
}

// a0..a3 hold lanes 0-3, 4-7, 8-11, 12-15 of the reference.
float reduce(__m128 a0, __m128 a1, __m128 a2, __m128 a3) noexcept {
  const __m128 half = _mm_add_ps(_mm_add_ps(a0, a2), _mm_add_ps(a1, a3));
  const __m128 quarter = _mm_add_ps(half, _mm_movehl_ps(half, half));
  const __m128 last = _mm_add_ss(quarter, _mm_shuffle_ps(quarter, quarter, 1));
  return _mm_cvtss_f32(last);
}

float spectral_energy(const float* re, const float* im, size_t n) noexcept {
  __m128 a[4] = {_mm_setzero_ps(), _mm_setzero_ps(), _mm_setzero_ps(), _mm_setzero_ps()};
  for (size_t k = 0; k < n; k += kEchoLanes) {
    for (size_t q = 0; q < 4; ++q) {
      const __m128 r = _mm_load_ps(re + k + 4 * q), i = _mm_load_ps(im + k + 4 * q);
      a[q] = _mm_add_ps(a[q], _mm_add_ps(_mm_mul_ps(r, r), _mm_mul_ps(i, i)));
    }
  }
  return reduce(a[0], a[1], a[2], a[3]);
}

float dot(const float* w, const float* x, size_t n) noexcept {
  __m128 a[4] = {_mm_setzero_ps(), _mm_setzero_ps(), _mm_setzero_ps(), _mm_setzero_ps()};
  for (size_t i = 0; i < n; i += kEchoLanes) {
    for (size_t q = 0; q < 4; ++q) {
      a[q] = _mm_add_ps(a[q], _mm_mul_ps(_mm_load_ps(w + i + 4 * q), _mm_loadu_ps(x + i + 4 * q)));
    }
  }
  return reduce(a[0], a[1], a[2], a[3]);
}

void window_adapt(float* w, const float* h, const float* u_prev, const float* u_now,
                  const float* x_now, float c, size_t n, float* y, float* yu, float* q) noexcept {
  const __m128 cv = _mm_set1_ps(c);
  __m128 ya[4] = {_mm_setzero_ps(), _mm_setzero_ps(), _mm_setzero_ps(), _mm_setzero_ps()};
  __m128 qa[4] = {_mm_setzero_ps(), _mm_setzero_ps(), _mm_setzero_ps(), _mm_setzero_ps()};
  __m128 ua[4] = {_mm_setzero_ps(), _mm_setzero_ps(), _mm_setzero_ps(), _mm_setzero_ps()};
  for (size_t i = 0; i < n; i += kEchoLanes) {
    for (size_t v = 0; v < 4; ++v) {
      const size_t j = i + 4 * v;
      const __m128 hv = _mm_load_ps(h + j);
      const __m128 now = _mm_loadu_ps(x_now + j);
      const __m128 step = _mm_mul_ps(_mm_mul_ps(cv, hv), _mm_loadu_ps(u_prev + j));
      const __m128 un = _mm_loadu_ps(u_now + j);
      const __m128 wv = _mm_add_ps(_mm_load_ps(w + j), step);
      _mm_store_ps(w + j, wv);
      ya[v] = _mm_add_ps(ya[v], _mm_mul_ps(wv, now));
      ua[v] = _mm_add_ps(ua[v], _mm_mul_ps(wv, un));
      qa[v] = _mm_add_ps(qa[v], _mm_mul_ps(_mm_mul_ps(hv, un), un));
    }
  }
  *y = reduce(ya[0], ya[1], ya[2], ya[3]);
  *yu = reduce(ua[0], ua[1], ua[2], ua[3]);
  *q = reduce(qa[0], qa[1], qa[2], qa[3]);
}

void window_adapt_plain(float* w, const float* h, const float* x_prev, const float* x_now, float c,
                        size_t n, float* y, float* q) noexcept {
  const __m128 cv = _mm_set1_ps(c);
  __m128 ya[4] = {_mm_setzero_ps(), _mm_setzero_ps(), _mm_setzero_ps(), _mm_setzero_ps()};
  __m128 qa[4] = {_mm_setzero_ps(), _mm_setzero_ps(), _mm_setzero_ps(), _mm_setzero_ps()};
  for (size_t i = 0; i < n; i += kEchoLanes) {
    for (size_t v = 0; v < 4; ++v) {
      const size_t j = i + 4 * v;
      const __m128 hv = _mm_load_ps(h + j);
      const __m128 now = _mm_loadu_ps(x_now + j);
      const __m128 step = _mm_mul_ps(_mm_mul_ps(cv, hv), _mm_loadu_ps(x_prev + j));
      const __m128 wv = _mm_add_ps(_mm_load_ps(w + j), step);
      _mm_store_ps(w + j, wv);
      ya[v] = _mm_add_ps(ya[v], _mm_mul_ps(wv, now));
      qa[v] = _mm_add_ps(qa[v], _mm_mul_ps(_mm_mul_ps(hv, now), now));
    }
  }
  *y = reduce(ya[0], ya[1], ya[2], ya[3]);
  *q = reduce(qa[0], qa[1], qa[2], qa[3]);
}

}  // namespace

const EchoKernels kEchoKernelsSse41{
    spectral_mac, spectral_adapt, spectral_power_acc, spectral_energy,
    dot,          window_adapt,   window_adapt_plain};

}  // namespace ivrd::dsp::kernels
