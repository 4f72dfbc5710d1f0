// The simulated card as a whole: naming, loopback, span alarms and counters,
// refused actions, and determinism.

#include "ivrd/driver/sim_card.hpp"

#include <algorithm>
#include <functional>

#include <catch2/catch.hpp>

#include "sim_test_support.hpp"

using ivrd::driver::Block;
using ivrd::driver::dahdi_signalling_name;
using ivrd::driver::kBlockSamples;
using ivrd::driver::Line;
using ivrd::driver::line_event_name;
using ivrd::driver::LineError;
using ivrd::driver::LineEvent;
using ivrd::driver::LineEventKind;
using ivrd::driver::PortKind;
using ivrd::driver::RingCadence;
using ivrd::driver::RingRequest;
using ivrd::driver::SimCard;
using ivrd::driver::SimPort;
using ivrd::driver::span_type_name;
using ivrd::driver::SpanAlarms;
using ivrd::driver::SpanCounters;
using ivrd::driver::SpanType;
using ivrd::driver::Supervision;
using ivrd::driver::testing::dtmf_digits;
using ivrd::driver::testing::pattern_block;
using ivrd::driver::testing::run_ms;
using ivrd::driver::testing::Tap;

namespace {

std::string problem_of(const std::function<void()>& action) {
  try {
    action();
  } catch (const LineError& error) {
    return error.problem();
  }
  return "no error";
}

}  // namespace

TEST_CASE("port kinds map to DAHDI's far-end-named signalling") {
  CHECK(dahdi_signalling_name(PortKind::trunk) == "fxs_ks");
  CHECK(dahdi_signalling_name(PortKind::extension) == "fxo_ks");
  CHECK(static_cast<int>(LineEventKind::ring_begin) == 18);  // DAHDI_EVENT_RINGBEGIN
  CHECK(static_cast<int>(LineEventKind::polarity) == 17);    // DAHDI_EVENT_POLARITY
  CHECK(static_cast<int>(LineEventKind::ring_off_hook) == 2);
  CHECK(line_event_name(LineEventKind::wink_flash) == "wink_flash");
  CHECK(span_type_name(SpanType::e1) == "E1");
}

TEST_CASE("sim card: spans hold their ports, named span/channel, behind the Span interface") {
  SimCard card;
  auto& span = card.add_span("t1a", SpanType::t1, {PortKind::trunk, PortKind::extension});
  ivrd::driver::Span& as_span = span;
  CHECK(as_span.type() == SpanType::t1);
  REQUIRE(as_span.line_count() == 2);
  CHECK(as_span.line(0).name() == "t1a/1");
  CHECK(as_span.line(1).kind() == PortKind::extension);
  CHECK_THROWS_AS(as_span.line(2), std::out_of_range);
  CHECK_THROWS_AS(card.span(1), std::out_of_range);
  CHECK_THROWS_AS(card.add_span("empty", SpanType::analog, {}), std::invalid_argument);
}

TEST_CASE("sim card: loopback carries each port's transmit audio to the other in the same tick") {
  SimCard card;
  auto& span = card.add_span("analog", SpanType::analog, {PortKind::trunk, PortKind::trunk});
  SimPort& a = span.port(0);
  SimPort& b = span.port(1);
  card.loopback(a, b);
  Tap tap_a(a), tap_b(b);
  int tick = 0;
  run_ms(card, 100, {&tap_a, &tap_b}, [&] {
    REQUIRE(a.write(pattern_block(tick)));
    REQUIRE(b.write(pattern_block(1000 + tick)));
    ++tick;
  });
  REQUIRE(tap_b.rx.size() == 5 * kBlockSamples);
  for (int i = 0; i < 5; ++i) {
    const Block from_a = pattern_block(i);
    const Block from_b = pattern_block(1000 + i);
    const auto at = static_cast<std::ptrdiff_t>(i * kBlockSamples);
    CHECK(std::equal(from_a.begin(), from_a.end(), tap_b.rx.begin() + at));
    CHECK(std::equal(from_b.begin(), from_b.end(), tap_a.rx.begin() + at));
  }
  CHECK_THROWS_AS(card.loopback(a, a), std::invalid_argument);
  CHECK_THROWS_AS(card.loopback(a, b), std::invalid_argument);
}

