// The simulated card's extension ports: the appliance rings a phone (with
// caller ID), the phone answers, dials, flashes and hangs up, with DAHDI's
// events for an FXS port (fxo_ks signalling).

#include <algorithm>

#include <catch2/catch.hpp>

#include "ivrd/driver/sim_card.hpp"
#include "ivrd/dsp/caller_id.hpp"

#include "sim_test_support.hpp"

using ivrd::driver::Block;
using ivrd::driver::kBlockSamples;
using ivrd::driver::LineEvent;
using ivrd::driver::LineEventKind;
using ivrd::driver::ms_to_samples;
using ivrd::driver::PortKind;
using ivrd::driver::RingCadence;
using ivrd::driver::RingRequest;
using ivrd::driver::SimCard;
using ivrd::driver::SimPort;
using ivrd::driver::SpanType;
using ivrd::driver::testing::caller_ids;
using ivrd::driver::testing::dtmf_digits;
using ivrd::driver::testing::pattern_block;
using ivrd::driver::testing::run_ms;
using ivrd::driver::testing::Tap;
using ivrd::dsp::CallerIdFormat;
using ivrd::dsp::CallerIdMessage;

namespace {

SimPort& one_extension(SimCard& card) {
  return card.add_span("analog", SpanType::analog, {PortKind::extension}).port(0);
}

}  // namespace

TEST_CASE("sim extension: ring, off-hook, dial, flash, hang up give DAHDI's FXS events") {
  SimCard card;  // rx flash time 1250 ms
  SimPort& line = one_extension(card);
  Tap tap(line);
  line.phone()
      .wait_for_ring()
      .wait_ms(3000)
      .off_hook()
      .wait_ms(500)
      .dial("42")  // 2 x (50 ms tone + 50 ms pause)
      .wait_ms(500)
      .flash(300)
      .wait_ms(500)
      .hang_up();
  line.ring(RingRequest{});
  run_ms(card, 8000, {&tap});

  const std::vector<LineEvent> expected{
      {LineEventKind::ringer_on, 0},
      {LineEventKind::ringer_off, ms_to_samples(2000)},
      {LineEventKind::ring_off_hook, ms_to_samples(3000)},
      {LineEventKind::wink_flash, ms_to_samples(3000 + 500 + 200 + 500 + 300)},
      {LineEventKind::on_hook, ms_to_samples(4500 + 500 + 1250)},
  };
  CHECK(tap.events == expected);
  CHECK(dtmf_digits(tap.rx) == "42");
  CHECK_FALSE(line.off_hook());
  CHECK(line.phone().script_finished());
}

TEST_CASE("sim extension: a ringing phone follows the cadence until it is stopped") {
  SimCard card;
  SimPort& line = one_extension(card);
  Tap tap(line);
  line.ring(RingRequest{RingCadence::uk(), std::nullopt});
  run_ms(card, 300, {&tap});
  CHECK(line.phone().ringing());
  run_ms(card, 200, {&tap});  // 500 ms: in the 200 ms gap
  CHECK_FALSE(line.phone().ringing());
  run_ms(card, 2600, {&tap});  // 3.1 s: the second cycle's first ring
  CHECK(line.phone().ringing());
  line.stop_ringing();
  run_ms(card, 100, {&tap});
  CHECK_FALSE(line.phone().ringing());

  const std::vector<LineEvent> expected{
      {LineEventKind::ringer_on, 0},
      {LineEventKind::ringer_off, ms_to_samples(400)},
      {LineEventKind::ringer_on, ms_to_samples(600)},
      {LineEventKind::ringer_off, ms_to_samples(1000)},
      {LineEventKind::ringer_on, ms_to_samples(3000)},
      {LineEventKind::ringer_off, ms_to_samples(3100)},  // stop_ringing()
  };
  CHECK(tap.events == expected);
}

TEST_CASE("sim extension: caller ID FSK reaches the phone between the first and second ring") {
  SimCard card;
  SimPort& line = one_extension(card);
  CallerIdMessage sent;
  sent.format = CallerIdFormat::bell202_mdmf;
  sent.number = "0612345678";
  sent.name = "Reception";
  line.phone().wait_ms(7000).off_hook();
  line.ring(RingRequest{RingCadence::us(), sent});
  Tap tap(line);
  run_ms(card, 7000, {&tap});

  const auto found = caller_ids(line.phone().heard());
  REQUIRE(found.size() == 1);
  CHECK(found[0].valid);
  CHECK(found[0].number == "0612345678");
  CHECK(found[0].name == "Reception");
  CHECK(found[0].start_sample > ms_to_samples(2000));
  CHECK(found[0].end_sample < ms_to_samples(6000));
}

TEST_CASE("sim extension: the off-hook phone hears the appliance and talks back") {
  SimCard card;
  SimPort& line = one_extension(card);
  Tap tap(line);
  const Block speech = pattern_block(3);
  line.phone().wait_for_ring().wait_ms(100).off_hook().play(speech);
  line.ring(RingRequest{});
  run_ms(card, 200, {&tap}, [&] { (void)line.write(pattern_block(9)); });

  const uint64_t answered = ms_to_samples(100);
  REQUIRE(tap.rx.size() >= answered + kBlockSamples);
  CHECK(std::equal(speech.begin(), speech.end(),
                   tap.rx.begin() + static_cast<std::ptrdiff_t>(answered)));
  const Block sent = pattern_block(9);
  const auto& heard = line.phone().heard();
  // Ringing, no caller ID: silence until the handset is lifted.
  CHECK(std::all_of(heard.begin(), heard.begin() + static_cast<std::ptrdiff_t>(answered),
                    [](int16_t v) { return v == 0; }));
  CHECK(
      std::equal(sent.begin(), sent.end(), heard.begin() + static_cast<std::ptrdiff_t>(answered)));
}
