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
constexpr float kPeakLimit = 29204.0f;  // 1 dB below full scale

constexpr std::array kVariants{"m1"sv, "m2"sv, "m3"sv, "m4"sv, "m5"sv, "m6"sv,
                               "m7"sv, "f1"sv, "f2"sv, "f3"sv, "f4"sv, "f5"sv};

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
    // Plan a batch (about 3 s per utterance on average), render it in one
    // espeak-ng child, append; repeat until long enough.
    const double remaining_s = static_cast<double>(total - corpus.pcm.size()) / kSampleRate;
    const size_t batch = std::clamp<size_t>(static_cast<size_t>(remaining_s / 3.0) + 1, 1, 64);
    std::vector<SpeechRequest> requests;
    std::vector<double> levels, pauses_ms;
    for (size_t b = 0; b < batch; ++b) {
      const std::string& language = languages[static_cast<size_t>(
          rng.uniform_int(0, static_cast<int>(languages.size()) - 1))];
      const auto texts = speech_texts(language);
      SpeechRequest request;
      const int sentences = rng.uniform_int(1, 3);  // per utterance
      for (int i = 0; i < sentences; ++i) {
        if (i > 0) request.text += ' ';
        request.text += fill_numbers(
            texts[static_cast<size_t>(rng.uniform_int(0, static_cast<int>(texts.size()) - 1))],
            rng);
      }
      request.options.voice = language + "+" +
                              std::string(kVariants[static_cast<size_t>(
                                  rng.uniform_int(0, static_cast<int>(kVariants.size()) - 1))]);
      request.options.words_per_minute = rng.uniform_int(130, 220);
      request.options.pitch = rng.uniform_int(20, 90);
      request.options.pitch_range = rng.uniform_int(20, 90);
      requests.push_back(std::move(request));
      levels.push_back(rng.uniform(options.min_level_dbm0, options.max_level_dbm0));
      pauses_ms.push_back(rng.uniform(options.min_pause_ms, options.max_pause_ms));
    }
    std::vector<Speech> rendered = synthesize_speech(requests);
    for (size_t b = 0; b < batch; ++b) {
      Speech& utterance = rendered[b];
      if (!utterance) {
        corpus.pcm.clear();
        corpus.segments.clear();
        corpus.error = utterance.error;
        return corpus;
      }
      // Scale to the drawn level, but keep peaks 1 dB below full scale: a
      // clipped line is a different test.
      std::vector<float> scaled = to_float(utterance.pcm);
      scale_to_active_level(std::span<float>(scaled), levels[b]);
      float loudest = 0.0f;
      for (const float x : scaled) loudest = std::max(loudest, std::abs(x));
      if (loudest > kPeakLimit) {
        for (float& x : scaled) x *= kPeakLimit / loudest;
      }
      utterance.pcm = to_int16(scaled);
      SpeechSegment segment;
      segment.start_sample = corpus.pcm.size();
      segment.length = utterance.pcm.size();
      segment.voice = requests[b].options.voice;
      segment.text = std::move(requests[b].text);
      segment.level_dbm0 = active_level_dbm0(utterance.pcm);
      corpus.segments.push_back(std::move(segment));
      corpus.pcm.insert(corpus.pcm.end(), utterance.pcm.begin(), utterance.pcm.end());
      corpus.pcm.resize(corpus.pcm.size() + static_cast<size_t>(pauses_ms[b] * 8.0), 0);
    }
  }
  corpus.pcm.resize(total);
  std::erase_if(corpus.segments,
                [total](const SpeechSegment& seg) { return seg.start_sample >= total; });
  if (!corpus.segments.empty()) {
    SpeechSegment& last = corpus.segments.back();
    last.length = std::min(last.length, total - last.start_sample);
  }
  return corpus;
}

}  // namespace ivrd::test_support
