// The replay backend: a trunk port whose caller is a capture file. The inbound
// machine must answer it and see its end as a hang-up; the receive audio must
// be the capture, and the transmit recording must line up with it sample for
// sample, through the real caller ID receiver and DTMF detector.

#include "ivrd/driver/replay_line.hpp"

#include <algorithm>
#include <cstdint>
#include <deque>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "ivrd/driver/trunk_inbound.hpp"
#include "ivrd/dsp/caller_id.hpp"
#include "ivrd/dsp/dtmf_generator.hpp"
#include "ivrd/test_support/noise.hpp"
#include "ivrd/test_support/rng.hpp"
#include "ivrd/test_support/seed.hpp"

#include "sim_test_support.hpp"
#include "test_files.hpp"

using ivrd::driver::AudioFileError;
using ivrd::driver::AudioFormat;
using ivrd::driver::Block;
using ivrd::driver::HangUpReason;
using ivrd::driver::kBlockSamples;
using ivrd::driver::LineError;
using ivrd::driver::LineEvent;
using ivrd::driver::LineEventKind;
using ivrd::driver::ms_to_samples;
using ivrd::driver::read_capture;
using ivrd::driver::ReplayConfig;
using ivrd::driver::ReplayLine;
using ivrd::driver::ReplayStart;
using ivrd::driver::ReplayState;
using ivrd::driver::RingCadence;
using ivrd::driver::TrunkEvent;
using ivrd::driver::TrunkEventKind;
using ivrd::driver::TrunkInbound;
using ivrd::driver::TrunkInboundConfig;
using ivrd::driver::write_capture;
using ivrd::driver::testing::dtmf_digits;
using ivrd::driver::testing::pattern_block;
using ivrd::driver::testing::sample_caller_id;
using ivrd::driver::testing::TempDir;
using ivrd::driver::testing::write_bytes;
using ivrd::dsp::CallerIdFormat;
namespace support = ivrd::test_support;

namespace {

// Keys pressed with quiet gaps around them, as a caller in a menu would.
std::vector<int16_t> keys_audio(std::string_view digits, float lead_ms, float trail_ms) {
  ivrd::dsp::DtmfToneSpec tone;
  tone.on_ms = 80.0f;
  tone.off_ms = 120.0f;
  ivrd::dsp::DtmfGenerator generator;
  generator.queue(digits, tone);
  std::vector<int16_t> pcm(ms_to_samples(static_cast<uint64_t>(lead_ms)), 0);
  Block block{};
  while (!generator.idle()) {
    const size_t n = generator.tx(block);
    pcm.insert(pcm.end(), block.begin(), block.begin() + static_cast<std::ptrdiff_t>(n));
  }
  pcm.resize(pcm.size() + ms_to_samples(static_cast<uint64_t>(trail_ms)), 0);
  return pcm;
}

// Everything the line delivers passes through here on its way to the
// machine, so a test can check what the appliance received.
class RecordingLine final : public ivrd::driver::Line {
 public:
  explicit RecordingLine(ReplayLine& line) : line_(line) {}
  const std::string& name() const noexcept override { return line_.name(); }
  ivrd::driver::PortKind kind() const noexcept override { return line_.kind(); }
  bool off_hook() const noexcept override { return line_.off_hook(); }
  std::optional<Block> read() noexcept override {
    auto block = line_.read();
    if (block) rx.insert(rx.end(), block->begin(), block->end());
    return block;
  }
  bool write(std::span<const int16_t, kBlockSamples> block) noexcept override {
    return line_.write(block);
  }
  std::optional<LineEvent> next_event() noexcept override { return line_.next_event(); }
  void answer() override { line_.answer(); }
  void seize() override { line_.seize(); }
  void hang_up() override { line_.hang_up(); }
  void flash() override { line_.flash(); }
  void dial_dtmf(std::string_view digits) override { line_.dial_dtmf(digits); }
  void dial_pulse(std::string_view digits) override { line_.dial_pulse(digits); }
  void ring(const ivrd::driver::RingRequest& request) override { line_.ring(request); }
  void stop_ringing() override { line_.stop_ringing(); }

  std::vector<int16_t> rx;  // every sample read, from the line's sample 0

