// A phone on an extension port: ExtensionPort on the simulated card, through
// the real DSP. The appliance rings the phone with caller ID (the phone
// decodes what it heard with dsp::CallerIdReceiver); the phone lifts the
// handset, hears dial tone (checked with dsp::CallProgressDetector on what
// reached it), dials real DTMF audio, flashes and hangs up; the machine must
// report what happened, and when.

#include "ivrd/driver/extension_port.hpp"

#include <algorithm>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "ivrd/driver/sim_card.hpp"
#include "ivrd/dsp/call_progress_detector.hpp"
#include "ivrd/dsp/caller_id.hpp"
#include "ivrd/dsp/dtmf_generator.hpp"
#include "ivrd/dsp/tone_generator.hpp"
#include "ivrd/dsp/tone_zone.hpp"
#include "ivrd/test_support/levels.hpp"
#include "ivrd/test_support/noise.hpp"
#include "ivrd/test_support/rng.hpp"
#include "ivrd/test_support/seed.hpp"
#include "ivrd/test_support/speech.hpp"

#include "sim_test_support.hpp"

using ivrd::driver::Block;
using ivrd::driver::CongestionReason;
using ivrd::driver::DialCompletion;
using ivrd::driver::DialPlanVerdict;
using ivrd::driver::ExtensionEvent;
using ivrd::driver::ExtensionEventKind;
using ivrd::driver::ExtensionPort;
using ivrd::driver::ExtensionPortConfig;
using ivrd::driver::ExtensionState;
using ivrd::driver::kBlockSamples;
using ivrd::driver::ms_to_samples;
using ivrd::driver::PortKind;
using ivrd::driver::RingCadence;
using ivrd::driver::RingResult;
using ivrd::driver::SimCard;
using ivrd::driver::SimConfig;
using ivrd::driver::SimPort;
using ivrd::driver::SpanAlarms;
using ivrd::driver::SpanType;
using ivrd::driver::zone_ring_cadence;
using ivrd::driver::testing::caller_ids;
using ivrd::driver::testing::pattern_block;
using ivrd::driver::testing::sample_caller_id;
using ivrd::dsp::CallerIdFormat;
using ivrd::dsp::CallerIdMessage;
using ivrd::dsp::CallProgressDetector;
using ivrd::dsp::CallProgressEvent;
using ivrd::dsp::CallProgressEventKind;
using ivrd::dsp::CallProgressTone;
namespace support = ivrd::test_support;

namespace {

const char* const kZones[] = {"us", "uk", "de", "fr", "au"};

// A card with one extension port and the machine on it, driven tick by tick
// the way the daemon will: the card's tick, then the machine's.
struct Extension {
  explicit Extension(const ExtensionPortConfig& config = {}, const SimConfig& sim = {})
      : card(sim),
        port(card.add_span("analog", SpanType::analog, {PortKind::extension}).port(0)),
        machine(port, config) {}

  void tick() {
    card.tick();
    machine.tick();
    while (auto event = machine.next_event()) events.push_back(*event);
    if (after_tick) after_tick();
  }
  void run_ms(uint64_t ms) {
    for (uint64_t i = 0; i < ms_to_samples(ms) / kBlockSamples; ++i) tick();
  }
  // Runs until an event of this kind is reported, for at most max_ms.
  const ExtensionEvent* run_until(ExtensionEventKind kind, uint64_t max_ms) {
    for (uint64_t i = 0; i < ms_to_samples(max_ms) / kBlockSamples; ++i) {
      tick();
      if (const ExtensionEvent* found = find(kind)) return found;
    }
    return nullptr;
  }
  const ExtensionEvent* find(ExtensionEventKind kind) const {
    for (const ExtensionEvent& event : events) {
      if (event.kind == kind) return &event;
    }
    return nullptr;
  }
  std::vector<ExtensionEventKind> kinds() const {
    std::vector<ExtensionEventKind> out;
    for (const ExtensionEvent& event : events) out.push_back(event.kind);
    return out;
  }
  const std::vector<int16_t>& heard() { return port.phone().heard(); }