TEST_CASE("sim card: a span alarm reaches every line once, silences it, and clears") {
  SimCard card;
  auto& span = card.add_span("e1", SpanType::e1, {PortKind::trunk, PortKind::trunk});
  SimPort& line = span.port(0);
  Tap tap(line), other(span.port(1));
  line.caller().ring(RingCadence::us()).press("1234567890");
  while (tap.events.empty()) run_ms(card, 20, {&tap, &other});
  line.answer();
  run_ms(card, 100, {&tap, &other});

  const uint64_t raised = card.now_sample();
  span.set_alarms({SpanAlarms::kRed});
  span.set_alarms({SpanAlarms::kRed | SpanAlarms::kYellow});  // still in alarm: no new event
  CHECK(span.alarms().has(SpanAlarms::kYellow));
  const size_t before = tap.rx.size();
  run_ms(card, 2000, {&tap, &other});
  CHECK(std::all_of(tap.rx.begin() + static_cast<std::ptrdiff_t>(before), tap.rx.end(),
                    [](int16_t v) { return v == 0; }));
  const uint64_t cleared = card.now_sample();
  span.set_alarms({});
  run_ms(card, 20, {&tap, &other});

  const std::vector<LineEvent> alarm_events{{LineEventKind::alarm, raised},
                                            {LineEventKind::no_alarm, cleared}};
  CHECK(other.events == alarm_events);
  CHECK(std::vector<LineEvent>(tap.events.end() - 2, tap.events.end()) == alarm_events);
  CHECK_FALSE(span.alarms().any());
  CHECK_THROWS_AS(span.set_alarms({1u << 20}), std::invalid_argument);
}

TEST_CASE("sim card: span error counters add up as injected") {
  SimCard card;
  auto& span = card.add_span("t1", SpanType::t1, {PortKind::trunk});
  CHECK(span.counters() == SpanCounters{});
  span.add_errors({.framing_errors = 2, .bipolar_violations = 5});
  span.add_errors({.framing_errors = 1, .errored_seconds = 1});
  const SpanCounters expected{.framing_errors = 3, .bipolar_violations = 5, .errored_seconds = 1};
  CHECK(span.counters() == expected);
}

TEST_CASE("sim card: actions invalid in the line's state are refused with the line's name") {
  SimCard card;
  auto& span = card.add_span("analog", SpanType::analog, {PortKind::trunk, PortKind::extension});
  SimPort& trunk = span.port(0);
  SimPort& extension = span.port(1);

  CHECK(problem_of([&] { trunk.answer(); }) == "cannot answer: the line is not ringing");
  CHECK(problem_of([&] { trunk.ring(RingRequest{}); }).starts_with("cannot ring a trunk port"));
  CHECK(problem_of([&] { trunk.hang_up(); }) == "cannot hang up: the line is already on-hook");
  CHECK(problem_of([&] { trunk.flash(); }) == "cannot flash: the line is on-hook");
  CHECK(problem_of([&] { trunk.dial_dtmf("1"); }) == "cannot dial: the line is on-hook");
  CHECK(problem_of([&] { trunk.dial_pulse("1"); }) == "cannot dial: the line is on-hook");
  CHECK(problem_of([&] { extension.dial_pulse("1"); }) == "cannot pulse dial on an extension port");
  CHECK(problem_of([&] { extension.answer(); }).starts_with("cannot answer an extension port"));
  CHECK(problem_of([&] { extension.stop_ringing(); }) == "cannot stop ringing: not ringing");
  CHECK(problem_of([&] {
          extension.ring(RingRequest{RingCadence{{100}}, std::nullopt});
        }) == "ring cadence needs on/off pairs, got an odd number of durations");
  try {
    trunk.answer();
    FAIL("answer() of an idle trunk did not throw");
  } catch (const LineError& error) {
    CHECK(error.line() == "analog/1");
    CHECK(std::string(error.what()) == "analog/1: cannot answer: the line is not ringing");
  }
  CHECK_THROWS_AS(extension.caller(), std::logic_error);
  CHECK_THROWS_AS(trunk.caller().press("12x"), std::invalid_argument);
  CHECK_THROWS_AS(trunk.caller().ring(RingCadence{}), std::invalid_argument);

  // Refusals leave the lines as they were, and they keep working.
  trunk.seize();
  CHECK(problem_of([&] { trunk.seize(); }) == "cannot seize: the line is already off-hook");
  CHECK(problem_of([&] { trunk.dial_dtmf("12x"); }) == "cannot dial 'x': not a DTMF digit");
  trunk.dial_dtmf("9");
  CHECK(problem_of([&] { trunk.dial_dtmf("1"); }) ==
        "cannot dial: still dialling the previous digits");
  extension.phone().off_hook();
  card.tick();
  CHECK(problem_of([&] { extension.ring(RingRequest{}); }) == "cannot ring: the phone is off-hook");
  CHECK(trunk.off_hook());
  CHECK(extension.off_hook());
}

