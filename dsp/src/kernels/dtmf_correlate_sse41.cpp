#include <smmintrin.h>

#include <cstring>

#include "kernels/dtmf_correlate.hpp"

namespace ivrd::dsp::kernels {

namespace {

inline int32_t load_pair(const int16_t* p) {
  int32_t v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

inline int32_t horizontal_sum(__m128i s) {
  s = _mm_add_epi32(s, _mm_shuffle_epi32(s, _MM_SHUFFLE(1, 0, 3, 2)));
  s = _mm_add_epi32(s, _mm_shuffle_epi32(s, _MM_SHUFFLE(2, 3, 0, 1)));
  return _mm_cvtsi128_si32(s);
}

// Largest of the four bin powers cos^2 + sin^2 held as (cos, sin) pairs in
// a and b.
inline float group_peak(__m128i a, __m128i b) {
  const __m128 fa = _mm_cvtepi32_ps(a);
  const __m128 fb = _mm_cvtepi32_ps(b);
  const __m128 power = _mm_hadd_ps(_mm_mul_ps(fa, fa), _mm_mul_ps(fb, fb));
  const __m128 pairs = _mm_max_ps(power, _mm_movehl_ps(power, power));
  return _mm_cvtss_f32(_mm_max_ss(pairs, _mm_shuffle_ps(pairs, pairs, _MM_SHUFFLE(1, 1, 1, 1))));
}

}  // namespace

void dtmf_correlate_sse41(const int16_t* samples, const int16_t* table, DtmfCorrelation* out) {
  alignas(16) int16_t shifted[40];
  __m128i squares = _mm_setzero_si128();
  __m128i sums = _mm_setzero_si128();
  const __m128i ones = _mm_set1_epi16(1);
  for (int i = 0; i < kDtmfSubBlock; i += 8) {
    const __m128i x =
        _mm_srai_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(samples + i)), 2);
    _mm_store_si128(reinterpret_cast<__m128i*>(shifted + i), x);
    squares = _mm_add_epi32(squares, _mm_madd_epi16(x, x));
    sums = _mm_add_epi32(sums, _mm_madd_epi16(x, ones));
  }

  __m128i acc0 = _mm_setzero_si128(), acc1 = _mm_setzero_si128();
  __m128i acc2 = _mm_setzero_si128(), acc3 = _mm_setzero_si128();
  for (int p = 0; p < kDtmfPairs; ++p) {
    const __m128i x = _mm_set1_epi32(load_pair(shifted + 2 * p));
    const __m128i* row = reinterpret_cast<const __m128i*>(table + p * 32);
    acc0 = _mm_add_epi32(acc0, _mm_madd_epi16(x, _mm_load_si128(row)));
    acc1 = _mm_add_epi32(acc1, _mm_madd_epi16(x, _mm_load_si128(row + 1)));
    acc2 = _mm_add_epi32(acc2, _mm_madd_epi16(x, _mm_load_si128(row + 2)));
    acc3 = _mm_add_epi32(acc3, _mm_madd_epi16(x, _mm_load_si128(row + 3)));
  }
  __m128i* bins = reinterpret_cast<__m128i*>(out->bins);
  _mm_storeu_si128(bins, acc0);
  _mm_storeu_si128(bins + 1, acc1);
  _mm_storeu_si128(bins + 2, acc2);
  _mm_storeu_si128(bins + 3, acc3);
  out->group_peak[0] = group_peak(acc0, acc1);
  out->group_peak[1] = group_peak(acc2, acc3);
  out->energy = static_cast<uint32_t>(horizontal_sum(squares));
  out->sum = horizontal_sum(sums);
}

}  // namespace ivrd::dsp::kernels
