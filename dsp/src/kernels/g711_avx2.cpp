// AVX2 G.711 kernels (compiled with -mavx2 -mfma -mbmi2). The same
// arithmetic as g711_sse41.cpp, explained there, on 16 lanes at a time.

#include <immintrin.h>

#include <cstring>

#include "kernels/g711_kernels.hpp"

namespace ivrd::dsp::kernels {
namespace {

__m256i set16(int value) { return _mm256_set1_epi16(static_cast<short>(value)); }

// The same 16-byte table in both 128-bit lanes (byte shuffles stay in-lane).
__m256i lane_table(char b0, char b1, char b2, char b3, char b4, char b5, char b6, char b7) {
  return _mm256_setr_epi8(b0, b1, b2, b3, b4, b5, b6, b7, b0, b1, b2, b3, b4, b5, b6, b7,  //
                          b0, b1, b2, b3, b4, b5, b6, b7, b0, b1, b2, b3, b4, b5, b6, b7);
}

__m256i ulaw_decode_16(__m256i code) {
  const __m256i plain = _mm256_xor_si256(code, set16(0x80FF));
  const __m256i exponent_index = _mm256_srai_epi16(plain, 4);
  const __m256i pow2 =
      _mm256_shuffle_epi8(lane_table(1, 2, 4, 8, 16, 32, 64, -128), exponent_index);
  const __m256i base =
      _mm256_or_si256(_mm256_and_si256(_mm256_slli_epi16(plain, 3), set16(0x78)), set16(0x84));
  const __m256i magnitude = _mm256_sub_epi16(_mm256_mullo_epi16(base, pow2), set16(0x84));
  return _mm256_sign_epi16(magnitude, _mm256_sub_epi16(code, set16(0x7F)));
}

__m256i alaw_decode_16(__m256i code) {
  const __m256i plain = _mm256_xor_si256(code, set16(0x8055));
  const __m256i exponent_index = _mm256_srai_epi16(plain, 4);
  const __m256i lead =
      _mm256_shuffle_epi8(lane_table(1, 33, 33, 33, 33, 33, 33, 33), exponent_index);
  const __m256i scale = _mm256_shuffle_epi8(lane_table(1, 1, 2, 4, 8, 16, 32, 64), exponent_index);
  const __m256i twice_mantissa = _mm256_and_si256(_mm256_slli_epi16(plain, 1), set16(0x1E));
  const __m256i magnitude =
      _mm256_slli_epi16(_mm256_mullo_epi16(_mm256_add_epi16(twice_mantissa, lead), scale), 3);
  return _mm256_sign_epi16(magnitude,
                           _mm256_sub_epi16(_mm256_add_epi16(code, code), set16(0xFF)));
}

__m256i float_exponent_and_4_bits(__m256i v) {
  const __m256i even = _mm256_and_si256(v, _mm256_set1_epi32(0xFFFF));
  const __m256i odd = _mm256_srli_epi32(v, 16);
  const __m256i even_bits = _mm256_castps_si256(_mm256_cvtepi32_ps(even));
  const __m256i odd_bits = _mm256_castps_si256(_mm256_cvtepi32_ps(odd));
  const __m256i high_halves =
      _mm256_blend_epi16(_mm256_srli_epi32(even_bits, 16), odd_bits, 0xAA);
  return _mm256_srli_epi16(high_halves, 3);
}

__m256i ulaw_encode_16(__m256i x) {
  const __m256i sign = _mm256_srai_epi16(x, 15);
  const __m256i magnitude = _mm256_xor_si256(_mm256_srai_epi16(x, 2), sign);
  const __m256i biased =
      _mm256_min_epi16(_mm256_add_epi16(magnitude, set16(33)), set16(0x1FFF));
  const __m256i top = float_exponent_and_4_bits(biased);
  return _mm256_sub_epi16(_mm256_sub_epi16(set16(0xFF + 0x840), top),
                          _mm256_and_si256(sign, set16(0x80)));
}

__m256i alaw_encode_16(__m256i x) {
  const __m256i sign = _mm256_srai_epi16(x, 15);
  const __m256i steps = _mm256_srli_epi16(_mm256_xor_si256(x, sign), 4);
  const __m256i log = _mm256_sub_epi16(float_exponent_and_4_bits(steps), set16(0x820));
  const __m256i code7 = _mm256_max_epi16(log, _mm256_min_epi16(steps, set16(31)));
  return _mm256_xor_si256(code7,
                          _mm256_xor_si256(_mm256_and_si256(sign, set16(0x80)), set16(0xD5)));
}

// Runs block (kBlock samples) over [0, n); a shorter tail goes through a
// zero-padded copy so no access leaves the caller's buffers.
template <std::size_t kBlock, typename In, typename Out, typename Block>
void run_blocks(const In* in, Out* out, std::size_t n, Block block) {
  std::size_t i = 0;
  for (; i + kBlock <= n; i += kBlock) block(in + i, out + i);
  if (i < n) {
    In in_tail[kBlock] = {};
    Out out_tail[kBlock];
    std::memcpy(in_tail, in + i, (n - i) * sizeof(In));
    block(in_tail, out_tail);
    std::memcpy(out + i, out_tail, (n - i) * sizeof(Out));
  }
}

template <__m256i (*kDecode16)(__m256i)>
void decode_32(const uint8_t* in, int16_t* out) {
  const __m128i low = _mm_loadu_si128(reinterpret_cast<const __m128i*>(in));
  const __m128i high = _mm_loadu_si128(reinterpret_cast<const __m128i*>(in + 16));
  _mm256_storeu_si256(reinterpret_cast<__m256i*>(out), kDecode16(_mm256_cvtepu8_epi16(low)));
  _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + 16),
                      kDecode16(_mm256_cvtepu8_epi16(high)));
}

template <__m256i (*kEncode16)(__m256i)>
void encode_32(const int16_t* in, uint8_t* out) {
  const __m256i low = kEncode16(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(in)));
  const __m256i high = kEncode16(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(in + 16)));
  // The pack interleaves 128-bit lanes (low 0-7, high 0-7, low 8-15, high
  // 8-15); put the quarters back in order.
  const __m256i packed = _mm256_packus_epi16(low, high);
  _mm256_storeu_si256(reinterpret_cast<__m256i*>(out), _mm256_permute4x64_epi64(packed, 0xD8));
}

}  // namespace

void ulaw_decode_avx2(const uint8_t* in, int16_t* out, std::size_t n) noexcept {
  run_blocks<32>(in, out, n, decode_32<ulaw_decode_16>);
}

void alaw_decode_avx2(const uint8_t* in, int16_t* out, std::size_t n) noexcept {
  run_blocks<32>(in, out, n, decode_32<alaw_decode_16>);
}

void ulaw_encode_avx2(const int16_t* in, uint8_t* out, std::size_t n) noexcept {
  run_blocks<32>(in, out, n, encode_32<ulaw_encode_16>);
}

void alaw_encode_avx2(const int16_t* in, uint8_t* out, std::size_t n) noexcept {
  run_blocks<32>(in, out, n, encode_32<alaw_encode_16>);
}

}  // namespace ivrd::dsp::kernels
