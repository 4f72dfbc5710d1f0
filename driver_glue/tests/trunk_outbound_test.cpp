// Outbound calls on a trunk port: TrunkOutbound on the simulated card, whose
// exchange gives the zone's dial tone, decodes the digits dialled, and plays
// ringback, busy, congestion or SIT, or answers, all through the real DSP
// (call-progress detector, DTMF detector). For each of the us, uk, de, fr
// and au zones: every result, answer by polarity and by voice, DTMF and
// pulse dialling, and every way an answered call ends.

#include "ivrd/driver/trunk_outbound.hpp"

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <deque>
#include <iterator>
#include <optional>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "ivrd/driver/sim_card.hpp"
#include "ivrd/dsp/tone_generator.hpp"
#include "ivrd/dsp/tone_zone.hpp"
#include "ivrd/test_support/music.hpp"
#include "ivrd/test_support/noise.hpp"
#include "ivrd/test_support/seed.hpp"
#include "ivrd/test_support/speech.hpp"
#include "ivrd/test_support/speech_like_noise.hpp"

using ivrd::driver::AnswerDetection;
using ivrd::driver::AnswerSignal;
using ivrd::driver::DialMethod;
using ivrd::driver::DialToneHandling;
using ivrd::driver::HangUpReason;
using ivrd::driver::kBlockSamples;
using ivrd::driver::ms_to_samples;
using ivrd::driver::OutboundEvent;
using ivrd::driver::OutboundEventKind;
using ivrd::driver::OutboundResult;
using ivrd::driver::PortKind;
using ivrd::driver::RingCadence;
using ivrd::driver::SimCaller;
using ivrd::driver::SimCard;
using ivrd::driver::SimConfig;
using ivrd::driver::SimPort;
using ivrd::driver::SpanAlarms;
using ivrd::driver::SpanType;
using ivrd::driver::Supervision;
using ivrd::driver::TrunkOutbound;
using ivrd::driver::TrunkOutboundConfig;
using ivrd::driver::TrunkOutboundState;
namespace support = ivrd::test_support;

namespace {

constexpr const char* kZones[] = {"us", "uk", "de", "fr", "au"};

// A card with one trunk port and the machine on it, driven the way the
// daemon will: the card's tick, then the machine's.
struct Call {
  explicit Call(const TrunkOutboundConfig& config = {}, const SimConfig& sim = {})
      : card(sim),
        port(card.add_span("analog", SpanType::analog, {PortKind::trunk}).port(0)),
        machine(port, config) {}

  void drain() {
    while (auto event = machine.next_event()) events.push_back(*event);
  }
  void tick() {
    card.tick();
    machine.tick();
    drain();
    // The exchange answered inside this tick: (answered_at - 160, answered_at].
    if (!exchange_answered_at && port.caller().in_call()) {
      exchange_answered_at = card.now_sample();
    }
  }
  void run_ms(uint64_t ms) {
    for (uint64_t i = 0; i < ms_to_samples(ms) / kBlockSamples; ++i) tick();
  }
  const OutboundEvent* run_until(OutboundEventKind kind, uint64_t max_ms) {
    for (uint64_t i = 0; i < ms_to_samples(max_ms) / kBlockSamples; ++i) {
      tick();
      if (const OutboundEvent* found = find(kind)) return found;
    }
    return nullptr;
  }
  // Runs until the call has a result (answered or failed).
  const OutboundEvent* run_until_result(uint64_t max_ms) {
    for (uint64_t i = 0; i < ms_to_samples(max_ms) / kBlockSamples; ++i) {
      tick();
      if (const OutboundEvent* found = find(OutboundEventKind::answered)) return found;
      if (const OutboundEvent* found = find(OutboundEventKind::failed)) return found;
    }
    return nullptr;
  }
  const OutboundEvent* find(OutboundEventKind kind) const {
    for (const OutboundEvent& event : events) {
      if (event.kind == kind) return &event;
    }
    return nullptr;
  }
  size_t count(OutboundEventKind kind) const {
    return static_cast<size_t>(std::count_if(
        events.begin(), events.end(), [&](const OutboundEvent& e) { return e.kind == kind; }));
  }
  // The kinds in order, each ringback after the first left out (ringback may
  // be recognised again after a gap of the cadence).
  std::vector<OutboundEventKind> kinds() const {
    std::vector<OutboundEventKind> out;
    for (const OutboundEvent& event : events) {
      if (event.kind == OutboundEventKind::ringback && !out.empty() &&
          std::find(out.begin(), out.end(), OutboundEventKind::ringback) != out.end()) {
        continue;
      }
      out.push_back(event.kind);
    }
    return out;
  }

