// Call-progress detection: every tone of every zone libtonezone knows, at
// low level, in noise, off frequency and off cadence, through G.711; busy
// against congestion; near frequencies; latency; block sizes.

#include "ivrd/dsp/call_progress_detector.hpp"

#include <algorithm>
#include <cmath>
#include <string>

#include <catch2/catch.hpp>

#include "ivrd/dsp/tone_zone.hpp"
#include "ivrd/test_support/g711_line.hpp"
#include "ivrd/test_support/noise.hpp"
#include "ivrd/test_support/seed.hpp"
#include "ivrd/test_support/speech.hpp"

#include "tone_test_signals.hpp"

using namespace ivrd::dsp;
using namespace ivrd::dsp::testing;
namespace support = ivrd::test_support;

namespace {

constexpr CallProgressTone kDetected[] = {CallProgressTone::dial, CallProgressTone::ringback,
                                          CallProgressTone::busy, CallProgressTone::congestion,
                                          CallProgressTone::sit};

// Zones with two tones 25 Hz apart (UAE 400/425 Hz, Australia 413+438 and
// 415+440 beside 425): separated within +/-1.5 % only.
bool has_near_frequencies(const ToneZone& zone) { return zone.code == "ae" || zone.code == "au"; }

std::string describe(const std::vector<CallProgressEvent>& events) {
  std::string text;
  for (const CallProgressEvent& e : events) {
    text += std::string(e.kind == CallProgressEventKind::begin ? " +" : " -") +
            std::string(tone_name(e.tone)) + " " + std::to_string(e.start_sample / 8) + ".." +
            std::to_string(e.end_sample / 8) + " (at " + std::to_string(e.detected_sample / 8) +
            ")";
  }
  return text.empty() ? " none" : text;
}

// Plays every tone of every zone at -30 dBm0 in -40 dBm0 white noise, 2 %
// off frequency (1 % where tones are 25 Hz apart), cadence 10 % long or
// short, through u-law or A-law (alternately), and checks that exactly that
// tone is reported once, with its start and end.
void check_every_zone(uint64_t seed) {
  int zones = 0, tones = 0;
  for (const ToneZone& zone : tone_zones()) {
    ++zones;
    const CallProgressDetector reference(zone);
    for (size_t k = 0; k < std::size(kDetected); ++k) {
      const CallProgressTone kind = kDetected[k];
      const ToneDefinition& tone = zone.tone(kind);
      if (!tone.defined()) continue;
      ++tones;
      TonePlay play;
      play.level_dbm0 = -30.0f;
      play.lead_ms = 500.0;
      play.tail_ms = 1000.0;
      const float error = has_near_frequencies(zone) ? 0.01f : 0.02f;
      // Alternately high and low.
      play.frequency_scale =
          (zone.number + static_cast<int>(k)) % 2 == 0 ? 1.0f + error : 1.0f - error;
      play.time_scale = (zone.number / 2 + static_cast<int>(k)) % 2 == 0 ? 1.1f : 0.9f;
      const G711Law law = zone.number % 2 == 0 ? G711Law::ulaw : G711Law::alaw;
      TonePlayed played = play_tone(tone, play);
      const auto noise = support::white_noise(played.pcm.size(), -40.0,
                                              seed + static_cast<uint64_t>(zone.number * 8) + k);
      played.pcm = support::mix(played.pcm, noise);
      support::g711_round_trip_in_place(played.pcm, law);

      const auto events = detect_tones(zone, played.pcm);
      INFO("zone " << zone.code << " " << tone_name(kind) << " '" << tone.description << "' at "
                   << play.level_dbm0 << " dBm0, x" << play.frequency_scale << " Hz, x"
                   << play.time_scale << " time:" << describe(events));
      const auto ends = ends_of(events);
      REQUIRE(ends.size() == 1);
      REQUIRE(events.size() == 2);
      CHECK(events[0].kind == CallProgressEventKind::begin);
      CHECK(ends[0].tone == reference.reported(kind));
      const double start_error_ms =
          (static_cast<double>(ends[0].start_sample) - static_cast<double>(played.start_sample)) /
          8.0;
      const double end_error_ms =
          (static_cast<double>(ends[0].end_sample) - static_cast<double>(played.end_sample)) / 8.0;
      CHECK(std::fabs(start_error_ms) <= 30.0);
      // Australia's congestion ends on a burst 10 dB down, which -40 dBm0
      // noise hides when the tone is at -30 dBm0: the end is then that of
      // the last full-level burst.
      bool weak_bursts = false;
      for (const ToneSegment& s : tone.segments) weak_bursts = weak_bursts || s.level_db < 0.0f;
      const double end_margin_ms = weak_bursts ? 2.0 * played.period_ms / 4.0 + 30.0 : 30.0;
      CHECK(std::fabs(end_error_ms) <= end_margin_ms);
    }
  }
  CHECK(zones == static_cast<int>(tone_zones().size()));
  CHECK(zones >= 40);
  WARN(zones << " zones, " << tones << " tones detected");
}

}  // namespace

