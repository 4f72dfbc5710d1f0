// The real ivr-replay binary, run as a test rig runs it: captures in every
// format written to a temporary directory, JSON lines parsed as JSON, exit
// codes and stderr lines checked for every kind of bad input.

#include <fstream>

#include <catch2/catch.hpp>

#include "capture_files.hpp"
#include "json_line.hpp"
#include "run_program.hpp"
#include "usage_error.hpp"

using namespace ivrd::cli_tests;

namespace {

ProgramResult replay(const std::vector<std::string>& args,
                     const std::vector<std::string>& environment = {}) {
  return run_program(IVR_REPLAY_PATH, args, environment);
}

struct Found {
  std::string file;
  std::string digit;
  double start_ms = 0, end_ms = 0;
};

// Every stdout line must be one JSON object with exactly the four fields.
std::vector<Found> parse_output(const std::string& out) {
  std::vector<Found> found;
  for (const std::string& line : split_lines(out)) {
    INFO("line: " << line);
    JsonObject object;
    REQUIRE_NOTHROW(object = parse_json_object(line));
    REQUIRE(object.size() == 4);
    Found f;
    REQUIRE(std::holds_alternative<std::string>(object["file"]));
    REQUIRE(std::holds_alternative<std::string>(object["digit"]));
    REQUIRE(std::holds_alternative<double>(object["start_ms"]));
    REQUIRE(std::holds_alternative<double>(object["end_ms"]));
    f.file = std::get<std::string>(object["file"]);
    f.digit = std::get<std::string>(object["digit"]);
    f.start_ms = std::get<double>(object["start_ms"]);
    f.end_ms = std::get<double>(object["end_ms"]);
    CHECK(f.digit.size() == 1);
    CHECK(f.end_ms > f.start_ms);
    found.push_back(f);
  }
  return found;
}

std::vector<Found> of_file(const std::vector<Found>& found, const std::string& file) {
  std::vector<Found> result;
  for (const Found& f : found) {
    if (f.file == file) result.push_back(f);
  }
  return result;
}

// The digits of `file` match the script: same digits in order, each start
// and end within 10 ms.
void check_digits(const std::vector<Found>& found, const std::string& file,
                  const std::vector<ScriptedDigit>& script) {
  INFO("file: " << file);
  const auto mine = of_file(found, file);
  std::string expected, got;
  for (const auto& d : script) expected.push_back(d.digit);
  for (const auto& f : mine) got += f.digit;
  REQUIRE(got == expected);
  for (size_t i = 0; i < mine.size(); ++i) {
    INFO("digit " << i << " '" << mine[i].digit << "'");
    CHECK(mine[i].start_ms == Approx(script[i].start_ms).margin(10.0));
    CHECK(mine[i].end_ms == Approx(script[i].start_ms + script[i].length_ms).margin(10.0));
  }
}

// Varied levels (-6..-20 dBm0 per tone), lengths and gaps.
const std::vector<ScriptedDigit> kScript{
    {'1', 250.0, 70.0, -8.0},
    {'5', 480.0, 90.0, -14.0},
    {'9', 700.0, 60.0, -20.0},
    {'#', 900.0, 100.0, -6.0},
};
constexpr double kScriptLengthMs = 1250.0;

std::vector<ScriptedDigit> shifted(std::vector<ScriptedDigit> script, double by_ms) {
  for (auto& d : script) d.start_ms += by_ms;
  return script;
}

}  // namespace

TEST_CASE("the --help option prints usage and exits 0") {
  for (const auto& args :
       {std::vector<std::string>{"--help"}, std::vector<std::string>{"dtmf", "--help"}}) {
    const auto result = replay(args);
    CHECK(result.status == 0);
    CHECK_THAT(result.out, Catch::StartsWith("Usage: ivr-replay"));
    CHECK(result.err.empty());
  }
}

