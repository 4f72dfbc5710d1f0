#include "ivrd/dsp/g711.hpp"

#include <algorithm>
#include <cassert>

#include "kernels/g711_kernels.hpp"

namespace ivrd::dsp {
namespace kernels {
namespace {

// The tables are generated at compile time from G.711's segment rules in the
// form ITU-T G.191's reference code uses. Negative inputs take the one's
// complement (~y, i.e. -y - 1) as magnitude, not -y: that is what G.191 does
// and it is what makes encode(decode(code)) return the code.

// y is the 14-bit value (x >> 2), -8192..8191.
constexpr uint8_t ulaw_encode_14bit(int y) {
  const int magnitude = y < 0 ? ~y : y;                 // 0..8191
  const int biased = std::min(magnitude + 33, 0x1FFF);  // 33..8191
  int exponent = 0;
  for (int rest = biased >> 6; rest != 0; rest >>= 1) ++exponent;
  const int mantissa = (biased >> (exponent + 1)) & 0xF;
  // Code words are transmitted inverted; bit 7 set means positive.
  return static_cast<uint8_t>(((exponent << 4) | mantissa) ^ (y < 0 ? 0x7F : 0xFF));
}

constexpr int16_t ulaw_decode_code(uint8_t code) {
  const int inverted = ~code & 0x7F;
  const int exponent = inverted >> 4;
  const int mantissa = inverted & 0xF;
  // Segment mid-point in 14-bit units is (2 * mantissa + 33) * 2^exponent - 33;
  // scaled by 4 to 16 bits.
  const int magnitude = (((mantissa << 3) + 0x84) << exponent) - 0x84;
  return static_cast<int16_t>((code & 0x80) != 0 ? magnitude : -magnitude);
}

// y is the 13-bit value (x >> 3), -4096..4095.
constexpr uint8_t alaw_encode_13bit(int y) {
  int step_units = (y < 0 ? ~y : y) >> 1;  // 0..2047: segments 0 and 1 step 1
  if (step_units >= 16) {
    int exponent = 1;
    while (step_units > 31) {
      step_units >>= 1;
      ++exponent;
    }
    step_units = (exponent << 4) | (step_units - 16);
  }
  // Bit 7 set means positive; the even bits are inverted on the line.
  return static_cast<uint8_t>((step_units | (y < 0 ? 0x00 : 0x80)) ^ 0x55);
}

constexpr int16_t alaw_decode_code(uint8_t code) {
  const int plain = (code ^ 0x55) & 0x7F;
  const int exponent = plain >> 4;
  const int mantissa = plain & 0xF;
  // Mid-point in 13-bit units: segment 0 is 2m + 1; segment e >= 1 is
  // (2m + 33) * 2^(e - 1). Scaled by 8 to 16 bits.
  const int magnitude =
      exponent == 0 ? (mantissa << 4) + 8 : (((mantissa + 16) << 4) + 8) << (exponent - 1);
  return static_cast<int16_t>((code & 0x80) != 0 ? magnitude : -magnitude);
}

template <typename T, std::size_t N, typename F>
constexpr std::array<T, N> make_table(F f) {
  std::array<T, N> table{};
  for (std::size_t i = 0; i < N; ++i) table[i] = f(static_cast<int>(i));
  return table;
}

}  // namespace

constinit const std::array<int16_t, 256> kUlawDecodeTable =
    make_table<int16_t, 256>([](int i) { return ulaw_decode_code(static_cast<uint8_t>(i)); });
constinit const std::array<int16_t, 256> kAlawDecodeTable =
    make_table<int16_t, 256>([](int i) { return alaw_decode_code(static_cast<uint8_t>(i)); });
constinit const std::array<uint8_t, kUlawEncodeTableSize> kUlawEncodeTable =
    make_table<uint8_t, kUlawEncodeTableSize>([](int i) { return ulaw_encode_14bit(i - 8192); });
constinit const std::array<uint8_t, kAlawEncodeTableSize> kAlawEncodeTable =
    make_table<uint8_t, kAlawEncodeTableSize>([](int i) { return alaw_encode_13bit(i - 4096); });

}  // namespace kernels

uint8_t linear_to_ulaw(int16_t sample) noexcept {
  return kernels::kUlawEncodeTable[static_cast<std::size_t>((sample >> 2) + 8192)];
}

int16_t ulaw_to_linear(uint8_t code) noexcept { return kernels::kUlawDecodeTable[code]; }

uint8_t linear_to_alaw(int16_t sample) noexcept {
  return kernels::kAlawEncodeTable[static_cast<std::size_t>((sample >> 3) + 4096)];
}

int16_t alaw_to_linear(uint8_t code) noexcept { return kernels::kAlawDecodeTable[code]; }

namespace {

using DecodeKernel = void (*)(const uint8_t*, int16_t*, std::size_t) noexcept;
using EncodeKernel = void (*)(const int16_t*, uint8_t*, std::size_t) noexcept;

// A variant this CPU cannot run is lowered to the best one it can, so a wrong
// Isa costs speed, never a SIGILL.
std::size_t runnable(Isa requested) noexcept {
  static const int best = static_cast<int>(detected_isa());
  return static_cast<std::size_t>(std::clamp(static_cast<int>(requested), 0, best));
}

// Indexed by [law][isa].
static_assert(static_cast<int>(Isa::scalar) == 0 && static_cast<int>(Isa::avx512) == 3);
constexpr DecodeKernel kDecodeKernels[2][4] = {
    {kernels::ulaw_decode_scalar, kernels::ulaw_decode_sse41, kernels::ulaw_decode_avx2,
     kernels::ulaw_decode_avx512},
    {kernels::alaw_decode_scalar, kernels::alaw_decode_sse41, kernels::alaw_decode_avx2,
     kernels::alaw_decode_avx512}};
constexpr EncodeKernel kEncodeKernels[2][4] = {
    {kernels::ulaw_encode_scalar, kernels::ulaw_encode_sse41, kernels::ulaw_encode_avx2,
     kernels::ulaw_encode_avx512},
    {kernels::alaw_encode_scalar, kernels::alaw_encode_sse41, kernels::alaw_encode_avx2,
     kernels::alaw_encode_avx512}};

std::size_t law_index(G711Law law) noexcept { return law == G711Law::ulaw ? 0 : 1; }

}  // namespace

void g711_decode(G711Law law, std::span<const uint8_t> in, std::span<int16_t> out,
                 Isa isa) noexcept {
  assert(out.size() >= in.size());
  // A short output is a caller bug; never write past it.
  const std::size_t n = std::min(in.size(), out.size());
  if (n == 0) return;
  kDecodeKernels[law_index(law)][runnable(isa)](in.data(), out.data(), n);
}

void g711_encode(G711Law law, std::span<const int16_t> in, std::span<uint8_t> out,
                 Isa isa) noexcept {
  assert(out.size() >= in.size());
  const std::size_t n = std::min(in.size(), out.size());
  if (n == 0) return;
  kEncodeKernels[law_index(law)][runnable(isa)](in.data(), out.data(), n);
}

}  // namespace ivrd::dsp
