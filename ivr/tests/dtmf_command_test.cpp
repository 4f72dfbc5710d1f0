// ivr-replay dtmf on generated captures: output formats, concurrency, and
// unusable files.

#include <fstream>
#include <regex>

#include <catch2/catch.hpp>

#include "ivrd/driver/audio_file.hpp"
#include "ivrd/dsp/dtmf_detector.hpp"
#include "ivrd/dsp/isa.hpp"
#include "ivrd/ivr/replay.hpp"

#include "replay_fixtures.hpp"

using ivrd::driver::write_capture;
using ivrd::ivr::replay::kExitOk;
using ivrd::ivr::replay::kExitUsage;
using ivrd::ivr::testing::dialled;
using ivrd::ivr::testing::lines;
using ivrd::ivr::testing::replay;
using ivrd::ivr::testing::TempDir;

namespace {

struct JsonDigit {
  std::string file;
  char digit = 0;
  double start_ms = 0, end_ms = 0;
};

// The exact line shape the contract promises (the CLI tests parse it as JSON).
JsonDigit parse_json_line(const std::string& line) {
  static const std::regex shape(
      R"re(\{"file": "((?:[^"\\]|\\.)*)", "digit": "([0-9A-D*#])", "start_ms": ([0-9]+\.[0-9]{1,3}), "end_ms": ([0-9]+\.[0-9]{1,3})\})re");
  std::smatch match;
  INFO(line);
  REQUIRE(std::regex_match(line, match, shape));
  return {match[1], match[2].str()[0], std::stod(match[3]), std::stod(match[4])};
}

std::string digits_of(const std::vector<JsonDigit>& found, const std::string& file) {
  std::string digits;
  for (const auto& d : found) {
    if (d.file == file) digits.push_back(d.digit);
  }
  return digits;
}

std::vector<JsonDigit> parse_json(const std::string& out) {
  std::vector<JsonDigit> result;
  for (const auto& line : lines(out)) result.push_back(parse_json_line(line));
  return result;
}

}  // namespace

TEST_CASE("dtmf prints each digit with its time, then a summary line") {
  TempDir dir;
  const std::string file = dir / "call.ul";
  write_capture(file, dialled("5551234", 500.0f));
  const auto result = replay({"dtmf", file});
  CHECK(result.status == kExitOk);
  CHECK(result.err.empty());
  const auto out = lines(result.out);
  REQUIRE(out.size() == 8);
  const std::regex digit_line(file + R"(: [0-9]  at [0-9]+\.[0-9] ms \([0-9]+\.[0-9] ms\))");
  for (size_t i = 0; i < 7; ++i) {
    INFO(out[i]);
    CHECK(std::regex_match(out[i], digit_line));
    CHECK(out[i][file.size() + 2] == "5551234"[i]);
  }
  CHECK(out[7] == file + ": 5551234 (7 digits)");
}

TEST_CASE("dtmf says so when a file holds no digits, and exits 0") {
  TempDir dir;
  write_capture(dir / "silence.sln", std::vector<int16_t>(8000, 0));
  write_capture(dir / "one.sln", dialled("#", 100.0f));
  const auto result = replay({"dtmf", dir / "silence.sln", dir / "one.sln"});
  CHECK(result.status == kExitOk);
  const auto out = lines(result.out);
  REQUIRE(out.size() == 3);
  CHECK(out[0] == dir / "silence.sln" + ": no digits");
  CHECK(out[2] == dir / "one.sln" + ": # (1 digit)");

  const auto json = replay({"dtmf", "--json", dir / "silence.sln"});
  CHECK(json.status == kExitOk);
  CHECK(json.out.empty());
  CHECK(json.err.empty());
}

TEST_CASE("dtmf --json gives one object per digit with exact times") {
  TempDir dir;
  const std::string file = dir / "call.al";
  // 500 ms lead, 80 ms on, 80 ms off: digit i spans 500 + 160 i .. 580 + 160 i ms.
  write_capture(file, dialled("0123456789*#ABCD", 500.0f));
  const auto result = replay({"dtmf", "--json", file});
  CHECK(result.status == kExitOk);
  CHECK(result.err.empty());
  const auto found = parse_json(result.out);
  REQUIRE(found.size() == 16);
  for (size_t i = 0; i < found.size(); ++i) {
    CHECK(found[i].file == file);
    CHECK(found[i].digit == "0123456789*#ABCD"[i]);
    CHECK(found[i].start_ms == Approx(500.0 + 160.0 * static_cast<double>(i)).margin(10.0));
    CHECK(found[i].end_ms == Approx(580.0 + 160.0 * static_cast<double>(i)).margin(10.0));
  }
}

TEST_CASE("dtmf runs several files of different lengths as concurrent channels") {
  TempDir dir;
  // Lengths differ by more than a tick and are not multiples of 160 samples.
  write_capture(dir / "short.ul", dialled("12", 50.0f, 70.0f, 90.0f, -20.0f, 13.0f));
  write_capture(dir / "long.raw", dialled("0612345678", 2000.0f, 60.0f, 60.0f, -5.0f, 500.0f));
  write_capture(dir / "mid.wav", dialled("*#9", 700.0f, 90.0f, 120.0f, -12.0f, 7.0f));
  const auto result =
      replay({"dtmf", "--json", dir / "short.ul", dir / "long.raw", dir / "mid.wav"});
  CHECK(result.status == kExitOk);
  CHECK(result.err.empty());
  const auto found = parse_json(result.out);
  CHECK(digits_of(found, dir / "short.ul") == "12");
  CHECK(digits_of(found, dir / "long.raw") == "0612345678");
  CHECK(digits_of(found, dir / "mid.wav") == "*#9");
  // In the order the digits occur, across files.
  REQUIRE(found.size() == 15);
  for (size_t i = 1; i < found.size(); ++i) CHECK(found[i - 1].start_ms <= found[i].start_ms);
  CHECK(found[0].file == dir / "short.ul");
  CHECK(found[2].file == dir / "mid.wav");
  CHECK(found[14].file == dir / "long.raw");
  CHECK(found[1].end_ms == Approx(50.0 + 160.0 + 70.0).margin(10.0));
}

TEST_CASE("a digit still sounding when its file ends is reported, ending with the file") {
  TempDir dir;
  write_capture(dir / "cut.ul", dialled("3", 100.0f, 80.0f, 0.0f, -10.0f, 0.0f));
  write_capture(dir / "longer.ul", dialled("4", 1000.0f));
  const auto found = parse_json(replay({"dtmf", "--json", dir / "cut.ul", dir / "longer.ul"}).out);
  REQUIRE(found.size() == 2);
  CHECK(found[0].digit == '3');
  CHECK(found[0].start_ms == Approx(100.0).margin(10.0));
  CHECK(found[0].end_ms == Approx(180.0).margin(10.0));
  CHECK(found[1].digit == '4');
}

TEST_CASE("dtmf gives the same digits and times whichever channel a file is on") {
  TempDir dir;
  write_capture(dir / "a.ul", dialled("147", 300.0f));
  write_capture(dir / "b.ul", dialled("2580", 1300.0f));
  const auto alone = replay({"dtmf", "--json", dir / "b.ul"});
  const auto together = replay({"dtmf", "--json", dir / "a.ul", dir / "b.ul"});
  // b's digits all start after a's.
  const auto b_lines = lines(alone.out);
  const auto all_lines = lines(together.out);
  REQUIRE(all_lines.size() == 7);
  CHECK(std::vector<std::string>(all_lines.begin() + 3, all_lines.end()) == b_lines);

  // Plain output groups by file, in the order given.
  const auto plain = lines(replay({"dtmf", dir / "b.ul", dir / "a.ul"}).out);
  REQUIRE(plain.size() == 9);
  CHECK(plain[4] == dir / "b.ul" + ": 2580 (4 digits)");
  CHECK(plain[8] == dir / "a.ul" + ": 147 (3 digits)");
}

TEST_CASE("dtmf reports each unusable file on one line and still processes the others") {
  TempDir dir;
  write_capture(dir / "good.ul", dialled("42", 200.0f));
  write_capture(dir / "good.wav", dialled("7", 200.0f));
  {
    std::ofstream(dir / "odd.raw") << "abc";
    std::ofstream(dir / "empty.al");
    std::ofstream(dir / "broken.wav") << "RIFF....WAVEjunk";
    std::ofstream(dir / "music.mp3") << "ID3";
  }
  const auto result =
      replay({"dtmf", "--json", dir / "good.ul", dir / "missing.ul", dir / "odd.raw",
              dir / "empty.al", dir / "broken.wav", dir / "music.mp3", dir / "good.wav"});
  CHECK(result.status == kExitUsage);
  const auto err = lines(result.err);
  REQUIRE(err.size() == 5);
  CHECK(err[0] == "ivr-replay: " + dir / "missing.ul" + ": cannot open: No such file or directory");
  CHECK(err[1] == "ivr-replay: " + dir / "odd.raw" + ": odd length for 16-bit samples (3 bytes)");
  CHECK(err[2] == "ivr-replay: " + dir / "empty.al" + ": empty file");
  CHECK_THAT(err[3], Catch::StartsWith("ivr-replay: " + dir / "broken.wav" + ": "));
  CHECK_THAT(err[4], Catch::StartsWith("ivr-replay: " + dir / "music.mp3" + ": unknown extension"));
  const auto found = parse_json(result.out);
  CHECK(digits_of(found, dir / "good.ul") == "42");
  CHECK(digits_of(found, dir / "good.wav") == "7");
}

TEST_CASE("dtmf exits 2 when no file at all is usable") {
  TempDir dir;
  const auto result = replay({"dtmf", dir / "a.ul", dir / "b.ul"});
  CHECK(result.status == kExitUsage);
  CHECK(result.out.empty());
  CHECK(lines(result.err).size() == 2);
}

TEST_CASE("the --format option reads every file in one format whatever its name") {
  TempDir dir;
  write_capture(dir / "a.dat", dialled("9", 100.0f), ivrd::driver::AudioFormat::alaw);
  write_capture(dir / "b.ul", dialled("8", 100.0f), ivrd::driver::AudioFormat::alaw);
  const auto result = replay({"dtmf", "--json", "--format", "alaw", dir / "a.dat", dir / "b.ul"});
  CHECK(result.status == kExitOk);
  const auto found = parse_json(result.out);
  CHECK(digits_of(found, dir / "a.dat") == "9");
  CHECK(digits_of(found, dir / "b.ul") == "8");
}

TEST_CASE("the --min-level option drops digits weaker than the floor") {
  TempDir dir;
  write_capture(dir / "weak.sln", dialled("3", 100.0f, 80.0f, 80.0f, -25.0f));
  CHECK(digits_of(parse_json(replay({"dtmf", "--json", dir / "weak.sln"}).out), dir / "weak.sln") ==
        "3");
  const auto result = replay({"dtmf", "--json", "--min-level", "-15", dir / "weak.sln"});
  CHECK(result.status == kExitOk);
  CHECK(result.out.empty());
}

TEST_CASE("every administration's settings detect plain digits") {
  TempDir dir;
  write_capture(dir / "call.ul", dialled("159D", 100.0f, 90.0f, 90.0f));
  for (const auto& administration : ivrd::dsp::dtmf_administrations()) {
    INFO(administration.name);
    const auto result = replay(
        {"dtmf", "--json", "--administration", std::string(administration.name), dir / "call.ul"});
    CHECK(result.status == kExitOk);
    CHECK(digits_of(parse_json(result.out), dir / "call.ul") == "159D");
  }
}

TEST_CASE("every kernel variant this CPU runs gives the same output") {
  TempDir dir;
  write_capture(dir / "call.ul", dialled("0612345678", 150.0f, 65.0f, 70.0f, -18.0f));
  const auto reference = replay({"dtmf", "--json", "--isa", "scalar", dir / "call.ul"});
  REQUIRE(reference.status == kExitOk);
  CHECK(lines(reference.out).size() == 10);
  for (ivrd::dsp::Isa isa : ivrd::dsp::supported_isas()) {
    const std::string name(ivrd::dsp::isa_name(isa));
    INFO(name);
    const auto result = replay({"dtmf", "--json", "--isa", name, dir / "call.ul"});
    CHECK(result.status == kExitOk);
    CHECK(result.err.empty());
    CHECK(result.out == reference.out);
  }
}

TEST_CASE("file names are JSON-escaped in --json output") {
  TempDir dir;
  const std::string file = dir / "he said \"hi\"\\ü.ul";
  write_capture(file, dialled("6", 100.0f));
  const auto result = replay({"dtmf", "--json", file});
  CHECK(result.status == kExitOk);
  const auto out = lines(result.out);
  REQUIRE(out.size() == 1);
  CHECK_THAT(out[0], Catch::Contains(R"(he said \"hi\"\\ü.ul", "digit": "6")"));
}
