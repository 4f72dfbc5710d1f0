// Scalar G.711 kernels: the tables, one look-up per sample. This is the
// reference every SIMD variant must match.

#include "kernels/g711_kernels.hpp"

namespace ivrd::dsp::kernels {

void ulaw_decode_scalar(const uint8_t* in, int16_t* out, std::size_t n) noexcept {
  for (std::size_t i = 0; i < n; ++i) out[i] = kUlawDecodeTable[in[i]];
}

void alaw_decode_scalar(const uint8_t* in, int16_t* out, std::size_t n) noexcept {
  for (std::size_t i = 0; i < n; ++i) out[i] = kAlawDecodeTable[in[i]];
}

void ulaw_encode_scalar(const int16_t* in, uint8_t* out, std::size_t n) noexcept {
  for (std::size_t i = 0; i < n; ++i) {
    out[i] = kUlawEncodeTable[static_cast<std::size_t>((in[i] >> 2) + 8192)];
  }
}

void alaw_encode_scalar(const int16_t* in, uint8_t* out, std::size_t n) noexcept {
  for (std::size_t i = 0; i < n; ++i) {
    out[i] = kAlawEncodeTable[static_cast<std::size_t>((in[i] >> 3) + 4096)];
  }
}

}  // namespace ivrd::dsp::kernels
