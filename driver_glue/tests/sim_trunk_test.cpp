// The simulated card's trunk ports: a caller on the phone company's side
// rings, sends caller ID, talks, presses keys and hangs up; the appliance
// sees DAHDI's events and the audio, through the real DSP.

#include <algorithm>

#include <catch2/catch.hpp>

#include "ivrd/driver/sim_card.hpp"
#include "ivrd/dsp/caller_id.hpp"

#include "sim_test_support.hpp"

using ivrd::driver::Block;
using ivrd::driver::CallerIdTiming;
using ivrd::driver::kBlockSamples;
using ivrd::driver::LineEvent;
using ivrd::driver::LineEventKind;
using ivrd::driver::ms_to_samples;
using ivrd::driver::PortKind;
using ivrd::driver::RingCadence;
using ivrd::driver::SimCard;
using ivrd::driver::SimPort;
using ivrd::driver::SpanType;
using ivrd::driver::Supervision;
using ivrd::driver::testing::caller_ids;
using ivrd::driver::testing::dtmf_digits;
using ivrd::driver::testing::kinds;
using ivrd::driver::testing::pattern_block;
using ivrd::driver::testing::run_ms;
using ivrd::driver::testing::sample_caller_id;
using ivrd::driver::testing::Tap;
using ivrd::dsp::CallerIdFormat;
using ivrd::dsp::CallerIdMessage;

namespace {

SimPort& one_trunk(SimCard& card) {
  return card.add_span("analog", SpanType::analog, {PortKind::trunk}).port(0);
}

// Answers at the tick after the first ring began; returns the sample the
// call connected at.
uint64_t answer_on_first_ring(SimCard& card, Tap& tap) {
  while (tap.events.empty()) {
    card.tick();
    tap.drain();
  }
  REQUIRE(tap.events.front().kind == LineEventKind::ring_begin);
  tap.port.answer();
  return card.now_sample();
}

}  // namespace

TEST_CASE("sim trunk: US cadence gives ring_begin and ring_off_hook at the cadence's samples") {
  SimCard card;  // ring trailer 50 ms
  SimPort& line = one_trunk(card);
  Tap tap(line);
  line.caller().ring(RingCadence::us(), 2);
  run_ms(card, 13000, {&tap});

  const uint64_t trailer = ms_to_samples(50);
  const std::vector<LineEvent> expected{
      {LineEventKind::ring_begin, 0},
      {LineEventKind::ring_off_hook, ms_to_samples(2000) + trailer},
      {LineEventKind::ring_begin, ms_to_samples(6000)},
      {LineEventKind::ring_off_hook, ms_to_samples(8000) + trailer},
  };
  CHECK(tap.events == expected);
  CHECK(line.caller().gave_up());
  CHECK_FALSE(line.off_hook());
  // One block per tick, nothing lost or invented.
  CHECK(tap.rx.size() == card.ticks() * kBlockSamples);
}

TEST_CASE("sim trunk: UK double ring is two ring_begin/ring_off_hook pairs per cycle") {
  SimCard card;
  SimPort& line = one_trunk(card);
  Tap tap(line);
  line.caller().ring(RingCadence::uk(), 1);
  run_ms(card, 3200, {&tap});
  const std::vector<LineEvent> expected{
      {LineEventKind::ring_begin, 0},
      {LineEventKind::ring_off_hook, ms_to_samples(400 + 50)},
      {LineEventKind::ring_begin, ms_to_samples(600)},
      {LineEventKind::ring_off_hook, ms_to_samples(1000 + 50)},
  };
  CHECK(tap.events == expected);
}

TEST_CASE("sim trunk: Bell 202 caller ID between the first and second ring decodes from rx") {
  for (CallerIdFormat format : {CallerIdFormat::bell202_sdmf, CallerIdFormat::bell202_mdmf}) {
    SimCard card;
    SimPort& line = one_trunk(card);
    Tap tap(line);
    CallerIdMessage sent = sample_caller_id(format);
    if (format == CallerIdFormat::bell202_sdmf) sent.name = "";
    line.caller().ring(RingCadence::us(), sent, CallerIdTiming::between_first_and_second_ring, 2);
    run_ms(card, 7000, {&tap});

    const auto found = caller_ids(tap.rx);
    REQUIRE(found.size() == 1);
    CHECK(found[0].valid);
    CHECK(found[0].format == format);
    CHECK(found[0].number == sent.number.view());
    CHECK(found[0].name == sent.name.view());
    CHECK(found[0].datetime == "12071830");
    REQUIRE(tap.events.size() >= 3);
    CHECK(found[0].start_sample > tap.events[1].sample);  // after the first ring ended
    CHECK(found[0].end_sample < tap.events[2].sample);    // before the second began
  }
}

