// SSE4.1 G.711 kernels (compiled with -msse4.1 only).
//
// Decoding is arithmetic in 16-bit lanes: a byte shuffle looks up the
// segment's power of two, a 16-bit multiply applies it.
//
// Encoding finds the segment with the int-to-float conversion: for a positive
// integer v below 2^24, the float's bits >> 19 are (127 + p) << 4 | b, where p
// is the position of v's leading one and b the four bits after it. G.711's
// segment number is p minus a constant and its mantissa is b, so one
// conversion replaces the segment search.

#include <immintrin.h>

#include "kernels/g711_kernels.hpp"

namespace ivrd::dsp::kernels {
namespace {

__m128i set16(int value) { return _mm_set1_epi16(static_cast<short>(value)); }

// Codes zero-extended to 16-bit lanes in, samples out.
__m128i ulaw_decode_8(__m128i code) {
  // Low byte: the code inverted, so bits 4-6 are the exponent and 0-3 the
  // mantissa. High byte 0x80, so that after the arithmetic shift below it
  // stays >= 0x80 and the shuffle writes a zero there.
  const __m128i plain = _mm_xor_si128(code, set16(0x80FF));
  const __m128i exponent_index = _mm_srai_epi16(plain, 4);  // bit 3: sign, ignored
  const __m128i pow2 = _mm_shuffle_epi8(
      _mm_setr_epi8(1, 2, 4, 8, 16, 32, 64, -128, 1, 2, 4, 8, 16, 32, 64, -128), exponent_index);
  // (8 * mantissa + 132) << exponent, minus the bias 132.
  const __m128i base =
      _mm_or_si128(_mm_and_si128(_mm_slli_epi16(plain, 3), set16(0x78)), set16(0x84));
  const __m128i magnitude = _mm_sub_epi16(_mm_mullo_epi16(base, pow2), set16(0x84));
  // Negative for codes below 0x7F; 0x7F itself has magnitude 0.
  return _mm_sign_epi16(magnitude, _mm_sub_epi16(code, set16(0x7F)));
}

__m128i alaw_decode_8(__m128i code) {
  const __m128i plain = _mm_xor_si128(code, set16(0x8055));  // see ulaw_decode_8
  const __m128i exponent_index = _mm_srai_epi16(plain, 4);
  // Segment 0: (2m + 1) << 3. Segment e >= 1: (2m + 33) << (e + 2).
  const __m128i lead = _mm_shuffle_epi8(
      _mm_setr_epi8(1, 33, 33, 33, 33, 33, 33, 33, 1, 33, 33, 33, 33, 33, 33, 33), exponent_index);
  const __m128i scale = _mm_shuffle_epi8(
      _mm_setr_epi8(1, 1, 2, 4, 8, 16, 32, 64, 1, 1, 2, 4, 8, 16, 32, 64), exponent_index);
  const __m128i twice_mantissa = _mm_and_si128(_mm_slli_epi16(plain, 1), set16(0x1E));
  const __m128i magnitude =
      _mm_slli_epi16(_mm_mullo_epi16(_mm_add_epi16(twice_mantissa, lead), scale), 3);
  // Positive when bit 7 is set; 2 * code - 255 is never 0.
  return _mm_sign_epi16(magnitude, _mm_sub_epi16(_mm_add_epi16(code, code), set16(0xFF)));
}

// Lanes hold 0..32767; returns each lane's float bits >> 19 (see the top).
__m128i float_exponent_and_4_bits(__m128i v) {
  const __m128i even = _mm_and_si128(v, _mm_set1_epi32(0xFFFF));
  const __m128i odd = _mm_srli_epi32(v, 16);
  const __m128i even_bits = _mm_castps_si128(_mm_cvtepi32_ps(even));
  const __m128i odd_bits = _mm_castps_si128(_mm_cvtepi32_ps(odd));
  const __m128i high_halves = _mm_blend_epi16(_mm_srli_epi32(even_bits, 16), odd_bits, 0xAA);
  return _mm_srli_epi16(high_halves, 3);
}

// Samples in, codes in the low byte of each 16-bit lane out.
__m128i ulaw_encode_8(__m128i x) {
  const __m128i sign = _mm_srai_epi16(x, 15);
  // 14-bit magnitude; negative samples one's complemented (as G.191).
  const __m128i magnitude = _mm_xor_si128(_mm_srai_epi16(x, 2), sign);
  const __m128i biased = _mm_min_epi16(_mm_add_epi16(magnitude, set16(33)), set16(0x1FFF));
  // biased >= 33 has its leading one at bit 5 + segment, so
  // segment << 4 | mantissa = top - ((127 + 5) << 4). The code inverts those
  // seven bits (0xFF - v) and clears bit 7 for negative samples.
  const __m128i top = float_exponent_and_4_bits(biased);
  return _mm_sub_epi16(_mm_sub_epi16(set16(0xFF + 0x840), top), _mm_and_si128(sign, set16(0x80)));
}

__m128i alaw_encode_8(__m128i x) {
  const __m128i sign = _mm_srai_epi16(x, 15);
  // 12-bit magnitude in units of the smallest step (one's complement, as G.191).
  const __m128i steps = _mm_srli_epi16(_mm_xor_si128(x, sign), 4);
  // From 16 up the leading one is at bit 3 + segment. Below 32 (segments 0
  // and 1) the code is the value itself, and the float form is never larger.
  const __m128i log = _mm_sub_epi16(float_exponent_and_4_bits(steps), set16(0x820));
  const __m128i code7 = _mm_max_epi16(log, _mm_min_epi16(steps, set16(31)));
  return _mm_xor_si128(code7, _mm_xor_si128(_mm_and_si128(sign, set16(0x80)), set16(0xD5)));
}

template <__m128i (*kDecode8)(__m128i)>
void decode_8(const uint8_t* in, int16_t* out) {
  const __m128i codes = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(in));
  _mm_storeu_si128(reinterpret_cast<__m128i*>(out), kDecode8(_mm_cvtepu8_epi16(codes)));
}

template <__m128i (*kDecode8)(__m128i)>
void decode_16(const uint8_t* in, int16_t* out) {
  const __m128i codes = _mm_loadu_si128(reinterpret_cast<const __m128i*>(in));
  const __m128i low = kDecode8(_mm_cvtepu8_epi16(codes));
  const __m128i high = kDecode8(_mm_unpackhi_epi8(codes, _mm_setzero_si128()));
  _mm_storeu_si128(reinterpret_cast<__m128i*>(out), low);
  _mm_storeu_si128(reinterpret_cast<__m128i*>(out + 8), high);
}

template <__m128i (*kEncode8)(__m128i)>
void encode_8(const int16_t* in, uint8_t* out) {
  const __m128i codes = kEncode8(_mm_loadu_si128(reinterpret_cast<const __m128i*>(in)));
  _mm_storel_epi64(reinterpret_cast<__m128i*>(out), _mm_packus_epi16(codes, codes));
}

template <__m128i (*kEncode8)(__m128i)>
void encode_16(const int16_t* in, uint8_t* out) {
  const __m128i low = kEncode8(_mm_loadu_si128(reinterpret_cast<const __m128i*>(in)));
  const __m128i high = kEncode8(_mm_loadu_si128(reinterpret_cast<const __m128i*>(in + 8)));
  _mm_storeu_si128(reinterpret_cast<__m128i*>(out), _mm_packus_epi16(low, high));
}

// 16 samples at a time, then 8; a last partial group is converted as the
// final 8 samples, redoing a few already done (same values: input and output
// do not overlap). Fewer than 8 samples in all go to the scalar kernel.
template <auto kBlock16, auto kBlock8, auto kScalar, typename In, typename Out>
void run(const In* in, Out* out, std::size_t n) {
  if (n < 8) {
    kScalar(in, out, n);
    return;
  }
  std::size_t i = 0;
  for (; i + 16 <= n; i += 16) kBlock16(in + i, out + i);
  if (i + 8 <= n) {
    kBlock8(in + i, out + i);
    i += 8;
  }
  if (i < n) kBlock8(in + n - 8, out + n - 8);
}

}  // namespace

void ulaw_decode_sse41(const uint8_t* in, int16_t* out, std::size_t n) noexcept {
  run<decode_16<ulaw_decode_8>, decode_8<ulaw_decode_8>, ulaw_decode_scalar>(in, out, n);
}

void alaw_decode_sse41(const uint8_t* in, int16_t* out, std::size_t n) noexcept {
  run<decode_16<alaw_decode_8>, decode_8<alaw_decode_8>, alaw_decode_scalar>(in, out, n);
}

void ulaw_encode_sse41(const int16_t* in, uint8_t* out, std::size_t n) noexcept {
  run<encode_16<ulaw_encode_8>, encode_8<ulaw_encode_8>, ulaw_encode_scalar>(in, out, n);
}

void alaw_encode_sse41(const int16_t* in, uint8_t* out, std::size_t n) noexcept {
  run<encode_16<alaw_encode_8>, encode_8<alaw_encode_8>, alaw_encode_scalar>(in, out, n);
}

}  // namespace ivrd::dsp::kernels
