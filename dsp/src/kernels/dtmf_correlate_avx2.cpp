#include <immintrin.h>

#include <cstring>

#include "kernels/dtmf_correlate.hpp"

namespace ivrd::dsp::kernels {

namespace {

inline int32_t load_pair(const int16_t* p) {
  int32_t v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

inline int32_t horizontal_sum(__m256i v) {
  __m128i s = _mm_add_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
  s = _mm_add_epi32(s, _mm_shuffle_epi32(s, _MM_SHUFFLE(1, 0, 3, 2)));
  s = _mm_add_epi32(s, _mm_shuffle_epi32(s, _MM_SHUFFLE(2, 3, 0, 1)));
  return _mm_cvtsi128_si32(s);
}

// Largest of the bin powers cos^2 + sin^2 of the four (cos, sin) pairs in v.
inline float group_peak(__m256i v) {
  const __m256 value = _mm256_cvtepi32_ps(v);
  const __m256 square = _mm256_mul_ps(value, value);
  const __m256 power =
      _mm256_add_ps(square, _mm256_shuffle_ps(square, square, _MM_SHUFFLE(2, 3, 0, 1)));
  const __m128 half = _mm_max_ps(_mm256_castps256_ps128(power), _mm256_extractf128_ps(power, 1));
  return _mm_cvtss_f32(_mm_max_ss(half, _mm_movehl_ps(half, half)));
}

}  // namespace

void dtmf_correlate_avx2(const int16_t* samples, const int16_t* table, DtmfCorrelation* out) {
  alignas(32) int16_t shifted[48];
  const __m256i a =
      _mm256_srai_epi16(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(samples)), 2);
  const __m256i b =
      _mm256_srai_epi16(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(samples + 16)), 2);
  const __m128i c =
      _mm_srai_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(samples + 32)), 2);
  _mm256_store_si256(reinterpret_cast<__m256i*>(shifted), a);
  _mm256_store_si256(reinterpret_cast<__m256i*>(shifted + 16), b);
  _mm_store_si128(reinterpret_cast<__m128i*>(shifted + 32), c);

  __m256i lo = _mm256_setzero_si256();
  __m256i hi = _mm256_setzero_si256();
  for (int p = 0; p < kDtmfPairs; ++p) {
    const __m256i x = _mm256_set1_epi32(load_pair(shifted + 2 * p));
    const __m256i* row = reinterpret_cast<const __m256i*>(table + p * 32);
    lo = _mm256_add_epi32(lo, _mm256_madd_epi16(x, _mm256_load_si256(row)));
    hi = _mm256_add_epi32(hi, _mm256_madd_epi16(x, _mm256_load_si256(row + 1)));
  }
  _mm256_storeu_si256(reinterpret_cast<__m256i*>(out->bins), lo);
  _mm256_storeu_si256(reinterpret_cast<__m256i*>(out->bins + 8), hi);
  out->group_peak[0] = group_peak(lo);
  out->group_peak[1] = group_peak(hi);

  const __m256i c256 = _mm256_zextsi128_si256(c);
  const __m256i squares =
      _mm256_add_epi32(_mm256_add_epi32(_mm256_madd_epi16(a, a), _mm256_madd_epi16(b, b)),
                       _mm256_madd_epi16(c256, c256));
  const __m256i ones = _mm256_set1_epi16(1);
  const __m256i sums =
      _mm256_add_epi32(_mm256_add_epi32(_mm256_madd_epi16(a, ones), _mm256_madd_epi16(b, ones)),
                       _mm256_madd_epi16(c256, ones));
  out->energy = static_cast<uint32_t>(horizontal_sum(squares));
  out->sum = horizontal_sum(sums);
}

}  // namespace ivrd::dsp::kernels
