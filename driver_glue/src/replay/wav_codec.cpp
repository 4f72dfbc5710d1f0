#include "wav_codec.hpp"

#include <sndfile.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <memory>
#include <optional>
#include <stdexcept>

#include <speex/speex_resampler.h>

#include "ivrd/driver/audio_file.hpp"

namespace ivrd::driver::detail {
namespace {

constexpr int kTargetRate = 8000;

// A file image in memory, seen through libsndfile's virtual I/O, so the file
// itself is opened (and its errors reported) in one place for every format.
// Reads come from `image`; writes go to `written`, which then is the image.
struct MemoryFile {
  std::span<const uint8_t> image;
  std::vector<uint8_t>* written = nullptr;
  sf_count_t position = 0;

  std::span<const uint8_t> bytes() const {
    return written != nullptr ? std::span<const uint8_t>(*written) : image;
  }
};

sf_count_t vio_length(void* user) {
  return static_cast<sf_count_t>(static_cast<MemoryFile*>(user)->bytes().size());
}

sf_count_t vio_seek(sf_count_t offset, int whence, void* user) {
  auto* file = static_cast<MemoryFile*>(user);
  sf_count_t base = 0;
  switch (whence) {
    case SEEK_SET: base = 0; break;
    case SEEK_CUR: base = file->position; break;
    case SEEK_END: base = static_cast<sf_count_t>(file->bytes().size()); break;
    default: return -1;
  }
  const sf_count_t target = base + offset;
  if (target < 0) return -1;
  file->position = target;
  return target;
}

sf_count_t vio_read(void* out, sf_count_t count, void* user) {
  auto* file = static_cast<MemoryFile*>(user);
  const std::span<const uint8_t> bytes = file->bytes();
  const auto size = static_cast<sf_count_t>(bytes.size());
  if (count <= 0 || file->position >= size) return 0;
  const sf_count_t n = std::min(count, size - file->position);
  std::memcpy(out, bytes.data() + file->position, static_cast<size_t>(n));
  file->position += n;
  return n;
}

sf_count_t vio_write(const void* in, sf_count_t count, void* user) {
  auto* file = static_cast<MemoryFile*>(user);
  if (file->written == nullptr || count <= 0) return 0;
  const auto end = static_cast<size_t>(file->position + count);
  if (end > file->written->size()) file->written->resize(end);
  std::memcpy(file->written->data() + file->position, in, static_cast<size_t>(count));
  file->position += count;
  return count;
}

sf_count_t vio_tell(void* user) { return static_cast<MemoryFile*>(user)->position; }

SF_VIRTUAL_IO memory_io() {
  return SF_VIRTUAL_IO{vio_length, vio_seek, vio_read, vio_write, vio_tell};
}

struct SndfileCloser {
  void operator()(SNDFILE* file) const noexcept { sf_close(file); }
};
using SndfilePtr = std::unique_ptr<SNDFILE, SndfileCloser>;

struct ResamplerDestroyer {
  void operator()(SpeexResamplerState* state) const noexcept { speex_resampler_destroy(state); }
};

// libsndfile's messages end with a full stop and sometimes a newline; the
// problem is one line inside a longer one.
std::string tidy_message(const char* message) {
  std::string text = message != nullptr ? message : "unknown libsndfile error";
  std::replace(text.begin(), text.end(), '\n', ' ');
  while (!text.empty() && (text.back() == ' ' || text.back() == '.')) text.pop_back();
  return text;
}

uint32_t read_le32(const uint8_t* p) {
  return static_cast<uint32_t>(p[0]) | static_cast<uint32_t>(p[1]) << 8 |
         static_cast<uint32_t>(p[2]) << 16 | static_cast<uint32_t>(p[3]) << 24;
}

int16_t to_int16(float sample) {
  const float scaled = std::nearbyint(sample * 32768.0f);
  return static_cast<int16_t>(std::clamp(scaled, -32768.0f, 32767.0f));
}

// When a RIFF/WAVE image's data chunk claims more bytes than follow it, the
// problem to report; nothing otherwise (including when the image is not
// RIFF/WAVE at all, which is libsndfile's to judge).
std::optional<std::string> wav_truncation_problem(std::span<const uint8_t> bytes) {
  if (bytes.size() < 12 || std::memcmp(bytes.data(), "RIFF", 4) != 0 ||
      std::memcmp(bytes.data() + 8, "WAVE", 4) != 0) {
    return std::nullopt;
  }
  size_t position = 12;
  while (position + 8 <= bytes.size()) {
    const uint32_t length = read_le32(bytes.data() + position + 4);
    const size_t available = bytes.size() - position - 8;
    if (std::memcmp(bytes.data() + position, "data", 4) == 0) {
      // 0 and 0xFFFFFFFF are what streaming writers leave when they never
      // come back to fill in the length: not truncation.
      if (length != 0 && length != 0xFFFFFFFFu && length > available) {
        return "truncated WAV: data chunk declares " + std::to_string(length) +
               " bytes, the file holds " + std::to_string(available);
      }
      return std::nullopt;
    }
    position += 8 + static_cast<size_t>(length) + (length & 1u);
  }
  return std::nullopt;
}

// Resamples mono audio to 8 kHz: the result holds round(n * 8000 / rate)
// samples and a sound at time t of the input is at sample 8000 t.
std::vector<float> resample_to_8k(std::span<const float> input, int input_rate) {
  if (input_rate == kTargetRate) return {input.begin(), input.end()};
  int error = 0;
  std::unique_ptr<SpeexResamplerState, ResamplerDestroyer> state(speex_resampler_init(
      1, static_cast<spx_uint32_t>(input_rate), kTargetRate, SPEEX_RESAMPLER_QUALITY_MAX, &error));
  if (!state) {
    throw std::runtime_error(std::string("cannot resample: ") + speex_resampler_strerror(error));
  }
  // Drop the filter's leading delay from the output; the trailing delay is
  // pushed out below by feeding zeros.
  speex_resampler_skip_zeros(state.get());

  const uint64_t wanted =
      (static_cast<uint64_t>(input.size()) * kTargetRate + static_cast<uint64_t>(input_rate) / 2) /
      static_cast<uint64_t>(input_rate);
  std::vector<float> output;
  output.reserve(wanted + 256);
  std::vector<float> block(4096);

  auto run = [&](const float* data, size_t count) {
    while (count > 0) {
      auto in_len = static_cast<spx_uint32_t>(std::min<size_t>(count, 1u << 16));
      auto out_len = static_cast<spx_uint32_t>(block.size());
      speex_resampler_process_float(state.get(), 0, data, &in_len, block.data(), &out_len);
      output.insert(output.end(), block.begin(), block.begin() + out_len);
      data += in_len;
      count -= in_len;
      if (in_len == 0 && out_len == 0) break;  // cannot happen; guards the loop
    }
  };
  run(input.data(), input.size());

  const std::vector<float> zeros(
      static_cast<size_t>(speex_resampler_get_input_latency(state.get())) + 64, 0.0f);
  for (int round = 0; round < 4 && output.size() < wanted; ++round) run(zeros.data(), zeros.size());
  output.resize(static_cast<size_t>(wanted), 0.0f);
  return output;
}

}  // namespace

std::variant<DecodedWav, std::string> decode_wav(std::span<const uint8_t> bytes) {
  MemoryFile file{bytes, nullptr, 0};
  SF_VIRTUAL_IO io = memory_io();
  SF_INFO info{};
  SndfilePtr sndfile(sf_open_virtual(&io, SFM_READ, &info, &file));
  if (!sndfile) return "cannot read WAV: " + tidy_message(sf_strerror(nullptr));
  if (auto problem = wav_truncation_problem(bytes)) return *problem;
  if (info.channels <= 0 || info.samplerate <= 0) {
    return "cannot read WAV: " + std::to_string(info.channels) + " channels at " +
           std::to_string(info.samplerate) + " Hz";
  }
  if (info.frames == 0) return "WAV has no audio frames";

  const auto channels = static_cast<size_t>(info.channels);
  std::vector<float> mono;
  if (info.frames > 0 && info.frames < SF_COUNT_MAX) mono.reserve(static_cast<size_t>(info.frames));
  std::vector<float> block(4096 * channels);
  for (;;) {
    const sf_count_t frames = sf_readf_float(sndfile.get(), block.data(),
                                             static_cast<sf_count_t>(block.size() / channels));
    if (frames <= 0) break;
    for (sf_count_t f = 0; f < frames; ++f) {
      const float* frame = block.data() + static_cast<size_t>(f) * channels;
      float sum = 0.0f;
      for (size_t c = 0; c < channels; ++c) sum += frame[c];
      mono.push_back(channels == 1 ? sum : sum / static_cast<float>(channels));
    }
  }
  if (sf_error(sndfile.get()) != SF_ERR_NO_ERROR) {
    return "cannot read WAV: " + tidy_message(sf_strerror(sndfile.get()));
  }
  if (mono.empty()) return "WAV has no audio frames";

  std::vector<float> resampled;
  try {
    resampled = resample_to_8k(mono, info.samplerate);
  } catch (const std::runtime_error& error) {
    return std::string(error.what());
  }
  DecodedWav result;
  result.samples.resize(resampled.size());
  std::transform(resampled.begin(), resampled.end(), result.samples.begin(), to_int16);
  result.source_rate = info.samplerate;
  result.source_channels = info.channels;
  return result;
}

std::variant<std::vector<uint8_t>, std::string> encode_wav(std::span<const int16_t> pcm) {
  std::vector<uint8_t> image;
  MemoryFile file{{}, &image, 0};
  SF_VIRTUAL_IO io = memory_io();
  SF_INFO info{};
  info.samplerate = kTargetRate;
  info.channels = 1;
  info.format = SF_FORMAT_WAV | SF_FORMAT_PCM_16;
  {
    SndfilePtr sndfile(sf_open_virtual(&io, SFM_WRITE, &info, &file));
    if (!sndfile) return "cannot encode WAV: " + tidy_message(sf_strerror(nullptr));
    const auto count = static_cast<sf_count_t>(pcm.size());
    if (sf_writef_short(sndfile.get(), pcm.data(), count) != count) {
      return "cannot encode WAV: " + tidy_message(sf_strerror(sndfile.get()));
    }
  }  // closing writes the final chunk lengths
  return image;
}

}  // namespace ivrd::driver::detail

namespace ivrd::driver {

std::vector<int16_t> resample_to_8k(std::span<const int16_t> pcm, int input_rate) {
  if (input_rate <= 0) {
    throw std::runtime_error("cannot resample from " + std::to_string(input_rate) + " Hz");
  }
  std::vector<float> input(pcm.size());
  for (size_t i = 0; i < pcm.size(); ++i) input[i] = static_cast<float>(pcm[i]) / 32768.0f;
  const std::vector<float> resampled = detail::resample_to_8k(input, input_rate);
  std::vector<int16_t> out(resampled.size());
  for (size_t i = 0; i < resampled.size(); ++i) out[i] = detail::to_int16(resampled[i]);
  return out;
}

}  // namespace ivrd::driver
