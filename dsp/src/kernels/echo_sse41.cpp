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

// a0..a3 hold lanes 0-3, 4-7, 8-11, 12-15 of the reference.
float reduce(__m128 a0, __m128 a1, __m128 a2, __m128 a3) noexcept {
  const __m128 half = _mm_add_ps(_mm_add_ps(a0, a2), _mm_add_ps(a1, a3));
  const __m128 quarter = _mm_add_ps(half, _mm_movehl_ps(half, half));
  const __m128 last = _mm_add_ss(quarter, _mm_shuffle_ps(quarter, quarter, 1));
  return _mm_cvtss_f32(last);
}

// a[0..7] hold the reference's 32 window lanes, four at a time.
float reduce_window(const __m128 (&a)[8]) noexcept {
  return reduce(_mm_add_ps(a[0], a[4]), _mm_add_ps(a[1], a[5]), _mm_add_ps(a[2], a[6]),
                _mm_add_ps(a[3], a[7]));
}

void fir_block(const float* w, const float* x, float* y, size_t count, size_t taps) noexcept {
  // Four output vectors at a time keep four independent chains of adds in
  // flight; each output's sum still runs in order of t, like the reference.
  size_t i = 0;
  for (; i + 4 * 4 <= count; i += 4 * 4) {
    __m128 a0 = _mm_setzero_ps(), a1 = _mm_setzero_ps(), a2 = _mm_setzero_ps(),
           a3 = _mm_setzero_ps();
    for (size_t t = 0; t < taps; ++t) {
      const __m128 c = _mm_set1_ps(w[t]);
      const float* p = x + i + t;
      a0 = _mm_add_ps(a0, _mm_mul_ps(c, _mm_loadu_ps(p)));
      a1 = _mm_add_ps(a1, _mm_mul_ps(c, _mm_loadu_ps(p + 4)));
      a2 = _mm_add_ps(a2, _mm_mul_ps(c, _mm_loadu_ps(p + 2 * 4)));
      a3 = _mm_add_ps(a3, _mm_mul_ps(c, _mm_loadu_ps(p + 3 * 4)));
    }
    _mm_storeu_ps(y + i, a0);
    _mm_storeu_ps(y + i + 4, a1);
    _mm_storeu_ps(y + i + 2 * 4, a2);
    _mm_storeu_ps(y + i + 3 * 4, a3);
  }
  for (; i + 4 <= count; i += 4) {
    __m128 a = _mm_setzero_ps();
    for (size_t t = 0; t < taps; ++t)
      a = _mm_add_ps(a, _mm_mul_ps(_mm_set1_ps(w[t]), _mm_loadu_ps(x + i + t)));
    _mm_storeu_ps(y + i, a);
  }
  for (; i < count; ++i) {
    float sum = 0.0f;
    for (size_t t = 0; t < taps; ++t) sum = sum + w[t] * x[i + t];
    y[i] = sum;
  }
}

void window_adapt(float* w, const float* h, const float* u_prev, const float* u_now,
                  const float* x_now, float c, size_t n, float* y, float* yu, float* q) noexcept {
  // Two passes, one per half of each 32-lane block, so that the accumulators
  // fit in the 16 registers; every lane still sums in the reference's order.
  const __m128 cv = _mm_set1_ps(c);
  __m128 ya[8], ua[8], qa[8];
  for (size_t half = 0; half < 2; ++half) {
    __m128* yh = ya + 4 * half;
    __m128* uh = ua + 4 * half;
    __m128* qh = qa + 4 * half;
    for (size_t v = 0; v < 4; ++v) yh[v] = uh[v] = qh[v] = _mm_setzero_ps();
    for (size_t i = 16 * half; i < n; i += kEchoWindowLanes) {
      for (size_t v = 0; v < 4; ++v) {
        const size_t j = i + 4 * v;
        const __m128 hv = _mm_load_ps(h + j);
        const __m128 now = _mm_loadu_ps(x_now + j);
        const __m128 step = _mm_mul_ps(_mm_mul_ps(cv, hv), _mm_loadu_ps(u_prev + j));
        const __m128 un = _mm_loadu_ps(u_now + j);
        const __m128 wv = _mm_add_ps(_mm_load_ps(w + j), step);
        _mm_store_ps(w + j, wv);
        yh[v] = _mm_add_ps(yh[v], _mm_mul_ps(wv, now));
        uh[v] = _mm_add_ps(uh[v], _mm_mul_ps(wv, un));
        qh[v] = _mm_add_ps(qh[v], _mm_mul_ps(_mm_mul_ps(hv, un), un));
      }
    }
  }
  *y = reduce_window(ya);
  *yu = reduce_window(ua);
  *q = reduce_window(qa);
}

void window_adapt_plain(float* w, const float* h, const float* x_prev, const float* x_now, float c,
                        size_t n, float* y, float* q) noexcept {
  // Two passes, one per half of each 32-lane block (see window_adapt).
  const __m128 cv = _mm_set1_ps(c);
  __m128 ya[8], qa[8];
  for (size_t half = 0; half < 2; ++half) {
    __m128* yh = ya + 4 * half;
    __m128* qh = qa + 4 * half;
    for (size_t v = 0; v < 4; ++v) yh[v] = qh[v] = _mm_setzero_ps();
    for (size_t i = 16 * half; i < n; i += kEchoWindowLanes) {
      for (size_t v = 0; v < 4; ++v) {
        const size_t j = i + 4 * v;
        const __m128 hv = _mm_load_ps(h + j);
        const __m128 now = _mm_loadu_ps(x_now + j);
        const __m128 step = _mm_mul_ps(_mm_mul_ps(cv, hv), _mm_loadu_ps(x_prev + j));
        const __m128 wv = _mm_add_ps(_mm_load_ps(w + j), step);
        _mm_store_ps(w + j, wv);
        yh[v] = _mm_add_ps(yh[v], _mm_mul_ps(wv, now));
        qh[v] = _mm_add_ps(qh[v], _mm_mul_ps(_mm_mul_ps(hv, now), now));
      }
    }
  }
  *y = reduce_window(ya);
  *q = reduce_window(qa);
}

float window_output(const float* w, const float* x_now, size_t n) noexcept {
  __m128 a[8];
  for (size_t v = 0; v < 8; ++v) a[v] = _mm_setzero_ps();
  for (size_t i = 0; i < n; i += kEchoWindowLanes) {
    for (size_t v = 0; v < 8; ++v) {
      const size_t j = i + 4 * v;
      a[v] = _mm_add_ps(a[v], _mm_mul_ps(_mm_load_ps(w + j), _mm_loadu_ps(x_now + j)));
    }
  }
  return reduce_window(a);
}

}  // namespace

const EchoKernels kEchoKernelsSse41{spectral_mac, fir_block, window_adapt, window_adapt_plain,
                                    window_output};

}  // namespace ivrd::dsp::kernels
