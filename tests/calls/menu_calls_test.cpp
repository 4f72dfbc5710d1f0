// Whole calls through the menus on the simulated card: the caller's keys are
// real DTMF audio, detected by the appliance's own detector after its echo
// canceller, exactly as on a line.

#include <algorithm>
#include <cmath>

#include <catch2/catch.hpp>

#include "ivrd/ivr/prompt_library.hpp"

#include "call_rig.hpp"

namespace ivrd::test {
namespace {

using driver::Supervision;
using Steps = std::vector<std::string>;

dsp::DtmfToneSpec key_of(uint32_t on_ms) {
  dsp::DtmfToneSpec tone;
  tone.on_ms = static_cast<float>(on_ms);
  tone.off_ms = 100.0f;
  return tone;
}

TEST_CASE("a caller goes to a submenu and back: long greeting first, short greeting on return",
          "[calls][menus]") {
  CallRig rig;
  rig.ring_in("5551111").wait_ms(1000).press("2").wait_ms(1500).press("*").wait_ms(2000).hang_up(
      Supervision::loop_current_drop);
  REQUIRE(rig.run_until_idle());
  const ivr::CallInfo& call = rig.last_call();
  INFO(CallRig::transcript(call));
  CHECK(CallRig::steps(call, "greeting") == Steps{"welcome", "sub", "welcome_short"});
  CHECK(CallRig::steps(call, "menu") == Steps{"main", "sub", "main"});
  CHECK(call.keys == "2*");
  CHECK(call.caller_id == "5551111");
  CHECK(call.end_reason == "caller hung up (loop_current_drop)");
}

TEST_CASE("silence: each timeout replays the short greeting after its prompt, then the fallback",
          "[calls][menus]") {
  CallRig rig;
  rig.ring_in("5551111");
  REQUIRE(rig.run_until_idle());
  const ivr::CallInfo& call = rig.last_call();
  INFO(CallRig::transcript(call));
  CHECK(CallRig::steps(call, "no_input") == Steps{"1 of 2", "2 of 2"});
  CHECK(CallRig::steps(call, "greeting") == Steps{"welcome", "welcome_short"});
  const Steps prompts = CallRig::steps(call, "prompt");
  REQUIRE(prompts.size() == 3);
  CHECK(prompts[1] == "Are you still there? | Main menu.");
  CHECK(prompts[2] == "Goodbye.");
  CHECK(call.route == "message:goodbye");
  CHECK(call.end_reason == "message played");
  CHECK_FALSE(rig.caller().in_call());  // the appliance hung up the line
}

TEST_CASE("wrong keys count apart from silence; the invalid fallback rings the reception",
          "[calls][menus]") {
  CallRig rig;
  // A wrong key, a silence, a wrong key: the silence does not count
  // towards the wrong keys' fallback, nor the keys towards silence's.
  rig.ring_in("5551111").wait_ms(1000).press("7").wait_ms(8500).press("8");
  rig.phone("reception").wait_for_ring().wait_ms(500).off_hook().wait_ms(3000).hang_up();
  REQUIRE(rig.run_until_idle());
  const ivr::CallInfo& call = rig.last_call();
  INFO(CallRig::transcript(call));
  const Steps invalid = CallRig::steps(call, "invalid");
  REQUIRE(invalid.size() == 2);
  CHECK(invalid[0] == "7, 1 of 2");
  CHECK(invalid[1] == "8, 2 of 2");
  CHECK(CallRig::steps(call, "no_input") == Steps{"1 of 2"});
  CHECK(CallRig::steps(call, "ring") == Steps{"reception (200)"});
  CHECK(CallRig::steps(call, "bridged") == Steps{"reception"});
  CHECK(call.end_reason == "reception hung up");
}

TEST_CASE("back, top and repeat; without barge-in a key waits for the end of the prompt",
          "[calls][menus]") {
  CallRig rig;
  // main -2-> sub -2 (repeat)-> sub -1-> deeper -#-> main (top)
  rig.ring_in("5551111")
      .wait_ms(800)
      .press("2")
      .wait_ms(1200)
      .press("2")
      .wait_ms(1200)
      .press("1")
      .wait_ms(300)
      .press("#")  // during deeper's greeting, which has barge_in = false
      .wait_ms(4000)
      .hang_up(Supervision::loop_current_drop);
  REQUIRE(rig.run_until_idle());
  const ivr::CallInfo& call = rig.last_call();
  INFO(CallRig::transcript(call));
  CHECK(CallRig::steps(call, "menu") == Steps{"main", "sub", "deeper", "main"});
  CHECK(CallRig::steps(call, "greeting") ==
        Steps{"welcome", "sub", "sub", "deeper", "welcome_short"});
  // The held key acts only once "Deeper menu." has been played out.
  uint64_t deeper_prompt = 0, back_to_main = 0;
  for (const auto& note : call.history) {
    if (note.what == "prompt" && note.detail == "Deeper menu.") deeper_prompt = note.ms;
    if (note.what == "menu" && note.detail == "main" && deeper_prompt) back_to_main = note.ms;
  }
  REQUIRE(deeper_prompt > 0);
  CHECK(back_to_main >= deeper_prompt + 500);  // espeak's "Deeper menu." lasts longer than 0.5 s
  const Steps keys = CallRig::steps(call, "key");
  CHECK(std::count(keys.begin(), keys.end(), "# (held until the prompt ends)") == 1);
}

TEST_CASE("multi-digit entry: terminator, inter-digit timeout, too short and unknown numbers",
          "[calls][menus]") {
  SECTION("202# rings the support phone") {
    CallRig rig;
    rig.ring_in("5551111").wait_ms(800).press("3").wait_ms(1000).press("202#");
    rig.phone("support").wait_for_ring().off_hook().wait_ms(1000).hang_up();
    REQUIRE(rig.run_until_idle());
    const ivr::CallInfo& call = rig.last_call();
    INFO(CallRig::transcript(call));
    CHECK(CallRig::steps(call, "entry") == Steps{"202"});
    CHECK(call.variables.at("extension_number") == "202");
    CHECK(CallRig::steps(call, "ring") == Steps{"support (202)"});
    CHECK(CallRig::steps(call, "bridged") == Steps{"support"});
  }
  SECTION("a pause ends a short entry; an unknown number counts as wrong; then the fallback") {
    CallRig rig;
    rig.ring_in("5551111").wait_ms(800).press("3").wait_ms(1000).press("20").wait_ms(6000).press(
        "999");
    REQUIRE(rig.run_until_idle());
    const ivr::CallInfo& call = rig.last_call();
    INFO(CallRig::transcript(call));
    const Steps invalid = CallRig::steps(call, "invalid");
    REQUIRE(invalid.size() == 2);
    CHECK(invalid[0] == "entry '20' (fewer than 3 digits), 1 of 2");
    CHECK(invalid[1] == "entry '999' (no such extension), 2 of 2");
    CHECK(call.route == "hang_up");
    CHECK_FALSE(rig.caller().in_call());
  }
}

TEST_CASE("the operator key rings the reception", "[calls][menus]") {
  CallRig rig;
  rig.ring_in("5551111").wait_ms(500).press("0");
  rig.phone("reception").wait_for_ring().off_hook().wait_ms(500).hang_up();
  REQUIRE(rig.run_until_idle());
  const ivr::CallInfo& call = rig.last_call();
  INFO(CallRig::transcript(call));
  CHECK(CallRig::steps(call, "operator") == Steps{"extension:reception"});
  CHECK(CallRig::steps(call, "bridged") == Steps{"reception"});
}

TEST_CASE("the loop guard ends a call that keeps asking for the menu again", "[calls][menus]") {
  CallRig rig(std::string(kOfficeConfig) + "\n[loop_guard]\nmax_greetings = 4\n");
  // welcome, sub, then "repeat" over and over.
  rig.ring_in("5551111")
      .wait_ms(500)
      .press("2")
      .wait_ms(700)
      .press("2")
      .wait_ms(700)
      .press("2")
      .wait_ms(700)
      .press("2");
  REQUIRE(rig.run_until_idle());
  const ivr::CallInfo& call = rig.last_call();
  INFO(CallRig::transcript(call));
  CHECK(CallRig::steps(call, "greeting").size() == 4);
  CHECK(CallRig::steps(call, "loop_guard") == Steps{"4 greetings"});
  CHECK(call.route == "hang_up");
}

// Where `prompt`'s audio starts in what the caller heard, in line samples,
// found by its samples (the simulated line carries them unchanged; espeak-ng
// may differ by a unit here and there between two renderings of a text).
std::optional<uint64_t> heard_at(const driver::SimCaller& caller, const ivr::PromptAudio& prompt,
                                 uint64_t from) {
  const auto& pcm = prompt.linear;
  size_t first = 0;
  while (first < pcm.size() && std::abs(pcm[first]) < 64) ++first;
  const size_t length = std::min<size_t>(400, pcm.size() - first);
  REQUIRE(length > 100);
  const auto& heard = caller.heard();
  const uint64_t start = caller.heard_start();
  for (uint64_t i = std::max(from, start) - start; i + length <= heard.size(); ++i) {
    if (std::equal(pcm.begin() + static_cast<std::ptrdiff_t>(first),
                   pcm.begin() + static_cast<std::ptrdiff_t>(first + length),
                   heard.begin() + static_cast<std::ptrdiff_t>(i),
                   [](int16_t a, int16_t b) { return std::abs(a - b) <= 8; })) {
      return start + i - first;
    }
  }
  return std::nullopt;
}

TEST_CASE("a key stops the prompt and starts the next within 60 ms of the end of its tone",
          "[calls][menus][latency]") {
  // Keys of 40 ms (the shortest Q.24 asks to be accepted), 60 ms and 100 ms,
  // pressed at different moments of the greeting.
  for (const uint32_t on_ms : {40u, 60u, 100u}) {
    for (const uint32_t after_ms : {700u, 1130u, 1555u}) {
      CAPTURE(on_ms, after_ms);
      CallRig rig;
      rig.ring_in("5551111")
          .wait_ms(after_ms)
          .press("2", key_of(on_ms))
          .wait_ms(2000)
          .hang_up(Supervision::loop_current_drop);
      const uint64_t connected = rig.run_until_answered();
      REQUIRE(rig.run_until_idle());
      const ivr::CallInfo& call = rig.last_call();
      INFO(CallRig::transcript(call));
      REQUIRE(CallRig::steps(call, "menu") == Steps{"main", "sub"});

      // The submenu's greeting, as the appliance rendered it.
      ivr::PromptCache cache(dsp::G711Law::ulaw);
      ivr::Tts tts(dsp::G711Law::ulaw, -18.0, rig.appliance().config().speech.rate_wpm);
      ivr::PromptLibrary library(std::make_shared<const ivr::Config>(rig.appliance().config()),
                                 cache, tts);
      const auto sub = library.resolve("sub", "en", {});
      REQUIRE(sub.size() == 1);

      const uint64_t tone_start = connected + driver::ms_to_samples(after_ms);
      const uint64_t tone_end = tone_start + driver::ms_to_samples(on_ms);
      const auto started = heard_at(rig.caller(), *sub.front(), tone_start);
      REQUIRE(started.has_value());
      const double latency_ms =
          (static_cast<double>(*started) - static_cast<double>(tone_end)) / 8.0;
      CAPTURE(latency_ms);
      CHECK(latency_ms <= 60.0);
      // And nothing of the greeting is heard after the key was acted on:
      // the caller heard the submenu's prompt from its start.
      CHECK(*started > tone_start);
    }
  }
}

}  // namespace
}  // namespace ivrd::test