TEST_CASE("sim trunk: V.23 caller ID after a polarity reversal, before the first ring") {
  SimCard card;
  SimPort& line = one_trunk(card);
  Tap tap(line);
  const CallerIdMessage sent = sample_caller_id(CallerIdFormat::v23_mdmf);
  line.caller().ring(RingCadence::uk(), sent, CallerIdTiming::after_polarity_reversal, 1);
  run_ms(card, 5000, {&tap});

  REQUIRE(tap.events.size() >= 2);
  CHECK(tap.events[0] == LineEvent{LineEventKind::polarity, 0});
  CHECK(tap.events[1].kind == LineEventKind::ring_begin);
  const auto found = caller_ids(tap.rx);
  REQUIRE(found.size() == 1);
  CHECK(found[0].valid);
  CHECK(found[0].format == CallerIdFormat::v23_mdmf);
  CHECK(found[0].number == "5551234567");
  CHECK(found[0].start_sample > tap.events[0].sample);
  CHECK(found[0].end_sample < tap.events[1].sample);
}

TEST_CASE("sim trunk: after answer the caller hears exactly what the appliance writes") {
  SimCard card;
  SimPort& line = one_trunk(card);
  Tap tap(line);
  line.caller().ring(RingCadence::us());
  const uint64_t connected = answer_on_first_ring(card, tap);
  CHECK(line.off_hook());
  CHECK_FALSE(line.caller().in_call());  // the exchange connects at the next sample

  for (int i = 0; i < 10; ++i) {
    const Block block = pattern_block(i);
    REQUIRE(line.write(block));
    card.tick();
  }
  CHECK(line.caller().in_call());
  const auto& heard = line.caller().heard();
  REQUIRE(heard.size() == connected + 10 * kBlockSamples);
  for (uint64_t s = 0; s < connected; ++s) REQUIRE(heard[s] == 0);  // nothing before answer
  for (int i = 0; i < 10; ++i) {
    const Block expected = pattern_block(i);
    const auto first = heard.begin() + static_cast<std::ptrdiff_t>(connected + i * kBlockSamples);
    CHECK(std::equal(expected.begin(), expected.end(), first));
  }
}

TEST_CASE("sim trunk: the caller's speech and keys reach rx, where DtmfDetector finds the keys") {
  SimCard card;
  SimPort& line = one_trunk(card);
  Tap tap(line);
  const Block speech = pattern_block(7);
  line.caller().ring(RingCadence::us()).play(speech).wait_ms(200).press("159#*0");
  const uint64_t connected = answer_on_first_ring(card, tap);
  run_ms(card, 2000, {&tap});

  REQUIRE(tap.rx.size() > connected + kBlockSamples);
  CHECK(std::equal(speech.begin(), speech.end(),
                   tap.rx.begin() + static_cast<std::ptrdiff_t>(connected)));
  CHECK(dtmf_digits(tap.rx) == "159#*0");
}

TEST_CASE("sim trunk: the appliance's DTMF dialling reaches the caller as real tones") {
  SimCard card;
  SimPort& line = one_trunk(card);
  Tap tap(line);
  line.caller().ring(RingCadence::us());
  answer_on_first_ring(card, tap);
  const uint64_t dialled = card.now_sample();
  line.dial_dtmf("2580");
  run_ms(card, 1000, {&tap});
  CHECK(dtmf_digits(line.caller().heard()) == "2580");
  // Four 100 ms tones, each with its 100 ms pause.
  CHECK(tap.events.back() == LineEvent{LineEventKind::dial_complete, dialled + ms_to_samples(800)});
}

TEST_CASE("sim trunk: hang-up by loop-current drop is an on_hook event at its sample") {
  SimCard card;
  SimPort& line = one_trunk(card);
  Tap tap(line);
  line.caller().ring(RingCadence::us()).wait_ms(1000).hang_up(Supervision::loop_current_drop);
  const uint64_t connected = answer_on_first_ring(card, tap);
  run_ms(card, 2000, {&tap});

  CHECK(tap.events.back() == LineEvent{LineEventKind::on_hook, connected + ms_to_samples(1000)});
  CHECK_FALSE(line.caller().in_call());
  CHECK(line.off_hook());  // the appliance still has to hang up itself
  line.hang_up();
  CHECK_FALSE(line.off_hook());
}

TEST_CASE("sim trunk: hang-up by polarity reversal is a polarity event, no on_hook") {
  SimCard card;
  SimPort& line = one_trunk(card);
  Tap tap(line);
  line.caller().ring(RingCadence::us()).wait_ms(500).hang_up(Supervision::polarity_reversal);
  const uint64_t connected = answer_on_first_ring(card, tap);
  run_ms(card, 1000, {&tap});

  CHECK(kinds(tap.events) ==
        std::vector<LineEventKind>{LineEventKind::ring_begin, LineEventKind::polarity});
  CHECK(tap.events.back().sample == connected + ms_to_samples(500));
}