  SimCard card;
  SimPort& port;
  ExtensionPort machine;
  std::vector<ExtensionEvent> events;
  std::function<void()> after_tick;
};

using Kinds = std::vector<ExtensionEventKind>;

ExtensionPortConfig zone_config(const char* code) {
  ExtensionPortConfig config;
  config.tone_zone = code;
  return config;
}

// Call-progress tones in pcm[from, to), as the zone's detector reports them;
// event samples are moved onto the line's clock.
std::vector<CallProgressEvent> tones_in(const ivrd::dsp::ToneZone& zone,
                                        const std::vector<int16_t>& pcm, uint64_t from,
                                        uint64_t to) {
  CallProgressDetector detector(zone);
  std::vector<CallProgressEvent> found;
  auto sink = [&](const CallProgressEvent& event) {
    CallProgressEvent moved = event;
    moved.start_sample += from;
    moved.end_sample += from;
    moved.detected_sample += from;
    found.push_back(moved);
  };
  to = std::min<uint64_t>(to, pcm.size());
  for (uint64_t at = from; at < to; at += kBlockSamples) {
    const uint64_t n = std::min<uint64_t>(kBlockSamples, to - at);
    detector.rx(std::span<const int16_t>(pcm.data() + at, n), sink);
  }
  detector.flush(sink);
  return found;
}

std::vector<CallProgressTone> begun(const std::vector<CallProgressEvent>& events) {
  std::vector<CallProgressTone> out;
  for (const CallProgressEvent& event : events) {
    if (event.kind == CallProgressEventKind::begin) out.push_back(event.tone);
  }
  return out;
}

bool silent(const std::vector<int16_t>& pcm, uint64_t from, uint64_t to) {
  to = std::min<uint64_t>(to, pcm.size());
  return std::all_of(pcm.begin() + static_cast<std::ptrdiff_t>(from),
                     pcm.begin() + static_cast<std::ptrdiff_t>(to),
                     [](int16_t v) { return v == 0; });
}

bool sounding(const std::vector<int16_t>& pcm, uint64_t from, uint64_t to) {
  to = std::min<uint64_t>(to, pcm.size());
  if (from >= to) return false;
  // Every 20 ms block holds some of the tone.
  for (uint64_t at = from; at + kBlockSamples <= to; at += kBlockSamples) {
    if (silent(pcm, at, at + kBlockSamples)) return false;
  }
  return true;
}

// On and off runs of the phone's ringer, sampled at the end of every tick
// (20 ms resolution; every cadence used here is made of whole blocks).
struct RingerLog {
  std::vector<bool> per_tick;
  std::vector<uint32_t> runs_ms() const {
    std::vector<uint32_t> runs;
    bool current = true;
    uint32_t length = 0;
    for (bool on : per_tick) {
      if (on != current && length > 0) {
        runs.push_back(length);
        length = 0;
      }
      current = on;
      length += 20;
    }
    return runs;  // the run in progress is left out: it may be cut short
  }
};

// A phone's keys as audio: each key with its own level, twist, length and
// pause, under line noise. Returns where each key starts and ends.
struct KeyedAudio {
  std::vector<int16_t> pcm;
  std::vector<uint64_t> starts, ends;
};

KeyedAudio random_keys(const std::string& keys, support::Rng& rng, uint64_t noise_seed) {
  KeyedAudio out;
  ivrd::dsp::DtmfGenerator generator;
  std::array<int16_t, kBlockSamples> chunk{};
  for (char key : keys) {
    ivrd::dsp::DtmfToneSpec spec;
    spec.digit = key;
    spec.level_dbm0 = static_cast<float>(rng.uniform(-24.0, -6.0));
    spec.twist_db = static_cast<float>(rng.uniform(-3.0, 6.0));
    spec.on_ms = static_cast<float>(rng.uniform_int(60, 150));
    spec.off_ms = static_cast<float>(rng.uniform_int(80, 600));
    REQUIRE(generator.queue(spec));
    out.starts.push_back(out.pcm.size());
    out.ends.push_back(out.pcm.size() + ms_to_samples(static_cast<uint64_t>(spec.on_ms)));
    while (!generator.idle()) {
      const size_t n = generator.tx(chunk);
      out.pcm.insert(out.pcm.end(), chunk.begin(), chunk.begin() + static_cast<std::ptrdiff_t>(n));
    }
  }
  const std::vector<int16_t> noise = support::white_noise(out.pcm.size(), -55.0, noise_seed);
  for (size_t i = 0; i < out.pcm.size(); ++i) {
    out.pcm[i] = static_cast<int16_t>(std::clamp(out.pcm[i] + noise[i], -32768, 32767));
  }
  return out;
}

std::string random_number(support::Rng& rng, size_t length) {
  static const char kKeys[] = "0123456789*ABCD";
  std::string number;
  for (size_t i = 0; i < length; ++i) number += kKeys[rng.uniform_int(0, 14)];
  return number;
}

}  // namespace

TEST_CASE("extension port: each zone's ringing cadence comes from its ringback tone",
          "[extension_port]") {
  using Ms = std::vector<uint32_t>;
  const auto cadence = [](const char* code) {
    return zone_ring_cadence(*ivrd::dsp::find_tone_zone(code)).on_off_ms;
  };
  CHECK(cadence("us") == Ms{2000, 4000});
  CHECK(cadence("uk") == Ms{400, 200, 400, 2000});
  CHECK(cadence("de") == Ms{1000, 4000});
  CHECK(cadence("fr") == Ms{1500, 3500});
  CHECK(cadence("au") == Ms{400, 200, 400, 2000});
}