 private:
  ReplayLine& line_;
};

// The appliance side of a replay line with the inbound machine on it, driven
// the way the daemon drives a line: write this tick's block, the line's tick,
// then the machine's. Every block written is a recognisable pattern numbered
// by the tick, so the recording shows which tick's block went where.
struct Appliance {
  Appliance(ReplayLine& l, const TrunkInboundConfig& config)
      : line(l), recording(l), machine(recording, config) {}

  void tick() {
    line.write(pattern_block(static_cast<int>(ticks)));
    line.tick();
    ++ticks;
    machine.tick();
    while (auto event = machine.next_event()) events.push_back(*event);
  }
  const TrunkEvent* find(TrunkEventKind kind) const {
    for (const TrunkEvent& event : events) {
      if (event.kind == kind) return &event;
    }
    return nullptr;
  }
  void run_until_over(uint64_t max_ms) {
    for (uint64_t i = 0; i < ms_to_samples(max_ms) / kBlockSamples && !line.call_over(); ++i) {
      tick();
    }
    tick();  // the machine sees the last event
  }
  // What the appliance received from the sample the call connected, for
  // `length` samples.
  std::vector<int16_t> heard(uint64_t from, size_t length) const {
    if (from + length > recording.rx.size()) return {};
    const auto begin = recording.rx.begin() + static_cast<std::ptrdiff_t>(from);
    return {begin, begin + static_cast<std::ptrdiff_t>(length)};
  }
  // Checks that sample i of the recording is the block written before the
  // tick that delivered sample i of the capture.
  void check_transmit_alignment(uint64_t connected_at, size_t length, size_t step) const {
    REQUIRE(line.transmitted().size() == length);
    const uint64_t first_tick = connected_at / kBlockSamples;
    for (size_t i = 0; i < length; i += step) {
      const Block expected = pattern_block(static_cast<int>(first_tick + i / kBlockSamples));
      if (line.transmitted()[i] != expected[i % kBlockSamples]) {
        FAIL("transmit sample " << i << " is not the written block's");
      }
    }
  }

  ReplayLine& line;
  RecordingLine recording;
  TrunkInbound machine;
  uint64_t ticks = 0;
  std::deque<TrunkEvent> events;  // a deque: event pointers stay valid as more come
};

// What the line's own reader sees: every block and event, with the tick each
// came in.
struct Reader {
  explicit Reader(ReplayLine& l) : line(l) {}
  void tick() {
    line.tick();
    while (auto block = line.read()) rx.insert(rx.end(), block->begin(), block->end());
    while (auto event = line.next_event()) events.push_back(*event);
  }
  ReplayLine& line;
  std::vector<int16_t> rx;
  std::vector<LineEvent> events;
};

std::string replay_problem(const ReplayConfig& config) {
  try {
    ReplayLine line("replay/1", config);
  } catch (const AudioFileError& error) {
    return error.file() + ": " + error.problem();
  }
  return "no error";
}

std::string capture_problem(const std::filesystem::path& path) {
  try {
    read_capture(path);
  } catch (const AudioFileError& error) {
    return error.file() + ": " + error.problem();
  }
  return "no error";
}

}  // namespace

