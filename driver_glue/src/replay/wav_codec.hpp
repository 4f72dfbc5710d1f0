#pragma once
// WAV (and anything else libsndfile reads) to and from memory. Internal to
// the replay backend: libsndfile and speexdsp stay behind this header.

#include <cstdint>
#include <optional>
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

// Resamples mono float audio to 8 kHz (see audio_file.hpp for the alignment
// and length guarantees). Exposed for the tests.
std::vector<float> resample_to_8k(std::span<const float> input, int input_rate);

// When a RIFF/WAVE image's data chunk claims more bytes than follow it, the
// problem to report; nothing otherwise (including when the image is not
// RIFF/WAVE at all, which is libsndfile's to judge).
std::optional<std::string> wav_truncation_problem(std::span<const uint8_t> bytes);

}  // namespace ivrd::driver::detail