  SimCard card;
  SimPort& port;
  TrunkOutbound machine;
  std::deque<OutboundEvent> events;  // pointers to events stay valid as more arrive
  std::optional<uint64_t> exchange_answered_at;
};

using Kinds = std::vector<OutboundEventKind>;

TrunkOutboundConfig config_for(const char* zone, DialMethod method = DialMethod::dtmf) {
  TrunkOutboundConfig config;
  config.tone_zone = zone;
  config.dial_method = method;
  return config;
}

uint64_t period_of(const char* zone, ivrd::dsp::CallProgressTone tone) {
  const ivrd::dsp::ToneGenerator generator(*ivrd::dsp::find_tone_zone(zone), tone, -16.0f);
  return generator.period_samples();
}

std::vector<int16_t> busy_tone(const char* zone, uint64_t periods) {
  ivrd::dsp::ToneGenerator generator(*ivrd::dsp::find_tone_zone(zone),
                                     ivrd::dsp::CallProgressTone::busy, -20.0f);
  std::vector<int16_t> pcm(periods * generator.period_samples());
  generator.tx(pcm);
  return pcm;
}

// The first sample louder than the noise floor: where a recording starts to
// speak.
size_t onset(const std::vector<int16_t>& pcm) {
  for (size_t i = 0; i < pcm.size(); ++i) {
    if (std::abs(pcm[i]) > 300) return i;
  }
  return pcm.size();
}

// A short greeting ("Hello?", "Yes?", "Ja?", ...): espeak-ng when it is
// available, else half a second of speech-like noise (one talk spurt).
std::vector<int16_t> hello(uint64_t seed, bool* real_speech) {
  std::string reason;
  if (support::speech_available(&reason)) {
    // What people say when they pick up, in the zones' languages, with a
    // voice variant and speaking rate from the seed.
    struct Greeting {
      const char* text;
      const char* language;
    };
    static constexpr Greeting kGreetings[] = {
        {"Hello?", "en"}, {"Yes?", "en"},   {"Hi.", "en-us"}, {"Hallo?", "de"},
        {"Ja?", "de"},    {"Allo ?", "fr"}, {"Oui ?", "fr"},  {"G'day.", "en"},
    };
    const Greeting& greeting = kGreetings[seed % std::size(kGreetings)];
    const auto variants = support::speech_variants();
    support::SpeechOptions options;
    options.voice =
        std::string(greeting.language) + "+" + std::string(variants[(seed / 8) % variants.size()]);
    options.words_per_minute = 140 + static_cast<int>((seed / 128) % 80);
    support::Speech speech = support::synthesize_speech(greeting.text, options);
    if (speech.ok() && !speech.pcm.empty()) {
      *real_speech = true;
      return speech.pcm;
    }
  }
  *real_speech = false;
  support::SpeechLikeOptions options;
  options.min_spurt_s = 0.4;
  options.max_spurt_s = 0.5;
  options.min_pause_s = 1.0;
  options.max_pause_s = 1.0;
  std::vector<int16_t> pcm = support::speech_like_noise(ms_to_samples(500), -18.0, seed, options);
  return pcm;
}

// What the number dialled was: checked against what the exchange decoded.
std::string number_for(const char* zone) {
  const std::string code = zone;
  if (code == "us") return "12125551234";
  if (code == "uk") return "02079460000";
  if (code == "de") return "030123456";
  if (code == "fr") return "0142685300";
  return "0298765432";
}

}  // namespace

TEST_CASE(
    "trunk outbound: DTMF dialling after dial tone, ringback, answer by polarity reversal, "
    "loop-current drop ends the call (us, uk, de, fr, au)",
    "[trunk_outbound]") {
  for (const char* zone : kZones) {
    INFO("zone " << zone);
    const std::string number = number_for(zone);
    Call call(config_for(zone));
    call.port.caller()
        .expect_outbound(zone)
        .route_after_digits(static_cast<uint32_t>(number.size()))
        .answer_after_rings(2, AnswerSignal::polarity_reversal)
        .wait_ms(3000)
        .hang_up(Supervision::loop_current_drop);
    REQUIRE(call.machine.dial(number));
    CHECK(call.machine.state() == TrunkOutboundState::seized);
    const OutboundEvent* gone = call.run_until(OutboundEventKind::far_end_hung_up, 40000);
    REQUIRE(gone != nullptr);

    REQUIRE(call.kinds() == Kinds{OutboundEventKind::dial_tone, OutboundEventKind::dialling,
                                  OutboundEventKind::dialled, OutboundEventKind::ringback,
                                  OutboundEventKind::answered, OutboundEventKind::far_end_hung_up});
    CHECK(call.port.caller().dialled_digits() == number);
    const OutboundEvent& dial_tone = *call.find(OutboundEventKind::dial_tone);
    const OutboundEvent& ringback = *call.find(OutboundEventKind::ringback);
    const OutboundEvent& answered = *call.find(OutboundEventKind::answered);
    // The exchange starts dial tone 300 ms after the seizure at sample 0.
    CHECK(dial_tone.start_sample + ms_to_samples(40) >= ms_to_samples(300));
    CHECK(dial_tone.start_sample <= ms_to_samples(340));
    CHECK(dial_tone.sample <= ms_to_samples(300 + 2500));
    CHECK(answered.result == OutboundResult::answered);
    CHECK(answered.answer == AnswerDetection::polarity_reversal);
    REQUIRE(call.exchange_answered_at);
    CHECK(answered.sample + kBlockSamples > *call.exchange_answered_at);
    CHECK(answered.sample <= *call.exchange_answered_at);
    CHECK(call.machine.result() == OutboundResult::answered);
    WARN("zone " << zone << ": dial tone recognised "
                 << static_cast<double>(dial_tone.sample - dial_tone.start_sample) / 8.0
                 << " ms after it started; ringback "
                 << static_cast<double>(ringback.sample - ringback.start_sample) / 8.0
                 << " ms after it started");
    CHECK(gone->reason == HangUpReason::loop_current_drop);
    CHECK(gone->sample == answered.sample + ms_to_samples(3000));
    CHECK(call.machine.state() == TrunkOutboundState::idle);
    CHECK_FALSE(call.port.off_hook());
  }
}