TEST_CASE(
    "extension port: the phone rings with the zone's cadence, decodes the caller ID it heard "
    "(Bell 202 SDMF/MDMF, V.23 SDMF/MDMF) and answers",
    "[extension_port]") {
  struct Case {
    const char* zone;
    CallerIdFormat format;
  };
  for (const Case& c :
       {Case{"us", CallerIdFormat::bell202_mdmf}, Case{"uk", CallerIdFormat::v23_mdmf},
        Case{"de", CallerIdFormat::v23_sdmf}, Case{"fr", CallerIdFormat::v23_mdmf},
        Case{"au", CallerIdFormat::bell202_sdmf}}) {
    INFO("zone " << c.zone << ", " << ivrd::dsp::caller_id_format_name(c.format));
    Extension ext(zone_config(c.zone));
    const RingCadence cadence = ext.machine.ring_cadence();
    uint32_t cycle_ms = 0;
    for (uint32_t ms : cadence.on_off_ms) cycle_ms += ms;
    // Two whole cycles and into the third, past the caller ID.
    const uint32_t answer_ms = 2 * cycle_ms + 100;
    ext.port.phone().wait_for_ring().wait_ms(answer_ms).off_hook().wait_ms(1000).hang_up();
    RingerLog ringer;
    ext.after_tick = [&] { ringer.per_tick.push_back(ext.port.phone().ringing()); };
    CallerIdMessage sent = sample_caller_id(c.format);
    const bool sdmf =
        c.format == CallerIdFormat::bell202_sdmf || c.format == CallerIdFormat::v23_sdmf;
    if (sdmf) sent.name.assign("");
    REQUIRE(ext.machine.ring(sent) == RingResult::ringing);
    CHECK(ext.machine.state() == ExtensionState::ringing);
    ext.run_ms(answer_ms + 3000);

    std::vector<uint32_t> expected = cadence.on_off_ms;
    expected.insert(expected.end(), cadence.on_off_ms.begin(), cadence.on_off_ms.end());
    const std::vector<uint32_t> runs = ringer.runs_ms();
    REQUIRE(runs.size() >= expected.size());
    CHECK(std::vector<uint32_t>(runs.begin(), runs.begin() + static_cast<std::ptrdiff_t>(
                                                                 expected.size())) == expected);

    const auto messages = caller_ids(ext.heard());
    REQUIRE(messages.size() == 1);
    CHECK(messages[0].valid);
    CHECK(messages[0].format == c.format);
    CHECK(messages[0].number == "5551234567");
    if (!sdmf) CHECK(messages[0].name == "Alice Example");
    // After the first ring, before the answer.
    CHECK(messages[0].start_sample >= ms_to_samples(cadence.on_off_ms[0] + 500));
    CHECK(messages[0].end_sample < ms_to_samples(answer_ms));

    REQUIRE(ext.kinds() == Kinds{ExtensionEventKind::answered, ExtensionEventKind::hung_up});
    CHECK(ext.events[0].sample == ms_to_samples(answer_ms));
    CHECK(ext.events[1].state == ExtensionState::in_call);
    // On-hook is reported once the hook has been down for DAHDI's 1250 ms.
    CHECK(ext.events[1].sample == ms_to_samples(answer_ms + 1000 + 1250));
    CHECK(ext.machine.state() == ExtensionState::idle);
  }
}

TEST_CASE("extension port: in a call the owner and the phone hear each other", "[extension_port]") {
  Extension ext;
  const Block from_phone = pattern_block(5);
  ext.port.phone().wait_for_ring().wait_ms(1000).off_hook().wait_ms(200).play(from_phone);
  REQUIRE(ext.machine.ring() == RingResult::ringing);
  REQUIRE(ext.run_until(ExtensionEventKind::answered, 1100) != nullptr);
  const uint64_t answered = ext.find(ExtensionEventKind::answered)->sample;
  // The owner sends its pattern every tick and keeps what the phone sent.
  std::vector<int16_t> received;
  const Block to_phone = pattern_block(8);
  ext.after_tick = [&] {
    for (const Block& block : ext.machine.audio()) {
      received.insert(received.end(), block.begin(), block.end());
    }
    CHECK(ext.machine.write(to_phone));
  };
  ext.run_ms(600);
  // The phone's block, 200 ms into the call.
  REQUIRE(received.size() >= ms_to_samples(400));
  const uint64_t offset = ext.machine.now_sample() - received.size();
  const uint64_t played_at = answered + ms_to_samples(200) - offset;
  CHECK(std::equal(from_phone.begin(), from_phone.end(),
                   received.begin() + static_cast<std::ptrdiff_t>(played_at)));
  // The owner's blocks reach the phone whole, one per tick.
  const auto& heard = ext.heard();
  const auto found = std::search(heard.begin() + static_cast<std::ptrdiff_t>(answered), heard.end(),
                                 to_phone.begin(), to_phone.end());
  CHECK(found != heard.end());
}

TEST_CASE(
    "extension port: the phone hears the zone's dial tone (us, uk, de, fr, au) until the "
    "first key; the number ends at the terminator",
    "[extension_port]") {
  for (const char* code : kZones) {
    INFO("zone " << code);
    Extension ext(zone_config(code));
    ext.port.phone().wait_ms(200).off_hook().wait_ms(3000).dial("1234#");
    const ExtensionEvent* dialled = ext.run_until(ExtensionEventKind::number_dialled, 5000);
    REQUIRE(dialled != nullptr);
    CHECK(dialled->digits == "1234");
    CHECK(dialled->completion == DialCompletion::terminator);
    REQUIRE(ext.events.front().kind == ExtensionEventKind::off_hook);
    const uint64_t off_hook = ms_to_samples(200);
    CHECK(ext.events.front().sample == off_hook);
    const uint64_t first_key = off_hook + ms_to_samples(3000);
    // Five keys of 50 ms with 50 ms pauses; '#' is recognised 30 to 60 ms in.
    CHECK(dialled->sample > first_key + ms_to_samples(400));
    CHECK(dialled->sample <= first_key + ms_to_samples(400 + 100));
    CHECK(ext.machine.state() == ExtensionState::in_call);

    const auto& heard = ext.heard();
    const auto tones = tones_in(ext.machine.zone(), heard, off_hook, first_key);
    REQUIRE(begun(tones) == std::vector<CallProgressTone>{CallProgressTone::dial});
    // The tone starts with the tick after the off-hook, and runs until the
    // key is recognised (40 ms) plus a tick or two.
    CHECK(sounding(heard, off_hook + ms_to_samples(40), first_key));
    CHECK(silent(heard, first_key + ms_to_samples(100), heard.size()));
    const double level = support::level_dbm0(std::span<const int16_t>(
        heard.data() + off_hook + ms_to_samples(100), ms_to_samples(2000)));
    CHECK(level == Approx(-13.0).margin(0.5));
    uint64_t last_sound = first_key;  // start of the first silent block after the key
    while (last_sound < heard.size() && !silent(heard, last_sound, last_sound + kBlockSamples)) {
      ++last_sound;
    }
    WARN("zone " << code << ": dial tone at " << level << " dBm0, recognised by the phone's "
                 << "detector " << (tones[0].detected_sample - off_hook) / 8 << " ms after "
                 << "off-hook, stopped " << (last_sound - first_key) / 8
                 << " ms after the first key began");
  }
}

