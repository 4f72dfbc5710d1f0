// Talk-off: speech and music must not be taken for digits. The corpus here
// is a few minutes so the suite stays fast; bench/dtmf_talkoff runs an hour
// or more of the same material side by side with the comparator receiver.
//
// Ordinary speech, speech-like noise and music on hold must give no digit at
// all. Music written to be the trap (half its notes on pitches within 3.5 %
// of a DTMF frequency, chords pairing a low-group and a high-group one, some
// played on a nearly pure flute) contains real in-tolerance tone pairs; there
// the bar is to do no worse than spandsp's receiver on the same audio.

#include <catch2/catch.hpp>

#include "ivrd/test_support/g711_line.hpp"
#include "ivrd/test_support/music.hpp"
#include "ivrd/test_support/seed.hpp"
#include "ivrd/test_support/speech.hpp"
#include "ivrd/test_support/speech_like_noise.hpp"

#include "dtmf_test_signals.hpp"

#if IVRD_HAVE_SPANDSP
#include <spandsp.h>
#endif

using namespace ivrd::dsp;
using namespace ivrd::dsp::testing;
namespace support = ivrd::test_support;

namespace {

void report(const char* material, const std::vector<DtmfEvent>& events) {
  for (const DtmfEvent& event : events) {
    WARN(material << ": false digit '" << event.digit << "' at "
                  << static_cast<double>(event.start_sample) / 8.0 << " ms for "
                  << event.duration_samples / 8.0 << " ms");
  }
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
  report("speech", events);
  CHECK(events.empty());
}

TEST_CASE("no digits in speech-like noise (talk-off)", "[dtmf][talkoff]") {
  const support::Seed seed("talk-off babble");
  std::vector<int16_t> babble = support::speech_like_noise(8000 * 120, -12.0, seed);
  support::g711_round_trip_in_place(babble);
  const auto events = detect(babble, active_isa());
  report("speech-like noise", events);
  CHECK(events.empty());
}

TEST_CASE("no digits in music on hold (talk-off)", "[dtmf][talkoff]") {
  const support::Seed seed("talk-off music");
  support::MusicOptions ordinary;
  ordinary.trap_probability = 0.0;
  std::vector<int16_t> music = support::music_on_hold(8000 * 180, seed, ordinary);
  support::g711_round_trip_in_place(music);
  const auto events = detect(music, active_isa());
  report("music", events);
  CHECK(events.empty());
}

#if IVRD_HAVE_SPANDSP
TEST_CASE("no more digits than spandsp in music built around DTMF frequencies (talk-off)",
          "[dtmf][talkoff]") {
  // A fixed corpus: both receivers hear exactly the same ten minutes.
  size_t ours = 0;
  int theirs = 0;
  for (uint64_t seed = 1; seed <= 10; ++seed) {
    std::vector<int16_t> music = support::music_on_hold(8000 * 60, seed);
    support::g711_round_trip_in_place(music);
    ours += detect(music, active_isa()).size();
    dtmf_rx_state_t* comparator = dtmf_rx_init(
        nullptr, [](void* user, const char*, int digits) { *static_cast<int*>(user) += digits; },
        &theirs);
    for (size_t position = 0; position + 160 <= music.size(); position += 160) {
      dtmf_rx(comparator, music.data() + position, 160);
    }
    dtmf_rx_free(comparator);
  }
  INFO("false digits in 10 minutes of trap music: ivrd " << ours << ", spandsp " << theirs);
  CHECK(ours <= static_cast<size_t>(theirs));
}
#endif