TEST_CASE(
    "tones: every tone of every zone at -30 dBm0 in -40 dBm0 noise, off frequency and cadence",
    "[tones][detector]") {
  const support::Seed seed("tones every zone");
  check_every_zone(seed);
}

TEST_CASE("tones: busy at -10 dBm0 is reported within two busy periods (as disconnect in a call)",
          "[tones][detector]") {
  for (const ToneZone& zone : tone_zones()) {
    const ToneDefinition& busy = zone.tone(CallProgressTone::busy);
    if (!busy.defined()) continue;
    for (bool in_call : {false, true}) {
      CallProgressConfig config;
      config.in_call = in_call;
      TonePlay play;
      play.level_dbm0 = -10.0f;
      play.lead_ms = 500.0;
      play.tail_ms = 500.0;
      TonePlayed played = play_tone(busy, play);
      support::g711_round_trip_in_place(played.pcm, G711Law::alaw);
      const auto events = detect_tones(zone, played.pcm, config);
      INFO("zone " << zone.code << " busy '" << busy.description << "' in_call " << in_call << ":"
                   << describe(events));
      REQUIRE(!events.empty());
      CHECK(events[0].tone == (in_call ? CallProgressTone::disconnect : CallProgressTone::busy));
      const double latency_periods =
          static_cast<double>(events[0].detected_sample - played.start_sample) / 8.0 /
          played.period_ms;
      // Brazil and Spain: busy is the start of congestion's cadence, so busy
      // needs as long as it takes congestion to show (in a call both mean
      // disconnect and no wait is needed).
      const std::string& code = zone.code;
      const bool prefix_of_congestion = code == "br" || code == "es";
      if (in_call || !prefix_of_congestion) {
        CHECK(latency_periods <= 2.0);
      } else {
        CHECK(latency_periods <= 3.5);
      }
    }
  }
}

TEST_CASE(
    "tones: busy and congestion are told apart where one starts the other or only the level "
    "differs",
    "[tones][detector]") {
  // Brazil: busy 425/250,0/250; congestion 425/250,0/250,425/750,0/250.
  // Spain: busy 425/200,0/200; congestion three bursts then 600 ms.
  // Australia: congestion is busy with every other burst 10 dB lower.
  // UK: busy 400/375,0/375; congestion 400/400,0/350,400/225,0/525.
  for (const char* code : {"br", "es", "au", "uk", "cn", "tr"}) {
    const ToneZone* zone = find_tone_zone(code);
    REQUIRE(zone != nullptr);
    for (CallProgressTone kind : {CallProgressTone::busy, CallProgressTone::congestion}) {
      TonePlay play;
      play.level_dbm0 = -20.0f;
      play.play_ms = 6000.0;
      const TonePlayed played = play_tone(zone->tone(kind), play);
      const auto events = detect_tones(*zone, played.pcm);
      INFO("zone " << code << " " << tone_name(kind) << ":" << describe(events));
      REQUIRE(events.size() == 2);
      CHECK(events[0].tone == kind);
    }
  }
}