TEST_CASE("every capture format gives the digits at the right times") {
  TempDir dir;
  const auto at_8k = synthesise(kScript, 8000.0, kScriptLengthMs);
  write_ulaw(dir / "call.ul", at_8k);
  write_ulaw(dir / "call.ulaw", at_8k);
  write_ulaw(dir / "CALL.UL", at_8k);
  write_alaw(dir / "call.al", at_8k);
  write_alaw(dir / "call.alaw", at_8k);
  write_s16le(dir / "call.raw", at_8k);
  write_s16le(dir / "call.sln", at_8k);
  write_file(dir / "8k.wav", wav_bytes(at_8k, 8000, 1, WavSamples::pcm16));
  write_file(dir / "16k-stereo.wav",
             wav_bytes(synthesise(kScript, 16000.0, kScriptLengthMs), 16000, 2, WavSamples::pcm16));
  write_file(dir / "44k-float.wav", wav_bytes(synthesise(kScript, 44100.0, kScriptLengthMs), 44100,
                                              1, WavSamples::float32));
  write_file(dir / "48k-float-stereo.wav", wav_bytes(synthesise(kScript, 48000.0, kScriptLengthMs),
                                                     48000, 2, WavSamples::float32));

  for (const char* name :
       {"call.ul", "call.ulaw", "CALL.UL", "call.al", "call.alaw", "call.raw", "call.sln", "8k.wav",
        "16k-stereo.wav", "44k-float.wav", "48k-float-stereo.wav"}) {
    INFO(name);
    const auto result = replay({"dtmf", "--json", dir / name});
    CHECK(result.status == 0);
    CHECK(result.err.empty());
    check_digits(parse_output(result.out), dir / name, kScript);
  }
}

TEST_CASE("three files of different lengths run as concurrent channels") {
  TempDir dir;
  const std::vector<ScriptedDigit> short_script{{'1', 100.0, 80.0}, {'2', 300.0, 80.0}};
  const std::vector<ScriptedDigit> mid_script{
      {'*', 1000.0, 70.0, -18.0}, {'0', 1200.0, 70.0, -7.0}, {'#', 1900.0, 150.0, -12.0}};
  std::vector<ScriptedDigit> long_script;
  for (size_t i = 0; i < 10; ++i) {
    long_script.push_back(
        {"0612345678"[i], 2000.0 + 170.0 * static_cast<double>(i), 65.0, -5.0 - 1.5 * (double)i});
  }
  write_ulaw(dir / "short.ul", synthesise(short_script, 8000.0, 613.0));
  write_file(dir / "mid.wav",
             wav_bytes(synthesise(mid_script, 16000.0, 2100.0), 16000, 1, WavSamples::pcm16));
  write_s16le(dir / "long.sln", synthesise(long_script, 8000.0, 4321.0));

  const auto result =
      replay({"dtmf", "--json", dir / "short.ul", dir / "mid.wav", dir / "long.sln"});
  CHECK(result.status == 0);
  CHECK(result.err.empty());
  const auto found = parse_output(result.out);
  CHECK(found.size() == 15);
  // Lines come in the order the digits occur, across files.
  for (size_t i = 1; i < found.size(); ++i) CHECK(found[i - 1].start_ms <= found[i].start_ms);
  check_digits(found, dir / "short.ul", short_script);
  check_digits(found, dir / "mid.wav", mid_script);
  check_digits(found, dir / "long.sln", long_script);
}

TEST_CASE("the --format option reads every file in the named format") {
  TempDir dir;
  const auto at_8k = synthesise(kScript, 8000.0, kScriptLengthMs);
  write_alaw(dir / "one.bin", at_8k);
  write_alaw(dir / "two.ul", at_8k);  // misnamed: A-law in a .ul file
  auto result = replay({"dtmf", "--json", "--format", "alaw", dir / "one.bin", dir / "two.ul"});
  CHECK(result.status == 0);
  CHECK(result.err.empty());
  auto found = parse_output(result.out);
  check_digits(found, dir / "one.bin", kScript);
  check_digits(found, dir / "two.ul", kScript);

  write_s16le(dir / "three.ul", at_8k);
  for (const char* name : {"s16", "sln", "raw"}) {
    result = replay({"dtmf", "--json", "--format", name, dir / "three.ul"});
    CHECK(result.status == 0);
    check_digits(parse_output(result.out), dir / "three.ul", kScript);
  }
  write_file(dir / "four.raw",
             wav_bytes(synthesise(kScript, 22050.0, kScriptLengthMs), 22050, 1, WavSamples::pcm16));
  result = replay({"dtmf", "--json", "--format", "wav", dir / "four.raw"});
  CHECK(result.status == 0);
  check_digits(parse_output(result.out), dir / "four.raw", kScript);
}

TEST_CASE("silence gives no digits and exit 0") {
  TempDir dir;
  write_ulaw(dir / "silence.ul", std::vector<double>(16000, 0.0));
  auto result = replay({"dtmf", "--json", dir / "silence.ul"});
  CHECK(result.status == 0);
  CHECK(result.out.empty());
  CHECK(result.err.empty());
  result = replay({"dtmf", dir / "silence.ul"});
  CHECK(result.status == 0);
  CHECK(result.out == dir / "silence.ul" + ": no digits\n");
}

