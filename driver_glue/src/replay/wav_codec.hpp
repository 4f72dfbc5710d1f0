#pragma once
// WAV (and anything else libsndfile reads) to and from memory. Internal to
// the replay backend: libsndfile and speexdsp stay behind this header.

#include <cstdint>
#include <span>
#include <string>
#include <variant>
#include <vector>

namespace ivrd::driver::detail {

struct DecodedWav {
  std::vector<int16_t> samples;  // mono, 8 kHz
  int source_rate = 0;
  int source_channels = 0;
};

// Decodes a whole file image; on failure returns the one-line problem.
std::variant<DecodedWav, std::string> decode_wav(std::span<const uint8_t> bytes);

// Encodes 8 kHz mono 16-bit PCM as a WAV file image; on failure returns the
// problem.
std::variant<std::vector<uint8_t>, std::string> encode_wav(std::span<const int16_t> pcm);

}  // namespace ivrd::driver::detail
