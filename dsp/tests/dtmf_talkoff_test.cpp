// Talk-off: speech and music must not be taken for digits. The corpus here
// is a few minutes so the suite stays fast; bench/dtmf_talkoff runs hours of
// the same material side by side with the comparator receiver.

#include <catch2/catch.hpp>

#include "dtmf_test_signals.hpp"
#include "ivrd/test_support/g711_line.hpp"
#include "ivrd/test_support/music.hpp"
#include "ivrd/test_support/seed.hpp"
#include "ivrd/test_support/speech.hpp"
#include "ivrd/test_support/speech_like_noise.hpp"

using namespace ivrd::dsp;
using namespace ivrd::dsp::testing;
namespace support = ivrd::test_support;

namespace {

void report(const char* material, const std::vector<DtmfEvent>& events, size_t samples) {
  for (const DtmfEvent& event : events) {
    WARN(material << ": false digit '" << event.digit << "' at " << static_cast<double>(event.start_sample) / 8.0
                  << " ms for " << event.duration_samples / 8.0 << " ms");
  }
  const double hours = static_cast<double>(samples) / 8000.0 / 3600.0;
  INFO(material << ": " << events.size() << " false detections in " << hours * 60.0 << " min");
}

}  // namespace

TEST_CASE("no digits in speech (talk-off)", "[dtmf][talkoff]") {
  std::string reason;
  if (!support::speech_available(&reason)) {
    WARN("speech synthesis unavailable, talk-off on speech not run: " << reason);
    return;
  }
  const support::Seed seed("talk-off speech");
  support::Speech speech = support::speech_corpus(180.0, seed);
  REQUIRE(speech.ok());
  support::g711_round_trip_in_place(speech.pcm);
  const auto events = detect(speech.pcm, active_isa());
  report("speech", events, speech.pcm.size());
  CHECK(events.empty());
}

TEST_CASE("no digits in music on hold built around DTMF frequencies (talk-off)",
          "[dtmf][talkoff]") {
  const support::Seed seed("talk-off music");
  std::vector<int16_t> music = support::music_on_hold(8000 * 180, seed);
  support::g711_round_trip_in_place(music);
  const auto events = detect(music, active_isa());
  report("music", events, music.size());
  CHECK(events.empty());
}

TEST_CASE("no digits in speech-like noise (talk-off)", "[dtmf][talkoff]") {
  const support::Seed seed("talk-off babble");
  std::vector<int16_t> babble = support::speech_like_noise(8000 * 120, -12.0, seed);
  support::g711_round_trip_in_place(babble);
  const auto events = detect(babble, active_isa());
  report("speech-like noise", events, babble.size());
  CHECK(events.empty());
}
