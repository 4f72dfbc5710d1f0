#include "ivrd/ivr/prompt_fragments.hpp"

#include <system_error>
#include <utility>

namespace ivrd::ivr {

FragmentLibrary::FragmentLibrary(PromptCache& cache, Tts* tts,
                                 std::map<Language, std::filesystem::path> directories)
    : cache_(cache), tts_(tts), directories_(std::move(directories)) {}

std::filesystem::path FragmentLibrary::fragment_path(Language language,
                                                     std::string_view fragment) const {
  const auto dir = directories_.find(language);
  if (dir == directories_.end()) {
    throw PromptError("language " + std::string(language_code(language)),
                      "no fragment directory configured");
  }
  return dir->second / (std::string(fragment) + ".wav");
}

ResolvedFragments FragmentLibrary::resolve(Language language,
                                           std::span<const std::string> fragments) const {
  ResolvedFragments resolved;
  resolved.audio.reserve(fragments.size());
  for (const std::string& fragment : fragments) {
    const std::string_view word = fragment_text(language, fragment);
    if (word.empty()) {
      throw PromptError("fragment '" + fragment + "'",
                        "not a fragment of language " + std::string(language_code(language)));
    }
    const std::filesystem::path path = fragment_path(language, fragment);
    std::error_code error;
    const bool missing = !std::filesystem::exists(path, error) && !error;
    if (missing && tts_ != nullptr) {
      resolved.audio.push_back(tts_->say_literal(tts_voice(language), word));
      resolved.notes.push_back(path.string() + ": missing fragment, spoken by TTS as '" +
                               std::string(word) + "'");
    } else {
      resolved.audio.push_back(cache_.load(path));  // a missing file without TTS throws here
    }
  }
  return resolved;
}

}  // namespace ivrd::ivr