TEST_CASE(
    "extension port: random keys under line noise are collected to the inter-digit timeout, "
    "to max_digits and by a dial plan (seeded)",
    "[extension_port]") {
  const support::Seed seed("extension port keys");
  support::Rng rng(seed.derive("keys"));
  const std::string number = random_number(rng, static_cast<size_t>(rng.uniform_int(3, 12)));
  INFO("number " << number);
  const KeyedAudio keys = random_keys(number, rng, seed.derive("noise"));
  const uint32_t wait_ms = static_cast<uint32_t>(rng.uniform_int(300, 4000));
  const uint64_t first_key = ms_to_samples(100 + wait_ms);
  const uint64_t last_key_end = first_key + keys.ends.back();

  SECTION("inter-digit timeout") {
    ExtensionPortConfig config;
    config.terminator = '\0';
    Extension ext(config);
    ext.port.phone().wait_ms(100).off_hook().wait_ms(wait_ms).play(keys.pcm);
    const ExtensionEvent* dialled = ext.run_until(ExtensionEventKind::number_dialled, 30000);
    REQUIRE(dialled != nullptr);
    CHECK(dialled->digits == number);
    CHECK(dialled->completion == DialCompletion::inter_digit_timeout);
    // 5 s after the last key ended (the detector sees the end within 40 ms).
    const uint64_t due = last_key_end + ms_to_samples(5000);
    WARN("number reported " << (static_cast<double>(dialled->sample) - static_cast<double>(due)) /
                                   8.0
                            << " ms after the 5 s inter-digit timeout");
    CHECK(dialled->sample >= due);
    CHECK(dialled->sample <= due + ms_to_samples(80));
  }
  SECTION("max_digits") {
    ExtensionPortConfig config;
    config.max_digits = static_cast<uint32_t>(number.size());
    Extension ext(config);
    ext.port.phone().wait_ms(100).off_hook().wait_ms(wait_ms).play(keys.pcm);
    const ExtensionEvent* dialled = ext.run_until(ExtensionEventKind::number_dialled, 30000);
    REQUIRE(dialled != nullptr);
    CHECK(dialled->digits == number);
    CHECK(dialled->completion == DialCompletion::max_digits);
    // When the last key is recognised, within 60 ms of its start.
    const uint64_t last_start = first_key + keys.starts.back();
    WARN("number reported " << (dialled->sample - last_start) / 8
                            << " ms after the last key began");
    CHECK(dialled->sample > last_start);
    CHECK(dialled->sample <= last_start + ms_to_samples(80));
  }
  SECTION("terminator, over the echo of the dial tone") {
    // A real extension line returns some of the dial tone (the hybrid's
    // echo, 6 to 20 dB down) on top of the first key, until the machine
    // recognises the key and stops the tone.
    const double echo_loss_db = rng.uniform(6.0, 20.0);
    INFO("echo return loss " << echo_loss_db << " dB");
    ivrd::dsp::ToneGenerator echo(*ivrd::dsp::find_tone_zone("us"), CallProgressTone::dial,
                                  static_cast<float>(-13.0 - echo_loss_db));
    const uint64_t echo_until = ms_to_samples(wait_ms) + ms_to_samples(80);
    std::vector<int16_t> audio(ms_to_samples(wait_ms), 0);
    audio.insert(audio.end(), keys.pcm.begin(), keys.pcm.end());
    const KeyedAudio hash = random_keys("#", rng, seed.derive("noise #"));
    audio.insert(audio.end(), hash.pcm.begin(), hash.pcm.end());
    std::vector<int16_t> tone(echo_until);
    echo.tx(tone);
    for (size_t i = 0; i < tone.size(); ++i) {
      audio[i] = static_cast<int16_t>(std::clamp(audio[i] + tone[i], -32768, 32767));
    }
    Extension ext;
    ext.port.phone().wait_ms(100).off_hook().play(audio);
    const ExtensionEvent* dialled = ext.run_until(ExtensionEventKind::number_dialled, 30000);
    REQUIRE(dialled != nullptr);
    CHECK(dialled->digits == number);
    CHECK(dialled->completion == DialCompletion::terminator);
  }
  SECTION("dial plan: a number of exactly this length") {
    ExtensionPortConfig config;
    const size_t length = number.size();
    config.dial_plan = [length](std::string_view digits) {
      return digits.size() < length ? DialPlanVerdict::incomplete : DialPlanVerdict::complete;
    };
    Extension ext(config);
    ext.port.phone().wait_ms(100).off_hook().wait_ms(wait_ms).play(keys.pcm);
    const ExtensionEvent* dialled = ext.run_until(ExtensionEventKind::number_dialled, 30000);
    REQUIRE(dialled != nullptr);
    CHECK(dialled->digits == number);
    CHECK(dialled->completion == DialCompletion::dial_plan);
    const uint64_t last_start = first_key + keys.starts.back();
    CHECK(dialled->sample > last_start);
    CHECK(dialled->sample <= last_start + ms_to_samples(80));
  }
}

