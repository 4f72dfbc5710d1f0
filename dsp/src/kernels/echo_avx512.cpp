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

float reduce(__m512 lanes) noexcept {
  const __m256 half =
      _mm256_add_ps(_mm512_castps512_ps256(lanes),
                    _mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(lanes), 1)));
  const __m128 quarter = _mm_add_ps(_mm256_castps256_ps128(half), _mm256_extractf128_ps(half, 1));
  const __m128 eighth = _mm_add_ps(quarter, _mm_movehl_ps(quarter, quarter));
  const __m128 last = _mm_add_ss(eighth, _mm_shuffle_ps(eighth, eighth, 1));
  return _mm_cvtss_f32(last);
}

void fir_block(const float* w, const float* x, float* y, size_t count, size_t taps) noexcept {
  // Four output vectors at a time keep four independent chains of adds in
  // flight; each output's sum still runs in order of t, like the reference.
  size_t i = 0;
  for (; i + 4 * 16 <= count; i += 4 * 16) {
    __m512 a0 = _mm512_setzero_ps(), a1 = _mm512_setzero_ps(), a2 = _mm512_setzero_ps(),
           a3 = _mm512_setzero_ps();
    for (size_t t = 0; t < taps; ++t) {
      const __m512 c = _mm512_set1_ps(w[t]);
      const float* p = x + i + t;
      a0 = _mm512_add_ps(a0, _mm512_mul_ps(c, _mm512_loadu_ps(p)));
      a1 = _mm512_add_ps(a1, _mm512_mul_ps(c, _mm512_loadu_ps(p + 16)));
      a2 = _mm512_add_ps(a2, _mm512_mul_ps(c, _mm512_loadu_ps(p + 2 * 16)));
      a3 = _mm512_add_ps(a3, _mm512_mul_ps(c, _mm512_loadu_ps(p + 3 * 16)));
    }
    _mm512_storeu_ps(y + i, a0);
    _mm512_storeu_ps(y + i + 16, a1);
    _mm512_storeu_ps(y + i + 2 * 16, a2);
    _mm512_storeu_ps(y + i + 3 * 16, a3);
  }
  for (; i + 16 <= count; i += 16) {
    __m512 a = _mm512_setzero_ps();
    for (size_t t = 0; t < taps; ++t)
      a = _mm512_add_ps(a, _mm512_mul_ps(_mm512_set1_ps(w[t]), _mm512_loadu_ps(x + i + t)));
    _mm512_storeu_ps(y + i, a);
  }
  for (; i < count; ++i) {
    float sum = 0.0f;
    for (size_t t = 0; t < taps; ++t) sum = sum + w[t] * x[i + t];
    y[i] = sum;
  }
}

void window_adapt(float* w, const float* h, const float* u_prev, const float* u_now,
                  const float* x_now, float c, size_t n, float* y, float* yu, float* q) noexcept {
  const __m512 cv = _mm512_set1_ps(c);
  __m512 ya[2], ua[2], qa[2];
  for (size_t v = 0; v < 2; ++v) ya[v] = ua[v] = qa[v] = _mm512_setzero_ps();
  for (size_t i = 0; i < n; i += kEchoWindowLanes) {
    for (size_t v = 0; v < 2; ++v) {
      const size_t j = i + 16 * v;
      const __m512 hv = _mm512_load_ps(h + j);
      const __m512 now = _mm512_loadu_ps(x_now + j);
      const __m512 step = _mm512_mul_ps(_mm512_mul_ps(cv, hv), _mm512_loadu_ps(u_prev + j));
      const __m512 un = _mm512_loadu_ps(u_now + j);
      const __m512 wv = _mm512_add_ps(_mm512_load_ps(w + j), step);
      _mm512_store_ps(w + j, wv);
      ya[v] = _mm512_add_ps(ya[v], _mm512_mul_ps(wv, now));
      ua[v] = _mm512_add_ps(ua[v], _mm512_mul_ps(wv, un));
      qa[v] = _mm512_add_ps(qa[v], _mm512_mul_ps(_mm512_mul_ps(hv, un), un));
    }
  }
  *y = reduce(_mm512_add_ps(ya[0], ya[1]));
  *yu = reduce(_mm512_add_ps(ua[0], ua[1]));
  *q = reduce(_mm512_add_ps(qa[0], qa[1]));
}

void window_adapt_plain(float* w, const float* h, const float* x_prev, const float* x_now, float c,
                        size_t n, float* y, float* q) noexcept {
  const __m512 cv = _mm512_set1_ps(c);
  __m512 ya[2], qa[2];
  for (size_t v = 0; v < 2; ++v) ya[v] = qa[v] = _mm512_setzero_ps();
  // The canceller passes x_prev = x_now - 2: then each x_prev vector is the
  // previous x_now vector shifted in by two, one load fewer per step.
  const bool lag_two = x_prev + 2 == x_now;
  __m512 before = lag_two ? _mm512_loadu_ps(x_now - 16) : _mm512_setzero_ps();
  for (size_t i = 0; i < n; i += kEchoWindowLanes) {
    for (size_t v = 0; v < 2; ++v) {
      const size_t j = i + 16 * v;
      const __m512 hv = _mm512_load_ps(h + j);
      const __m512 now = _mm512_loadu_ps(x_now + j);
      const __m512 prev = lag_two ? _mm512_castsi512_ps(_mm512_alignr_epi32(
                                        _mm512_castps_si512(now), _mm512_castps_si512(before), 14))
                                  : _mm512_loadu_ps(x_prev + j);
      before = now;
      const __m512 step = _mm512_mul_ps(_mm512_mul_ps(cv, hv), prev);
      const __m512 wv = _mm512_add_ps(_mm512_load_ps(w + j), step);
      _mm512_store_ps(w + j, wv);
      ya[v] = _mm512_add_ps(ya[v], _mm512_mul_ps(wv, now));
      qa[v] = _mm512_add_ps(qa[v], _mm512_mul_ps(_mm512_mul_ps(hv, now), now));
    }
  }
  *y = reduce(_mm512_add_ps(ya[0], ya[1]));
  *q = reduce(_mm512_add_ps(qa[0], qa[1]));
}

float window_output(const float* w, const float* x_now, size_t n) noexcept {
  __m512 a0 = _mm512_setzero_ps(), a1 = _mm512_setzero_ps();
  for (size_t i = 0; i < n; i += kEchoWindowLanes) {
    a0 = _mm512_add_ps(a0, _mm512_mul_ps(_mm512_load_ps(w + i), _mm512_loadu_ps(x_now + i)));
    a1 = _mm512_add_ps(a1,
                       _mm512_mul_ps(_mm512_load_ps(w + i + 16), _mm512_loadu_ps(x_now + i + 16)));
  }
  return reduce(_mm512_add_ps(a0, a1));
}

}  // namespace

const EchoKernels kEchoKernelsAvx512{spectral_mac, fir_block, window_adapt, window_adapt_plain,
                                     window_output};

}  // namespace ivrd::dsp::kernels
