#include <algorithm>
#include <array>
#include <cmath>
#include <string>

#include "ivrd/test_support/levels.hpp"
#include "ivrd/test_support/rng.hpp"
#include "ivrd/test_support/speech.hpp"

namespace ivrd::test_support {
namespace {

using namespace std::string_view_literals;
constexpr std::array kVariants{"m1"sv, "m2"sv, "m3"sv, "m4"sv, "m5"sv, "m6"sv, "m7"sv,
                               "f1"sv, "f2"sv, "f3"sv, "f4"sv, "f5"sv};

// Replaces each '#' with a random number of 1..4 digits.
std::string fill_numbers(std::string_view text, Rng& rng) {
  std::string out;
  for (const char c : text) {
    if (c != '#') {
      out.push_back(c);
      continue;
    }
    const int digits = rng.uniform_int(1, 4);
    int limit = 1;
    for (int i = 0; i < digits; ++i) limit *= 10;
    out += std::to_string(rng.uniform_int(limit / 10, limit - 1));
  }
  return out;
}

}  // namespace

std::span<const std::string_view> speech_variants() noexcept { return kVariants; }

Speech speech_corpus(double seconds, uint64_t seed, const SpeechCorpusOptions& options) {
  Speech corpus;
  const size_t total = static_cast<size_t>(std::llround(std::max(seconds, 0.0) * kSampleRate));
  std::vector<std::string> languages = options.languages;
  if (languages.empty()) languages = speech_languages();
  std::erase_if(languages, [](const std::string& l) { return speech_texts(l).empty(); });
  if (languages.empty()) {
    std::string reason;
    if (speech_available(&reason)) reason = "no usable espeak-ng language among those asked for";
    corpus.error = reason;
    return corpus;
  }

  Rng rng(seed);
  corpus.pcm.reserve(total);
  while (corpus.pcm.size() < total) {
    const std::string& language = languages[static_cast<size_t>(
        rng.uniform_int(0, static_cast<int>(languages.size()) - 1))];
    const auto texts = speech_texts(language);
    // One to three sentences per utterance.
    std::string text;
    const int sentences = rng.uniform_int(1, 3);
    for (int i = 0; i < sentences; ++i) {
      if (i > 0) text += ' ';
      text += fill_numbers(texts[static_cast<size_t>(rng.uniform_int(0, static_cast<int>(texts.size()) - 1))], rng);
    }
    SpeechOptions voice;
    voice.voice = language + "+" +
                  std::string(kVariants[static_cast<size_t>(rng.uniform_int(0, static_cast<int>(kVariants.size()) - 1))]);
    voice.words_per_minute = rng.uniform_int(130, 220);
    voice.pitch = rng.uniform_int(20, 90);
    voice.pitch_range = rng.uniform_int(20, 90);
    const double level = rng.uniform(options.min_level_dbm0, options.max_level_dbm0);
    const double pause_ms = rng.uniform(options.min_pause_ms, options.max_pause_ms);

    Speech utterance = synthesize_speech(text, voice);
    if (!utterance) {
      corpus.pcm.clear();
      corpus.segments.clear();
      corpus.error = utterance.error;
      return corpus;
    }
    scale_to_active_level(std::span<int16_t>(utterance.pcm), level);
    SpeechSegment segment;
    segment.start_sample = corpus.pcm.size();
    segment.length = utterance.pcm.size();
    segment.voice = voice.voice;
    segment.text = std::move(text);
    segment.level_dbm0 = level;
    corpus.segments.push_back(std::move(segment));
    corpus.pcm.insert(corpus.pcm.end(), utterance.pcm.begin(), utterance.pcm.end());
    corpus.pcm.resize(corpus.pcm.size() + static_cast<size_t>(pause_ms * 8.0), 0);
  }
  corpus.pcm.resize(total);
  return corpus;
}

}  // namespace ivrd::test_support