TEST_CASE("sim card: a full transmit queue refuses blocks, a full receive queue drops the oldest") {
  SimCard card({.queue_blocks = 3});
  SimPort& line = card.add_span("analog", SpanType::analog, {PortKind::trunk}).port(0);
  const Block block = pattern_block(0);
  for (int i = 0; i < 3; ++i) CHECK(line.write(block));
  CHECK_FALSE(line.write(block));
  for (int i = 0; i < 5; ++i) card.tick();
  CHECK(line.rx_overruns() == 2);
  int blocks = 0;
  while (line.read()) ++blocks;
  CHECK(blocks == 3);
}

namespace {

struct Transcript {
  std::vector<LineEvent> trunk_events, extension_events;
  std::vector<int16_t> trunk_rx, caller_heard, phone_heard;
};

Transcript whole_scenario() {
  SimCard card;
  auto& span = card.add_span("analog", SpanType::analog, {PortKind::trunk, PortKind::extension});
  SimPort& trunk = span.port(0);
  SimPort& extension = span.port(1);
  Tap t(trunk), e(extension);
  trunk.caller()
      .ring(RingCadence::us())
      .press("42")
      .wait_ms(400)
      .hang_up(Supervision::loop_current_drop);
  extension.phone().wait_for_ring().wait_ms(700).off_hook().dial("7").flash().hang_up();
  bool answered = false;
  int tick = 0;
  run_ms(card, 12000, {&t, &e}, [&] {
    if (!answered && !t.events.empty()) {
      trunk.answer();
      extension.ring(RingRequest{});
      answered = true;
    }
    (void)trunk.write(pattern_block(tick++));
  });
  return {t.events, e.events, t.rx, trunk.caller().heard(), extension.phone().heard()};
}

}  // namespace

TEST_CASE("sim card: the same script gives the same events and audio, sample for sample") {
  const Transcript first = whole_scenario();
  const Transcript second = whole_scenario();
  using K = LineEventKind;
  CHECK(ivrd::driver::testing::kinds(first.trunk_events) ==
        std::vector<K>{K::ring_begin, K::on_hook});
  CHECK(ivrd::driver::testing::kinds(first.extension_events) ==
        std::vector<K>{K::ringer_on, K::ring_off_hook, K::wink_flash, K::on_hook});
  CHECK(dtmf_digits(first.trunk_rx) == "42");
  auto by_sample = [](const LineEvent& a, const LineEvent& b) { return a.sample < b.sample; };
  CHECK(std::is_sorted(first.trunk_events.begin(), first.trunk_events.end(), by_sample));
  CHECK(std::is_sorted(first.extension_events.begin(), first.extension_events.end(), by_sample));
  CHECK(first.trunk_events == second.trunk_events);
  CHECK(first.extension_events == second.extension_events);
  CHECK(first.trunk_rx == second.trunk_rx);
  CHECK(first.caller_heard == second.caller_heard);
  CHECK(first.phone_heard == second.phone_heard);
}
