// AVX-512 echo canceller kernels: one 16-lane accumulator is the reference's
// 16 lanes. No FMA: the reference rounds multiply and add apart.

#include <immintrin.h>

#include "kernels/echo_kernels.hpp"

namespace ivrd::dsp::kernels {
namespace {

using std::size_t;

void spectral_mac(float* y_re, float* y_im, const float* w_re, const float* w_im, const float* x_re,
                  const float* x_im, size_t n) noexcept {
  for (size_t k = 0; k < n; k += 16) {
    const __m512 wr = _mm512_load_ps(w_re + k), wi = _mm512_load_ps(w_im + k);
    const __m512 xr = _mm512_load_ps(x_re + k), xi = _mm512_load_ps(x_im + k);
    const __m512 re = _mm512_sub_ps(_mm512_mul_ps(wr, xr), _mm512_mul_ps(wi, xi));
    const __m512 im = _mm512_add_ps(_mm512_mul_ps(wr, xi), _mm512_mul_ps(wi, xr));
    _mm512_store_ps(y_re + k, _mm512_add_ps(_mm512_load_ps(y_re + k), re));
    _mm512_store_ps(y_im + k, _mm512_add_ps(_mm512_load_ps(y_im + k), im));
  }
}

void spectral_adapt(float* w_re, float* w_im, const float* x_re, const float* x_im,
                    const float* e_re, const float* e_im, const float* step, float gain,
                    size_t n) noexcept {
  const __m512 g = _mm512_set1_ps(gain);
  for (size_t k = 0; k < n; k += 16) {
    const __m512 s = _mm512_mul_ps(g, _mm512_load_ps(step + k));
    const __m512 xr = _mm512_load_ps(x_re + k), xi = _mm512_load_ps(x_im + k);
    const __m512 er = _mm512_load_ps(e_re + k), ei = _mm512_load_ps(e_im + k);
    const __m512 gr = _mm512_add_ps(_mm512_mul_ps(xr, er), _mm512_mul_ps(xi, ei));
    const __m512 gi = _mm512_sub_ps(_mm512_mul_ps(xr, ei), _mm512_mul_ps(xi, er));
    _mm512_store_ps(w_re + k, _mm512_add_ps(_mm512_load_ps(w_re + k), _mm512_mul_ps(s, gr)));
    _mm512_store_ps(w_im + k, _mm512_add_ps(_mm512_load_ps(w_im + k), _mm512_mul_ps(s, gi)));
  }
}

void spectral_power_acc(float* acc, const float* x_re, const float* x_im, float gain,
                        size_t n) noexcept {
  const __m512 g = _mm512_set1_ps(gain);
  for (size_t k = 0; k < n; k += 16) {
    const __m512 xr = _mm512_load_ps(x_re + k), xi = _mm512_load_ps(x_im + k);
    const __m512 power = _mm512_add_ps(_mm512_mul_ps(xr, xr), _mm512_mul_ps(xi, xi));
    _mm512_store_ps(acc + k, _mm512_add_ps(_mm512_load_ps(acc + k), _mm512_mul_ps(g, power)));
  }
}

float reduce(__m512 lanes) noexcept {
  const __m256 half =
      _mm256_add_ps(_mm512_castps512_ps256(lanes),
                    _mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(lanes), 1)));
  const __m128 quarter = _mm_add_ps(_mm256_castps256_ps128(half), _mm256_extractf128_ps(half, 1));
  const __m128 eighth = _mm_add_ps(quarter, _mm_movehl_ps(quarter, quarter));
  const __m128 last = _mm_add_ss(eighth, _mm_shuffle_ps(eighth, eighth, 1));
  return _mm_cvtss_f32(last);
}

float spectral_energy(const float* re, const float* im, size_t n) noexcept {
  __m512 acc = _mm512_setzero_ps();
  for (size_t k = 0; k < n; k += 16) {
    const __m512 r = _mm512_load_ps(re + k), i = _mm512_load_ps(im + k);
    acc = _mm512_add_ps(acc, _mm512_add_ps(_mm512_mul_ps(r, r), _mm512_mul_ps(i, i)));
  }
  return reduce(acc);
}

float dot(const float* w, const float* x, size_t n) noexcept {
  __m512 acc = _mm512_setzero_ps();
  for (size_t i = 0; i < n; i += 16) {
    acc = _mm512_add_ps(acc, _mm512_mul_ps(_mm512_load_ps(w + i), _mm512_loadu_ps(x + i)));
  }
  return reduce(acc);
}

void window_adapt(float* w, const float* h, const float* u_prev, const float* u_now,
                  const float* x_now, float c, size_t n, float* y, float* yu, float* q) noexcept {
  const __m512 cv = _mm512_set1_ps(c);
  __m512 ya = _mm512_setzero_ps(), qa = _mm512_setzero_ps(), ua = _mm512_setzero_ps();
  for (size_t i = 0; i < n; i += 16) {
    const __m512 hv = _mm512_load_ps(h + i);
    const __m512 now = _mm512_loadu_ps(x_now + i);
    const __m512 step = _mm512_mul_ps(_mm512_mul_ps(cv, hv), _mm512_loadu_ps(u_prev + i));
    const __m512 un = _mm512_loadu_ps(u_now + i);
    const __m512 wv = _mm512_add_ps(_mm512_load_ps(w + i), step);
    _mm512_store_ps(w + i, wv);
    ya = _mm512_add_ps(ya, _mm512_mul_ps(wv, now));
    ua = _mm512_add_ps(ua, _mm512_mul_ps(wv, un));
    qa = _mm512_add_ps(qa, _mm512_mul_ps(_mm512_mul_ps(hv, un), un));
  }
  *y = reduce(ya);
  *yu = reduce(ua);
  *q = reduce(qa);
}

void window_adapt_plain(float* w, const float* h, const float* x_prev, const float* x_now, float c,
                        size_t n, float* y, float* q) noexcept {
  const __m512 cv = _mm512_set1_ps(c);
  __m512 ya = _mm512_setzero_ps(), qa = _mm512_setzero_ps();
  for (size_t i = 0; i < n; i += 16) {
    const __m512 hv = _mm512_load_ps(h + i);
    const __m512 now = _mm512_loadu_ps(x_now + i);
    const __m512 step = _mm512_mul_ps(_mm512_mul_ps(cv, hv), _mm512_loadu_ps(x_prev + i));
    const __m512 wv = _mm512_add_ps(_mm512_load_ps(w + i), step);
    _mm512_store_ps(w + i, wv);
    ya = _mm512_add_ps(ya, _mm512_mul_ps(wv, now));
    qa = _mm512_add_ps(qa, _mm512_mul_ps(_mm512_mul_ps(hv, now), now));
  }
  *y = reduce(ya);
  *q = reduce(qa);
}

}  // namespace

const EchoKernels kEchoKernelsAvx512{
    spectral_mac, spectral_adapt, spectral_power_acc, spectral_energy,
    dot,          window_adapt,   window_adapt_plain};

}  // namespace ivrd::dsp::kernels
