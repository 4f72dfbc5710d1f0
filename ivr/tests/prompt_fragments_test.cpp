// Spoken values from a fragment directory: recordings found, a missing one
// spoken by TTS and reported, and the errors.

#include "ivrd/ivr/prompt_fragments.hpp"

#include <sndfile.h>

#include <filesystem>
#include <string>

#include <catch2/catch.hpp>

#include "ivrd/test_support/temp_dir.hpp"

#include "prompt_test_support.hpp"

using ivrd::dsp::G711Law;
using ivrd::ivr::FragmentLibrary;
using ivrd::ivr::Fragments;
using ivrd::ivr::Language;
using ivrd::ivr::PromptCache;
using ivrd::ivr::PromptError;
using ivrd::ivr::Tts;
using ivrd::ivr::testing::measured_frequency;
using ivrd::ivr::testing::write_sine_wav;
namespace ts = ivrd::test_support;

namespace {

// A recording per fragment: a 0.25 s tone, its frequency telling which.
void record(const std::filesystem::path& dir, const std::string& name, double frequency) {
  write_sine_wav((dir / (name + ".wav")).string(), 16000, 1, SF_FORMAT_WAV | SF_FORMAT_PCM_16,
                 frequency, 0.3, 4000);
}

}  // namespace

TEST_CASE("prompts: fragments come from the language's directory, a missing one from TTS",
          "[prompts][fragments]") {
  const ts::TempDir dir("ivrd-fragments");
  const auto de = dir.path() / "de";
  std::filesystem::create_directory(de);
  record(de, "ein", 500.0);
  record(de, "20", 1000.0);  // "und" is not recorded

  PromptCache cache(G711Law::alaw);
  const Fragments fragments = ivrd::ivr::spoken_number(Language::de, 21);
  REQUIRE(fragments == Fragments{"ein", "und", "20"});

  SECTION("without TTS a missing fragment is an error naming its file") {
    const FragmentLibrary library(cache, nullptr, {{Language::de, de}});
    CHECK_THROWS_WITH(library.resolve(Language::de, fragments),
                      (de / "und.wav").string() + ": missing prompt file");
  }

  SECTION("with TTS a missing fragment is spoken and reported") {
    if (const auto reason = ivrd::ivr::tts_unavailable_reason()) {
      WARN("espeak-ng unavailable, not run: " << *reason);
      return;
    }
    Tts tts(G711Law::alaw);
    const FragmentLibrary library(cache, &tts, {{Language::de, de}});
    const auto resolved = library.resolve(Language::de, fragments);
    REQUIRE(resolved.audio.size() == 3);
    CHECK(measured_frequency(resolved.audio[0]->linear, 200, 1800) == Approx(500.0).epsilon(0.002));
    CHECK(resolved.audio[1]->source == "tts:de:und");
    CHECK(resolved.audio[1]->seconds() > 0.1);
    CHECK(measured_frequency(resolved.audio[2]->linear, 200, 1800) ==
          Approx(1000.0).epsilon(0.002));
    REQUIRE(resolved.notes.size() == 1);
    CHECK(resolved.notes[0] ==
          (de / "und.wav").string() + ": missing fragment, spoken by TTS as 'und'");
    CHECK(tts.renders() == 1);
    CHECK(cache.reads() == 2);
  }
}

TEST_CASE(
    "prompts: an unknown fragment, an unconfigured language or a broken recording is an "
    "error",
    "[prompts][fragments]") {
  const ts::TempDir dir("ivrd-fragments");
  const auto fr = dir.path() / "fr";
  std::filesystem::create_directory(fr);
  {
    std::FILE* broken = std::fopen((fr / "mille.wav").string().c_str(), "w");
    REQUIRE(broken != nullptr);
    std::fputs("not audio at all, but long enough to be looked at by libsndfile", broken);
    std::fclose(broken);
  }
  PromptCache cache(G711Law::ulaw);
  const FragmentLibrary library(cache, nullptr, {{Language::fr, fr}});
  CHECK_THROWS_WITH(library.resolve(Language::fr, Fragments{"und"}),
                    "fragment 'und': not a fragment of language fr");
  CHECK_THROWS_WITH(library.resolve(Language::en, Fragments{"7"}),
                    "language en: no fragment directory configured");
  try {
    library.resolve(Language::fr, Fragments{"mille"});
    FAIL("a broken recording was accepted");
  } catch (const PromptError& e) {
    CHECK(e.item() == (fr / "mille.wav").string());
  }
}
