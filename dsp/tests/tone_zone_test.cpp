// The zone table (libtonezone's, parsed) and the tone generator.

#include "ivrd/dsp/tone_zone.hpp"

#include <cmath>
#include <numeric>

#include <catch2/catch.hpp>

#include "ivrd/dsp/tone_generator.hpp"
#include "ivrd/test_support/levels.hpp"

#include "tone_test_signals.hpp"

using namespace ivrd::dsp;
namespace support = ivrd::test_support;

TEST_CASE("tones: tone descriptions parse as libtonezone writes them", "[tones][zone]") {
  auto us_busy = parse_tone_description("480+620/500,0/500");
  REQUIRE(us_busy);
  REQUIRE(us_busy->segments.size() == 2);
  CHECK(us_busy->segments[0].frequency_count == 2);
  CHECK(us_busy->segments[0].frequencies_hz[1] == 620.0f);
  CHECK(us_busy->segments[0].duration_ms == 500);
  CHECK(us_busy->segments[1].silent());
  CHECK(us_busy->repeat_start() == 0);

  auto recall = parse_tone_description("!350+440/100,!0/100,350+440");
  REQUIRE(recall);
  CHECK(recall->segments[0].once);
  CHECK(recall->repeat_start() == 2);
  CHECK(recall->segments[2].duration_ms == 0);

  auto modulated = parse_tone_description("425*24/400,0/200");
  REQUIRE(modulated);
  CHECK(modulated->segments[0].modulation_hz == 24.0f);

  auto quieter = parse_tone_description("425/375,0/375,425@/375,0/375");
  REQUIRE(quieter);
  CHECK(quieter->segments[2].level_db == -10.0f);

  // "950/0" plays nothing; "!400/100!0/100" reads as "!400/100" (as libtonezone).
  auto empty_segment = parse_tone_description("950/0,0/325,950/325");
  REQUIRE(empty_segment);
  CHECK(empty_segment->segments.size() == 2);
  auto typo = parse_tone_description("!400/100!0/100,400");
  REQUIRE(typo);
  CHECK(typo->segments[0].duration_ms == 100);

  std::string error;
  CHECK(!parse_tone_description("", &error));
  CHECK(!parse_tone_description("480+/500", &error));
  CHECK(error.find("480+/500") != std::string::npos);
  CHECK(!parse_tone_description("abc", &error));
  CHECK(!parse_tone_description("400,,0/100", &error));
  CHECK(!parse_tone_description("1+2+3+4", &error));
}

TEST_CASE("tones: every libtonezone zone is listed, with its tones parsed", "[tones][zone]") {
  const auto zones = tone_zones();
  REQUIRE(zones.size() >= 40);
  for (const ToneZone& zone : zones) {
    INFO(zone.code);
    CHECK(!zone.code.empty());
    CHECK(zone.tone(CallProgressTone::dial).defined());
    CHECK(zone.tone(CallProgressTone::busy).defined());
    CHECK(zone.tone(CallProgressTone::sit).defined());
    // libtonezone has no disconnect tone: it is the zone's busy tone.
    CHECK(zone.tone(CallProgressTone::disconnect).mapped_from == "busy");
    CHECK(zone.tone(CallProgressTone::disconnect).description ==
          zone.tone(CallProgressTone::busy).description);
  }
  const ToneZone* us = find_tone_zone("US");
  REQUIRE(us != nullptr);
  CHECK(us->code == "us");
  CHECK(us->tone(CallProgressTone::dial).description == "350+440");
  CHECK(us->tone(CallProgressTone::busy).description == "480+620/500,0/500");
  CHECK(us->tone(CallProgressTone::ringback).description == "440+480/2000,0/4000");
  CHECK(us->tone(CallProgressTone::congestion).description == "480+620/250,0/250");
  for (const char* code : {"uk", "de", "fr", "au", "jp", "ae", "us-old"}) {
    CHECK(find_tone_zone(code) != nullptr);
  }
  CHECK(find_tone_zone("xx") == nullptr);
  CHECK(find_tone_zone("") == nullptr);
}

TEST_CASE("tones: SIT is the zone's own where it has three rising segments, else E.180's",
          "[tones][zone]") {
  const ToneZone* us = find_tone_zone("us");
  CHECK(us->tone(CallProgressTone::sit).mapped_from.empty());
  CHECK(us->tone(CallProgressTone::sit).description == "!950/330,!1400/330,!1800/330,0");
  const ToneZone* au = find_tone_zone("au");  // 425/2500,0/500 in libtonezone
  CHECK(au->tone(CallProgressTone::sit).mapped_from == "ITU-T E.180");
  CHECK(au->tone(CallProgressTone::sit).description == "950/330,1400/330,1800/330,0/1000");
}

