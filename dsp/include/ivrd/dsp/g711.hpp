#pragma once
// G.711 A-law and µ-law companding (ITU-T G.711, 1988), bit-exact.
//
// Linear samples are 16-bit two's complement. Encoding keeps the bits G.711
// defines (14 for µ-law: x >> 2, 13 for A-law: x >> 3) and truncates the
// rest, as the ITU-T G.191 reference does, including its one's complement of
// negative samples: -1..-4 encode to µ-law 0x7F ("negative zero"), not 0xFF.
// Decoding returns the interval mid-point scaled to 16 bits: µ-law spans
// ±32124 (0x80 / 0x00), A-law ±32256 (0xAA / 0x2A); µ-law 0xFF and 0x7F both
// give 0, A-law has no zero (0xD5 / 0x55 give ±8). Codes are as transmitted:
// µ-law with all bits but the sign inverted, A-law with the even bits inverted.
// encode(decode(c)) == c for every code except µ-law 0x7F, which returns 0xFF.
//
// The tables are constant-initialised (usable from any static initialiser);
// single-sample calls are table look-ups, bulk calls use the SIMD variant
// chosen by the Isa argument and give the same bytes and samples as the
// single-sample calls for every input, length and alignment.
//
// No call allocates, blocks or throws; all are thread-safe.

#include <cstddef>
#include <cstdint>
#include <span>

#include "ivrd/dsp/isa.hpp"

namespace ivrd::dsp {

enum class G711Law { ulaw, alaw };

uint8_t linear_to_ulaw(int16_t sample) noexcept;
int16_t ulaw_to_linear(uint8_t code) noexcept;
uint8_t linear_to_alaw(int16_t sample) noexcept;
int16_t alaw_to_linear(uint8_t code) noexcept;

// Bulk conversion of in.size() samples. out.size() must be at least
// in.size() (a debug build asserts; otherwise only out.size() are converted
// and nothing is written past out), and in and out must not overlap. An Isa
// this CPU cannot run is lowered to the best one it can.
void g711_decode(G711Law law, std::span<const uint8_t> in, std::span<int16_t> out,
                 Isa isa = active_isa()) noexcept;
void g711_encode(G711Law law, std::span<const int16_t> in, std::span<uint8_t> out,
                 Isa isa = active_isa()) noexcept;

}  // namespace ivrd::dsp