TEST_CASE("tones: tones 25 Hz apart: UAE busy 400 Hz, congestion 425 Hz, ringback 400+425 Hz",
          "[tones][detector]") {
  const ToneZone* zone = find_tone_zone("ae");
  REQUIRE(zone != nullptr);
  for (float scale : {0.99f, 1.0f, 1.01f}) {
    for (CallProgressTone kind :
         {CallProgressTone::busy, CallProgressTone::congestion, CallProgressTone::ringback}) {
      TonePlay play;
      play.level_dbm0 = -25.0f;
      play.frequency_scale = scale;
      const TonePlayed played = play_tone(zone->tone(kind), play);
      const auto events = detect_tones(*zone, played.pcm);
      INFO(tone_name(kind) << " x" << scale << ":" << describe(events));
      REQUIRE(events.size() == 2);
      CHECK(events[0].tone == kind);
    }
  }
  // The UAE's congestion has the UK's cadence at 425 Hz: played at 400 Hz
  // (the UK's congestion) it is not the UAE's congestion, nor its busy.
  const ToneZone* uk = find_tone_zone("uk");
  const TonePlayed uk_congestion = play_tone(uk->tone(CallProgressTone::congestion), {});
  const auto events = detect_tones(*zone, uk_congestion.pcm);
  INFO(describe(events));
  for (const CallProgressEvent& e : events) CHECK(e.tone != CallProgressTone::congestion);
}

TEST_CASE("tones: no tone below the minimum level, or far off frequency", "[tones][detector]") {
  const ToneZone* zone = find_tone_zone("us");
  TonePlay play;
  play.level_dbm0 = -50.0f;
  const TonePlayed quiet = play_tone(zone->tone(CallProgressTone::busy), play);
  CHECK(detect_tones(*zone, quiet.pcm).empty());
  play.level_dbm0 = -20.0f;
  play.frequency_scale = 1.08f;
  const TonePlayed off = play_tone(zone->tone(CallProgressTone::busy), play);
  CHECK(detect_tones(*zone, off.pcm).empty());
}