TEST_CASE(
    "trunk outbound: pulse dialling without answer supervision, answered by a short hello "
    "(us, uk, de, fr, au)",
    "[trunk_outbound]") {
  const support::Seed seed("trunk outbound hello");
  for (const char* zone : kZones) {
    INFO("zone " << zone);
    bool real_speech = false;
    const std::vector<int16_t> greeting = hello(seed.derive(zone), &real_speech);
    if (!real_speech) WARN("espeak-ng unavailable: the hello is speech-like noise");
    INFO("greeting " << greeting.size() << " samples");
    const std::string number = number_for(zone);
    Call call(config_for(zone, DialMethod::pulse));
    call.port.caller()
        .expect_outbound(zone)
        .route_after_digits(static_cast<uint32_t>(number.size()))
        .answer_after_rings(1, AnswerSignal::none)
        .play(greeting)
        .wait_ms(3000)
        .hang_up(Supervision::polarity_reversal);
    REQUIRE(call.machine.dial(number));
    const OutboundEvent* gone = call.run_until(OutboundEventKind::far_end_hung_up, 60000);
    REQUIRE(gone != nullptr);
    CHECK(call.port.caller().dialled_digits() == number);
    CHECK(call.port.caller().pulse_digits() == number);

    const OutboundEvent* answered = call.find(OutboundEventKind::answered);
    REQUIRE(answered != nullptr);
    CHECK(answered->answer == AnswerDetection::voice);
    CHECK(gone->reason == HangUpReason::polarity_reversal);
    // The callee answered at `picked_up`: the greeting, 3 s, then the
    // reversal, all sample-exact in the sim.
    const uint64_t picked_up = gone->sample - greeting.size() - ms_to_samples(3000);
    REQUIRE(call.exchange_answered_at);
    CHECK(picked_up + kBlockSamples > *call.exchange_answered_at);
    CHECK(picked_up <= *call.exchange_answered_at);
    const uint64_t spoke = picked_up + onset(greeting);
    CHECK(answered->start_sample + ms_to_samples(20) >= spoke);
    CHECK(answered->start_sample <= spoke + ms_to_samples(100));
    CHECK(answered->sample > spoke);
    WARN("zone " << zone << ": answer by voice decided "
                 << static_cast<double>(answered->sample - spoke) / 8.0
                 << " ms after the callee started to speak (hello of "
                 << static_cast<double>(greeting.size() - onset(greeting)) / 8.0 << " ms)");
    CHECK(answered->sample <= spoke + ms_to_samples(500));
    CHECK_FALSE(call.port.off_hook());
  }
}

TEST_CASE(
    "trunk outbound: answer by polarity with the callee talking at once is one answer, by "
    "polarity",
    "[trunk_outbound]") {
  const support::Seed seed("trunk outbound polarity and talk");
  bool real_speech = false;
  const std::vector<int16_t> greeting = hello(seed, &real_speech);
  Call call(config_for("us"));
  call.port.caller()
      .expect_outbound("us")
      .route_after_digits(3)
      .answer_after_rings(1)
      .play(greeting)
      .wait_ms(10000);
  REQUIRE(call.machine.dial("911"));
  call.run_ms(20000);
  REQUIRE(call.count(OutboundEventKind::answered) == 1);
  CHECK(call.find(OutboundEventKind::answered)->answer == AnswerDetection::polarity_reversal);
  CHECK(call.machine.state() == TrunkOutboundState::connected);
}