TEST_CASE(
    "replay: the inbound machine answers after two US rings with Bell 202 caller ID (GR-30), "
    "hears the capture's keys, and the capture's end is a loop-current drop") {
  TempDir dir;
  const std::vector<int16_t> caller = keys_audio("42#", 700, 900);
  write_capture(dir / "in.raw", caller);
  ReplayConfig config;
  config.capture = dir / "in.raw";
  config.transmit = dir / "out.raw";
  config.caller_id = sample_caller_id(CallerIdFormat::bell202_mdmf);
  ReplayLine line("replay/1", config);
  Appliance appliance(line, {});

  appliance.run_until_over(30000);

  const TrunkEvent* cid = appliance.find(TrunkEventKind::caller_id);
  REQUIRE(cid != nullptr);
  CHECK(cid->caller_id.valid);
  CHECK(cid->caller_id.number == "5551234567");
  CHECK(cid->caller_id.name == "Alice Example");
  const TrunkEvent* answered = appliance.find(TrunkEventKind::answered);
  REQUIRE(answered != nullptr);
  CHECK(answered->rings == 2);
  REQUIRE(line.connected_at());
  CHECK(answered->sample == *line.connected_at());
  // Second US ring: 6 s after the first, 2 s long, then the 50 ms trailer.
  CHECK(*line.connected_at() ==
        ((ms_to_samples(8050) + kBlockSamples - 1) / kBlockSamples) * kBlockSamples);
  const TrunkEvent* gone = appliance.find(TrunkEventKind::far_end_hung_up);
  REQUIRE(gone != nullptr);
  CHECK(gone->reason == HangUpReason::loop_current_drop);
  CHECK(gone->sample == *line.connected_at() + caller.size());
  CHECK(line.state() == ReplayState::caller_gone);
  CHECK_FALSE(line.off_hook());  // the machine hung up

  const std::vector<int16_t> heard = appliance.heard(*line.connected_at(), caller.size());
  CHECK(heard == caller);
  CHECK(dtmf_digits(heard) == "42#");
  appliance.check_transmit_alignment(*line.connected_at(), caller.size(), 1);
  line.save_transmit();
  const auto out = read_capture(dir / "out.raw");
  CHECK(out.format == AudioFormat::s16);
  CHECK(out.samples == line.transmitted());
}

TEST_CASE("replay: an answered replay line delivers the capture from sample 0, block by block") {
  TempDir dir;
  const support::Seed seed("replay answered");
  support::Rng rng(seed.derive("length"));
  // Any length, including a last block the capture only partly fills.
  const size_t length = static_cast<size_t>(rng.uniform_int(1, 40 * kBlockSamples));
  const std::vector<int16_t> caller = support::white_noise(length, -20.0, seed.derive("noise"));
  write_capture(dir / "in.sln", caller);
  ReplayConfig config;
  config.capture = dir / "in.sln";
  config.transmit = dir / "out.sln";
  config.start = ReplayStart::answered;
  ReplayLine line("replay/1", config);
  CHECK(line.off_hook());
  CHECK(line.state() == ReplayState::connected);
  Reader reader(line);

  const size_t blocks = (length + kBlockSamples - 1) / kBlockSamples;
  for (size_t i = 0; i < blocks + 3; ++i) reader.tick();

  INFO("length " << length);
  REQUIRE(reader.rx.size() == (blocks + 3) * kBlockSamples);
  CHECK(std::equal(caller.begin(), caller.end(), reader.rx.begin()));
  CHECK(std::all_of(reader.rx.begin() + static_cast<std::ptrdiff_t>(length), reader.rx.end(),
                    [](int16_t s) { return s == 0; }));
  REQUIRE(reader.events.size() == 1);
  CHECK(reader.events[0] == LineEvent{LineEventKind::on_hook, length});
  CHECK(line.state() == ReplayState::caller_gone);
  CHECK(line.off_hook());  // until the appliance hangs up
  line.hang_up();
  CHECK_FALSE(line.off_hook());
  // Nothing was written: the recording is silence of the capture's length.
  CHECK(line.transmitted() == std::vector<int16_t>(length, 0));
}

TEST_CASE(
    "replay: the appliance hanging up first ends the capture; the recording keeps its length") {
  TempDir dir;
  const std::vector<int16_t> caller = support::white_noise(ms_to_samples(3000), -20.0, 7);
  write_capture(dir / "in.raw", caller);
  ReplayConfig config;
  config.capture = dir / "in.raw";
  config.transmit = dir / "out.raw";
  config.start = ReplayStart::answered;
  ReplayLine line("replay/1", config);
  Reader reader(line);
  for (int i = 0; i < 50; ++i) {
    line.write(pattern_block(i));
    reader.tick();
  }
  line.hang_up();
  CHECK(line.state() == ReplayState::appliance_hung_up);
  CHECK(line.call_over());
  for (int i = 0; i < 200; ++i) reader.tick();

  CHECK(reader.events.empty());  // the caller did not hang up: the appliance did
  CHECK(std::equal(caller.begin(), caller.begin() + 50 * kBlockSamples, reader.rx.begin()));
  CHECK(std::all_of(reader.rx.begin() + 50 * kBlockSamples, reader.rx.end(),
                    [](int16_t s) { return s == 0; }));
  REQUIRE(line.transmitted().size() == caller.size());
  CHECK(line.transmitted()[49 * kBlockSamples] == pattern_block(49)[0]);
  CHECK(std::all_of(line.transmitted().begin() + 50 * kBlockSamples, line.transmitted().end(),
                    [](int16_t s) { return s == 0; }));
  CHECK_THROWS_AS(line.hang_up(), LineError);
}

