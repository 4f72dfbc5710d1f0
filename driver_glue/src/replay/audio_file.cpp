#include "ivrd/driver/audio_file.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <utility>
#include <variant>

#include "ivrd/dsp/g711.hpp"

#include "wav_codec.hpp"

namespace ivrd::driver {
namespace {

struct FileCloser {
  void operator()(std::FILE* file) const noexcept { std::fclose(file); }
};
using FilePtr = std::unique_ptr<std::FILE, FileCloser>;

[[noreturn]] void fail_errno(const std::filesystem::path& path, const char* what, int error) {
  throw AudioFileError(path.string(), std::string(what) + ": " + std::strerror(error));
}

std::vector<uint8_t> read_file_bytes(const std::filesystem::path& path) {
  errno = 0;
  FilePtr file(std::fopen(path.c_str(), "rb"));
  if (!file) fail_errno(path, "cannot open", errno);
  std::vector<uint8_t> bytes;
  std::vector<uint8_t> block(1 << 16);
  for (;;) {
    const size_t n = std::fread(block.data(), 1, block.size(), file.get());
    bytes.insert(bytes.end(), block.begin(), block.begin() + static_cast<std::ptrdiff_t>(n));
    if (n < block.size()) break;
  }
  // A directory opens fine and fails on the first read (EISDIR).
  if (std::ferror(file.get())) fail_errno(path, "cannot read", errno != 0 ? errno : EIO);
  return bytes;
}

void write_file_bytes(const std::filesystem::path& path, std::span<const uint8_t> bytes) {
  errno = 0;
  FilePtr file(std::fopen(path.c_str(), "wb"));
  if (!file) fail_errno(path, "cannot create", errno);
  if (!bytes.empty() && std::fwrite(bytes.data(), 1, bytes.size(), file.get()) != bytes.size()) {
    fail_errno(path, "cannot write", errno != 0 ? errno : EIO);
  }
  // Errors of buffered writes (a full disk) show only when the file is closed.
  if (std::fclose(file.release()) != 0) fail_errno(path, "cannot write", errno != 0 ? errno : EIO);
}

std::vector<int16_t> decode_s16le(const std::filesystem::path& path,
                                  std::span<const uint8_t> bytes) {
  if (bytes.size() % 2 != 0) {
    throw AudioFileError(path.string(), "odd length for 16-bit samples (" +
                                            std::to_string(bytes.size()) +
                                            (bytes.size() == 1 ? " byte)" : " bytes)"));
  }
  std::vector<int16_t> samples(bytes.size() / 2);
  for (size_t i = 0; i < samples.size(); ++i) {
    const auto value = static_cast<uint16_t>(bytes[2 * i] | bytes[2 * i + 1] << 8);
    samples[i] = static_cast<int16_t>(value);
  }
  return samples;
}

std::vector<uint8_t> encode_s16le(std::span<const int16_t> samples) {
  std::vector<uint8_t> bytes(samples.size() * 2);
  for (size_t i = 0; i < samples.size(); ++i) {
    const auto value = static_cast<uint16_t>(samples[i]);
    bytes[2 * i] = static_cast<uint8_t>(value & 0xFF);
    bytes[2 * i + 1] = static_cast<uint8_t>(value >> 8);
  }
  return bytes;
}

dsp::G711Law law_of(AudioFormat format) {
  return format == AudioFormat::alaw ? dsp::G711Law::alaw : dsp::G711Law::ulaw;
}

}  // namespace

Capture read_capture(const std::filesystem::path& path, std::optional<AudioFormat> forced) {
  Capture capture;
  capture.format = resolve_audio_format(path, forced);
  const std::vector<uint8_t> bytes = read_file_bytes(path);
  if (bytes.empty()) throw AudioFileError(path.string(), "empty file");

  switch (capture.format) {
    case AudioFormat::ulaw:
    case AudioFormat::alaw:
      capture.samples.resize(bytes.size());
      dsp::g711_decode(law_of(capture.format), bytes, capture.samples);
      break;
    case AudioFormat::s16: capture.samples = decode_s16le(path, bytes); break;
    case AudioFormat::wav: {
      auto decoded = detail::decode_wav(bytes);
      if (auto* problem = std::get_if<std::string>(&decoded)) {
        throw AudioFileError(path.string(), std::move(*problem));
      }
      auto& wav = std::get<detail::DecodedWav>(decoded);
      capture.samples = std::move(wav.samples);
      capture.source_rate = wav.source_rate;
      capture.source_channels = wav.source_channels;
      break;
    }
  }
  return capture;
}

void write_capture(const std::filesystem::path& path, std::span<const int16_t> pcm,
                   std::optional<AudioFormat> forced) {
  const AudioFormat format = resolve_audio_format(path, forced);
  std::vector<uint8_t> bytes;
  switch (format) {
    case AudioFormat::ulaw:
    case AudioFormat::alaw:
      bytes.resize(pcm.size());
      dsp::g711_encode(law_of(format), pcm, bytes);
      break;
    case AudioFormat::s16: bytes = encode_s16le(pcm); break;
    case AudioFormat::wav: {
      auto encoded = detail::encode_wav(pcm);
      if (auto* problem = std::get_if<std::string>(&encoded)) {
        throw AudioFileError(path.string(), std::move(*problem));
      }
      bytes = std::move(std::get<std::vector<uint8_t>>(encoded));
      break;
    }
  }
  write_file_bytes(path, bytes);
}

}  // namespace ivrd::driver
