// AVX2 G.711 kernels (compiled with -mavx2 -mfma -mbmi2). The same
// arithmetic as g711_sse41.cpp, explained there, on 16 lanes at a time.

#include <immintrin.h>

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
  return _mm256_sign_epi16(magnitude, _mm256_sub_epi16(_mm256_add_epi16(code, code), set16(0xFF)));
}

__m256i float_exponent_and_4_bits(__m256i v) {
  const __m256i even = _mm256_and_si256(v, _mm256_set1_epi32(0xFFFF));
  const __m256i odd = _mm256_srli_epi32(v, 16);
  const __m256i even_bits = _mm256_castps_si256(_mm256_cvtepi32_ps(even));
  const __m256i odd_bits = _mm256_castps_si256(_mm256_cvtepi32_ps(odd));
  const __m256i high_halves = _mm256_blend_epi16(_mm256_srli_epi32(even_bits, 16), odd_bits, 0xAA);
  return _mm256_srli_epi16(high_halves, 3);
}

__m256i ulaw_encode_16(__m256i x) {
  const __m256i sign = _mm256_srai_epi16(x, 15);
  const __m256i magnitude = _mm256_xor_si256(_mm256_srai_epi16(x, 2), sign);
  const __m256i biased = _mm256_min_epi16(_mm256_add_epi16(magnitude, set16(33)), set16(0x1FFF));
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

template <__m256i (*kDecode16)(__m256i)>
void decode_8(const uint8_t* in, int16_t* out) {
  const __m128i codes = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(in));
  const __m256i samples = kDecode16(_mm256_cvtepu8_epi16(codes));
  _mm_storeu_si128(reinterpret_cast<__m128i*>(out), _mm256_castsi256_si128(samples));
}

template <__m256i (*kDecode16)(__m256i)>
void decode_16(const uint8_t* in, int16_t* out) {
  const __m128i codes = _mm_loadu_si128(reinterpret_cast<const __m128i*>(in));
  _mm256_storeu_si256(reinterpret_cast<__m256i*>(out), kDecode16(_mm256_cvtepu8_epi16(codes)));
}

template <__m256i (*kDecode16)(__m256i)>
void decode_32(const uint8_t* in, int16_t* out) {
  decode_16<kDecode16>(in, out);
  decode_16<kDecode16>(in + 16, out + 16);
}

template <__m256i (*kEncode16)(__m256i)>
void encode_8(const int16_t* in, uint8_t* out) {
  const __m128i samples = _mm_loadu_si128(reinterpret_cast<const __m128i*>(in));
  const __m256i codes = kEncode16(_mm256_zextsi128_si256(samples));
  const __m256i packed = _mm256_packus_epi16(codes, codes);  // low 8 bytes: codes 0-7
  _mm_storel_epi64(reinterpret_cast<__m128i*>(out), _mm256_castsi256_si128(packed));
}

template <__m256i (*kEncode16)(__m256i)>
void encode_16(const int16_t* in, uint8_t* out) {
  const __m256i codes = kEncode16(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(in)));
  // Each 128-bit lane packs to 8 codes, twice; gather quadwords 0 and 2.
  const __m256i packed = _mm256_packus_epi16(codes, codes);
  _mm_storeu_si128(reinterpret_cast<__m128i*>(out),
                   _mm256_castsi256_si128(_mm256_permute4x64_epi64(packed, 0x08)));
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

// 32 samples at a time, then 16, then 8; a last partial group is converted
// as the final 8 samples, redoing a few already done (same values: input and
// output do not overlap). Fewer than 8 samples in all go to the scalar kernel.
template <auto kBlock32, auto kBlock16, auto kBlock8, auto kScalar, typename In, typename Out>
void run(const In* in, Out* out, std::size_t n) {
  if (n < 8) {
    kScalar(in, out, n);
    return;
  }
  std::size_t i = 0;
  for (; i + 32 <= n; i += 32) kBlock32(in + i, out + i);
  if (i + 16 <= n) {
    kBlock16(in + i, out + i);
    i += 16;
  }
  if (i + 8 <= n) {
    kBlock8(in + i, out + i);
    i += 8;
  }
  if (i < n) kBlock8(in + n - 8, out + n - 8);
}

}  // namespace

void ulaw_decode_avx2(const uint8_t* in, int16_t* out, std::size_t n) noexcept {
  run<decode_32<ulaw_decode_16>, decode_16<ulaw_decode_16>, decode_8<ulaw_decode_16>,
      ulaw_decode_scalar>(in, out, n);
}

void alaw_decode_avx2(const uint8_t* in, int16_t* out, std::size_t n) noexcept {
  run<decode_32<alaw_decode_16>, decode_16<alaw_decode_16>, decode_8<alaw_decode_16>,
      alaw_decode_scalar>(in, out, n);
}

void ulaw_encode_avx2(const int16_t* in, uint8_t* out, std::size_t n) noexcept {
  run<encode_32<ulaw_encode_16>, encode_16<ulaw_encode_16>, encode_8<ulaw_encode_16>,
      ulaw_encode_scalar>(in, out, n);
}

void alaw_encode_avx2(const int16_t* in, uint8_t* out, std::size_t n) noexcept {
  run<encode_32<alaw_encode_16>, encode_16<alaw_encode_16>, encode_8<alaw_encode_16>,
      alaw_encode_scalar>(in, out, n);
}

}  // namespace ivrd::dsp::kernels