TEST_CASE("trunk outbound: busy is a failed call with result busy (us, uk, de, fr, au)",
          "[trunk_outbound]") {
  bool pulse = false;
  for (const char* zone : kZones) {
    INFO("zone " << zone);
    pulse = !pulse;
    Call call(config_for(zone, pulse ? DialMethod::pulse : DialMethod::dtmf));
    call.port.caller().expect_outbound(zone).route_after_digits(4).busy();
    REQUIRE(call.machine.dial("4567"));
    const OutboundEvent* result = call.run_until_result(20000);
    REQUIRE(result != nullptr);
    CHECK(result->kind == OutboundEventKind::failed);
    CHECK(result->result == OutboundResult::busy);
    CHECK(call.port.caller().dialled_digits() == "4567");
    const uint64_t period = period_of(zone, ivrd::dsp::CallProgressTone::busy);
    const double periods =
        static_cast<double>(result->sample - result->start_sample) / static_cast<double>(period);
    WARN("zone " << zone << ": busy reported " << periods << " cadence periods after it started");
    CHECK(periods <= 2.0);
    CHECK(call.count(OutboundEventKind::answered) == 0);
    CHECK_FALSE(call.port.off_hook());
    call.tick();
    CHECK_FALSE(call.port.caller().outbound_call());
    CHECK(call.machine.result() == OutboundResult::busy);
  }
}

TEST_CASE(
    "trunk outbound: congestion (reorder) is a failed call with result congestion (us, uk, "
    "de, fr, au)",
    "[trunk_outbound]") {
  bool pulse = true;
  for (const char* zone : kZones) {
    INFO("zone " << zone);
    pulse = !pulse;
    Call call(config_for(zone, pulse ? DialMethod::pulse : DialMethod::dtmf));
    call.port.caller().expect_outbound(zone).route_after_digits(3).congestion();
    REQUIRE(call.machine.dial("123"));
    const OutboundEvent* result = call.run_until_result(20000);
    REQUIRE(result != nullptr);
    CHECK(result->kind == OutboundEventKind::failed);
    CHECK(result->result == OutboundResult::congestion);
    CHECK(call.port.caller().dialled_digits() == "123");
    const uint64_t period = period_of(zone, ivrd::dsp::CallProgressTone::congestion);
    const double periods =
        static_cast<double>(result->sample - result->start_sample) / static_cast<double>(period);
    WARN("zone " << zone << ": congestion reported " << periods << " cadence periods after it "
                 << "started");
    CHECK(periods <= 2.0);
    CHECK_FALSE(call.port.off_hook());
  }
}

TEST_CASE(
    "trunk outbound: SIT with the announcement after it is result sit, never an answer by "
    "voice (us, uk, de, fr, au)",
    "[trunk_outbound]") {
  const support::Seed seed("trunk outbound sit announcement");
  std::vector<int16_t> announcement;
  std::string reason;
  if (support::speech_available(&reason)) {
    announcement = support::synthesize_speech("The number you have dialled is not in service.").pcm;
  }
  if (announcement.empty()) {
    WARN("espeak-ng unavailable: the announcement is speech-like noise");
    announcement = support::speech_like_noise(ms_to_samples(3000), -18.0, seed);
  }
  bool pulse = false;
  for (const char* zone : kZones) {
    INFO("zone " << zone);
    pulse = !pulse;
    Call call(config_for(zone, pulse ? DialMethod::pulse : DialMethod::dtmf));
    call.port.caller().expect_outbound(zone).interdigit_timeout_ms(2000).sit(announcement);
    REQUIRE(call.machine.dial("5550100"));
    const OutboundEvent* result = call.run_until_result(30000);
    REQUIRE(result != nullptr);
    CHECK(result->kind == OutboundEventKind::failed);
    CHECK(result->result == OutboundResult::sit);
    CHECK(call.port.caller().dialled_digits() == "5550100");
    WARN("zone " << zone << ": SIT reported "
                 << static_cast<double>(result->sample - result->start_sample) / 8.0
                 << " ms after it started");
    CHECK(result->sample - result->start_sample <= ms_to_samples(1200));
    CHECK_FALSE(call.port.off_hook());
  }
}

TEST_CASE(
    "trunk outbound: ringback that is never answered is no_answer at the timeout, with no "
    "false answer by voice (us, uk, de, fr, au)",
    "[trunk_outbound]") {
  for (const char* zone : kZones) {
    INFO("zone " << zone);
    TrunkOutboundConfig config = config_for(zone);
    config.no_answer_timeout_ms = 40000;
    Call call(config);
    call.port.caller().expect_outbound(zone).route_after_digits(2).no_answer();
    REQUIRE(call.machine.dial("42"));
    const OutboundEvent* result = call.run_until_result(50000);
    REQUIRE(result != nullptr);
    CHECK(result->kind == OutboundEventKind::failed);
    CHECK(result->result == OutboundResult::no_answer);
    const OutboundEvent* dialled = call.find(OutboundEventKind::dialled);
    REQUIRE(dialled != nullptr);
    CHECK(result->sample >= dialled->sample + ms_to_samples(40000));
    CHECK(result->sample <= dialled->sample + ms_to_samples(40000) + 2 * kBlockSamples);
    CHECK(call.count(OutboundEventKind::ringback) >= 1);
    CHECK(call.count(OutboundEventKind::answered) == 0);
    CHECK_FALSE(call.port.off_hook());
  }
}

