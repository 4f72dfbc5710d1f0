#include <algorithm>
#include <cmath>
#include <numbers>

#include <catch2/catch.hpp>

#include "ivrd/dsp/levels.hpp"
#include "ivrd/test_support/g711_line.hpp"
#include "ivrd/test_support/levels.hpp"
#include "ivrd/test_support/music.hpp"
#include "ivrd/test_support/seed.hpp"
#include "ivrd/test_support/speech.hpp"
#include "ivrd/test_support/speech_like_noise.hpp"

using namespace ivrd::test_support;

TEST_CASE("speech-like noise has its active level, pauses, and repeats by seed") {
  const Seed seed("speech-like noise");
  const auto noise = speech_like_noise(10 * 8000, -18.0, seed);
  REQUIRE(noise.size() == 80000u);
  CHECK(active_level_dbm0(noise) == Approx(-18.0).margin(0.3));
  // Pauses: a good share of 5 ms blocks is silent.
  size_t silent = 0;
  for (size_t i = 0; i + 40 <= noise.size(); i += 40) {
    silent += level_dbm0(std::span(noise).subspan(i, 40)) < -60.0;
  }
  CHECK(silent > 100u);
  CHECK(speech_like_noise(8000, -18.0, 5) == speech_like_noise(8000, -18.0, 5));
  CHECK(speech_like_noise(8000, -18.0, 5) != speech_like_noise(8000, -18.0, 6));
}

TEST_CASE("music on hold stays within its level range and repeats by seed") {
  const Seed seed("music");
  MusicOptions options;
  std::vector<MusicNote> score;
  const auto music = music_on_hold(30 * 8000, seed, options, &score);
  REQUIRE(music.size() == 240000u);
  CHECK(active_level_dbm0(music) > options.min_level_dbm0 - 1.0);
  CHECK(active_level_dbm0(music) < options.max_level_dbm0 + 1.0);
  CHECK(peak(music) < 32767);
  REQUIRE_FALSE(score.empty());
  CHECK(std::any_of(score.begin(), score.end(), [](const MusicNote& n) { return n.trap; }));
  CHECK(std::all_of(score.begin(), score.end(), [](const MusicNote& n) {
    return n.frequencies_hz.size() >= 1 && n.frequencies_hz.size() <= 4;
  }));
  CHECK(music_on_hold(8000, 9) == music_on_hold(8000, 9));
  CHECK(music_on_hold(8000, 9) != music_on_hold(8000, 10));
}

TEST_CASE("the trap notes include F5, A#5, E6 and F#6") {
  const auto notes = dtmf_trap_notes();
  for (const int note : {77, 82, 88, 90}) {
    CHECK(std::find(notes.begin(), notes.end(), note) != notes.end());
  }
  CHECK(midi_to_hz(69) == Approx(440.0));
  CHECK(midi_to_hz(77) == Approx(698.456).margin(0.01));
}

TEST_CASE("a G.711 round trip keeps a speech-level tone within 1 dB and about 35 dB SNR") {
  std::vector<int16_t> tone(8000);
  const double amplitude = ivrd::dsp::dbm0_to_sine_peak(-15.0);
  for (size_t i = 0; i < tone.size(); ++i) {
    tone[i] = to_int16(amplitude *
                       std::sin(2.0 * std::numbers::pi * 1004.0 * static_cast<double>(i) / 8000.0));
  }
  for (const auto law : {ivrd::dsp::G711Law::ulaw, ivrd::dsp::G711Law::alaw}) {
    const auto line = g711_round_trip(tone, law);
    CHECK(level_dbm0(line) == Approx(-15.0).margin(1.0));
    std::vector<int16_t> error(tone.size());
    for (size_t i = 0; i < tone.size(); ++i) error[i] = static_cast<int16_t>(line[i] - tone[i]);
    CHECK(level_dbm0(line) - level_dbm0(error) > 30.0);
  }
}

TEST_CASE("espeak-ng speaks, at 8 kHz, the same way twice") {
  std::string reason;
  if (!speech_available(&reason)) {
    WARN("skipped: " << reason);
    return;
  }
  const auto once = synthesize_speech("Press one for sales.", {"en+f3", 170, 60, 50});
  REQUIRE(once.ok());
  // About 1 to 3 seconds of audio.
  CHECK(once.pcm.size() > 8000u);
  CHECK(once.pcm.size() < 3u * 8000u);
  CHECK(active_level_dbm0(once.pcm) > -40.0);
  const auto twice = synthesize_speech("Press one for sales.", {"en+f3", 170, 60, 50});
  CHECK(once.pcm == twice.pcm);
  CHECK_FALSE(synthesize_speech("x", {"no-such-voice", 160, 50, 50}).ok());
}

TEST_CASE("the speech corpus has the requested length, several voices and repeats by seed") {
  std::string reason;
  if (!speech_available(&reason)) {
    WARN("skipped: " << reason);
    return;
  }
  CHECK(speech_languages().size() >= 3u);
  const Seed seed("speech corpus");
  const auto corpus = speech_corpus(60.0, seed);
  REQUIRE(corpus.ok());
  CHECK(corpus.pcm.size() == 480000u);
  REQUIRE(corpus.segments.size() >= 3u);
  // Every utterance but the last (which may be cut short) is at its level.
  for (size_t i = 0; i + 1 < corpus.segments.size(); ++i) {
    const auto& segment = corpus.segments[i];
    const auto part = std::span(corpus.pcm).subspan(segment.start_sample, segment.length);
    CHECK(active_level_dbm0(part) == Approx(segment.level_dbm0).margin(0.5));
  }
  const auto again = speech_corpus(60.0, seed);
  CHECK(again.pcm == corpus.pcm);
}
