#pragma once
// Text to speech for prompts: espeak-ng rendering text with {variable}
// substitution, at 8 kHz and telephone level, cached.
//
//   Tts tts(G711Law::alaw);
//   auto audio = tts.say("en", "Hello {caller_name}, you are caller {queue_position}",
//                        {{"caller_name", "Anna"}, {"queue_position", "3"}});
//
// Variables: "{name}" is replaced by the value of `name` in the map (names are
// letters, digits and '_', not starting with a digit). "{{" and "}}" stand for
// literal braces. An unknown variable, an empty or malformed name, an
// unclosed '{' and a lone '}' are errors (PromptError naming the variable or
// the position).
//
// Synthesis: espeak-ng in-process, synchronous, initialised once per process
// on first use (espeak-ng-data must be installed). The voice is any espeak-ng
// voice name or language ("en", "en-us", "de", "fr", ...), chosen per call. Its
// output (22 050 Hz) is resampled to 8 kHz with speexdsp and levelled so its
// active speech level (see active_level_dbm0()) is the configured level,
// -18 dBm0 by default, with peaks clipped to the 16-bit range. espeak-ng
// keeps global state, so synthesis is serialised by a process-wide mutex.
//
// Cache: rendered prompts are kept by (voice, text after substitution); the
// same sentence for another caller is not rendered again. say() allocates and
// may take tens of milliseconds per sentence on a miss: call it from the
// call's control thread, never from a line's media tick.

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>

#include "ivrd/dsp/g711.hpp"
#include "ivrd/ivr/prompt_audio.hpp"

namespace ivrd::ivr {

using PromptVariables = std::map<std::string, std::string, std::less<>>;

// The text with every {name} replaced and {{ }} unescaped. Throws PromptError
// whose item is the text; the problem names the unknown variable or the
// column (1-based) of a syntax error.
std::string substitute_variables(std::string_view text, const PromptVariables& variables);

// Active speech level of 8 kHz PCM in dBm0: the mean power of the 20 ms
// frames within 30 dB of the loudest frame (so pauses between words do not
// lower it). -200 for silence.
double active_level_dbm0(std::span<const int16_t> pcm);

// Whether espeak-ng can be initialised in this process; nothing when it can,
// else the reason. Initialises it on first call.
std::optional<std::string> tts_unavailable_reason();

class Tts {
 public:
  // rate_wpm: espeak-ng's speaking rate in words per minute (80-450;
  // espeak-ng's own default is 175).
  explicit Tts(dsp::G711Law law, double active_level_dbm0 = -18.0, int rate_wpm = 175);

  // Renders `text` after substitution in `voice`. Throws PromptError for a
  // substitution error, an unknown voice, empty text, espeak-ng failing to
  // initialise or producing no audio.
  std::shared_ptr<const PromptAudio> say(std::string_view voice, std::string_view text,
                                         const PromptVariables& variables = {});
  // Renders `text` as it is (braces are spoken, not substituted).
  std::shared_ptr<const PromptAudio> say_literal(std::string_view voice, std::string_view text);

  // Rendered prompts held, and how many were synthesised (cache misses).
  size_t size() const;
  size_t renders() const;
  void clear();

 private:
  dsp::G711Law law_;
  double level_dbm0_;
  int rate_wpm_;
  mutable std::mutex mutex_;
  std::map<std::pair<std::string, std::string>, std::shared_ptr<const PromptAudio>> cache_;
  size_t renders_ = 0;
};

}  // namespace ivrd::ivr
