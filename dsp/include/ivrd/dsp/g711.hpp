#pragma once
// G.711 A-law and µ-law companding (ITU-T G.711, 1988), bit-exact.
//
// Linear samples are 16-bit two's complement. Encoding keeps the bits G.711
// defines (14 for µ-law, 13 for A-law) and truncates the rest, as the ITU-T
// G.191 reference does; decoding returns the segment mid-point scaled to 16
// bits. The tables are built once at start-up; single-sample calls are table
// look-ups, bulk calls use the run-time selected SIMD variant and give the
// same bytes and samples as the scalar reference for every input.
//
// No call allocates, blocks or throws.

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

// Bulk conversion; out.size() must be at least in.size(). Converts in.size()
// samples.
void g711_decode(G711Law law, std::span<const uint8_t> in, std::span<int16_t> out,
                 Isa isa = active_isa()) noexcept;
void g711_encode(G711Law law, std::span<const int16_t> in, std::span<uint8_t> out,
                 Isa isa = active_isa()) noexcept;

}  // namespace ivrd::dsp
