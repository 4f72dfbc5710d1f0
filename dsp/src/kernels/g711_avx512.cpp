// AVX-512 G.711 kernels (compiled with -mavx512f -mavx512bw -mavx512vl
// -mavx512dq plus the AVX2 flags), 32 samples per register.
//
// Decoding uses per-lane variable shifts (vpsllvw) and mask registers instead
// of the byte shuffles and multiply; encoding uses the float-conversion trick
// explained in g711_sse41.cpp.

// Debian 12's GCC 12.2 warns about the AVX-512 headers' own
// _mm512_undefined_*() once inlined (GCC bug 105593). The warning is located in
// the header, so silencing it around the include leaves this file's code checked.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>
#pragma GCC diagnostic pop

#include "kernels/g711_kernels.hpp"

namespace ivrd::dsp::kernels {
namespace {

__m512i set16(int value) { return _mm512_set1_epi16(static_cast<short>(value)); }

// Codes zero-extended to 16-bit lanes in, samples out.
__m512i ulaw_decode_32(__m512i code) {
  const __m512i plain = _mm512_xor_si512(code, set16(0xFF));
  const __m512i exponent = _mm512_and_si512(_mm512_srli_epi16(plain, 4), set16(7));
  // ((8 * mantissa + 132) << exponent) - 132.
  const __m512i base =
      _mm512_or_si512(_mm512_and_si512(_mm512_slli_epi16(plain, 3), set16(0x78)), set16(0x84));
  const __m512i magnitude = _mm512_sub_epi16(_mm512_sllv_epi16(base, exponent), set16(0x84));
  const __mmask32 negative = _mm512_cmplt_epu16_mask(code, set16(0x80));
  return _mm512_mask_sub_epi16(magnitude, negative, _mm512_setzero_si512(), magnitude);
}

__m512i alaw_decode_32(__m512i code) {
  const __m512i plain = _mm512_xor_si512(code, set16(0x55));
  const __m512i exponent = _mm512_and_si512(_mm512_srli_epi16(plain, 4), set16(7));
  // Segment 0: (2m + 1) << 3. Segment e >= 1: (2m + 33) << (e + 2).
  const __m512i odd =
      _mm512_or_si512(_mm512_and_si512(_mm512_slli_epi16(plain, 1), set16(0x1E)), set16(1));
  const __mmask32 segmented = _mm512_test_epi16_mask(plain, set16(0x70));
  const __m512i base = _mm512_mask_add_epi16(odd, segmented, odd, set16(32));
  const __m512i shift = _mm512_add_epi16(_mm512_max_epu16(exponent, set16(1)), set16(2));
  const __m512i magnitude = _mm512_sllv_epi16(base, shift);
  const __mmask32 negative = _mm512_cmplt_epu16_mask(code, set16(0x80));
  return _mm512_mask_sub_epi16(magnitude, negative, _mm512_setzero_si512(), magnitude);
}

// Lanes hold 0..32767; returns each lane's float bits >> 19.
__m512i float_exponent_and_4_bits(__m512i v) {
  const __m512i even = _mm512_and_si512(v, _mm512_set1_epi32(0xFFFF));
  const __m512i odd = _mm512_srli_epi32(v, 16);
  const __m512i even_bits = _mm512_castps_si512(_mm512_cvtepi32_ps(even));
  const __m512i odd_bits = _mm512_castps_si512(_mm512_cvtepi32_ps(odd));
  const __m512i high_halves =
      _mm512_mask_blend_epi16(0xAAAAAAAAu, _mm512_srli_epi32(even_bits, 16), odd_bits);
  return _mm512_srli_epi16(high_halves, 3);
}

// Samples in, codes in the low byte of each 16-bit lane out.
__m512i ulaw_encode_32(__m512i x) {
  const __m512i sign = _mm512_srai_epi16(x, 15);
  const __m512i magnitude = _mm512_xor_si512(_mm512_srai_epi16(x, 2), sign);
  const __m512i biased = _mm512_min_epi16(_mm512_add_epi16(magnitude, set16(33)), set16(0x1FFF));
  const __m512i top = float_exponent_and_4_bits(biased);
  return _mm512_sub_epi16(_mm512_sub_epi16(set16(0xFF + 0x840), top),
                          _mm512_and_si512(sign, set16(0x80)));
}

__m512i alaw_encode_32(__m512i x) {
  const __m512i sign = _mm512_srai_epi16(x, 15);
  const __m512i steps = _mm512_srli_epi16(_mm512_xor_si512(x, sign), 4);
  const __m512i log = _mm512_sub_epi16(float_exponent_and_4_bits(steps), set16(0x820));
  const __m512i code7 = _mm512_max_epi16(log, _mm512_min_epi16(steps, set16(31)));
  return _mm512_xor_si512(code7,
                          _mm512_xor_si512(_mm512_and_si512(sign, set16(0x80)), set16(0xD5)));
}

template <__m512i (*kDecode32)(__m512i)>
void decode_8(const uint8_t* in, int16_t* out) {
  const __m128i codes = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(in));
  const __m512i samples = kDecode32(_mm512_cvtepu8_epi16(_mm256_zextsi128_si256(codes)));
  _mm_storeu_si128(reinterpret_cast<__m128i*>(out), _mm512_castsi512_si128(samples));
}

template <__m512i (*kDecode32)(__m512i)>
void decode_16(const uint8_t* in, int16_t* out) {
  const __m128i codes = _mm_loadu_si128(reinterpret_cast<const __m128i*>(in));
  const __m512i samples = kDecode32(_mm512_cvtepu8_epi16(_mm256_zextsi128_si256(codes)));
  _mm256_storeu_si256(reinterpret_cast<__m256i*>(out), _mm512_castsi512_si256(samples));
}

template <__m512i (*kDecode32)(__m512i)>
void decode_32(const uint8_t* in, int16_t* out) {
  const __m256i codes = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(in));
  _mm512_storeu_si512(out, kDecode32(_mm512_cvtepu8_epi16(codes)));
}

