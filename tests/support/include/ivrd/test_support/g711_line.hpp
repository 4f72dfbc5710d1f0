#pragma once
// A G.711 line: what a signal looks like after a trip through a digital
// telephone network (encode, then decode, with ivrd::dsp's bit-exact codec).

#include <cstdint>
#include <span>
#include <vector>

#include "ivrd/dsp/g711.hpp"

namespace ivrd::test_support {

std::vector<uint8_t> g711_encode(std::span<const int16_t> pcm,
                                 dsp::G711Law law = dsp::G711Law::ulaw);
std::vector<int16_t> g711_decode(std::span<const uint8_t> codes,
                                 dsp::G711Law law = dsp::G711Law::ulaw);

// Encode and decode: adds G.711 quantisation noise (about 38 dB SNR for
// speech-level signals) as a real line does.
std::vector<int16_t> g711_round_trip(std::span<const int16_t> pcm,
                                     dsp::G711Law law = dsp::G711Law::ulaw);
void g711_round_trip_in_place(std::span<int16_t> pcm, dsp::G711Law law = dsp::G711Law::ulaw);

}  // namespace ivrd::test_support