TEST_CASE(
    "extension port: a dial plan completes, rejects or waits for a number; a number cut short "
    "gets congestion",
    "[extension_port]") {
  // 1xx: three-digit extensions; 0 and ten more digits: outside; 10 is the
  // operator but 100 to 109 exist too; 9 is nothing.
  const auto plan = [](std::string_view d) {
    if (d[0] == '9') return DialPlanVerdict::invalid;
    if (d[0] == '0') return d.size() < 11 ? DialPlanVerdict::incomplete : DialPlanVerdict::complete;
    if (d[0] == '1') {
      if (d.size() == 1) return DialPlanVerdict::incomplete;
      if (d == "10") return DialPlanVerdict::complete_or_more;
      return d.size() < 3 ? DialPlanVerdict::incomplete : DialPlanVerdict::complete;
    }
    return DialPlanVerdict::invalid;
  };
  ExtensionPortConfig config;
  config.dial_plan = plan;
  config.inter_digit_timeout_ms = 3000;

  struct Case {
    const char* keys;
    ExtensionEventKind kind;
    const char* digits;
    DialCompletion completion;
    CongestionReason reason;
  };
  const Case cases[] = {
      {"12345", ExtensionEventKind::number_dialled, "123", DialCompletion::dial_plan, {}},
      {"01234567890",
       ExtensionEventKind::number_dialled,
       "01234567890",
       DialCompletion::dial_plan,
       {}},
      {"10", ExtensionEventKind::number_dialled, "10", DialCompletion::inter_digit_timeout, {}},
      {"10#", ExtensionEventKind::number_dialled, "10", DialCompletion::terminator, {}},
      {"105", ExtensionEventKind::number_dialled, "105", DialCompletion::dial_plan, {}},
      {"95", ExtensionEventKind::congestion, "9", {}, CongestionReason::invalid_number},
      {"0555", ExtensionEventKind::congestion, "0555", {}, CongestionReason::partial_dial},
      {"01#", ExtensionEventKind::congestion, "01", {}, CongestionReason::partial_dial},
      {"#", ExtensionEventKind::congestion, "", {}, CongestionReason::partial_dial},
  };
  for (const Case& c : cases) {
    INFO("keys " << c.keys);
    Extension ext(config);
    ext.port.phone().wait_ms(100).off_hook().wait_ms(500).dial(c.keys);
    ext.run_ms(8000);
    REQUIRE(ext.events.size() >= 2);
    CHECK(ext.events[0].kind == ExtensionEventKind::off_hook);
    const ExtensionEvent& result = ext.events[1];
    CHECK(result.kind == c.kind);
    CHECK(result.digits == c.digits);
    if (c.kind == ExtensionEventKind::number_dialled) {
      CHECK(result.completion == c.completion);
      CHECK(ext.machine.state() == ExtensionState::in_call);
      CHECK(ext.events.size() == 2);  // keys after a complete number are not collected
    } else {
      CHECK(result.reason == c.reason);
      CHECK(ext.machine.state() == ExtensionState::congestion);
    }
  }
}

TEST_CASE("extension port: a key held longer than the inter-digit timeout is not a pause",
          "[extension_port]") {
  ExtensionPortConfig config;
  config.inter_digit_timeout_ms = 3000;
  Extension ext(config);
  ivrd::dsp::DtmfToneSpec held;
  held.on_ms = 5000;
  held.off_ms = 50;
  ext.port.phone().wait_ms(100).off_hook().wait_ms(1000).dial("5", held);
  const ExtensionEvent* dialled = ext.run_until(ExtensionEventKind::number_dialled, 12000);
  REQUIRE(dialled != nullptr);
  CHECK(dialled->digits == "5");
  CHECK(dialled->completion == DialCompletion::inter_digit_timeout);
  // 3 s after the key was released, not after it was recognised.
  const uint64_t released = ms_to_samples(100 + 1000 + 5000);
  CHECK(dialled->sample >= released + ms_to_samples(3000));
  CHECK(dialled->sample <= released + ms_to_samples(3000 + 80));
}

TEST_CASE(
    "extension port: someone speaking instead of dialling gives no key, then congestion "
    "(talk-off, seeded)",
    "[extension_port]") {
  std::string reason;
  if (!support::speech_available(&reason)) {
    WARN("speech synthesis unavailable, talk-off while dialling not run: " << reason);
    return;
  }
  const support::Seed seed("extension port talk-off");
  const support::Speech speech = support::speech_corpus(9.0, seed);
  REQUIRE(speech.ok());
  for (const char* code : kZones) {
    INFO("zone " << code);
    Extension ext(zone_config(code));
    ext.port.phone().wait_ms(100).off_hook().wait_ms(300).play(speech.pcm);
    ext.run_ms(11000);
    REQUIRE(ext.kinds() == Kinds{ExtensionEventKind::off_hook, ExtensionEventKind::congestion});
    CHECK(ext.events[1].reason == CongestionReason::first_digit_timeout);
    CHECK(ext.events[1].digits.empty());
  }
}