TEST_CASE("tones: unknown zone codes get a hint", "[tones][zone]") {
  CHECK(tone_zone_hint("us-ol") == "did you mean 'us-old'?");
  CHECK(tone_zone_hint("US-OL") == "did you mean 'us-old'?");
  const std::string list = tone_zone_hint("zz");
  CHECK(list.rfind("known: ", 0) == 0);
  CHECK(list.find("us") != std::string::npos);
  CHECK(list.find("uk") != std::string::npos);
}

TEST_CASE("tones: the generator plays the level and cadence of the table", "[tones][generator]") {
  const ToneZone* us = find_tone_zone("us");
  ToneGenerator busy(*us, CallProgressTone::busy, -13.0f);
  CHECK(busy.period_samples() == 8000);
  std::vector<int16_t> pcm(16000);
  busy.tx(pcm);
  // 500 ms on at -13 dBm0 (both frequencies together), 500 ms off.
  const std::span<const int16_t> on(pcm.data() + 400, 3200);
  CHECK(support::level_dbm0(on) == Approx(-13.0).margin(0.1));
  const std::span<const int16_t> off(pcm.data() + 4000, 4000);
  CHECK(support::level_dbm0(off) < -90.0);
  const std::span<const int16_t> on_again(pcm.data() + 8400, 3200);
  CHECK(support::level_dbm0(on_again) == Approx(-13.0).margin(0.1));

  // Modulated ("f*fm") and "@" segments, at the same power / 10 dB lower.
  auto modulated = parse_tone_description("425*24");
  ToneGenerator am(*modulated, -20.0f);
  std::vector<int16_t> am_pcm(8000);
  am.tx(am_pcm);
  CHECK(support::level_dbm0(am_pcm) == Approx(-20.0).margin(0.2));
  ToneGenerator au(*find_tone_zone("au"), CallProgressTone::congestion, -10.0f);
  std::vector<int16_t> au_pcm(8 * 1500);
  au.tx(au_pcm);
  CHECK(support::level_dbm0(std::span<const int16_t>(au_pcm.data() + 400, 2000)) ==
        Approx(-10.0).margin(0.2));
  CHECK(support::level_dbm0(std::span<const int16_t>(au_pcm.data() + 6400, 2000)) ==
        Approx(-20.0).margin(0.2));
}

TEST_CASE("tones: the generator plays '!' segments once and then repeats the rest",
          "[tones][generator]") {
  auto tone = parse_tone_description("!440/100,!0/100,350/200,0/200");
  ToneGenerator generator(*tone, -10.0f);
  CHECK(generator.period_samples() == 3200);
  std::vector<int16_t> pcm(8 * 1000);
  generator.tx(pcm);
  auto level = [&pcm](int from_ms, int to_ms) {
    return support::level_dbm0(std::span<const int16_t>(
        pcm.data() + from_ms * 8, static_cast<size_t>((to_ms - from_ms) * 8)));
  };
  CHECK(level(10, 90) == Approx(-10.0).margin(0.2));
  CHECK(level(110, 190) < -90.0);
  CHECK(level(210, 390) == Approx(-10.0).margin(0.2));
  CHECK(level(410, 590) < -90.0);
  CHECK(level(610, 790) == Approx(-10.0).margin(0.2));  // repeats 350/200, not the 440
  CHECK(level(810, 990) < -90.0);
  generator.reset();
  CHECK(generator.samples_played() == 0);
}

TEST_CASE("tones: the generator's output does not depend on the block sizes",
          "[tones][generator]") {
  const ToneZone* uk = find_tone_zone("uk");
  ToneGenerator whole(*uk, CallProgressTone::ringback, -13.0f);
  std::vector<int16_t> reference(8 * 7000);
  whole.tx(reference);
  ToneGenerator pieces(*uk, CallProgressTone::ringback, -13.0f);
  std::vector<int16_t> out(reference.size());
  size_t offset = 0, step = 1;
  while (offset < out.size()) {
    const size_t n = std::min(step, out.size() - offset);
    pieces.tx(std::span<int16_t>(out.data() + offset, n));
    offset += n;
    step = step * 7 % 401 + 1;
  }
  CHECK(out == reference);
  CHECK(pieces.samples_played() == reference.size());
}
