// The ALSA backend on ALSA's own null device and on file-backed devices: the
// headset's microphone is a file ALSA reads, its earpiece a file ALSA writes.
// What the appliance writes must reach the earpiece, the microphone must reach
// the appliance, keys must become DTMF the real detector decodes, and hook,
// flash and ringing must give DAHDI's events at the right samples.

#include "ivrd/driver/alsa_port.hpp"

#include <algorithm>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "ivrd/dsp/caller_id.hpp"
#include "ivrd/test_support/noise.hpp"
#include "ivrd/test_support/rng.hpp"
#include "ivrd/test_support/seed.hpp"

#include "sim_test_support.hpp"
#include "test_files.hpp"

using ivrd::driver::AlsaConfig;
using ivrd::driver::AlsaError;
using ivrd::driver::AlsaPhone;
using ivrd::driver::Block;
using ivrd::driver::kBlockSamples;
using ivrd::driver::LineError;
using ivrd::driver::LineEvent;
using ivrd::driver::LineEventKind;
using ivrd::driver::ms_to_samples;
using ivrd::driver::RingCadence;
using ivrd::driver::RingRequest;
using ivrd::driver::testing::dtmf_digits;
using ivrd::driver::testing::pattern_block;
using ivrd::driver::testing::read_bytes;
using ivrd::driver::testing::TempDir;
using ivrd::driver::testing::write_bytes;
namespace support = ivrd::test_support;
namespace testing = ivrd::driver::testing;

namespace {

void write_pcm(const std::string& path, const std::vector<int16_t>& pcm) {
  std::vector<uint8_t> bytes;
  for (int16_t s : pcm) {
    bytes.push_back(static_cast<uint8_t>(static_cast<uint16_t>(s) & 0xff));
    bytes.push_back(static_cast<uint8_t>(static_cast<uint16_t>(s) >> 8));
  }
  write_bytes(path, bytes);
}

std::vector<int16_t> read_pcm(const std::string& path) {
  const std::vector<uint8_t> bytes = read_bytes(path);
  std::vector<int16_t> pcm(bytes.size() / 2);
  for (size_t i = 0; i < pcm.size(); ++i) {
    pcm[i] = static_cast<int16_t>(bytes[2 * i] | (bytes[2 * i + 1] << 8));
  }
  return pcm;
}

// A headset made of files: ALSA reads the microphone from `in.raw` and
// writes the earpiece to `out.raw`, through the file plugin over the null
// device (so nothing paces it: service(1) is one tick). Past the end of its
// infile the plugin's capture audio is undefined, so every test's microphone
// file outlasts the test.
struct FileHeadset {
  explicit FileHeadset(const std::vector<int16_t>& microphone, AlsaConfig config = {}) {
    write_pcm(dir / "in.raw", microphone);
    config.playback_device = "ivrd_test_out";
    config.capture_device = "ivrd_test_in";
    config.alsa_conf = "pcm.ivrd_test_out { type file slave.pcm null file \"" + dir / "out.raw" +
                       "\" format raw }\n"
                       "pcm.ivrd_test_in { type file slave.pcm null file \"/dev/null\" infile \"" +
                       dir / "in.raw" + "\" format raw }\n";
    phone = std::make_unique<AlsaPhone>("alsa/headset", config);
    prefill = ms_to_samples(config.prefill_ms);
  }

  // One tick; what the appliance received and the events are kept.
  void tick() {
    REQUIRE(phone->service(1) == 1);
    while (auto block = phone->read()) rx.insert(rx.end(), block->begin(), block->end());
    while (auto event = phone->next_event()) events.push_back(*event);
  }
  void run_ms(uint64_t ms) {
    for (uint64_t i = 0; i < ms_to_samples(ms) / kBlockSamples; ++i) tick();
  }
  // Closes the devices (the earpiece file is complete then) and returns what
  // the headset played, without the prefill.
  std::vector<int16_t> earpiece() {
    phone.reset();
    std::vector<int16_t> out = read_pcm(dir / "out.raw");
    REQUIRE(out.size() >= prefill);
    CHECK(std::all_of(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(prefill),
                      [](int16_t s) { return s == 0; }));
    out.erase(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(prefill));
    return out;
  }

  TempDir dir;
  std::unique_ptr<AlsaPhone> phone;
  size_t prefill = 0;
  std::vector<int16_t> rx;
  std::vector<LineEvent> events;
};

std::string error_opening(const AlsaConfig& config) {
  try {
    AlsaPhone phone("alsa/headset", config);
  } catch (const AlsaError& error) {
    return error.what();
  }
  return "no error";
}

}  // namespace

