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

// Vector adds only: the energy total may exceed INT32_MAX and must wrap as
// the unsigned value it is.
inline int32_t horizontal_sum(__m512i v) {
  const __m256i half = _mm256_add_epi32(_mm512_castsi512_si256(v), _mm512_extracti64x4_epi64(v, 1));
  __m128i s = _mm_add_epi32(_mm256_castsi256_si128(half), _mm256_extracti128_si256(half, 1));
  s = _mm_add_epi32(s, _mm_shuffle_epi32(s, _MM_SHUFFLE(1, 0, 3, 2)));
  s = _mm_add_epi32(s, _mm_shuffle_epi32(s, _MM_SHUFFLE(2, 3, 0, 1)));
  return _mm_cvtsi128_si32(s);
}

// Largest of the bin powers in lanes 0, 2, 4 and 6.
inline float group_peak(__m256 power) {
  const __m128 half = _mm_max_ps(_mm256_castps256_ps128(power), _mm256_extractf128_ps(power, 1));
  return _mm_cvtss_f32(_mm_max_ss(half, _mm_movehl_ps(half, half)));
}

}  // namespace

void dtmf_correlate_avx512(const int16_t* samples, const int16_t* table, DtmfCorrelation* out) {
  // Samples 0..31 in one register, 32..39 in a second (masked) one.
  const __m512i head = _mm512_srai_epi16(_mm512_loadu_si512(samples), 2);
  const __m512i tail =
      _mm512_srai_epi16(_mm512_maskz_loadu_epi16(__mmask32{0xFF}, samples + 32), 2);
  alignas(64) int16_t shifted[64];
  _mm512_store_si512(shifted, head);
  _mm512_store_si512(shifted + 32, tail);

  __m512i acc0 = _mm512_setzero_si512();
  __m512i acc1 = _mm512_setzero_si512();
  for (int p = 0; p < kDtmfPairs; p += 2) {
    const __m512i x0 = _mm512_set1_epi32(load_pair(shifted + 2 * p));
    const __m512i x1 = _mm512_set1_epi32(load_pair(shifted + 2 * p + 2));
    acc0 = _mm512_add_epi32(acc0, _mm512_madd_epi16(x0, _mm512_load_si512(table + p * 32)));
    acc1 = _mm512_add_epi32(acc1, _mm512_madd_epi16(x1, _mm512_load_si512(table + p * 32 + 32)));
  }
  const __m512i bins = _mm512_add_epi32(acc0, acc1);
  _mm512_storeu_si512(out->bins, bins);
  // Bin powers: cos^2 + sin^2 lands in the even lanes.
  const __m512 value = _mm512_cvtepi32_ps(bins);
  const __m512 square = _mm512_mul_ps(value, value);
  const __m512 power =
      _mm512_add_ps(square, _mm512_shuffle_ps(square, square, _MM_SHUFFLE(2, 3, 0, 1)));
  out->group_peak[0] = group_peak(_mm512_castps512_ps256(power));
  out->group_peak[1] = group_peak(_mm512_extractf32x8_ps(power, 1));

  const __m512i squares =
      _mm512_add_epi32(_mm512_madd_epi16(head, head), _mm512_madd_epi16(tail, tail));
  const __m512i ones = _mm512_set1_epi16(1);
  const __m512i sums =
      _mm512_add_epi32(_mm512_madd_epi16(head, ones), _mm512_madd_epi16(tail, ones));
  out->energy = static_cast<uint32_t>(horizontal_sum(squares));
  out->sum = horizontal_sum(sums);
}

}  // namespace ivrd::dsp::kernels
