#pragma once
// The prompts of one Config, ready to play to a caller in their language with
// their variables.
//
//   PromptLibrary library(config, cache, tts);
//   if (auto problems = library.preload(); !problems.empty()) refuse(problems);
//   auto audio = library.resolve("welcome", "fr", call_variables);
//
// What a prompt name becomes (config.hpp, docs/prompts.md):
//   - a recording: the file below the prompts directory, "{language}" in its
//     name replaced by the caller's language, through the PromptCache;
//   - spoken text: the caller's language's text (the default language's when
//     the prompt has none for it), spoken by espeak-ng in that language's
//     voice ([speech] voices) at [speech] rate. Plain variables ("{name}")
//     are spoken as text; a variable with a way to say it
//     ("{n:number}", "{n:digits}", "{t:time}", "{d:date}") is spoken from the
//     recorded fragments of prompts_dir/fragments/<language>/ when that
//     folder exists for an English, German or French caller (a missing
//     fragment is spoken by TTS, FragmentLibrary's rule), else by espeak-ng
//     from its text: a number as digits espeak reads as a number, digits one
//     by one, a time as "HH:MM", a date as "YYYY-MM-DD" spoken in words.
//     `time` values are "HH:MM" (24 h), `date` values "YYYY-MM-DD".
//
// preload() loads every recording and renders every spoken text that has no
// variables, in every language, so calls find them in memory and a prompt
// that cannot be used is found when the configuration is loaded, not on a
// call. Texts with variables are rendered when a call needs them (cached by
// the Tts per sentence): resolve() may take tens of milliseconds on a miss.
//
// Errors: resolve() throws PromptError (a value that cannot be said, an
// unknown variable, a file that went bad since loading). Not thread-safe;
// the cache and TTS it uses are.

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "ivrd/ivr/config.hpp"
#include "ivrd/ivr/prompt_audio.hpp"
#include "ivrd/ivr/tts.hpp"

namespace ivrd::ivr {

using PromptSequence = std::vector<std::shared_ptr<const PromptAudio>>;

class PromptLibrary {
 public:
  // `cache` and `tts` must outlive the library.
  PromptLibrary(std::shared_ptr<const Config> config, PromptCache& cache, Tts& tts);

  // Every prompt that fails, one line each: "file:line:column: error: prompt
  // 'welcome': <problem>". Empty when every prompt is ready.
  std::vector<std::string> preload();

  // The audio of prompt `name` for a caller speaking `language` (a language of
  // [speech] voices; another falls back to the default language).
  PromptSequence resolve(std::string_view name, std::string_view language,
                         const PromptVariables& variables);
  // What the prompt says, for transcripts: the text after substitution, or
  // the recording's file name in brackets.
  std::string describe(std::string_view name, std::string_view language,
                       const PromptVariables& variables) const;

  const Config& config() const noexcept { return *config_; }

 private:
  const std::string& language_or_default(std::string_view language) const;
  PromptSequence speak(const std::string& language, const std::string& text,
                       const PromptVariables& variables);

  std::shared_ptr<const Config> config_;
  PromptCache& cache_;
  Tts& tts_;
};

}  // namespace ivrd::ivr