TEST_CASE("alsa: the appliance's audio reaches the earpiece while the phone is off-hook") {
  FileHeadset headset(std::vector<int16_t>(ms_to_samples(2000), 0));
  CHECK(headset.phone->pick_up());
  for (int i = 0; i < 50; ++i) {
    REQUIRE(headset.phone->write(pattern_block(i)));
    headset.tick();
  }
  CHECK(headset.phone->put_down());
  for (int i = 50; i < 60; ++i) {
    REQUIRE(headset.phone->write(pattern_block(i)));  // on-hook: not played
    headset.tick();
  }
  const std::vector<int16_t> out = headset.earpiece();
  REQUIRE(out.size() == 60 * kBlockSamples);
  for (int i = 0; i < 50; ++i) {
    const Block expected = pattern_block(i);
    CHECK(std::equal(expected.begin(), expected.end(), out.begin() + i * kBlockSamples));
  }
  CHECK(std::all_of(out.begin() + 50 * kBlockSamples, out.end(), [](int16_t s) { return s == 0; }));
}

TEST_CASE("alsa: the microphone arrives as receive blocks while off-hook, silence on-hook") {
  const std::vector<int16_t> microphone = support::white_noise(ms_to_samples(1000), -20.0, 5);
  FileHeadset headset(microphone);
  headset.run_ms(200);  // on-hook
  CHECK(headset.phone->pick_up());
  headset.run_ms(800);
  REQUIRE(headset.rx.size() == microphone.size());
  const size_t lifted = ms_to_samples(200);
  CHECK(std::all_of(headset.rx.begin(), headset.rx.begin() + static_cast<std::ptrdiff_t>(lifted),
                    [](int16_t s) { return s == 0; }));
  CHECK(std::equal(microphone.begin() + static_cast<std::ptrdiff_t>(lifted), microphone.end(),
                   headset.rx.begin() + static_cast<std::ptrdiff_t>(lifted)));
  CHECK(headset.phone->now_sample() == microphone.size());
  CHECK(headset.phone->xruns() == 0);
}

TEST_CASE("alsa: keys become DTMF tones in the microphone audio that the DTMF detector decodes") {
  const support::Seed seed("alsa keys");
  support::Rng rng(seed.derive("keys"));
  std::string keys;
  const int count = rng.uniform_int(1, 8);
  for (int i = 0; i < count; ++i) keys += "0123456789*#ABCD"[rng.uniform_int(0, 15)];
  const double noise_dbm0 = rng.uniform(-60.0, -30.0);
  INFO("keys " << keys << ", microphone noise " << noise_dbm0 << " dBm0");
  const std::vector<int16_t> microphone =
      support::white_noise(ms_to_samples(4000), noise_dbm0, seed.derive("noise"));
  FileHeadset headset(microphone);

  CHECK_FALSE(headset.phone->handle_key('5'));  // on-hook: a key sends nothing
  CHECK(headset.phone->handle_key('h'));
  for (char key : keys) {
    CHECK(headset.phone->handle_key(key));
    headset.run_ms(static_cast<uint64_t>(rng.uniform_int(0, 3)) * 20);
  }
  headset.run_ms(3400 - headset.phone->now_sample() / 8);
  CHECK(dtmf_digits(headset.rx) == keys);
  CHECK_FALSE(headset.phone->handle_key('x'));
  CHECK_FALSE(headset.phone->press("1x"));
}

TEST_CASE("alsa: hook and flash keys give DAHDI's extension events at their samples") {
  FileHeadset headset(std::vector<int16_t>(ms_to_samples(8000), 0));
  headset.run_ms(100);
  CHECK(headset.phone->handle_key('h'));  // off-hook at 100 ms
  headset.run_ms(400);
  CHECK(headset.phone->handle_key('f'));  // flash at 500 ms: on-hook 500 ms
  CHECK_FALSE(headset.phone->handle_key('f'));
  headset.run_ms(1000);
  CHECK(headset.phone->off_hook());
  CHECK(headset.phone->put_down());  // on-hook at 1500 ms
  headset.run_ms(600);
  CHECK(headset.phone->pick_up());  // back at 2100 ms: within the flash time
  headset.run_ms(400);
  CHECK(headset.phone->handle_key('h'));  // on-hook at 2500 ms, for good
  CHECK_FALSE(headset.phone->put_down());
  headset.run_ms(2000);
  const std::vector<LineEvent> expected{
      {LineEventKind::ring_off_hook, ms_to_samples(100)},
      {LineEventKind::wink_flash, ms_to_samples(1000)},
      {LineEventKind::wink_flash, ms_to_samples(2100)},
      {LineEventKind::on_hook, ms_to_samples(2500 + 1250)},
  };
  CHECK(headset.events == expected);
}