TEST_CASE(
    "trunk outbound: a line without dial tone fails as no_dial_tone, dialling nothing "
    "(us, uk, de, fr, au)",
    "[trunk_outbound]") {
  for (const char* zone : kZones) {
    INFO("zone " << zone);
    Call call(config_for(zone));
    call.port.caller().expect_outbound(zone).no_dial_tone();
    REQUIRE(call.machine.dial("123"));
    const OutboundEvent* result = call.run_until_result(8000);
    REQUIRE(result != nullptr);
    CHECK(result->kind == OutboundEventKind::failed);
    CHECK(result->result == OutboundResult::no_dial_tone);
    CHECK(result->sample >= ms_to_samples(5000));
    CHECK(result->sample <= ms_to_samples(5000) + kBlockSamples);
    CHECK(call.find(OutboundEventKind::dialling) == nullptr);
    CHECK(call.port.caller().dialled_digits().empty());
    CHECK_FALSE(call.port.off_hook());
  }
}

TEST_CASE(
    "trunk outbound: 'prefer' dials blind at the dial tone timeout; 'ignore' dials after "
    "the delay without listening",
    "[trunk_outbound]") {
  SECTION("prefer, on a line that takes digits without dial tone") {
    TrunkOutboundConfig config = config_for("de");
    config.dial_tone = DialToneHandling::prefer;
    Call call(config);
    call.port.caller()
        .expect_outbound("de")
        .no_dial_tone(true)
        .route_after_digits(5)
        .answer_after_rings(1);
    REQUIRE(call.machine.dial("12345"));
    const OutboundEvent* result = call.run_until_result(20000);
    REQUIRE(result != nullptr);
    CHECK(result->kind == OutboundEventKind::answered);
    CHECK(call.find(OutboundEventKind::dial_tone) == nullptr);
    const OutboundEvent* dialling = call.find(OutboundEventKind::dialling);
    REQUIRE(dialling != nullptr);
    CHECK(dialling->sample == ms_to_samples(5000));
    CHECK(call.port.caller().dialled_digits() == "12345");
  }
  SECTION("ignore, on a line with dial tone") {
    TrunkOutboundConfig config = config_for("fr", DialMethod::pulse);
    config.dial_tone = DialToneHandling::ignore;
    Call call(config);
    call.port.caller().expect_outbound("fr").route_after_digits(3).busy();
    REQUIRE(call.machine.dial("306"));
    const OutboundEvent* result = call.run_until_result(20000);
    REQUIRE(result != nullptr);
    CHECK(result->result == OutboundResult::busy);
    CHECK(call.find(OutboundEventKind::dial_tone) == nullptr);
    CHECK(call.find(OutboundEventKind::dialling)->sample == ms_to_samples(1000));
    CHECK(call.port.caller().dialled_digits() == "306");
  }
}

TEST_CASE(
    "trunk outbound: after the answer, each supervision ends the call: loop drop, polarity, "
    "disconnect tone, silence (us, uk, de, fr, au)",
    "[trunk_outbound]") {
  const support::Seed seed("trunk outbound supervision");
  for (const char* zone : kZones) {
    for (const HangUpReason reason :
         {HangUpReason::loop_current_drop, HangUpReason::polarity_reversal,
          HangUpReason::disconnect_tone, HangUpReason::silence_timeout}) {
      INFO("zone " << zone << ", " << ivrd::driver::hang_up_reason_name(reason));
      Call call(config_for(zone));
      // Two seconds of the callee's line noise at -40 dBm0, then the hang-up.
      const std::vector<int16_t> talk =
          support::white_noise(ms_to_samples(2000), -40.0, seed.derive(zone));
      SimCaller& exchange = call.port.caller();
      exchange.expect_outbound(zone).route_after_digits(1).answer_after_rings(1).play(talk);
      uint64_t tone_offset = 0;
      switch (reason) {
        case HangUpReason::loop_current_drop:
          exchange.hang_up(Supervision::loop_current_drop);
          break;
        case HangUpReason::polarity_reversal:
          exchange.hang_up(Supervision::polarity_reversal);
          break;
        case HangUpReason::disconnect_tone:
          tone_offset = talk.size();
          exchange.play(busy_tone(zone, 5)).hang_up(Supervision::none);
          break;
        case HangUpReason::silence_timeout:
        case HangUpReason::line_alarm: exchange.hang_up(Supervision::none); break;
      }
      REQUIRE(call.machine.dial("0"));
      const OutboundEvent* answered = call.run_until(OutboundEventKind::answered, 20000);
      REQUIRE(answered != nullptr);
      const OutboundEvent* gone = call.run_until(OutboundEventKind::far_end_hung_up, 40000);
      REQUIRE(gone != nullptr);
      CHECK(gone->reason == reason);
      const uint64_t end_of_talk = answered->sample + talk.size();
      switch (reason) {
        case HangUpReason::loop_current_drop:
        case HangUpReason::polarity_reversal: CHECK(gone->sample == end_of_talk); break;
        case HangUpReason::disconnect_tone: {
          const uint64_t tone_start = answered->sample + tone_offset;
          const uint64_t period = period_of(zone, ivrd::dsp::CallProgressTone::busy);
          CHECK(gone->start_sample + ms_to_samples(60) >= tone_start);
          CHECK(gone->start_sample <= tone_start + ms_to_samples(60));
          CHECK(gone->sample - tone_start <= 2 * period);
          break;
        }
        case HangUpReason::silence_timeout:
        case HangUpReason::line_alarm:
          CHECK(gone->sample >= end_of_talk + ms_to_samples(30000));
          CHECK(gone->sample <= end_of_talk + ms_to_samples(30000) + 2 * kBlockSamples);
          break;
      }
      CHECK(call.machine.state() == TrunkOutboundState::idle);
      CHECK_FALSE(call.port.off_hook());
    }
  }
}

