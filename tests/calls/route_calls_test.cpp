// Whole calls that leave the menus: to a phone on an extension port (answered,
// busy, not answered), to an outside number through the simulated exchange
// (answered, busy, no answer), and a message before hanging up.

#include <algorithm>

#include <catch2/catch.hpp>

#include "ivrd/dsp/caller_id.hpp"
#include "ivrd/test_support/levels.hpp"
#include "ivrd/test_support/noise.hpp"

#include "call_rig.hpp"

namespace ivrd::test {
namespace {

using driver::Supervision;
using test_support::level_dbm0;
using test_support::white_noise;
using Steps = std::vector<std::string>;

// The loudest one-second stretch of `heard`, in dBm0.
double loudest_second_dbm0(const std::vector<int16_t>& heard) {
  double loudest = -200.0;
  for (size_t start = 0; start + 8000 <= heard.size(); start += 800) {
    loudest = std::max(loudest, level_dbm0(std::span(heard).subspan(start, 8000)));
  }
  return loudest;
}

TEST_CASE("extension route: the phone rings with the caller's ID, answers, both hear each other",
          "[calls][routes]") {
  CallRig rig;
  const auto caller_noise = white_noise(8000, -12.0, 1);
  const auto phone_noise = white_noise(8000, -10.0, 2);
  rig.ring_in("5551111", "line1", "Bob").wait_ms(800).press("1").wait_ms(9500).play(caller_noise);
  // Answered in the second ring: the caller ID comes after the first.
  rig.phone("sales")
      .wait_for_ring()
      .wait_ms(6500)
      .off_hook()
      .wait_ms(300)
      .play(phone_noise)
      .wait_ms(5000)
      .hang_up();
  REQUIRE(rig.run_until_idle());
  const ivr::CallInfo& call = rig.last_call();
  INFO(CallRig::transcript(call));
  CHECK(CallRig::steps(call, "ring") == Steps{"sales (201)"});
  CHECK(CallRig::steps(call, "bridged") == Steps{"sales"});
  CHECK(call.end_reason == "sales hung up");
  CHECK(call.route == "sales_desk");

  // The phone decoded the appliance's caller ID between the rings.
  std::vector<dsp::CallerIdMessage> messages;
  dsp::CallerIdReceiver receiver;
  receiver.rx(rig.phone("sales").heard(),
              [&](const dsp::CallerIdMessage& message) { messages.push_back(message); });
  receiver.flush([&](const dsp::CallerIdMessage& message) { messages.push_back(message); });
  REQUIRE(messages.size() == 1);
  CHECK(messages[0].valid);
  CHECK(messages[0].number == "5551111");
  CHECK(messages[0].name == "Bob");
  CHECK(messages[0].datetime == "12071000");

  // Bridged both ways at full level (the caller's leg passes the echo
  // canceller; nothing is muted).
  CHECK(loudest_second_dbm0(rig.caller().heard()) == Approx(-10.0).margin(1.0));
  CHECK(loudest_second_dbm0(rig.phone("sales").heard()) == Approx(-12.0).margin(1.5));
  CHECK_FALSE(rig.caller().in_call());  // the appliance hung up the trunk after the phone
}

TEST_CASE("extension route: a phone in use sends the caller to on_busy", "[calls][routes]") {
  CallRig rig;
  rig.phone("sales").off_hook();  // lifted, dialling: busy
  rig.ring_in("5551111").wait_ms(800).press("1").wait_ms(2000).hang_up(
      Supervision::loop_current_drop);
  REQUIRE(rig.run_until_idle());
  const ivr::CallInfo& call = rig.last_call();
  INFO(CallRig::transcript(call));
  CHECK(CallRig::steps(call, "busy") == Steps{"then menu:sub"});
  CHECK(CallRig::steps(call, "menu") == Steps{"main", "sub"});
}

TEST_CASE("extension route: nobody answers within ring_timeout; the caller hears ringback",
          "[calls][routes]") {
  CallRig rig;
  rig.ring_in("5551111").wait_ms(800).press("1");
  REQUIRE(rig.run_until_idle());
  const ivr::CallInfo& call = rig.last_call();
  INFO(CallRig::transcript(call));
  uint64_t rang = 0, gave_up = 0;
  for (const auto& note : call.history) {
    if (note.what == "ring") rang = note.ms;
    if (note.what == "no_answer") gave_up = note.ms;
  }
  CHECK(gave_up - rang == Approx(10000).margin(40));  // ring_timeout = 10
  CHECK(CallRig::steps(call, "no_answer") == Steps{"then message:goodbye"});
  CHECK(call.end_reason == "message played");
  CHECK_FALSE(rig.phone("sales").ringing());
  // Ringback (US: 440 + 480 Hz, 2 s on, 4 s off) filled the wait.
  CHECK(loudest_second_dbm0(rig.caller().heard()) > -25.0);
}

TEST_CASE("extension route: the caller hangs up while the phone rings", "[calls][routes]") {
  CallRig rig;
  rig.ring_in("5551111").wait_ms(800).press("1").wait_ms(3000).hang_up(
      Supervision::loop_current_drop);
  REQUIRE(rig.run_until_idle());
  const ivr::CallInfo& call = rig.last_call();
  INFO(CallRig::transcript(call));
  CHECK(call.end_reason == "caller hung up (loop_current_drop)");
  CHECK_FALSE(rig.phone("sales").ringing());
  const auto ports = rig.appliance().ports();
  for (const auto& port : ports) CHECK(port.call.empty());
}

TEST_CASE("outside route: a free trunk dials with call-progress analysis; answered, bridged",
          "[calls][routes]") {
  CallRig rig;
  const auto callee_noise = white_noise(8000, -10.0, 3);
  rig.ring_in("5551111").wait_ms(800).press("4").wait_ms(17000).play(white_noise(8000, -14.0, 4));
  rig.caller("line3")
      .expect_outbound("us")
      .route_after_digits(7)
      .answer_after_rings(2)
      .play(callee_noise)
      .wait_ms(6000)
      .hang_up(Supervision::loop_current_drop);
  REQUIRE(rig.run_until_idle());
  const ivr::CallInfo& call = rig.last_call();
  INFO(CallRig::transcript(call));
  CHECK(rig.caller("line3").dialled_digits() == "5551234");
  CHECK(CallRig::steps(call, "dial") == Steps{"5551234 on line3"});
  CHECK(CallRig::steps(call, "bridged") == Steps{"line3 (answer by polarity_reversal)"});
  CHECK(call.end_reason == "outside party hung up (loop_current_drop)");
  CHECK(loudest_second_dbm0(rig.caller().heard()) == Approx(-10.0).margin(1.0));
  // What the callee heard once answered (before it: the dialled digits).
  const auto& callee_heard = rig.caller("line3").heard();
  CHECK(loudest_second_dbm0({callee_heard.end() - 8 * 8000, callee_heard.end()}) ==
        Approx(-14.0).margin(1.5));
  // Both trunks are free again.
  for (const auto& port : rig.appliance().ports()) CHECK(port.call.empty());
  CHECK_FALSE(rig.caller().in_call());
}

TEST_CASE("outside route: busy goes to on_busy, no answer to on_no_answer", "[calls][routes]") {
  SECTION("busy") {
    CallRig rig;
    rig.ring_in("5551111").wait_ms(800).press("4").wait_ms(10000).hang_up(
        Supervision::loop_current_drop);
    rig.caller("line3").expect_outbound("us").route_after_digits(7).busy();
    REQUIRE(rig.run_until_idle());
    const ivr::CallInfo& call = rig.last_call();
    INFO(CallRig::transcript(call));
    CHECK(CallRig::steps(call, "busy") == Steps{"then menu:sub"});
    CHECK(CallRig::steps(call, "menu") == Steps{"main", "sub"});
    CHECK_FALSE(rig.caller("line3").outbound_call());
  }
  SECTION("no answer") {
    CallRig rig;
    rig.ring_in("5551111").wait_ms(800).press("4");
    rig.caller("line3").expect_outbound("us").route_after_digits(7).no_answer();
    REQUIRE(rig.run_until_idle());
    const ivr::CallInfo& call = rig.last_call();
    INFO(CallRig::transcript(call));
    CHECK(CallRig::steps(call, "no_answer") == Steps{"then message:goodbye"});
    CHECK(call.end_reason == "message played");
  }
  SECTION("no free trunk") {
    CallRig rig;
    // line3, the route's only trunk, is taken by another caller.
    rig.ring_in("5552222", "line3").wait_ms(60000);
    rig.ring_in("5551111").wait_ms(4000).press("4");
    REQUIRE(rig.run_until([&] {
      for (const auto& ended : rig.appliance().ended_calls()) {
        if (ended.caller_id == "5551111") return true;
      }
      return false;
    }));
    const auto& ended = rig.appliance().ended_calls();
    const auto call = std::find_if(ended.begin(), ended.end(),
                                   [](const ivr::CallInfo& c) { return c.caller_id == "5551111"; });
    INFO(CallRig::transcript(*call));
    CHECK(CallRig::steps(*call, "no_free_trunk") == Steps{"then message:goodbye"});
  }
}

TEST_CASE("two callers at once are served independently", "[calls][routes]") {
  CallRig rig;
  rig.ring_in("5551111", "line1")
      .wait_ms(800)
      .press("2")
      .wait_ms(1500)
      .hang_up(Supervision::loop_current_drop);
  rig.ring_in("5552222", "line2").wait_ms(1500).press("0");
  rig.phone("reception").wait_for_ring().off_hook().wait_ms(2000).hang_up();
  REQUIRE(rig.run_until([&] { return rig.appliance().ended_calls().size() == 2; }));
  for (const auto& call : rig.appliance().ended_calls()) {
    INFO(CallRig::transcript(call));
    if (call.caller_id == "5551111") {
      CHECK(call.keys == "2");
      CHECK(call.line == "line1");
    } else {
      CHECK(call.keys == "0");
      CHECK(call.line == "line2");
      CHECK(CallRig::steps(call, "bridged") == Steps{"reception"});
    }
  }
}

}  // namespace
}  // namespace ivrd::test

namespace ivrd::test {
namespace {

TEST_CASE("outside route: a ',' in the number waits 2 s, as for a PBX's second dial tone",
          "[calls][routes]") {
  std::string config = kOfficeConfig;
  const std::string plain = "number = \"5551234\"";
  config.replace(config.find(plain), plain.size(), "number = \"9,5551234\"");
  CallRig rig(config);
  rig.ring_in("5551111").wait_ms(800).press("4").wait_ms(20000).hang_up(
      driver::Supervision::loop_current_drop);
  rig.caller("line3").expect_outbound("us").route_after_digits(8).answer_after_rings(1);
  REQUIRE(rig.run_until_idle());
  const ivr::CallInfo& call = rig.last_call();
  INFO(CallRig::transcript(call));
  CHECK(rig.caller("line3").dialled_digits() == "95551234");
  CHECK(CallRig::steps(call, "dial") == std::vector<std::string>{"9,5551234 on line3"});
  CHECK(CallRig::steps(call, "bridged").size() == 1);
}

}  // namespace
}  // namespace ivrd::test