TEST_CASE("plain output has a line per digit and a summary per file") {
  TempDir dir;
  write_ulaw(dir / "call.ul", synthesise(kScript, 8000.0, kScriptLengthMs));
  const auto result = replay({"dtmf", dir / "call.ul"});
  CHECK(result.status == 0);
  const auto lines = split_lines(result.out);
  REQUIRE(lines.size() == 5);
  CHECK_THAT(lines[0], Catch::StartsWith(dir / "call.ul" + ": 1  at 2"));
  CHECK_THAT(lines[0], Catch::EndsWith(" ms)"));
  CHECK(lines[4] == dir / "call.ul" + ": 159# (4 digits)");
}

TEST_CASE("file names with quotes, backslashes and non-ASCII survive JSON") {
  TempDir dir;
  const std::string name = dir / "Anruf \"Müller\" \\ 2024\t.ul";
  write_ulaw(name, synthesise(kScript, 8000.0, kScriptLengthMs));
  const auto result = replay({"dtmf", "--json", name});
  CHECK(result.status == 0);
  check_digits(parse_output(result.out), name, kScript);
}

TEST_CASE("every bad input: one stderr line naming the file, the others still processed") {
  TempDir dir;
  write_ulaw(dir / "good.ul", synthesise(kScript, 8000.0, kScriptLengthMs));
  const auto later = shifted(kScript, 100.0);
  write_file(dir / "good.wav", wav_bytes(synthesise(later, 44100.0, kScriptLengthMs + 100.0), 44100,
                                         1, WavSamples::float32));

  auto truncated =
      wav_bytes(synthesise(kScript, 8000.0, kScriptLengthMs), 8000, 1, WavSamples::pcm16);
  truncated.resize(truncated.size() / 2);
  write_file(dir / "truncated.wav", truncated);
  auto header_only = wav_bytes(std::vector<double>(100, 0.0), 8000, 1, WavSamples::pcm16);
  header_only.resize(20);
  write_file(dir / "cut-header.wav", header_only);
  const std::string junk = "RIFF\x10\x00\x00\x00WAVEjunkjunkjunk";
  write_file(dir / "malformed.wav", std::vector<uint8_t>(junk.begin(), junk.end()));
  const std::string text = "this is not audio\n";
  write_file(dir / "text.wav", std::vector<uint8_t>(text.begin(), text.end()));
  write_file(dir / "zero-frames.wav", wav_bytes({}, 16000, 1, WavSamples::pcm16));
  write_file(dir / "odd.raw", std::vector<uint8_t>(1001, 0));
  write_file(dir / "odd.sln", std::vector<uint8_t>(3, 0));
  write_file(dir / "song.mp3", std::vector<uint8_t>(100, 0));
  write_file(dir / "noext", std::vector<uint8_t>(100, 0));
  write_file(dir / "empty.ul", {});
  write_file(dir / "empty.wav", {});
  std::filesystem::create_directory(dir / "folder.ul");

  const std::vector<std::pair<std::string, std::string>> cases{
      {"missing.ul", "cannot open: No such file or directory"},
      {"missing.wav", "cannot open: No such file or directory"},
      {"truncated.wav", "truncated WAV"},
      {"cut-header.wav", ""},
      {"malformed.wav", ""},
      {"text.wav", ""},
      {"zero-frames.wav", "WAV has no audio frames"},
      {"odd.raw", "odd length"},
      {"odd.sln", "odd length"},
      {"song.mp3", "unknown extension '.mp3'"},
      {"noext", "no file extension"},
      {"empty.ul", "empty file"},
      {"empty.wav", "empty file"},
      {"folder.ul", "cannot read: Is a directory"},
  };
  for (const auto& [name, problem] : cases) {
    INFO("bad file: " << name);
    const auto result = replay({"dtmf", "--json", dir / "good.ul", dir / name, dir / "good.wav"});
    CHECK(result.status == 2);
    const auto err = split_lines(result.err);
    REQUIRE(err.size() == 1);
    CHECK_THAT(err[0], Catch::StartsWith("ivr-replay: " + dir / name + ": " + problem));
    CHECK(err[0].size() > ("ivr-replay: " + dir / name + ": ").size());
    const auto found = parse_output(result.out);
    check_digits(found, dir / "good.ul", kScript);
    check_digits(found, dir / "good.wav", later);
  }

  SECTION("all at once") {
    std::vector<std::string> args{"dtmf", "--json", dir / "good.ul"};
    for (const auto& bad : cases) args.push_back(dir / bad.first);
    args.push_back(dir / "good.wav");
    const auto result = replay(args);
    CHECK(result.status == 2);
    const auto err = split_lines(result.err);
    REQUIRE(err.size() == cases.size());
    for (size_t i = 0; i < cases.size(); ++i) {
      CHECK_THAT(err[i], Catch::StartsWith("ivr-replay: " + dir / cases[i].first + ": "));
    }
    const auto found = parse_output(result.out);
    check_digits(found, dir / "good.ul", kScript);
    check_digits(found, dir / "good.wav", later);
  }

  SECTION("plain output too") {
    const auto result = replay({"dtmf", dir / "empty.ul", dir / "good.ul"});
    CHECK(result.status == 2);
    CHECK(split_lines(result.err) ==
          std::vector<std::string>{"ivr-replay: " + dir / "empty.ul" + ": empty file"});
    CHECK_THAT(result.out, Catch::Contains(dir / "good.ul" + ": 159# (4 digits)"));
  }
}