template <__m512i (*kEncode32)(__m512i)>
void encode_8(const int16_t* in, uint8_t* out) {
  const __m128i samples = _mm_loadu_si128(reinterpret_cast<const __m128i*>(in));
  const __m256i codes = _mm512_cvtepi16_epi8(kEncode32(_mm512_zextsi128_si512(samples)));
  _mm_storel_epi64(reinterpret_cast<__m128i*>(out), _mm256_castsi256_si128(codes));
}

template <__m512i (*kEncode32)(__m512i)>
void encode_16(const int16_t* in, uint8_t* out) {
  const __m256i samples = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(in));
  const __m256i codes = _mm512_cvtepi16_epi8(kEncode32(_mm512_zextsi256_si512(samples)));
  _mm_storeu_si128(reinterpret_cast<__m128i*>(out), _mm256_castsi256_si128(codes));
}

template <__m512i (*kEncode32)(__m512i)>
void encode_32(const int16_t* in, uint8_t* out) {
  const __m256i codes = _mm512_cvtepi16_epi8(kEncode32(_mm512_loadu_si512(in)));
  _mm256_storeu_si256(reinterpret_cast<__m256i*>(out), codes);
}

// 32 samples at a time, then 16, then 8; a last partial group is converted
// as the final 8 samples, redoing a few already done (same values: input and
// output do not overlap). Fewer than 8 samples in all go to the scalar kernel.
//
// Not masked loads and stores for the tail: a masked access still counts as
// touching its whole 64-byte window for memory ordering, so with the output
// just after the input (small buffers side by side) each call's tail load
// waited for the previous call's store, several times slower (measured on
// Zen 5). Exact-size accesses have no such false dependency.
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

void ulaw_decode_avx512(const uint8_t* in, int16_t* out, std::size_t n) noexcept {
  run<decode_32<ulaw_decode_32>, decode_16<ulaw_decode_32>, decode_8<ulaw_decode_32>,
      ulaw_decode_scalar>(in, out, n);
}

void alaw_decode_avx512(const uint8_t* in, int16_t* out, std::size_t n) noexcept {
  run<decode_32<alaw_decode_32>, decode_16<alaw_decode_32>, decode_8<alaw_decode_32>,
      alaw_decode_scalar>(in, out, n);
}

void ulaw_encode_avx512(const int16_t* in, uint8_t* out, std::size_t n) noexcept {
  run<encode_32<ulaw_encode_32>, encode_16<ulaw_encode_32>, encode_8<ulaw_encode_32>,
      ulaw_encode_scalar>(in, out, n);
}

void alaw_encode_avx512(const int16_t* in, uint8_t* out, std::size_t n) noexcept {
  run<encode_32<alaw_encode_32>, encode_16<alaw_encode_32>, encode_8<alaw_encode_32>,
      alaw_encode_scalar>(in, out, n);
}

}  // namespace ivrd::dsp::kernels