TEST_CASE("trunk outbound: a polarity reversal inside the guard after the answer is not a hang-up",
          "[trunk_outbound]") {
  Call call(config_for("uk"));
  call.port.caller()
      .expect_outbound("uk")
      .route_after_digits(1)
      .answer_after_rings(1)
      .wait_ms(300)
      .hang_up(Supervision::polarity_reversal);
  REQUIRE(call.machine.dial("9"));
  call.run_ms(15000);
  REQUIRE(call.find(OutboundEventKind::answered) != nullptr);
  CHECK(call.find(OutboundEventKind::far_end_hung_up) == nullptr);
  CHECK(call.machine.state() == TrunkOutboundState::connected);
}

TEST_CASE(
    "trunk outbound: a span alarm ends the call: in the call as line_alarm, before the "
    "answer as failed line_alarm, and dialling in alarm fails at once",
    "[trunk_outbound]") {
  SECTION("mid-call") {
    Call call(config_for("au"));
    call.port.caller().expect_outbound("au").route_after_digits(2).answer_after_rings(1).wait_ms(
        30000);
    REQUIRE(call.machine.dial("00"));
    REQUIRE(call.run_until(OutboundEventKind::answered, 20000) != nullptr);
    call.run_ms(1000);
    call.card.span(0).set_alarms(SpanAlarms{SpanAlarms::kRed});
    const OutboundEvent* gone = call.run_until(OutboundEventKind::far_end_hung_up, 100);
    REQUIRE(gone != nullptr);
    CHECK(gone->reason == HangUpReason::line_alarm);
    CHECK_FALSE(call.port.off_hook());
    CHECK(call.machine.state() == TrunkOutboundState::idle);
  }
  SECTION("during ringback") {
    Call call(config_for("fr"));
    call.port.caller().expect_outbound("fr").route_after_digits(2).no_answer();
    REQUIRE(call.machine.dial("15"));
    REQUIRE(call.run_until(OutboundEventKind::dialled, 10000) != nullptr);
    call.run_ms(2000);
    call.card.span(0).set_alarms(SpanAlarms{SpanAlarms::kRed});
    const OutboundEvent* result = call.run_until_result(100);
    REQUIRE(result != nullptr);
    CHECK(result->kind == OutboundEventKind::failed);
    CHECK(result->result == OutboundResult::line_alarm);
    CHECK_FALSE(call.port.off_hook());
  }
  SECTION("dialling while the span is in alarm") {
    Call call(config_for("us"));
    call.card.span(0).set_alarms(SpanAlarms{SpanAlarms::kRed});
    call.run_ms(100);
    REQUIRE(call.machine.dial("123"));
    call.drain();
    REQUIRE(call.events.size() == 1);
    CHECK(call.events[0].kind == OutboundEventKind::failed);
    CHECK(call.events[0].result == OutboundResult::line_alarm);
    CHECK(call.machine.state() == TrunkOutboundState::idle);
    CHECK_FALSE(call.port.off_hook());
  }
}

