#pragma once
// Recorded fragments for spoken values: one directory per language holding
// <fragment>.wav for each name of fragment_names() (spoken.hpp).
//
//   FragmentLibrary library(cache, &tts, {{Language::de, "/usr/share/ivrd/prompts/de"}});
//   auto resolved = library.resolve(Language::de, spoken_number(Language::de, 21));
//   player.play(resolved.audio);
//
// A fragment whose recording is missing is spoken by TTS instead (its word
// from fragment_text(), in the language's voice) and reported in `notes` as
// "<dir>/<name>.wav: missing fragment, spoken by TTS as '<word>'". Without a
// TTS engine (nullptr) a missing recording is an error. A recording that
// exists but cannot be read is always an error, as is a name that is not a
// fragment of the language, and a language without a directory.
//
// Same threading and allocation rules as PromptCache::load(): control
// thread, not the media tick.

#include <filesystem>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "ivrd/ivr/prompt_audio.hpp"
#include "ivrd/ivr/spoken.hpp"
#include "ivrd/ivr/tts.hpp"

namespace ivrd::ivr {

struct ResolvedFragments {
  std::vector<std::shared_ptr<const PromptAudio>> audio;  // one per fragment
  std::vector<std::string> notes;                         // one line per TTS fallback
};

class FragmentLibrary {
 public:
  // `cache` and `tts` must outlive the library; `tts` may be null.
  FragmentLibrary(PromptCache& cache, Tts* tts,
                  std::map<Language, std::filesystem::path> directories);

  ResolvedFragments resolve(Language language, std::span<const std::string> fragments) const;

  // The recording file a fragment is read from.
  std::filesystem::path fragment_path(Language language, std::string_view fragment) const;

 private:
  PromptCache& cache_;
  Tts* tts_;
  std::map<Language, std::filesystem::path> directories_;
};

}  // namespace ivrd::ivr
