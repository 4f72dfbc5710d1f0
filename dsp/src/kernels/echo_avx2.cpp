// AVX2 echo canceller kernels: two 8-lane accumulators stand for the
// reference's 16 lanes. No FMA: the reference rounds multiply and add apart.

#include <immintrin.h>

#include "kernels/echo_kernels.hpp"

namespace ivrd::dsp::kernels {
namespace {

using std::size_t;

void spectral_mac(float* y_re, float* y_im, const float* w_re, const float* w_im, const float* x_re,
                  const float* x_im, size_t n) noexcept {
  for (size_t k = 0; k < n; k += 8) {
    const __m256 wr = _mm256_load_ps(w_re + k), wi = _mm256_load_ps(w_im + k);
    const __m256 xr = _mm256_load_ps(x_re + k), xi = _mm256_load_ps(x_im + k);
    const __m256 re = _mm256_sub_ps(_mm256_mul_ps(wr, xr), _mm256_mul_ps(wi, xi));
    const __m256 im = _mm256_add_ps(_mm256_mul_ps(wr, xi), _mm256_mul_ps(wi, xr));
    _mm256_store_ps(y_re + k, _mm256_add_ps(_mm256_load_ps(y_re + k), re));
    _mm256_store_ps(y_im + k, _mm256_add_ps(_mm256_load_ps(y_im + k), im));
  }
}

// lo holds lanes 0-7 of the reference, hi lanes 8-15.
float reduce(__m256 lo, __m256 hi) noexcept {
  const __m256 half = _mm256_add_ps(lo, hi);
  const __m128 quarter = _mm_add_ps(_mm256_castps256_ps128(half), _mm256_extractf128_ps(half, 1));
  const __m128 eighth = _mm_add_ps(quarter, _mm_movehl_ps(quarter, quarter));
  const __m128 last = _mm_add_ss(eighth, _mm_shuffle_ps(eighth, eighth, 1));
  return _mm_cvtss_f32(last);
}

// a[0..3] hold the reference's 32 window lanes, eight at a time.
float reduce_window(const __m256 (&a)[4]) noexcept {
  return reduce(_mm256_add_ps(a[0], a[2]), _mm256_add_ps(a[1], a[3]));
}

void fir_block(const float* w, const float* x, float* y, size_t count, size_t taps) noexcept {
  // Four output vectors at a time keep four independent chains of adds in
  // flight; each output's sum still runs in order of t, like the reference.
  size_t i = 0;
  for (; i + 4 * 8 <= count; i += 4 * 8) {
    __m256 a0 = _mm256_setzero_ps(), a1 = _mm256_setzero_ps(), a2 = _mm256_setzero_ps(),
           a3 = _mm256_setzero_ps();
    for (size_t t = 0; t < taps; ++t) {
      const __m256 c = _mm256_set1_ps(w[t]);
      const float* p = x + i + t;
      a0 = _mm256_add_ps(a0, _mm256_mul_ps(c, _mm256_loadu_ps(p)));
      a1 = _mm256_add_ps(a1, _mm256_mul_ps(c, _mm256_loadu_ps(p + 8)));
      a2 = _mm256_add_ps(a2, _mm256_mul_ps(c, _mm256_loadu_ps(p + 2 * 8)));
      a3 = _mm256_add_ps(a3, _mm256_mul_ps(c, _mm256_loadu_ps(p + 3 * 8)));
    }
    _mm256_storeu_ps(y + i, a0);
    _mm256_storeu_ps(y + i + 8, a1);
    _mm256_storeu_ps(y + i + 2 * 8, a2);
    _mm256_storeu_ps(y + i + 3 * 8, a3);
  }
  for (; i + 8 <= count; i += 8) {
    __m256 a = _mm256_setzero_ps();
    for (size_t t = 0; t < taps; ++t)
      a = _mm256_add_ps(a, _mm256_mul_ps(_mm256_set1_ps(w[t]), _mm256_loadu_ps(x + i + t)));
    _mm256_storeu_ps(y + i, a);
  }
  for (; i < count; ++i) {
    float sum = 0.0f;
    for (size_t t = 0; t < taps; ++t) sum = sum + w[t] * x[i + t];
    y[i] = sum;
  }
}

void window_adapt(float* w, const float* h, const float* u_prev, const float* u_now,
                  const float* x_now, float c, size_t n, float* y, float* yu, float* q) noexcept {
  const __m256 cv = _mm256_set1_ps(c);
  __m256 ya[4], ua[4], qa[4];
  for (size_t v = 0; v < 4; ++v) ya[v] = ua[v] = qa[v] = _mm256_setzero_ps();
  for (size_t i = 0; i < n; i += kEchoWindowLanes) {
    for (size_t v = 0; v < 4; ++v) {
      const size_t j = i + 8 * v;
      const __m256 hv = _mm256_load_ps(h + j);
      const __m256 now = _mm256_loadu_ps(x_now + j);
      const __m256 step = _mm256_mul_ps(_mm256_mul_ps(cv, hv), _mm256_loadu_ps(u_prev + j));
      const __m256 un = _mm256_loadu_ps(u_now + j);
      const __m256 wv = _mm256_add_ps(_mm256_load_ps(w + j), step);
      _mm256_store_ps(w + j, wv);
      ya[v] = _mm256_add_ps(ya[v], _mm256_mul_ps(wv, now));
      ua[v] = _mm256_add_ps(ua[v], _mm256_mul_ps(wv, un));
      qa[v] = _mm256_add_ps(qa[v], _mm256_mul_ps(_mm256_mul_ps(hv, un), un));
    }
  }
  *y = reduce_window(ya);
  *yu = reduce_window(ua);
  *q = reduce_window(qa);
}

void window_adapt_plain(float* w, const float* h, const float* x_prev, const float* x_now, float c,
                        size_t n, float* y, float* q) noexcept {
  const __m256 cv = _mm256_set1_ps(c);
  __m256 ya[4], qa[4];
  for (size_t v = 0; v < 4; ++v) ya[v] = qa[v] = _mm256_setzero_ps();
  for (size_t i = 0; i < n; i += kEchoWindowLanes) {
    for (size_t v = 0; v < 4; ++v) {
      const size_t j = i + 8 * v;
      const __m256 hv = _mm256_load_ps(h + j);
      const __m256 now = _mm256_loadu_ps(x_now + j);
      const __m256 step = _mm256_mul_ps(_mm256_mul_ps(cv, hv), _mm256_loadu_ps(x_prev + j));
      const __m256 wv = _mm256_add_ps(_mm256_load_ps(w + j), step);
      _mm256_store_ps(w + j, wv);
      ya[v] = _mm256_add_ps(ya[v], _mm256_mul_ps(wv, now));
      qa[v] = _mm256_add_ps(qa[v], _mm256_mul_ps(_mm256_mul_ps(hv, now), now));
    }
  }
  *y = reduce_window(ya);
  *q = reduce_window(qa);
}

float window_output(const float* w, const float* x_now, size_t n) noexcept {
  __m256 a[4];
  for (size_t v = 0; v < 4; ++v) a[v] = _mm256_setzero_ps();
  for (size_t i = 0; i < n; i += kEchoWindowLanes) {
    for (size_t v = 0; v < 4; ++v) {
      const size_t j = i + 8 * v;
      a[v] = _mm256_add_ps(a[v], _mm256_mul_ps(_mm256_load_ps(w + j), _mm256_loadu_ps(x_now + j)));
    }
  }
  return reduce_window(a);
}

}  // namespace

const EchoKernels kEchoKernelsAvx2{spectral_mac, fir_block, window_adapt, window_adapt_plain,
                                   window_output};

}  // namespace ivrd::dsp::kernels