TEST_CASE("replay: a caller nobody answers rings its cycles, gives up, and is never played") {
  TempDir dir;
  write_capture(dir / "in.ul", support::white_noise(8000, -20.0, 3));
  ReplayConfig config;
  config.capture = dir / "in.ul";
  config.transmit = dir / "out.ul";
  config.cadence = RingCadence::uk();
  config.max_ring_cycles = 2;
  ReplayLine line("replay/1", config);
  TrunkInboundConfig inbound;
  inbound.tone_zone = "uk";
  inbound.answer_after_rings = 10;
  Appliance appliance(line, inbound);

  for (int i = 0; i < 750; ++i) appliance.tick();  // 15 s: 6 s of rings, then the 8 s timeout

  CHECK(line.state() == ReplayState::unanswered);
  CHECK_FALSE(appliance.find(TrunkEventKind::answered));
  const TrunkEvent* stopped = appliance.find(TrunkEventKind::ringing_stopped);
  REQUIRE(stopped != nullptr);
  CHECK(stopped->rings == 4);  // two UK cycles of two rings
  CHECK(line.transmitted() == std::vector<int16_t>(8000, 0));
  line.save_transmit();
  const auto out = read_capture(dir / "out.ul");
  CHECK(out.format == AudioFormat::ulaw);
  CHECK(out.samples.size() == 8000);
  CHECK_THROWS_AS(line.answer(), LineError);
}

TEST_CASE("replay: the ring events follow the cadence and its trailer, to the sample") {
  TempDir dir;
  write_capture(dir / "in.raw", std::vector<int16_t>(160, 1));
  ReplayConfig config;
  config.capture = dir / "in.raw";
  config.transmit = dir / "out.raw";
  config.cadence = RingCadence::uk();
  config.max_ring_cycles = 1;
  ReplayLine line("replay/1", config);
  Reader reader(line);
  for (int i = 0; i < 200; ++i) reader.tick();
  const std::vector<LineEvent> expected{
      {LineEventKind::ring_begin, 0},
      {LineEventKind::ring_off_hook, ms_to_samples(450)},
      {LineEventKind::ring_begin, ms_to_samples(600)},
      {LineEventKind::ring_off_hook, ms_to_samples(1050)},
  };
  CHECK(reader.events == expected);
  CHECK(line.state() == ReplayState::unanswered);
}

TEST_CASE("replay: DTMF dialled and a flash on the connected line land in the recording") {
  TempDir dir;
  write_capture(dir / "in.raw", std::vector<int16_t>(ms_to_samples(4000), 0));
  ReplayConfig config;
  config.capture = dir / "in.raw";
  config.transmit = dir / "out.raw";
  config.start = ReplayStart::answered;
  ReplayLine line("replay/1", config);
  Reader reader(line);
  line.dial_dtmf("7*0");
  CHECK_THROWS_AS(line.dial_dtmf("1"), LineError);
  for (int i = 0; i < 50; ++i) reader.tick();  // 1 s
  // Three 100 ms tones with 100 ms pauses: done 600 ms in.
  REQUIRE(reader.events.size() == 1);
  CHECK(reader.events[0] == LineEvent{LineEventKind::dial_complete, ms_to_samples(600)});
  CHECK(dtmf_digits(line.transmitted()) == "7*0");

  for (int i = 0; i < 50; ++i) {
    line.write(pattern_block(i));
    if (i == 10) line.flash();
    reader.tick();
  }
  const auto& tx = line.transmitted();
  const size_t flash_from = ms_to_samples(1000 + 200);
  const size_t flash_to = flash_from + ms_to_samples(750);
  CHECK(tx[flash_from - 1] == pattern_block(9)[kBlockSamples - 1]);
  CHECK(std::all_of(tx.begin() + static_cast<std::ptrdiff_t>(flash_from),
                    tx.begin() + static_cast<std::ptrdiff_t>(flash_to),
                    [](int16_t s) { return s == 0; }));
  CHECK(tx[flash_to] ==
        pattern_block(static_cast<int>(flash_to / kBlockSamples - 50))[flash_to % kBlockSamples]);
}