TEST_CASE("sim trunk: a caller who hangs up without supervision just goes silent") {
  SimCard card;
  SimPort& line = one_trunk(card);
  Tap tap(line);
  // Keys pressed after hanging up must not reach the appliance.
  line.caller().ring(RingCadence::us()).wait_ms(200).hang_up(Supervision::none).press("5");
  const uint64_t connected = answer_on_first_ring(card, tap);
  const Block tone = pattern_block(1);
  run_ms(card, 1000, {&tap}, [&] { REQUIRE(line.write(tone)); });

  const uint64_t gone = connected + ms_to_samples(200);
  CHECK(kinds(tap.events) == std::vector<LineEventKind>{LineEventKind::ring_begin});
  CHECK(dtmf_digits(tap.rx).empty());
  const auto& heard = line.caller().heard();
  REQUIRE(heard.size() > gone + kBlockSamples);
  CHECK(heard[gone - 1] != 0);  // heard the appliance until then
  CHECK(std::all_of(heard.begin() + static_cast<std::ptrdiff_t>(gone), heard.end(),
                    [](int16_t v) { return v == 0; }));
  CHECK(line.off_hook());
}

TEST_CASE("sim trunk: when the appliance hangs up, the caller's call ends and its script stops") {
  SimCard card;
  SimPort& line = one_trunk(card);
  Tap tap(line);
  line.caller().ring(RingCadence::us()).wait_ms(5000).press("1");
  answer_on_first_ring(card, tap);
  run_ms(card, 100, {&tap});
  line.hang_up();
  run_ms(card, 6000, {&tap});
  CHECK_FALSE(line.caller().in_call());
  CHECK(line.caller().script_finished());
  CHECK(dtmf_digits(tap.rx).empty());
}

TEST_CASE("sim trunk: answering between rings connects, after the caller gave up it is refused") {
  SimCard card;
  SimPort& line = one_trunk(card);
  Tap tap(line);
  line.caller().ring(RingCadence::us(), 1);
  run_ms(card, 3000, {&tap});  // in the silence after the first ring
  line.answer();
  card.tick();
  CHECK(line.caller().in_call());
  line.hang_up();

  SimCard other;
  SimPort& unanswered = one_trunk(other);
  unanswered.caller().ring(RingCadence::us(), 1);
  other.run_ms(6100);
  CHECK(unanswered.caller().gave_up());
  CHECK_THROWS_AS(unanswered.answer(), ivrd::driver::LineError);
}

TEST_CASE("sim trunk: the appliance's flash breaks the audio for the flash time, not the call") {
  SimCard card;  // tx flash 750 ms
  SimPort& line = one_trunk(card);
  Tap tap(line);
  line.caller().ring(RingCadence::us());
  answer_on_first_ring(card, tap);
  card.tick();
  const uint64_t flashed = card.now_sample();
  line.flash();
  CHECK_THROWS_AS(line.flash(), ivrd::driver::LineError);  // one at a time
  run_ms(card, 1000, {&tap}, [&] { REQUIRE(line.write(pattern_block(5))); });

  const auto& heard = line.caller().heard();
  const uint64_t back = flashed + ms_to_samples(750);
  REQUIRE(heard.size() > back + kBlockSamples);
  CHECK(std::all_of(heard.begin() + static_cast<std::ptrdiff_t>(flashed),
                    heard.begin() + static_cast<std::ptrdiff_t>(back),
                    [](int16_t v) { return v == 0; }));
  const Block sent = pattern_block(5);
  for (uint64_t s = back; s < back + kBlockSamples; ++s) {
    REQUIRE(heard[s] == sent[s % kBlockSamples]);
  }
  CHECK(line.caller().in_call());
  CHECK(line.caller().flashes_seen() == 1);
}

TEST_CASE("sim trunk: DTMF caller ID between rings decodes from rx") {
  SimCard card;
  SimPort& line = one_trunk(card);
  Tap tap(line);
  CallerIdMessage sent;
  sent.format = CallerIdFormat::dtmf;
  sent.number = "0123456789";
  line.caller().ring(RingCadence::us(), sent, CallerIdTiming::between_first_and_second_ring, 1);
  run_ms(card, 6000, {&tap});
  const auto found = caller_ids(tap.rx);
  REQUIRE(found.size() == 1);
  CHECK(found[0].format == CallerIdFormat::dtmf);
  CHECK(found[0].number == "0123456789");
}

TEST_CASE("sim trunk: pulse dialling reaches the exchange as loop breaks, digit by digit") {
  SimCard card;
  SimPort& line = one_trunk(card);
  Tap tap(line);
  line.seize();
  run_ms(card, 400, {&tap});
  const uint64_t dialled = card.now_sample();
  line.dial_pulse("305");
  CHECK_THROWS_AS(line.dial_dtmf("1"), ivrd::driver::LineError);  // still pulsing
  run_ms(card, 5000, {&tap});

  CHECK(line.caller().pulse_digits() == "305");
  // 18 pulses of 100 ms, and 750 ms after each of the three digits.
  CHECK(tap.events == std::vector<LineEvent>{
                          {LineEventKind::dial_complete, dialled + ms_to_samples(1800 + 3 * 750)}});
  CHECK(line.off_hook());
  // A flash is one long break, not a digit.
  line.flash();
  run_ms(card, 1500, {&tap});
  CHECK(line.caller().pulse_digits() == "305");
  CHECK_THROWS_AS(line.dial_pulse("1*"), ivrd::driver::LineError);
}
