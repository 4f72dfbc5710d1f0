#include "ivrd/test_support/g711_line.hpp"

#include <algorithm>

namespace ivrd::test_support {

std::vector<uint8_t> g711_encode(std::span<const int16_t> pcm, dsp::G711Law law) {
  std::vector<uint8_t> codes(pcm.size());
  dsp::g711_encode(law, pcm, codes);
  return codes;
}

std::vector<int16_t> g711_decode(std::span<const uint8_t> codes, dsp::G711Law law) {
  std::vector<int16_t> pcm(codes.size());
  dsp::g711_decode(law, codes, pcm);
  return pcm;
}

std::vector<int16_t> g711_round_trip(std::span<const int16_t> pcm, dsp::G711Law law) {
  return g711_decode(g711_encode(pcm, law), law);
}

void g711_round_trip_in_place(std::span<int16_t> pcm, dsp::G711Law law) {
  const std::vector<int16_t> decoded = g711_round_trip(pcm, law);
  std::copy(decoded.begin(), decoded.end(), pcm.begin());
}

}  // namespace ivrd::test_support