TEST_CASE(
    "trunk outbound: speech and music on an answered call give no false hang-up (us, uk, de, "
    "fr, au)",
    "[trunk_outbound]") {
  const support::Seed seed("trunk outbound talk-off");
  std::vector<int16_t> audio;
  std::string reason;
  if (support::speech_available(&reason)) {
    audio = support::speech_corpus(30.0, seed.derive("speech")).pcm;
  } else {
    WARN("espeak-ng unavailable (" << reason << "): speech-like noise instead");
    audio = support::speech_like_noise(ms_to_samples(30000), -16.0, seed.derive("speech"));
  }
  const std::vector<int16_t> music =
      support::music_on_hold(ms_to_samples(30000), seed.derive("music"));
  audio.insert(audio.end(), music.begin(), music.end());
  for (const char* zone : kZones) {
    INFO("zone " << zone);
    Call call(config_for(zone));
    call.port.caller()
        .expect_outbound(zone)
        .route_after_digits(1)
        .answer_after_rings(1)
        .play(audio)
        .hang_up(Supervision::loop_current_drop);
    REQUIRE(call.machine.dial("7"));
    const OutboundEvent* answered = call.run_until(OutboundEventKind::answered, 20000);
    REQUIRE(answered != nullptr);
    const uint64_t hung_up = answered->sample + audio.size();
    call.run_ms(62000);
    REQUIRE(call.count(OutboundEventKind::far_end_hung_up) == 1);
    const OutboundEvent* gone = call.find(OutboundEventKind::far_end_hung_up);
    CHECK(gone->reason == HangUpReason::loop_current_drop);
    CHECK(gone->sample == hung_up);
  }
}

TEST_CASE(
    "trunk outbound: the appliance abandons the call during ringback: on-hook, the exchange "
    "drops it, no event",
    "[trunk_outbound]") {
  Call call(config_for("uk"));
  call.port.caller().expect_outbound("uk").route_after_digits(4).no_answer();
  REQUIRE(call.machine.dial("1471"));
  REQUIRE(call.run_until(OutboundEventKind::ringback, 20000) != nullptr);
  CHECK(call.port.caller().outbound_call());
  CHECK_FALSE(call.machine.dial("999"));  // one call at a time
  const size_t before = call.events.size();
  CHECK(call.machine.hang_up());
  CHECK_FALSE(call.port.off_hook());
  call.run_ms(1000);
  CHECK(call.events.size() == before);
  CHECK_FALSE(call.port.caller().outbound_call());
  CHECK(call.port.caller().dialled_digits() == "1471");
  CHECK(call.machine.state() == TrunkOutboundState::idle);
  CHECK_FALSE(call.machine.hang_up());

  // The same port, the next call.
  call.events.clear();
  call.port.caller().expect_outbound("uk").route_after_digits(3).busy();
  REQUIRE(call.machine.dial("123"));
  const OutboundEvent* result = call.run_until_result(20000);
  REQUIRE(result != nullptr);
  CHECK(result->result == OutboundResult::busy);
  CHECK(call.port.caller().dialled_digits() == "123");
}

TEST_CASE(
    "trunk outbound: a trunk that is ringing with an inbound call refuses the seizure: "
    "line_refused",
    "[trunk_outbound]") {
  Call call(config_for("us"));
  call.port.caller().ring(RingCadence::us());
  call.run_ms(500);
  REQUIRE(call.machine.dial("5551234"));
  call.drain();
  REQUIRE(call.events.size() == 1);
  CHECK(call.events[0].kind == OutboundEventKind::failed);
  CHECK(call.events[0].result == OutboundResult::line_refused);
  CHECK(call.machine.state() == TrunkOutboundState::idle);
}

TEST_CASE(
    "trunk outbound: each ',' in a number is a 2 s pause between runs of digits, DTMF and "
    "pulses",
    "[trunk_outbound]") {
  for (const DialMethod method : {DialMethod::dtmf, DialMethod::pulse}) {
    CAPTURE(dial_method_name(method));
    TrunkOutboundConfig config;
    config.dial_method = method;
    // Without a pause: the same digits, for the time they take alone.
    uint64_t plain_samples = 0;
    for (const char* number : {"95551234", "9,5551234"}) {
      CAPTURE(number);
      Call call(config);
      call.port.caller().expect_outbound("us").route_after_digits(8).answer_after_rings(1);
      REQUIRE(call.machine.dial(number));
      REQUIRE(call.run_until(OutboundEventKind::answered, 60000) != nullptr);
      CHECK(call.port.caller().dialled_digits() == "95551234");
      const uint64_t dialling = call.find(OutboundEventKind::dialling)->sample;
      const uint64_t dialled = call.find(OutboundEventKind::dialled)->sample;
      if (plain_samples == 0) {
        plain_samples = dialled - dialling;
      } else {
        // One pause of 2 s more, to the block.
        const int64_t extra =
            static_cast<int64_t>(dialled - dialling) - static_cast<int64_t>(plain_samples);
        CHECK(std::llabs(extra - static_cast<int64_t>(ms_to_samples(ivrd::driver::kDialPauseMs))) <=
              static_cast<int64_t>(2 * kBlockSamples));
      }
    }
  }
}

