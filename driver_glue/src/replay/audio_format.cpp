#include <array>
#include <cctype>
#include <string>
#include <utility>

#include "ivrd/driver/audio_file.hpp"

namespace ivrd::driver {
namespace {

struct NamedFormat {
  std::string_view name;
  AudioFormat format;
};

constexpr std::array<NamedFormat, 6> kFormatNames{{
    {"ulaw", AudioFormat::ulaw},
    {"alaw", AudioFormat::alaw},
    {"s16", AudioFormat::s16},
    {"sln", AudioFormat::s16},
    {"raw", AudioFormat::s16},
    {"wav", AudioFormat::wav},
}};

constexpr std::array<NamedFormat, 7> kExtensions{{
    {".ul", AudioFormat::ulaw},
    {".ulaw", AudioFormat::ulaw},
    {".al", AudioFormat::alaw},
    {".alaw", AudioFormat::alaw},
    {".raw", AudioFormat::s16},
    {".sln", AudioFormat::s16},
    {".wav", AudioFormat::wav},
}};

}  // namespace

std::string_view audio_format_name(AudioFormat format) noexcept {
  switch (format) {
    case AudioFormat::ulaw: return "ulaw";
    case AudioFormat::alaw: return "alaw";
    case AudioFormat::s16: return "s16";
    case AudioFormat::wav: return "wav";
  }
  return "unknown";
}

std::optional<AudioFormat> parse_audio_format(std::string_view name) noexcept {
  for (const NamedFormat& entry : kFormatNames) {
    if (entry.name == name) return entry.format;
  }
  return std::nullopt;
}

std::string_view audio_format_names() noexcept { return "ulaw, alaw, s16, sln, raw, wav"; }

std::optional<AudioFormat> audio_format_for_extension(std::string_view extension) noexcept {
  // The longest extension is five characters; anything longer is unknown.
  if (extension.size() > 5) return std::nullopt;
  std::array<char, 5> folded{};
  for (size_t i = 0; i < extension.size(); ++i) {
    folded[i] = static_cast<char>(std::tolower(static_cast<unsigned char>(extension[i])));
  }
  const std::string_view key(folded.data(), extension.size());
  for (const NamedFormat& entry : kExtensions) {
    if (entry.name == key) return entry.format;
  }
  return std::nullopt;
}

std::string_view audio_extensions() noexcept { return ".ul, .ulaw, .al, .alaw, .raw, .sln, .wav"; }

AudioFileError::AudioFileError(std::string file, std::string problem)
    : std::runtime_error(file + ": " + problem),
      file_(std::move(file)),
      problem_(std::move(problem)) {}

AudioFormat resolve_audio_format(const std::filesystem::path& path,
                                 std::optional<AudioFormat> forced) {
  if (forced) return *forced;
  const std::string extension = path.extension().string();
  if (extension.empty()) {
    throw AudioFileError(path.string(), "no file extension to tell the audio format (supported: " +
                                            std::string(audio_extensions()) + ")");
  }
  if (const auto format = audio_format_for_extension(extension)) return *format;
  throw AudioFileError(path.string(), "unknown extension '" + extension +
                                          "' (supported: " + std::string(audio_extensions()) + ")");
}

}  // namespace ivrd::driver
