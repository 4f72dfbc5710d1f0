#pragma once
// Prompt audio: what the appliance plays to callers, loaded once from files
// and kept ready in the line's form.
//
// A prompt is 8 kHz mono audio held twice: as 16-bit linear PCM (for mixing
// and the line interface, which carries linear blocks) and coded in the
// line's G.711 law (µ-law or A-law, ivrd's own bit-exact coder in ivrd::dsp),
// so a line that sends coded bytes does no work per block.
//
// Files are read with the replay backend's capture reader
// (ivrd/driver/audio_file.hpp), chosen by extension:
//   .wav         anything libsndfile reads: any sample rate, channel count and
//                sample format (PCM 8/16/24/32-bit, float, double, µ-law,
//                A-law, ...); mixed down to mono (the mean of the channels)
//                and resampled to 8 kHz with speexdsp at its highest quality,
//                delay compensated
//   .ul .ulaw    raw µ-law, 8 kHz
//   .al .alaw    raw A-law, 8 kHz
//   .raw .sln    raw signed 16-bit little-endian, 8 kHz
//
// Errors: a prompt that cannot be used is a configuration error, never
// silence. Loading throws PromptError, whose what() is one line naming the
// file as given, e.g.
//   menus/welcome.wav: missing prompt file
//   menus/welcome.wav: empty file
//   menus/welcome.wav: not a regular file
//   menus/welcome.wav: too large: 300000000 bytes (limit 268435456)
//   menus/welcome.wav: too long: 700.0 s (limit 600.0 s)
//   menus/welcome.mp3: unknown extension '.mp3' (supported: ...)
// and the capture reader's problems: libsndfile's reason for a file that is
// not audio, "truncated WAV: ..." for a data chunk longer than the file, and
// "WAV has no audio frames".

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include "ivrd/dsp/g711.hpp"

namespace ivrd::ivr {

inline constexpr int kPromptSampleRate = 8000;

// A prompt, text or fragment that cannot be used. what() is "item: problem",
// one line; item is the file, the voice, the fragment or the text at fault.
class PromptError : public std::runtime_error {
 public:
  PromptError(std::string item, std::string problem);

  const std::string& item() const noexcept { return item_; }
  const std::string& problem() const noexcept { return problem_; }

 private:
  std::string item_;
  std::string problem_;
};

// Immutable once built; shared between the cache and every player playing it.
struct PromptAudio {
  std::vector<int16_t> linear;  // 8 kHz mono
  std::vector<uint8_t> coded;   // the same samples in `law`, coded.size() == linear.size()
  dsp::G711Law law = dsp::G711Law::ulaw;
  std::string source;  // the file, or "tts:<voice>:<text>", for messages

  size_t samples() const noexcept { return linear.size(); }
  double seconds() const noexcept { return static_cast<double>(linear.size()) / kPromptSampleRate; }
};

// Builds a prompt from 8 kHz linear PCM, coding it in `law`.
std::shared_ptr<const PromptAudio> make_prompt_audio(std::vector<int16_t> linear, dsp::G711Law law,
                                                     std::string source);

struct PromptLimits {
  // Longer prompts are refused as configuration mistakes (a music file
  // given where a greeting was meant, a runaway recording).
  double max_seconds = 600.0;
  // Files larger than this are refused before they are read.
  uintmax_t max_file_bytes = uintmax_t{256} << 20;
};

// Loads prompt files once and hands out the converted audio. An entry is
// keyed by the path as given (lexically normalised) and reloaded when the
// file's modification time or size changes; an unchanged file is returned
// from memory without reading it again (a stat() per load(), no read).
//
// Thread-safe: load() may be called from several threads; a returned prompt
// stays valid for as long as someone holds it, even after a reload or
// clear(). load() allocates and does file I/O: call it at configuration time
// or from the call's control thread, never from a line's media tick.
class PromptCache {
 public:
  explicit PromptCache(dsp::G711Law law, PromptLimits limits = {});

  dsp::G711Law law() const noexcept { return law_; }

  // The prompt in `path`, converted. Throws PromptError (see above).
  std::shared_ptr<const PromptAudio> load(const std::filesystem::path& path);

  // How many files were actually read and converted since construction
  // (cache misses and reloads).
  size_t reads() const;
  size_t size() const;
  void clear();

 private:
  struct Entry {
    std::filesystem::file_time_type modified;
    uintmax_t bytes = 0;
    std::shared_ptr<const PromptAudio> audio;
  };

  dsp::G711Law law_;
  PromptLimits limits_;
  mutable std::mutex mutex_;
  std::map<std::string, Entry, std::less<>> entries_;
  size_t reads_ = 0;
};

}  // namespace ivrd::ivr
