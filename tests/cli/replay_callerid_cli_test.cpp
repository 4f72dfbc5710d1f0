// ivr-replay callerid run as a test rig runs it: captures holding caller ID
// messages (made with ivrd::dsp's encoder) in every format, the JSON fields,
// the plain output, and exit codes and stderr for bad input.

#include <cmath>

#include <catch2/catch.hpp>

#include "ivrd/dsp/caller_id.hpp"

#include "capture_files.hpp"
#include "json_line.hpp"
#include "run_program.hpp"
#include "usage_error.hpp"

using namespace ivrd::cli_tests;
namespace dsp = ivrd::dsp;

namespace {

ProgramResult replay(const std::vector<std::string>& args) {
  return run_program(IVR_REPLAY_PATH, args);
}

struct Found {
  std::string file;
  double start_ms = 0;
  std::string format;
  JsonValue number, name, datetime, absence;
  bool valid = false;
};

// Every stdout line must be one JSON object with exactly the eight fields.
std::vector<Found> parse_output(const std::string& out) {
  std::vector<Found> found;
  for (const std::string& line : split_lines(out)) {
    INFO("line: " << line);
    JsonObject object;
    REQUIRE_NOTHROW(object = parse_json_object(line));
    REQUIRE(object.size() == 8);
    Found f;
    REQUIRE(std::holds_alternative<std::string>(object["file"]));
    REQUIRE(std::holds_alternative<double>(object["start_ms"]));
    REQUIRE(std::holds_alternative<std::string>(object["format"]));
    REQUIRE(std::holds_alternative<bool>(object["valid"]));
    f.file = std::get<std::string>(object["file"]);
    f.start_ms = std::get<double>(object["start_ms"]);
    f.format = std::get<std::string>(object["format"]);
    f.valid = std::get<bool>(object["valid"]);
    for (const char* key : {"number", "name", "datetime", "absence"}) {
      REQUIRE(object.count(key) == 1);
      const JsonValue& value = object[key];
      CHECK((std::holds_alternative<std::string>(value) ||
             std::holds_alternative<std::nullptr_t>(value)));
    }
    f.number = object["number"];
    f.name = object["name"];
    f.datetime = object["datetime"];
    f.absence = object["absence"];
    found.push_back(f);
  }
  return found;
}

JsonValue text(const char* value) { return std::string(value); }
const JsonValue kNull = nullptr;

struct Scripted {
  dsp::CallerIdMessage message;
  double start_ms;
};

dsp::CallerIdMessage make(dsp::CallerIdFormat format, const char* number, const char* name = "",
                          dsp::CallerIdAbsence absence = dsp::CallerIdAbsence::none) {
  dsp::CallerIdMessage message;
  message.format = format;
  message.number = number;
  message.name = name;
  message.absence = absence;
  if (format != dsp::CallerIdFormat::dtmf) message.datetime = "12251030";
  return message;
}

// Silence with the messages at their times, as 8 kHz samples.
std::vector<double> capture(const std::vector<Scripted>& script, double length_ms) {
  std::vector<double> samples(static_cast<size_t>(length_ms * 8.0), 0.0);
  for (const Scripted& s : script) {
    dsp::CallerIdAudioOptions options;
    options.level_dbm0 = -15.0f;
    const auto audio = dsp::caller_id_audio(s.message, options);
    const auto at = static_cast<size_t>(s.start_ms * 8.0);
    for (size_t i = 0; i < audio.size() && at + i < samples.size(); ++i) {
      samples[at + i] = audio[i];
    }
  }
  return samples;
}

const std::vector<Scripted> kScript{
    {make(dsp::CallerIdFormat::bell202_mdmf, "441234567890123", "Jürgen Müller"), 300.0},
    {make(dsp::CallerIdFormat::v23_mdmf, "", "", dsp::CallerIdAbsence::private_number), 2500.0},
    {make(dsp::CallerIdFormat::bell202_sdmf, "", "", dsp::CallerIdAbsence::out_of_area), 4000.0},
    {make(dsp::CallerIdFormat::dtmf, "0612345678"), 5500.0},
};
constexpr double kLengthMs = 7500.0;

void check_messages(const std::vector<Found>& found, const std::string& file) {
  INFO("file: " << file);
  REQUIRE(found.size() == 4);
  for (const Found& f : found) {
    CHECK(f.file == file);
    CHECK(f.valid);
  }
  for (size_t i = 0; i < 4; ++i) {
    CHECK(found[i].start_ms == Approx(kScript[i].start_ms).margin(10.0));
  }
  CHECK(found[0].format == "bell202_mdmf");
  CHECK(found[0].number == text("441234567890123"));
  CHECK(found[0].name == text("Jürgen Müller"));
  CHECK(found[0].datetime == text("12251030"));
  CHECK(found[0].absence == kNull);
  CHECK(found[1].format == "v23_mdmf");
  CHECK(found[1].number == kNull);
  CHECK(found[1].name == kNull);
  CHECK(found[1].absence == text("private"));
  CHECK(found[2].format == "bell202_sdmf");
  CHECK(found[2].absence == text("out_of_area"));
  CHECK(found[2].datetime == text("12251030"));
  CHECK(found[3].format == "dtmf");
  CHECK(found[3].number == text("0612345678"));
  CHECK(found[3].datetime == kNull);
}

}  // namespace