TEST_CASE("trunk outbound: a bad configuration, number or port is refused, every problem named",
          "[trunk_outbound]") {
  SimCard card;
  SimPort& trunk = card.add_span("analog", SpanType::analog, {PortKind::trunk}).port(0);
  SimPort& extension = card.add_span("ext", SpanType::analog, {PortKind::extension}).port(0);

  TrunkOutboundConfig bad;
  bad.tone_zone = "frr";
  bad.no_answer_timeout_ms = 0;
  bad.answer_on_polarity = false;
  bad.answer_on_voice = false;
  bad.voice_min_ms = 900;
  bad.silence_timeout_ms = 0;
  const auto problems = bad.validate();
  REQUIRE(problems);
  CHECK(problems->find("unknown tone zone 'frr'") != std::string::npos);
  CHECK(problems->find("no_answer_timeout_ms") != std::string::npos);
  CHECK(problems->find("answer_on_polarity and answer_on_voice") != std::string::npos);
  CHECK(problems->find("voice_min_ms") != std::string::npos);
  CHECK(problems->find("silence_timeout_ms") != std::string::npos);
  CHECK_THROWS_AS(TrunkOutbound(trunk, bad), std::invalid_argument);
  CHECK_THROWS_AS(TrunkOutbound(extension), std::invalid_argument);
  CHECK_FALSE(TrunkOutboundConfig{}.validate());

  TrunkOutbound dtmf(trunk);
  CHECK_THROWS_WITH(dtmf.dial("12x4"), Catch::Contains("cannot dial 'x'"));
  CHECK_THROWS_AS(dtmf.dial(""), std::invalid_argument);
  CHECK_THROWS_WITH(dtmf.dial(",,"), Catch::Contains("without digits"));
  CHECK_THROWS_WITH(dtmf.dial("1,12x"), Catch::Contains("cannot dial 'x'"));
  CHECK_THROWS_AS(dtmf.dial(std::string(200, '1')), std::invalid_argument);
  TrunkOutboundConfig pulse_config;
  pulse_config.dial_method = DialMethod::pulse;
  TrunkOutbound pulse(trunk, pulse_config);
  CHECK_THROWS_WITH(pulse.dial("12#"), Catch::Contains("only 0-9 can be pulsed"));
  CHECK(dtmf.state() == TrunkOutboundState::idle);
  CHECK_FALSE(trunk.off_hook());

  CHECK_THROWS_AS(trunk.caller().busy(), std::logic_error);  // no expect_outbound() yet
  CHECK_THROWS_AS(trunk.caller().expect_outbound("xx"), std::invalid_argument);
}

TEST_CASE(
    "sim: heard() keeps the most recent audio within heard_limit_ms and still counts every "
    "sample",
    "[trunk_outbound][sim]") {
  SimConfig sim;
  sim.heard_limit_ms = 1000;
  SimCard card(sim);
  SimPort& port = card.add_span("analog", SpanType::analog, {PortKind::trunk}).port(0);
  port.caller().expect_outbound("us").route_after_digits(1).answer_after_rings(0).wait_ms(20000);
  port.seize();
  port.dial_dtmf("1");
  // Answered once the digit is decoded and routed; then the appliance
  // writes a ramp: every sample tells its own line sample.
  uint64_t written_from = 0;
  for (int i = 0; i < 500; ++i) {  // 10 s
    if (port.caller().in_call()) {
      if (written_from == 0) written_from = card.now_sample();
      ivrd::driver::Block block{};
      for (size_t n = 0; n < kBlockSamples; ++n) {
        block[n] = static_cast<int16_t>((card.now_sample() + n) % 30000);
      }
      REQUIRE(port.write(block));
    }
    card.tick();
    while (port.read()) {
    }
  }
  REQUIRE(written_from > 0);
  const SimCaller& caller = port.caller();
  CHECK(caller.heard_total() == card.now_sample());
  CHECK(caller.heard().size() >= ms_to_samples(1000));
  CHECK(caller.heard().size() <= ms_to_samples(1250));
  CHECK(caller.heard_start() + caller.heard().size() == caller.heard_total());
  // Line sample n is heard()[n - heard_start()].
  for (uint64_t n = caller.heard_start(); n < caller.heard_total(); n += 97) {
    INFO("line sample " << n);
    REQUIRE(caller.heard()[n - caller.heard_start()] == static_cast<int16_t>(n % 30000));
  }

  SimConfig unlimited;
  unlimited.heard_limit_ms = 0;
  SimCard long_card(unlimited);
  SimPort& other = long_card.add_span("a", SpanType::analog, {PortKind::trunk}).port(0);
  long_card.run_ms(3000);
  CHECK(other.caller().heard().size() == ms_to_samples(3000));
  CHECK(other.caller().heard_start() == 0);
}