TEST_CASE("usage errors exit 2 with an error line and a hint, and print nothing on stdout") {
  TempDir dir;
  write_ulaw(dir / "good.ul", synthesise(kScript, 8000.0, kScriptLengthMs));
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases{
      {{"dtmf", "--bogus", dir / "good.ul"}, "--bogus"},
      {{"dtmf", "-x", dir / "good.ul"}, "-x"},
      {{"dtmf", "--format", "mp3", dir / "good.ul"}, "'mp3'"},
      {{"dtmf", "--format", "ULAW", dir / "good.ul"}, "'ULAW'"},
      {{"dtmf", "--isa", "neon", dir / "good.ul"}, "'neon'"},
      {{"dtmf", "--administration", "atlantis", dir / "good.ul"}, "'atlantis'"},
      {{"dtmf", "--min-level", "quiet", dir / "good.ul"}, "min-level"},
      {{"dtmf"}, "missing FILE"},
      {{"dtmf", "--json"}, "missing FILE"},
      {{}, "missing command"},
      {{"tdmf", dir / "good.ul"}, "unknown command 'tdmf'"},
      {{"--json", "dtmf", dir / "good.ul"}, "--json"},
  };
  for (const auto& [args, mention] : cases) {
    INFO("args: " << Catch::Detail::stringify(args));
    check_usage_error(replay(args), mention, "");
  }
}

TEST_CASE("receiver options: --administration, --min-level, --isa and IVRD_ISA") {
  TempDir dir;
  write_ulaw(dir / "call.ul", synthesise(kScript, 8000.0, kScriptLengthMs));
  const auto reference = replay({"dtmf", "--json", dir / "call.ul"});
  REQUIRE(reference.status == 0);
  check_digits(parse_output(reference.out), dir / "call.ul", kScript);

  // The -20 dBm0 digit goes when the floor is above it.
  auto result = replay({"dtmf", "--json", "--min-level", "-17", dir / "call.ul"});
  CHECK(result.status == 0);
  std::string digits;
  for (const auto& f : parse_output(result.out)) digits += f.digit;
  CHECK(digits == "15#");

  for (const char* isa : {"scalar", "sse41", "avx2", "avx512"}) {
    INFO(isa);
    result = replay({"dtmf", "--json", "--isa", isa, dir / "call.ul"});
    CHECK(result.status == 0);
    CHECK(result.out == reference.out);
    result = replay({"dtmf", "--json", dir / "call.ul"}, {std::string("IVRD_ISA=") + isa});
    CHECK(result.status == 0);
    CHECK(result.out == reference.out);
  }

  // An administration name, as the error for an unknown one lists them.
  const auto listing = replay({"dtmf", "--administration", "atlantis", dir / "call.ul"});
  const auto at = listing.err.find("(known: ");
  REQUIRE(at != std::string::npos);
  const size_t from = at + 8;
  const std::string first_name =
      listing.err.substr(from, listing.err.find_first_of(",)", from) - from);
  INFO("administration " << first_name);
  result = replay({"dtmf", "--json", "--administration", first_name, dir / "call.ul"});
  CHECK(result.status == 0);
  check_digits(parse_output(result.out), dir / "call.ul", kScript);
}

TEST_CASE("the demo capture built with the project decodes to its sidecar's number") {
  const std::string capture = std::string(IVRD_DEMO_DIR) + "/dialled-number.ul";
  std::ifstream sidecar(std::string(IVRD_DEMO_DIR) + "/dialled-number.txt");
  std::string expected;
  REQUIRE(std::getline(sidecar, expected));
  CHECK(expected == "0612345678");
  const auto result = replay({"dtmf", capture});
  CHECK(result.status == 0);
  CHECK(result.err.empty());
  CHECK_THAT(result.out, Catch::EndsWith(capture + ": " + expected + " (" +
                                         std::to_string(expected.size()) + " digits)\n"));
}