TEST_CASE("callerid: --help prints usage and exits 0") {
  for (const auto& args : {std::vector<std::string>{"callerid", "--help"},
                           std::vector<std::string>{"help", "callerid"}}) {
    const auto result = replay(args);
    CHECK(result.status == 0);
    CHECK_THAT(result.out, Catch::StartsWith("Usage: ivr-replay callerid"));
    CHECK(result.err.empty());
  }
  CHECK_THAT(replay({"--help"}).out, Catch::Contains("ivr-replay callerid"));
}

TEST_CASE("callerid: every capture format gives the messages, fields and times") {
  TempDir dir;
  const auto samples = capture(kScript, kLengthMs);
  write_ulaw(dir / "call.ul", samples);
  write_alaw(dir / "call.al", samples);
  write_s16le(dir / "call.sln", samples);
  write_file(dir / "call.wav", wav_bytes(samples, 8000, 1, WavSamples::pcm16));
  write_file(dir / "stereo-float.wav", wav_bytes(samples, 8000, 2, WavSamples::float32));
  for (const char* name : {"call.ul", "call.al", "call.sln", "call.wav", "stereo-float.wav"}) {
    INFO(name);
    const auto result = replay({"callerid", "--json", dir / name});
    CHECK(result.status == 0);
    CHECK(result.err.empty());
    check_messages(parse_output(result.out), dir / name);
  }
}

TEST_CASE("callerid: several files, lines in the order the messages occur") {
  TempDir dir;
  write_ulaw(dir / "a.ul", capture({kScript[0], kScript[3]}, kLengthMs));
  write_alaw(dir / "b.al", capture({kScript[1]}, 4000.0));
  write_ulaw(dir / "quiet.ul", std::vector<double>(8000, 0.0));
  const auto result = replay({"callerid", "--json", dir / "a.ul", dir / "b.al", dir / "quiet.ul"});
  CHECK(result.status == 0);
  const auto found = parse_output(result.out);
  REQUIRE(found.size() == 3);
  CHECK(found[0].file == dir / "a.ul");
  CHECK(found[1].file == dir / "b.al");
  CHECK(found[2].file == dir / "a.ul");
  CHECK(found[2].format == "dtmf");
}

TEST_CASE("callerid: a corrupted checksum is reported not valid, without a number") {
  TempDir dir;
  auto bytes = dsp::caller_id_bytes(kScript[0].message);
  bytes.back() = static_cast<uint8_t>(bytes.back() ^ 0x01);
  const auto audio = dsp::caller_id_fsk_audio(bytes, dsp::FskModem::bell202);
  std::vector<double> samples(4000, 0.0);
  samples.insert(samples.end(), audio.begin(), audio.end());
  samples.resize(samples.size() + 4000, 0.0);
  write_s16le(dir / "bad.raw", samples);

  auto result = replay({"callerid", "--json", dir / "bad.raw"});
  CHECK(result.status == 0);
  const auto found = parse_output(result.out);
  REQUIRE(found.size() == 1);
  CHECK_FALSE(found[0].valid);
  CHECK(found[0].format == "bell202_mdmf");
  CHECK(found[0].number == kNull);
  CHECK(found[0].name == kNull);
  CHECK(found[0].datetime == kNull);

  result = replay({"callerid", dir / "bad.raw"});
  CHECK(result.status == 0);
  CHECK_THAT(result.out, Catch::Contains("not valid"));
  CHECK_THAT(result.out, !Catch::Contains("441234567890123"));
}