TEST_CASE(
    "extension port: no key within the first-digit timeout gives the zone's congestion tone, "
    "then silence until the phone hangs up (us, uk, de, fr, au)",
    "[extension_port]") {
  for (const char* code : kZones) {
    INFO("zone " << code);
    ExtensionPortConfig config = zone_config(code);
    config.first_digit_timeout_ms = 4000;
    config.congestion_ms = 6000;
    Extension ext(config);
    ext.port.phone().wait_ms(100).off_hook().wait_ms(14000).hang_up();
    ext.run_ms(16000);

    REQUIRE(ext.kinds() == Kinds{ExtensionEventKind::off_hook, ExtensionEventKind::congestion,
                                 ExtensionEventKind::lockout, ExtensionEventKind::hung_up});
    const uint64_t off_hook = ms_to_samples(100);
    const ExtensionEvent& congestion = ext.events[1];
    const ExtensionEvent& lockout = ext.events[2];
    CHECK(congestion.reason == CongestionReason::first_digit_timeout);
    CHECK(congestion.sample >= off_hook + ms_to_samples(4000));
    CHECK(congestion.sample <= off_hook + ms_to_samples(4000) + kBlockSamples);
    CHECK(lockout.sample == congestion.sample + ms_to_samples(6000));
    CHECK(ext.events[3].state == ExtensionState::lockout);
    CHECK(ext.events[3].sample == off_hook + ms_to_samples(14000 + 1250));

    const auto& heard = ext.heard();
    const ivrd::dsp::ToneZone& zone = ext.machine.zone();
    CHECK(begun(tones_in(zone, heard, off_hook, congestion.sample)) ==
          std::vector<CallProgressTone>{CallProgressTone::dial});
    // The congestion tone, from the tick after the timeout to the lockout.
    const uint64_t tone_from = congestion.sample + 2 * kBlockSamples;
    const auto congestion_tones = tones_in(zone, heard, tone_from, lockout.sample);
    CHECK(begun(congestion_tones) == std::vector<CallProgressTone>{CallProgressTone::congestion});
    CHECK(silent(heard, lockout.sample + 2 * kBlockSamples, off_hook + ms_to_samples(14000)));
    CHECK(ext.machine.state() == ExtensionState::idle);
  }
}

TEST_CASE(
    "extension port: a hook flash shorter than the receive flash time is a flash, longer is "
    "a hang-up (SimConfig::rx_flash_ms 1250 and 600)",
    "[extension_port]") {
  for (uint32_t flash_ms : {1250u, 600u}) {
    INFO("rx_flash_ms " << flash_ms);
    SimConfig sim;
    sim.rx_flash_ms = flash_ms;
    Extension ext({}, sim);
    const uint32_t short_break = flash_ms / 2;
    const uint32_t long_break = flash_ms - 100;  // still a flash
    ext.port.phone()
        .wait_for_ring()
        .wait_ms(500)
        .off_hook()
        .wait_ms(1000)
        .flash(short_break)
        .wait_ms(1000)
        .flash(long_break)
        .wait_ms(1000)
        .hang_up();
    REQUIRE(ext.machine.ring() == RingResult::ringing);
    ext.run_ms(500 + 1000 + short_break + 1000 + long_break + 1000 + flash_ms + 200);

    REQUIRE(ext.kinds() == Kinds{ExtensionEventKind::answered, ExtensionEventKind::flash,
                                 ExtensionEventKind::flash, ExtensionEventKind::hung_up});
    const uint64_t first_flash_end = ms_to_samples(500 + 1000 + short_break);
    const uint64_t second_flash_end = first_flash_end + ms_to_samples(1000 + long_break);
    const uint64_t hung_up = second_flash_end + ms_to_samples(1000);
    CHECK(ext.events[1].sample == first_flash_end);
    CHECK(ext.events[2].sample == second_flash_end);
    CHECK(ext.events[3].sample == hung_up + ms_to_samples(flash_ms));
    CHECK(ext.machine.state() == ExtensionState::idle);
  }
}

TEST_CASE("extension port: a hook flash while dialling starts the dialling afresh",
          "[extension_port]") {
  Extension ext;
  ext.port.phone()
      .wait_ms(100)
      .off_hook()
      .wait_ms(2000)
      .dial("12")
      .wait_ms(300)
      .flash(400)
      .wait_ms(2500)
      .dial("34#");
  const ExtensionEvent* dialled = ext.run_until(ExtensionEventKind::number_dialled, 7000);
  REQUIRE(dialled != nullptr);
  CHECK(dialled->digits == "34");
  CHECK(ext.kinds() == Kinds{ExtensionEventKind::off_hook, ExtensionEventKind::number_dialled});
  // Dial tone again after the flash.
  const uint64_t back = ms_to_samples(100 + 2000 + 200 + 300 + 400);
  const auto tones = tones_in(ext.machine.zone(), ext.heard(), back, back + ms_to_samples(2500));
  CHECK(begun(tones) == std::vector<CallProgressTone>{CallProgressTone::dial});
}