TEST_CASE(
    "replay: actions without meaning against a recorded caller are refused, naming the line") {
  TempDir dir;
  write_capture(dir / "in.raw", std::vector<int16_t>(160, 0));
  ReplayConfig config;
  config.capture = dir / "in.raw";
  config.transmit = dir / "out.raw";
  ReplayLine line("replay/1", config);
  CHECK_THROWS_WITH(line.seize(), Catch::Contains("replay/1: cannot seize a replay line"));
  CHECK_THROWS_AS(line.ring({}), LineError);
  CHECK_THROWS_AS(line.stop_ringing(), LineError);
  CHECK_THROWS_AS(line.hang_up(), LineError);
  CHECK_THROWS_AS(line.flash(), LineError);
  CHECK_THROWS_AS(line.dial_dtmf("1"), LineError);
  line.answer();
  CHECK_THROWS_AS(line.answer(), LineError);
  CHECK_THROWS_AS(line.dial_pulse("1"), LineError);
  CHECK_THROWS_AS(line.dial_dtmf("1x"), LineError);
}

TEST_CASE("replay: bad capture files give the same one-line errors as every capture reader") {
  TempDir dir;
  ReplayConfig config;
  config.transmit = dir / "out.raw";

  config.capture = dir / "missing.raw";
  CHECK(replay_problem(config) == capture_problem(config.capture));
  CHECK_THAT(replay_problem(config), Catch::Contains("missing.raw: cannot open"));

  const std::vector<uint8_t> odd{1, 2, 3};
  write_bytes(dir / "odd.raw", odd);
  config.capture = dir / "odd.raw";
  CHECK(replay_problem(config) == capture_problem(config.capture));

  write_bytes(dir / "empty.raw", {});
  config.capture = dir / "empty.raw";
  CHECK(replay_problem(config) == capture_problem(config.capture));

  // A WAV file whose data chunk claims more than the file holds.
  write_capture(dir / "whole.wav", std::vector<int16_t>(800, 100));
  std::vector<uint8_t> wav = ivrd::driver::testing::read_bytes(dir / "whole.wav");
  wav.resize(wav.size() - 400);
  write_bytes(dir / "truncated.wav", wav);
  config.capture = dir / "truncated.wav";
  config.transmit = dir / "out.wav";
  CHECK(replay_problem(config) == capture_problem(config.capture));
  CHECK_THAT(replay_problem(config), Catch::Contains("truncated"));

  config.capture = dir / "whole.wav";
  config.transmit = dir / "out.mp3";
  CHECK_THAT(replay_problem(config), Catch::StartsWith(dir / "out.mp3" + ": "));
  config.transmit = dir / "whole.wav";
  CHECK_THAT(replay_problem(config), Catch::Contains("is the capture itself"));
  config.transmit = dir / "out.ul";
  CHECK_THAT(replay_problem(config),
             Catch::Contains("out.ul: names a ulaw file, but the transmit file is written in "
                             "the capture's format (wav)"));
  config.format = AudioFormat::s16;  // forced for both: the names do not matter
  config.capture = dir / "odd.raw";
  CHECK(replay_problem(config) == capture_problem(config.capture));
}

TEST_CASE("replay: a caller ID number must be 1 to 20 digits, and the error names it") {
  using ivrd::driver::caller_id_for_number;
  const auto message = caller_id_for_number("0123456789", CallerIdFormat::v23_sdmf);
  CHECK(message.number == "0123456789");
  CHECK(message.format == CallerIdFormat::v23_sdmf);
  CHECK(message.name.empty());
  CHECK_THROWS_WITH(caller_id_for_number("555-1234"),
                    "caller ID number '555-1234': must be 1 to 20 digits 0-9");
  CHECK_THROWS_AS(caller_id_for_number(""), std::invalid_argument);
  CHECK_THROWS_AS(caller_id_for_number(std::string(21, '5')), std::invalid_argument);
}

