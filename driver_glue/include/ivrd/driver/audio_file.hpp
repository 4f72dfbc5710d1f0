#pragma once
// Capture files for the replay backend: read an audio file into 8 kHz 16-bit
// linear PCM, and write such PCM back to a file.
//
// Formats, chosen by the file's extension (case-insensitive) unless the caller
// passes one format for every file:
//   .ul  .ulaw   raw G.711 µ-law bytes, 8 kHz            (format name "ulaw")
//   .al  .alaw   raw G.711 A-law bytes, 8 kHz            (format name "alaw")
//   .raw .sln    signed 16-bit little-endian, 8 kHz      (format names "s16", "sln", "raw")
//   .wav         anything libsndfile reads: any sample   (format name "wav")
//                rate, sample format and channel count
// A WAV file is mixed down to mono (the mean of its channels) and resampled to
// 8 kHz with speexdsp's resampler at its highest quality; the resampler's delay
// is compensated, so a sound at time t in the file is at sample 8000*t of the
// result, and the result holds round(frames * 8000 / rate) samples. Float
// samples outside [-1, 1) are clipped to the 16-bit range. Writing a WAV file
// produces 8 kHz mono 16-bit PCM.
//
// What is rejected (each an AudioFileError naming the file, with a one-line
// problem): a file that cannot be opened or read (with the system's reason), an
// empty file, a raw 16-bit file of odd length, an unknown or missing
// extension, a WAV file libsndfile refuses (with libsndfile's message), a WAV
// file whose data chunk claims more bytes than the file holds (truncated), and
// a WAV file without audio frames. A raw µ-law or A-law file cannot be
// malformed: every byte is a sample.
//
// Files are read whole into memory. The functions keep no state and may be
// called from several threads at once.

#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace ivrd::driver {

enum class AudioFormat : uint8_t { ulaw, alaw, s16, wav };

// Canonical name: "ulaw", "alaw", "s16" or "wav".
std::string_view audio_format_name(AudioFormat format) noexcept;

// Accepts the canonical names and the aliases "sln" and "raw" for s16
// (case-sensitive, as on a command line); nothing for any other name.
std::optional<AudioFormat> parse_audio_format(std::string_view name) noexcept;

// The accepted format names, for messages: "ulaw, alaw, s16, sln, raw, wav".
std::string_view audio_format_names() noexcept;

// The format an extension such as ".ul" or ".WAV" stands for (with the dot);
// nothing for an unknown one.
std::optional<AudioFormat> audio_format_for_extension(std::string_view extension) noexcept;

// The supported extensions, for messages: ".ul, .ulaw, .al, .alaw, .raw, .sln, .wav".
std::string_view audio_extensions() noexcept;

// A file that cannot be read or written as audio. what() is "file: problem".
class AudioFileError : public std::runtime_error {
 public:
  AudioFileError(std::string file, std::string problem);

  // The file name as the caller gave it.
  const std::string& file() const noexcept { return file_; }
  // One line, without the file name, e.g. "cannot open: No such file or directory".
  const std::string& problem() const noexcept { return problem_; }

 private:
  std::string file_;
  std::string problem_;
};

// The format `path` is read or written as: `forced` when given, else the one
// its extension names. Throws AudioFileError for an unknown or missing
// extension. Touches no file.
AudioFormat resolve_audio_format(const std::filesystem::path& path,
                                 std::optional<AudioFormat> forced = std::nullopt);

struct Capture {
  std::vector<int16_t> samples;  // 8 kHz linear PCM
  AudioFormat format = AudioFormat::s16;
  // What the file held before conversion (8000 and 1 for the raw formats).
  int source_rate = 8000;
  int source_channels = 1;
};

// Reads a whole capture file. Throws AudioFileError (see above); every
// capture returned holds at least one sample.
Capture read_capture(const std::filesystem::path& path,
                     std::optional<AudioFormat> forced = std::nullopt);

// Writes 8 kHz linear PCM to `path` in `forced` or the format its extension
// names, replacing the file. Throws AudioFileError when the format is unknown
// or the file cannot be created or written.
void write_capture(const std::filesystem::path& path, std::span<const int16_t> pcm,
                   std::optional<AudioFormat> forced = std::nullopt);

// Mono audio at input_rate resampled to 8 kHz (speexdsp, best quality): the
// result holds round(n * 8000 / input_rate) samples, and a sound at time t of
// the input is at sample 8000 t. For audio that does not come from a file
// (synthesised speech, say). Throws std::runtime_error when the rate cannot
// be resampled (not positive).
std::vector<int16_t> resample_to_8k(std::span<const int16_t> pcm, int input_rate);

}  // namespace ivrd::driver