TEST_CASE("callerid: plain output has a line per message and a summary per file") {
  TempDir dir;
  write_ulaw(dir / "call.ul", capture(kScript, kLengthMs));
  write_ulaw(dir / "silence.ul", std::vector<double>(16000, 0.0));
  const auto result = replay({"callerid", dir / "call.ul", dir / "silence.ul"});
  CHECK(result.status == 0);
  CHECK(result.err.empty());
  const auto lines = split_lines(result.out);
  REQUIRE(lines.size() == 6);
  const std::string call = dir / "call.ul";
  CHECK_THAT(lines[0], Catch::StartsWith(call + ": bell202_mdmf  at 30"));
  CHECK_THAT(lines[0],
             Catch::EndsWith("ms: number 441234567890123, name \"Jürgen Müller\", date 12251030"));
  CHECK_THAT(lines[1], Catch::StartsWith(call + ": v23_mdmf  at 250"));
  CHECK_THAT(lines[1], Catch::EndsWith("ms: number private, date 12251030"));
  CHECK_THAT(lines[2], Catch::EndsWith("ms: number out of area, date 12251030"));
  CHECK_THAT(lines[3], Catch::StartsWith(call + ": dtmf  at 550"));
  CHECK_THAT(lines[3], Catch::EndsWith("ms: number 0612345678"));
  CHECK(lines[4] == call + ": 4 caller ID messages");
  CHECK(lines[5] == dir / "silence.ul" + ": no caller ID");

  const auto json = replay({"callerid", "--json", dir / "silence.ul"});
  CHECK(json.status == 0);
  CHECK(json.out.empty());
}

TEST_CASE("callerid: --format reads every file in the named format") {
  TempDir dir;
  write_alaw(dir / "misnamed.ul", capture(kScript, kLengthMs));
  const auto result = replay({"callerid", "--json", "--format", "alaw", dir / "misnamed.ul"});
  CHECK(result.status == 0);
  check_messages(parse_output(result.out), dir / "misnamed.ul");
}

TEST_CASE("callerid: --min-level ignores weaker FSK") {
  TempDir dir;
  write_ulaw(dir / "call.ul", capture(kScript, kLengthMs));  // FSK at -15 dBm0
  const auto result = replay({"callerid", "--json", "--min-level", "-10", dir / "call.ul"});
  CHECK(result.status == 0);
  const auto found = parse_output(result.out);
  REQUIRE(found.size() == 1);
  CHECK(found[0].format == "dtmf");
}

TEST_CASE("callerid: bad files give one stderr line each, the others are processed") {
  TempDir dir;
  write_ulaw(dir / "good.ul", capture(kScript, kLengthMs));
  write_file(dir / "odd.raw", std::vector<uint8_t>(1001, 0));
  write_file(dir / "empty.ul", {});
  auto truncated = wav_bytes(capture(kScript, kLengthMs), 8000, 1, WavSamples::pcm16);
  truncated.resize(truncated.size() / 2);
  write_file(dir / "truncated.wav", truncated);
  write_file(dir / "song.mp3", std::vector<uint8_t>(100, 0));

  const std::vector<std::pair<std::string, std::string>> cases{
      {"missing.ul", "cannot open: No such file or directory"},
      {"odd.raw", "odd length"},
      {"empty.ul", "empty file"},
      {"truncated.wav", "truncated WAV"},
      {"song.mp3", "unknown extension '.mp3'"},
  };
  for (const auto& [name, problem] : cases) {
    INFO("bad file: " << name);
    const auto result = replay({"callerid", "--json", dir / name, dir / "good.ul"});
    CHECK(result.status == 2);
    const auto err = split_lines(result.err);
    REQUIRE(err.size() == 1);
    CHECK_THAT(err[0], Catch::StartsWith("ivr-replay: " + dir / name + ": " + problem));
    check_messages(parse_output(result.out), dir / "good.ul");
  }
}

TEST_CASE("callerid: usage errors exit 2 with an error line and a hint") {
  TempDir dir;
  write_ulaw(dir / "good.ul", capture(kScript, kLengthMs));
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases{
      {{"callerid", "--bogus", dir / "good.ul"}, "--bogus"},
      {{"callerid", "--format", "mp3", dir / "good.ul"}, "'mp3'"},
      {{"callerid", "--isa", "neon", dir / "good.ul"}, "'neon'"},
      {{"callerid", "--min-level", "loud", dir / "good.ul"}, "min-level"},
      {{"callerid"}, "missing FILE"},
      {{"callerid", "--json"}, "missing FILE"},
  };
  for (const auto& [args, mention] : cases) {
    INFO("args: " << Catch::Detail::stringify(args));
    check_usage_error(replay(args), mention, "callerid");
  }
}