TEST_CASE(
    "extension port: ringing is refused on an off-hook phone (busy extension) and while "
    "ringing; the dial tone goes on",
    "[extension_port]") {
  Extension ext;
  ext.port.phone().wait_ms(100).off_hook().wait_ms(3000).hang_up();
  ext.run_ms(1000);
  REQUIRE(ext.machine.state() == ExtensionState::dialling);
  CHECK(ext.machine.ring(sample_caller_id(CallerIdFormat::bell202_mdmf)) ==
        RingResult::phone_off_hook);
  CHECK(ext.machine.state() == ExtensionState::dialling);
  CHECK(ext.machine.tone() == CallProgressTone::dial);
  ext.run_ms(1000);
  CHECK(sounding(ext.heard(), ms_to_samples(1040), ms_to_samples(2000)));
  CHECK_FALSE(ext.port.phone().ringing());

  // Once the phone has hung up (and the flash time passed) it rings again.
  REQUIRE(ext.run_until(ExtensionEventKind::hung_up, 3000) != nullptr);
  CHECK(ext.events.back().state == ExtensionState::dialling);
  CHECK(ext.machine.ring() == RingResult::ringing);
  CHECK(ext.machine.ring() == RingResult::already_ringing);
  ext.run_ms(100);
  CHECK(ext.port.phone().ringing());
  CHECK(ext.machine.stop_ringing());
  ext.run_ms(100);
  CHECK_FALSE(ext.port.phone().ringing());
  CHECK(ext.machine.state() == ExtensionState::idle);
  CHECK_FALSE(ext.machine.stop_ringing());
}

TEST_CASE("extension port: a phone nobody answers stops ringing at the no-answer timeout",
          "[extension_port]") {
  ExtensionPortConfig config = zone_config("uk");
  config.no_answer_timeout_ms = 15000;
  Extension ext(config);
  REQUIRE(ext.machine.ring(sample_caller_id(CallerIdFormat::v23_mdmf)) == RingResult::ringing);
  const ExtensionEvent* stopped = ext.run_until(ExtensionEventKind::no_answer, 16000);
  REQUIRE(stopped != nullptr);
  CHECK(stopped->sample == ms_to_samples(15000));
  CHECK(ext.machine.state() == ExtensionState::idle);
  ext.run_ms(3000);  // longer than the cadence's pause
  CHECK_FALSE(ext.port.phone().ringing());
  CHECK(ext.kinds() == Kinds{ExtensionEventKind::no_answer});
}

TEST_CASE(
    "extension port: a phone lifted during the caller ID and put down again: answered, then "
    "hung up; no message decoded; the next ring works",
    "[extension_port]") {
  Extension ext;
  // US: the FSK starts 500 ms after the 2 s ring; lifted 300 ms into it.
  ext.port.phone().wait_for_ring().wait_ms(2800).off_hook().wait_ms(300).hang_up();
  REQUIRE(ext.machine.ring(sample_caller_id(CallerIdFormat::bell202_mdmf)) == RingResult::ringing);
  ext.run_ms(5000);
  REQUIRE(ext.kinds() == Kinds{ExtensionEventKind::answered, ExtensionEventKind::hung_up});
  CHECK(ext.events[0].sample == ms_to_samples(2800));
  CHECK(ext.events[1].sample == ms_to_samples(2800 + 300 + 1250));
  for (const CallerIdMessage& message : caller_ids(ext.heard())) CHECK_FALSE(message.valid);
  CHECK_FALSE(ext.port.phone().ringing());

  ext.events.clear();
  ext.port.phone().wait_for_ring().wait_ms(7000).off_hook();
  REQUIRE(ext.machine.ring(sample_caller_id(CallerIdFormat::bell202_mdmf)) == RingResult::ringing);
  REQUIRE(ext.run_until(ExtensionEventKind::answered, 7100) != nullptr);
  const auto messages = caller_ids(ext.heard());
  REQUIRE_FALSE(messages.empty());
  CHECK(messages.back().valid);
  CHECK(messages.back().number == "5551234567");
}

TEST_CASE(
    "extension port: in a call the owner plays the zone's ringback and busy tones; ending the "
    "call gives congestion then silence",
    "[extension_port]") {
  for (const char* code : kZones) {
    INFO("zone " << code);
    ExtensionPortConfig config = zone_config(code);
    config.congestion_ms = 5000;
    Extension ext(config);
    ext.port.phone().wait_ms(100).off_hook().wait_ms(500).dial("42#");
    REQUIRE(ext.run_until(ExtensionEventKind::number_dialled, 2000) != nullptr);
    const ivrd::dsp::ToneZone& zone = ext.machine.zone();

    CHECK(ext.machine.play_tone(CallProgressTone::ringback));
    const uint64_t ringback_from = ext.machine.now_sample() + kBlockSamples;
    CHECK_FALSE(ext.machine.write(pattern_block(1)));  // the tone has the line
    ext.run_ms(12000);
    const uint64_t busy_from = ext.machine.now_sample() + kBlockSamples;
    CHECK(ext.machine.play_tone(CallProgressTone::busy));
    ext.run_ms(4000);
    const uint64_t busy_to = ext.machine.now_sample();
    CHECK(ext.machine.end_call());
    REQUIRE(ext.run_until(ExtensionEventKind::lockout, 5100) != nullptr);
    const ExtensionEvent* congestion = ext.find(ExtensionEventKind::congestion);
    REQUIRE(congestion != nullptr);
    CHECK(congestion->reason == CongestionReason::call_ended);
    const uint64_t lockout = ext.find(ExtensionEventKind::lockout)->sample;
    CHECK(lockout == congestion->sample + ms_to_samples(5000));
    ext.run_ms(1000);

    const auto& heard = ext.heard();
    CHECK(begun(tones_in(zone, heard, ringback_from, busy_from)) ==
          std::vector<CallProgressTone>{CallProgressTone::ringback});
    CHECK(begun(tones_in(zone, heard, busy_from, busy_to)) ==
          std::vector<CallProgressTone>{CallProgressTone::busy});
    CHECK(begun(tones_in(zone, heard, congestion->sample + kBlockSamples, lockout)) ==
          std::vector<CallProgressTone>{CallProgressTone::congestion});
    CHECK(silent(heard, lockout + 2 * kBlockSamples, heard.size()));
    CHECK_FALSE(ext.machine.play_tone(CallProgressTone::busy));  // not in a call
  }
}