TEST_CASE("replay: a WAV capture gives a WAV recording of the same length") {
  TempDir dir;
  const std::vector<int16_t> caller = support::white_noise(4321, -20.0, 11);
  write_capture(dir / "in.wav", caller);
  ReplayConfig config;
  config.capture = dir / "in.wav";
  config.transmit = dir / "out.wav";
  config.start = ReplayStart::answered;
  ReplayLine line("replay/1", config);
  CHECK(line.capture().samples == caller);
  for (int i = 0; i < 30; ++i) {
    line.write(pattern_block(i));
    line.tick();
  }
  line.save_transmit();
  const auto out = read_capture(dir / "out.wav");
  CHECK(out.format == AudioFormat::wav);
  CHECK(out.samples == line.transmitted());
  CHECK(out.samples.size() == caller.size());
}

TEST_CASE(
    "replay: random captures, caller ID formats and answers keep the receive and transmit "
    "audio aligned with the capture") {
  const support::Seed seed("replay alignment");
  support::Rng rng(seed.derive("choices"));
  TempDir dir;
  const std::string digits = std::string(1, "0123456789*#"[rng.uniform_int(0, 11)]) +
                             std::string(1, "0123456789*#"[rng.uniform_int(0, 11)]);
  std::vector<int16_t> caller = keys_audio(digits, static_cast<float>(rng.uniform_int(100, 900)),
                                           static_cast<float>(rng.uniform_int(100, 900)));
  // A ragged end: the capture rarely fills its last block.
  caller.resize(caller.size() + static_cast<size_t>(rng.uniform_int(0, 159)), 0);
  const auto noise = support::white_noise(caller.size(), -45.0, seed.derive("noise"));
  caller = support::mix(caller, noise);
  write_capture(dir / "in.raw", caller);

  const CallerIdFormat formats[] = {CallerIdFormat::bell202_sdmf, CallerIdFormat::bell202_mdmf,
                                    CallerIdFormat::v23_sdmf, CallerIdFormat::v23_mdmf,
                                    CallerIdFormat::dtmf};
  const CallerIdFormat format = formats[rng.uniform_int(0, 4)];
  const uint32_t rings = static_cast<uint32_t>(rng.uniform_int(2, 3));
  std::string number;
  const int number_length = rng.uniform_int(1, 20);
  for (int i = 0; i < number_length; ++i) number += static_cast<char>('0' + rng.uniform_int(0, 9));
  INFO("digits " << digits << ", caller ID " << number << " as "
                 << ivrd::dsp::caller_id_format_name(format) << ", rings " << rings << ", length "
                 << caller.size());

  ReplayConfig config;
  config.capture = dir / "in.raw";
  config.transmit = dir / "out.raw";
  config.caller_id = ivrd::driver::caller_id_for_number(number, format);
  TrunkInboundConfig inbound;
  inbound.answer_after_rings = rings;
  ReplayLine line("replay/1", config);
  Appliance appliance(line, inbound);
  appliance.run_until_over(60000);

  const TrunkEvent* cid = appliance.find(TrunkEventKind::caller_id);
  REQUIRE(cid != nullptr);
  CHECK(cid->caller_id.valid);
  CHECK(cid->caller_id.number == number);
  const TrunkEvent* answered = appliance.find(TrunkEventKind::answered);
  REQUIRE(answered != nullptr);
  CHECK(answered->rings == rings);
  const TrunkEvent* gone = appliance.find(TrunkEventKind::far_end_hung_up);
  REQUIRE(gone != nullptr);
  CHECK(gone->reason == HangUpReason::loop_current_drop);
  CHECK(gone->sample == answered->sample + caller.size());
  const std::vector<int16_t> heard = appliance.heard(answered->sample, caller.size());
  CHECK(heard == caller);
  CHECK(dtmf_digits(heard) == digits);
  appliance.check_transmit_alignment(answered->sample, caller.size(), 1);
}
