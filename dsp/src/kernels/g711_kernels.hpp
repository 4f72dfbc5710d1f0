#pragma once
// Internal: G.711 conversion tables and bulk kernels, one set per instruction
// set. Not installed; the public interface is ivrd/dsp/g711.hpp.
//
// Kernels take raw pointers and a count, accept any alignment and any count
// (including 0), never read or write outside [p, p + n), and give the same
// result as the tables for every input. Input and output must not overlap.
//
// Only declarations live here: a function defined in this header and used
// from an ISA file would be compiled with that file's flags and could be the
// copy the linker keeps for every caller.

#include <array>
#include <cstddef>
#include <cstdint>

namespace ivrd::dsp::kernels {

// Constant-initialised in g711.cpp (no start-up order to worry about).
// Encode tables are indexed by the bits G.711 keeps, offset to start at 0:
// µ-law by (x >> 2) + 8192 (14 bits), A-law by (x >> 3) + 4096 (13 bits).
inline constexpr std::size_t kUlawEncodeTableSize = 1u << 14;
inline constexpr std::size_t kAlawEncodeTableSize = 1u << 13;
extern const std::array<int16_t, 256> kUlawDecodeTable;
extern const std::array<int16_t, 256> kAlawDecodeTable;
extern const std::array<uint8_t, kUlawEncodeTableSize> kUlawEncodeTable;
extern const std::array<uint8_t, kAlawEncodeTableSize> kAlawEncodeTable;

void ulaw_decode_scalar(const uint8_t* in, int16_t* out, std::size_t n) noexcept;
void alaw_decode_scalar(const uint8_t* in, int16_t* out, std::size_t n) noexcept;
void ulaw_encode_scalar(const int16_t* in, uint8_t* out, std::size_t n) noexcept;
void alaw_encode_scalar(const int16_t* in, uint8_t* out, std::size_t n) noexcept;

void ulaw_decode_sse41(const uint8_t* in, int16_t* out, std::size_t n) noexcept;
void alaw_decode_sse41(const uint8_t* in, int16_t* out, std::size_t n) noexcept;
void ulaw_encode_sse41(const int16_t* in, uint8_t* out, std::size_t n) noexcept;
void alaw_encode_sse41(const int16_t* in, uint8_t* out, std::size_t n) noexcept;

void ulaw_decode_avx2(const uint8_t* in, int16_t* out, std::size_t n) noexcept;
void alaw_decode_avx2(const uint8_t* in, int16_t* out, std::size_t n) noexcept;
void ulaw_encode_avx2(const int16_t* in, uint8_t* out, std::size_t n) noexcept;
void alaw_encode_avx2(const int16_t* in, uint8_t* out, std::size_t n) noexcept;

void ulaw_decode_avx512(const uint8_t* in, int16_t* out, std::size_t n) noexcept;
void alaw_decode_avx512(const uint8_t* in, int16_t* out, std::size_t n) noexcept;
void ulaw_encode_avx512(const int16_t* in, uint8_t* out, std::size_t n) noexcept;
void alaw_encode_avx512(const int16_t* in, uint8_t* out, std::size_t n) noexcept;

}  // namespace ivrd::dsp::kernels