TEST_CASE(
    "extension port: a span alarm ends the call and the ringing; after it an off-hook phone "
    "gets congestion",
    "[extension_port]") {
  SECTION("in a call") {
    Extension ext;
    ext.port.phone().wait_for_ring().wait_ms(500).off_hook().wait_ms(10000).hang_up();
    REQUIRE(ext.machine.ring() == RingResult::ringing);
    REQUIRE(ext.run_until(ExtensionEventKind::answered, 600) != nullptr);
    ext.run_ms(1000);
    ext.card.span(0).set_alarms(SpanAlarms{SpanAlarms::kRed});
    const ExtensionEvent* alarm = ext.run_until(ExtensionEventKind::alarm, 100);
    REQUIRE(alarm != nullptr);
    CHECK(alarm->state == ExtensionState::in_call);
    CHECK(ext.machine.state() == ExtensionState::out_of_service);
    CHECK(ext.machine.ring() == RingResult::line_alarm);
    CHECK_FALSE(ext.machine.write(pattern_block(2)));
    ext.run_ms(2000);
    ext.card.span(0).set_alarms(SpanAlarms{});
    ext.run_ms(100);
    REQUIRE(ext.kinds() == Kinds{ExtensionEventKind::answered, ExtensionEventKind::alarm,
                                 ExtensionEventKind::alarm_cleared,
                                 ExtensionEventKind::congestion});
    CHECK(ext.events.back().reason == CongestionReason::line_alarm);
    const ExtensionEvent* gone = ext.run_until(ExtensionEventKind::hung_up, 10000);
    REQUIRE(gone != nullptr);
    CHECK(gone->state == ExtensionState::congestion);
    CHECK(ext.machine.state() == ExtensionState::idle);
  }
  SECTION("while ringing") {
    Extension ext;
    REQUIRE(ext.machine.ring() == RingResult::ringing);
    ext.run_ms(500);
    CHECK(ext.port.phone().ringing());
    ext.card.span(0).set_alarms(SpanAlarms{SpanAlarms::kRed});
    REQUIRE(ext.run_until(ExtensionEventKind::alarm, 100) != nullptr);
    CHECK(ext.events.back().state == ExtensionState::ringing);
    ext.run_ms(100);
    CHECK_FALSE(ext.port.phone().ringing());
    ext.card.span(0).set_alarms(SpanAlarms{});
    REQUIRE(ext.run_until(ExtensionEventKind::alarm_cleared, 100) != nullptr);
    CHECK(ext.machine.state() == ExtensionState::idle);
    CHECK(ext.machine.ring() == RingResult::ringing);
  }
}

TEST_CASE(
    "extension port: a bad configuration, a bad cadence or a trunk port is refused, every "
    "problem named",
    "[extension_port]") {
  SimCard card;
  SimPort& extension = card.add_span("ext", SpanType::analog, {PortKind::extension}).port(0);
  SimPort& trunk = card.add_span("analog", SpanType::analog, {PortKind::trunk}).port(0);

  ExtensionPortConfig bad;
  bad.tone_zone = "ukk";
  bad.terminator = 'x';
  bad.max_digits = 0;
  bad.first_digit_timeout_ms = 0;
  bad.ring_cadence = RingCadence{{2000}};
  bad.tone_level_dbm0 = 3.0f;
  const auto problems = bad.validate();
  REQUIRE(problems);
  CHECK(problems->find("unknown tone zone 'ukk'") != std::string::npos);
  CHECK(problems->find("terminator 'x'") != std::string::npos);
  CHECK(problems->find("max_digits") != std::string::npos);
  CHECK(problems->find("first_digit_timeout_ms") != std::string::npos);
  CHECK(problems->find("ring_cadence") != std::string::npos);
  CHECK(problems->find("tone_level_dbm0") != std::string::npos);
  CHECK_THROWS_AS(ExtensionPort(extension, bad), std::invalid_argument);
  CHECK_THROWS_AS(ExtensionPort(trunk), std::invalid_argument);
  CHECK_FALSE(ExtensionPortConfig{}.validate());

  ExtensionPort machine(extension);
  try {
    (void)machine.ring(std::nullopt, RingCadence{{1000, 0}});
    FAIL("a cadence with a zero duration was accepted");
  } catch (const std::invalid_argument& error) {
    CHECK(std::string(error.what()).find("ext/1: cannot ring") != std::string::npos);
  }
  CHECK(machine.state() == ExtensionState::idle);
}
