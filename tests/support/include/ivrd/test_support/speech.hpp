#pragma once
// Real synthetic speech for tests: espeak-ng rendered at its own rate
// (22 050 Hz) and resampled to 8 kHz with speexdsp.
//
// Speech is what a DTMF receiver must not mistake for digits (talk-off), and
// what an echo canceller sees from both ends. espeak-ng's formant synthesis
// has the harmonic structure of voiced speech (a pitch from ~70 to ~300 Hz
// and its harmonics through the formants), in many languages and voices.
//
// espeak-ng can be missing (ivrd built without libespeak-ng-dev, or no
// espeak-ng-data at run time): every function then returns an empty result
// with a reason instead of failing, so a test can WARN and skip:
//
//   auto s = ivrd::test_support::synthesize_speech("Press one for sales.");
//   if (!s) { WARN("no speech: " << s.error); return; }
//
// espeak-ng keeps global state, is not thread-safe, and carries synthesis
// state from one utterance to the next that its API cannot reset. So each
// call renders in a short-lived child process (fork) that starts espeak-ng
// afresh: the same text and options always give the same samples, whatever
// was synthesised before, for one espeak-ng version. Calls are serialised by
// a process-wide mutex (concurrent callers wait). Do not call these while
// another thread of the process may hold the allocator's locks in a way a
// forked child could inherit (tests and the bench tools are single-threaded
// when they do).

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace ivrd::test_support {

struct SpeechOptions {
  // espeak-ng voice: a language ("en", "en-us", "de", ...) optionally with a
  // variant ("en+f3": female 3, "de+m4": male 4).
  std::string voice = "en";
  int words_per_minute = 160;  // 80..450
  int pitch = 50;              // espeak's base pitch, 0..100
  int pitch_range = 50;        // intonation range, 0..100
};

// Where one utterance sits in a longer recording.
struct SpeechSegment {
  size_t start_sample = 0;
  size_t length = 0;
  std::string voice;
  std::string text;
  double level_dbm0 = 0.0;  // its active level (levels.hpp)
};

struct Speech {
  std::vector<int16_t> pcm;  // 8 kHz
  std::vector<SpeechSegment> segments;
  std::string error;  // why pcm is empty; empty on success

  bool ok() const noexcept { return error.empty(); }
  explicit operator bool() const noexcept { return ok(); }
};

// True when espeak-ng initialises and speaks; otherwise false with the
// reason in *reason (when given).
bool speech_available(std::string* reason = nullptr);

// One utterance at espeak-ng's own level (not normalised), 8 kHz.
Speech synthesize_speech(std::string_view utf8_text, const SpeechOptions& options = {});

// Several utterances in one child process (cheaper than one call each); one
// result per request, in order.
struct SpeechRequest {
  std::string text;
  SpeechOptions options;
};
std::vector<Speech> synthesize_speech(std::span<const SpeechRequest> requests);

// Languages that have built-in texts and a voice in this espeak-ng
// installation (a subset of: en, en-us, de, fr, es, it, nl, pt, sv, pl).
std::vector<std::string> speech_languages();
// Voice variants mixed into the corpus: male m1..m7 and female f1..f5.
std::span<const std::string_view> speech_variants() noexcept;
// The built-in texts of a language: IVR-like prompts, numbers and ordinary
// sentences written for these tests. Empty for an unknown language.
std::span<const std::string_view> speech_texts(std::string_view language) noexcept;

struct SpeechCorpusOptions {
  std::vector<std::string> languages;  // empty: speech_languages()
  // Each utterance is scaled to an active level drawn from this range, or
  // lower when its peaks would come within 1 dB of full scale.
  double min_level_dbm0 = -25.0;
  double max_level_dbm0 = -8.0;
  // Silence between utterances.
  double min_pause_ms = 100.0;
  double max_pause_ms = 700.0;
};

// About `seconds` of speech (exactly seconds * 8000 samples): random texts
// in random languages, voice variants, rates (130..220 wpm) and pitches,
// each utterance at a random active level, separated by short silences.
// segments tells which voice said what where. Deterministic by seed for one
// espeak-ng version.
Speech speech_corpus(double seconds, uint64_t seed, const SpeechCorpusOptions& options = {});

}  // namespace ivrd::test_support