TEST_CASE("tones: a tone that starts under continuing speech is found once the speech stops",
          "[tones][detector]") {
  std::string reason;
  if (!support::speech_available(&reason)) {
    WARN("speech synthesis unavailable, not run: " << reason);
    return;
  }
  const support::Seed seed("tones under speech");
  support::SpeechCorpusOptions options;
  options.min_level_dbm0 = -22.0;
  options.max_level_dbm0 = -16.0;
  options.min_pause_ms = 50.0;
  options.max_pause_ms = 150.0;
  const support::Speech speech = support::speech_corpus(4.0, seed, options);
  REQUIRE(speech.ok());
  for (const char* code : {"us", "uk", "de", "fr", "jp"}) {
    const ToneZone* zone = find_tone_zone(code);
    for (CallProgressTone kind : {CallProgressTone::busy, CallProgressTone::congestion,
                                  CallProgressTone::ringback, CallProgressTone::dial}) {
      // Speech 0..4 s; the tone from 2.5 s at -20 dBm0.
      TonePlay play;
      play.level_dbm0 = -20.0f;
      play.lead_ms = 2500.0;
      play.play_ms = 12000.0;
      play.tail_ms = 2000.0;
      TonePlayed played = play_tone(zone->tone(kind), play);
      played.pcm = support::mix(played.pcm, speech.pcm);
      support::g711_round_trip_in_place(played.pcm);
      CallProgressDetector detector(*zone);
      const auto events = run_detector(detector, played.pcm, 160);
      INFO("zone " << code << " " << tone_name(kind) << ":" << describe(events));
      // Recognised while the speech pauses, the tone may be reported and
      // then cut off by the next syllable before it is found for good: every
      // report is the right tone and none starts before it.
      // Busy and congestion both mean "the far end is gone"; where a zone
      // plays them at one frequency (uk: 400 Hz), a congestion burst the
      // speech masks can leave a busy cadence, reported and then cut off.
      const auto ends = ends_of(events);
      REQUIRE_FALSE(ends.empty());
      // A fast cadence (fr congestion: 0.5 s periods) can be found and cut
      // off twice in the last second of speech.
      CHECK(ends.size() <= 3);
      const auto disconnect = [](CallProgressTone tone) {
        return tone == CallProgressTone::busy || tone == CallProgressTone::congestion;
      };
      for (size_t e = 0; e < ends.size(); ++e) {
        const CallProgressEvent& end = ends[e];
        const bool sibling =
            e + 1 < ends.size() && disconnect(end.tone) && disconnect(detector.reported(kind));
        CHECK((end.tone == detector.reported(kind) || sibling));
        CHECK(end.start_sample + 400 >= played.start_sample);
      }
      // Found from its first burst that starts after the speech, at the
      // latest: a burst the speech covered may be lost (with a long cadence,
      // such as Germany's 1 s on, 4 s off ringback, that is seconds later).
      // A continuous tone within 2 s of the speech's end.
      const uint64_t speech_end = 8000 * 4;
      uint64_t latest = speech_end + 8 * 2000;
      if (played.period_ms > 0.0) {
        const double period = played.period_ms * 8.0;
        const double bursts = std::ceil(
            (static_cast<double>(speech_end) - static_cast<double>(played.start_sample)) / period);
        latest = played.start_sample + static_cast<uint64_t>(bursts * period) + 8 * 30;
      }
      const bool found_in_time = std::any_of(ends.begin(), ends.end(), [&](const auto& end) {
        return end.start_sample <= latest &&
               (end.tone == detector.reported(kind) ||
                (disconnect(end.tone) && disconnect(detector.reported(kind))));
      });
      CHECK(found_in_time);
    }
  }
}

TEST_CASE("tones: the same events whatever the block sizes", "[tones][detector]") {
  // Several tones in a row with silences between, in two zones.
  for (const char* code : {"us", "ae"}) {
    const ToneZone* zone = find_tone_zone(code);
    std::vector<int16_t> pcm;
    for (CallProgressTone kind : kDetected) {
      TonePlay play;
      play.level_dbm0 = -25.0f;
      play.lead_ms = 700.0;
      play.tail_ms = 300.0;
      const TonePlayed played = play_tone(zone->tone(kind), play);
      pcm.insert(pcm.end(), played.pcm.begin(), played.pcm.end());
    }
    const auto noise = support::white_noise(pcm.size(), -45.0, 7);
    pcm = support::mix(pcm, noise);
    CallProgressDetector reference_detector(*zone);
    const auto reference = run_detector(reference_detector, pcm, 160);
    INFO("zone " << code << ":" << describe(reference));
    CHECK(ends_of(reference).size() >= 5);
    for (size_t block : {1, 7, 81, 333, 0}) {
      CallProgressDetector detector(*zone);
      const auto events = run_detector(detector, pcm, block, 1234 + block);
      INFO("block " << block << ":" << describe(events));
      REQUIRE(events.size() == reference.size());
      for (size_t i = 0; i < events.size(); ++i) {
        CHECK(events[i].kind == reference[i].kind);
        CHECK(events[i].tone == reference[i].tone);
        CHECK(events[i].start_sample == reference[i].start_sample);
        CHECK(events[i].end_sample == reference[i].end_sample);
        CHECK(events[i].detected_sample == reference[i].detected_sample);
      }
    }
  }
}

TEST_CASE("tones: detector configuration is validated", "[tones][detector]") {
  CallProgressConfig config;
  CHECK(!config.validate());
  config.min_tone_ratio = 1.5f;
  CHECK(config.validate());
  CHECK_THROWS_AS(CallProgressDetector(*find_tone_zone("us"), config), std::invalid_argument);
}