TEST_CASE(
    "alsa: ringing plays a ring sound in the cadence, shows caller ID as text, and lifting "
    "the handset trips it") {
  FileHeadset headset(std::vector<int16_t>(ms_to_samples(12000), 0));
  RingRequest request;
  request.cadence = RingCadence::us();
  ivrd::dsp::CallerIdMessage caller_id;
  caller_id.number = "5551234567";
  caller_id.name = "Alice Example";
  request.caller_id = caller_id;
  headset.phone->ring(request);
  CHECK(headset.phone->ringing());
  REQUIRE(headset.phone->display());
  CHECK(*headset.phone->display() == "Alice Example <5551234567>");
  CHECK_THROWS_AS(headset.phone->ring(request), LineError);
  headset.run_ms(7000);
  CHECK(headset.phone->pick_up());  // at 7 s, in the second ring
  CHECK_FALSE(headset.phone->ringing());
  headset.run_ms(500);

  const std::vector<LineEvent> expected{
      {LineEventKind::ringer_on, 0},
      {LineEventKind::ringer_off, ms_to_samples(2000)},
      {LineEventKind::ringer_on, ms_to_samples(6000)},
      {LineEventKind::ring_off_hook, ms_to_samples(7000)},
  };
  CHECK(headset.events == expected);
  const std::vector<int16_t> out = headset.earpiece();
  REQUIRE(out.size() == ms_to_samples(7500));
  const auto part = [&](uint64_t from_ms, uint64_t to_ms) {
    return std::span<const int16_t>(out.data() + ms_to_samples(from_ms),
                                    ms_to_samples(to_ms - from_ms));
  };
  // The ring sound: 1200 Hz, warbled at 20 Hz, -12 dBm0 (about 2900 RMS).
  CHECK(testing::rms(part(0, 2000)) > 2000.0);
  CHECK(testing::tone_fraction(part(0, 2000), 1200.0, 8000.0) > 0.5);
  CHECK(testing::rms(part(2000, 6000)) == 0.0);
  CHECK(testing::rms(part(6000, 7000)) > 2000.0);
  CHECK(testing::rms(part(7000, 7500)) == 0.0);  // off-hook, the appliance sends nothing
}

TEST_CASE("alsa: the appliance's DTMF reaches the earpiece and ends with dial_complete") {
  FileHeadset headset(std::vector<int16_t>(ms_to_samples(2000), 0));
  CHECK_THROWS_AS(headset.phone->dial_dtmf("1"), LineError);  // on-hook
  headset.phone->pick_up();
  headset.phone->dial_dtmf("9A");
  headset.run_ms(600);
  const std::vector<LineEvent> expected{
      {LineEventKind::ring_off_hook, 0},
      {LineEventKind::dial_complete, ms_to_samples(400)},
  };
  CHECK(headset.events == expected);
  CHECK(dtmf_digits(headset.earpiece()) == "9A");
}

TEST_CASE("alsa: trunk actions on the headset's extension port are refused, naming the port") {
  AlsaConfig config;
  config.playback_device = "null";
  config.capture_device = "null";
  AlsaPhone phone("alsa/headset", config);
  CHECK_THROWS_WITH(phone.answer(), Catch::StartsWith("alsa/headset: cannot answer"));
  CHECK_THROWS_AS(phone.seize(), LineError);
  CHECK_THROWS_AS(phone.hang_up(), LineError);
  CHECK_THROWS_AS(phone.flash(), LineError);
  CHECK_THROWS_AS(phone.dial_pulse("1"), LineError);
  CHECK_THROWS_AS(phone.stop_ringing(), LineError);
  // ALSA's null device: silence, as fast as it is asked for.
  CHECK(phone.service(3) == 3);
  int blocks = 0;
  while (auto block = phone.read()) {
    ++blocks;
    CHECK(std::all_of(block->begin(), block->end(), [](int16_t s) { return s == 0; }));
  }
  CHECK(blocks == 3);
  CHECK_FALSE(phone.poll_descriptors().empty());
  // Unpaced, the null device always has a buffer ready; service() takes what
  // it holds at the call and returns.
  const size_t taken = phone.service();
  CHECK(taken >= 1);
  CHECK(taken <= ms_to_samples(config.latency_ms) / kBlockSamples + 1);
}

TEST_CASE("alsa: a device that does not exist gives a one-line error naming it") {
  AlsaConfig config;
  config.playback_device = "ivrd_no_such_device";
  config.capture_device = "null";
  std::string message = error_opening(config);
  CHECK_THAT(message, Catch::StartsWith("alsa device 'ivrd_no_such_device': cannot open for "
                                        "playback: "));
  CHECK(message.find('\n') == std::string::npos);

  config.playback_device = "null";
  config.capture_device = "ivrd_no_such_device";
  message = error_opening(config);
  CHECK_THAT(message, Catch::StartsWith("alsa device 'ivrd_no_such_device': cannot open for "
                                        "capture: "));

  config.capture_device = "null";
  config.alsa_conf = "pcm.broken { type";
  CHECK_THAT(error_opening(config),
             Catch::StartsWith("alsa device 'null': cannot read the ALSA configuration text: "));

  config.alsa_conf.clear();
  config.flash_ms = 2000;
  CHECK_THROWS_WITH(AlsaPhone("alsa/headset", config),
                    Catch::Contains("flash_ms: must be positive and shorter than rx_flash_ms"));
}
