// ivr-replay echo in-process: options, every error, the output file's format
// and length, and the --stats lines.

#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <regex>
#include <span>
#include <variant>

#include <catch2/catch.hpp>

#include "ivrd/driver/audio_file.hpp"
#include "ivrd/dsp/isa.hpp"
#include "ivrd/ivr/replay.hpp"
#include "ivrd/test_support/echo_path.hpp"
#include "ivrd/test_support/levels.hpp"
#include "ivrd/test_support/noise.hpp"
#include "ivrd/test_support/seed.hpp"

#include "json_line.hpp"
#include "replay/echo_stats.hpp"
#include "replay_fixtures.hpp"

using ivrd::driver::AudioFormat;
using ivrd::driver::read_capture;
using ivrd::driver::write_capture;
using ivrd::ivr::replay::kExitOk;
using ivrd::ivr::replay::kExitUsage;
using ivrd::ivr::testing::lines;
using ivrd::ivr::testing::replay;
using ivrd::ivr::testing::RunResult;
using ivrd::ivr::testing::TempDir;
namespace ts = ivrd::test_support;

namespace {

constexpr size_t kSecond = 8000;
const std::string kHint = "Try 'ivr-replay echo --help' for usage.";

// A far end talking (white noise, -16 dBm0) and its echo through a 6 dB ERL
// hybrid with 8 ms of delay: the usual single-talk case.
struct EchoPair {
  std::vector<int16_t> far;
  std::vector<float> echo;
  std::vector<int16_t> near;
};

EchoPair echo_pair(size_t samples, uint64_t seed) {
  EchoPair pair;
  pair.far = ts::white_noise(samples, -16.0, seed);
  const auto path =
      ts::make_echo_path({.delay_ms = 8.0, .dispersion_ms = 6.0, .erl_db = 6.0}, seed);
  pair.echo = ts::apply_echo_path(pair.far, path);
  pair.near = ts::to_int16(pair.echo);
  return pair;
}

std::string file_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// A usage error: nothing on stdout, the message, then the hint.
void check_usage_error(const RunResult& result, const std::string& message) {
  INFO("stderr: " << result.err);
  CHECK(result.status == kExitUsage);
  CHECK(result.out.empty());
  const auto err = lines(result.err);
  REQUIRE(err.size() == 2);
  CHECK(err[0] == "ivr-replay: " + message);
  CHECK(err[1] == kHint);
}

// An unusable file: exit 2, one line, nothing on stdout.
void check_file_error(const RunResult& result, const std::string& line_start) {
  INFO("stderr: " << result.err);
  CHECK(result.status == kExitUsage);
  CHECK(result.out.empty());
  const auto err = lines(result.err);
  REQUIRE(err.size() == 1);
  CHECK_THAT(err[0], Catch::StartsWith(line_start));
}

// Three valid files' names in `dir`: far.ul, near.ul (0.5 s each) and out.ul.
struct Files {
  std::string far, near, out;
};

Files small_files(const TempDir& dir) {
  const ts::Seed seed("echo: small files");
  const auto pair = echo_pair(kSecond / 2, seed);
  Files files{dir / "far.ul", dir / "near.ul", dir / "out.ul"};
  write_capture(files.far, pair.far);
  write_capture(files.near, pair.near);
  return files;
}

const std::regex kPlainLine(
    R"((summary: )?t=[0-9]+\.[0-9]{2}s erle=-?[0-9]+\.[0-9]dB erl=-?[0-9]+\.[0-9]dB )"
    R"(residual=-?[0-9]+\.[0-9]dBm0 delay=-?[0-9]+\.[0-9]ms far=-?[0-9]+\.[0-9]dBm0 )"
    R"(near=-?[0-9]+\.[0-9]dBm0 background=-?[0-9]+\.[0-9]dBm0 )"
    R"(talk=(idle|far_end|near_end|double_talk) nlp=(off|passing|suppressing) )"
    R"(tone_disabled=(yes|no) converged=(yes|no)( samples=[0-9]+ filter_updates=[0-9]+)?)");

}  // namespace

TEST_CASE("echo is in the command table, after dtmf") {
  const auto commands = ivrd::ivr::replay::replay_commands();
  REQUIRE(commands.size() >= 2);
  CHECK(commands[1].name == "echo");
  CHECK_THAT(std::string(commands[1].synopsis), Catch::StartsWith("echo --far FAR --near NEAR"));
  CHECK_THAT(replay({"--help"}).out, Catch::Contains("ivr-replay echo --far FAR"));
}

TEST_CASE("echo --help lists every option and exits 0") {
  for (const auto& args :
       {std::vector<std::string>{"echo", "--help"}, std::vector<std::string>{"echo", "-h"},
        std::vector<std::string>{"help", "echo"},
        std::vector<std::string>{"echo", "--far", "x.ul", "--help"}}) {
    const auto result = replay(args);
    CHECK(result.status == kExitOk);
    CHECK(result.err.empty());
    CHECK_THAT(result.out,
               Catch::StartsWith("Usage: ivr-replay echo --far FAR --near NEAR --out OUT"));
    for (const char* option : {"--far", "--near", "--out", "--tail-ms", "--nlp", "--tone-disabler",
                               "--high-pass", "--format", "--isa", "--stats", "--json"}) {
      CHECK_THAT(result.out, Catch::Contains(option));
    }
  }
}

TEST_CASE("echo without --far, --near or --out is a usage error naming what is missing") {
  check_usage_error(replay({"echo"}), "missing --far FAR, --near NEAR and --out OUT");
  check_usage_error(replay({"echo", "--stats"}), "missing --far FAR, --near NEAR and --out OUT");
  check_usage_error(replay({"echo", "--near", "b.ul", "--out", "c.ul"}), "missing --far FAR");
  check_usage_error(replay({"echo", "--far", "a.ul", "--out", "c.ul"}), "missing --near NEAR");
  check_usage_error(replay({"echo", "--far", "a.ul", "--near", "b.ul"}), "missing --out OUT");
  check_usage_error(replay({"echo", "--far", "a.ul"}), "missing --near NEAR and --out OUT");
  check_usage_error(replay({"echo", "--far", "", "--near", "b.ul", "--out", "c.ul"}),
                    "empty file name for --far");
}

TEST_CASE("echo refuses unknown options, stray arguments and repeated files") {
  const std::vector<std::string> files{"--far", "a.ul", "--near", "b.ul", "--out", "c.ul"};
  const auto with = [&files](std::vector<std::string> extra) {
    std::vector<std::string> args{"echo"};
    args.insert(args.end(), files.begin(), files.end());
    args.insert(args.end(), extra.begin(), extra.end());
    return replay(args);
  };
  check_usage_error(with({"--bogus"}), "unrecognised option '--bogus'");
  check_usage_error(with({"--tail"}), "unrecognised option '--tail'");  // no abbreviations
  check_usage_error(with({"-x"}), "unrecognised option '-x'");
  check_usage_error(with({"d.ul"}),
                    "unexpected argument 'd.ul' (files are given with --far, "
                    "--near and --out)");
  auto result = with({"--far", "d.ul"});
  CHECK(result.status == kExitUsage);
  CHECK_THAT(lines(result.err).at(0), Catch::Contains("--far"));
  result = replay({"echo", "--near", "b.ul", "--out", "c.ul", "--far"});
  CHECK(result.status == kExitUsage);
  CHECK_THAT(lines(result.err).at(0), Catch::Contains("--far"));
  CHECK(lines(result.err).at(1) == kHint);
}

TEST_CASE("echo option values out of range or unknown are usage errors naming option and value") {
  const auto run = [](const std::string& option, const std::string& value) {
    return replay({"echo", "--far", "a.ul", "--near", "b.ul", "--out", "c.ul", option, value});
  };
  for (const char* value :
       {"15", "257", "0", "-16", "128.0", "12ms", "abc", "", "+128", "99999999999999999999"}) {
    INFO("--tail-ms " << value);
    check_usage_error(run("--tail-ms", value),
                      "invalid --tail-ms '" + std::string(value) + "' (an integer from 16 to 256)");
  }
  check_usage_error(run("--nlp", "maybe"), "unknown --nlp 'maybe' (choose on or off)");
  check_usage_error(run("--nlp", "ON"), "unknown --nlp 'ON' (choose on or off)");
  check_usage_error(run("--tone-disabler", "phase_reversal"),
                    "unknown --tone-disabler 'phase_reversal' (choose off, reversal or any)");
  for (const char* value : {"-50", "hum", "nan", "inf", ""}) {
    INFO("--high-pass " << value);
    check_usage_error(run("--high-pass", value), "invalid --high-pass '" + std::string(value) +
                                                     "' (a frequency in Hz, 0 for off)");
  }
  check_usage_error(run("--format", "mp3"),
                    "unknown --format 'mp3' (choose ulaw, alaw, s16, sln, raw, wav)");
  check_usage_error(run("--isa", "neon"),
                    "unknown --isa 'neon' (choose scalar, sse41, avx2 or avx512)");
}

TEST_CASE("a --high-pass the canceller cannot take is a usage error naming the value") {
  const auto result =
      replay({"echo", "--far", "a.ul", "--near", "b.ul", "--out", "c.ul", "--high-pass", "100000"});
  CHECK(result.status == kExitUsage);
  CHECK(result.out.empty());
  const auto err = lines(result.err);
  REQUIRE(err.size() == 2);
  CHECK_THAT(err[0], Catch::StartsWith("ivr-replay: invalid --high-pass '100000' ("));
  CHECK(err[1] == kHint);
}

TEST_CASE("echo accepts every documented option value") {
  TempDir dir;
  const Files files = small_files(dir);
  const std::vector<std::vector<std::string>> variants{
      {"--tail-ms", "16"},
      {"--tail-ms", "256"},
      {"--tail-ms=100"},
      {"--nlp", "on"},
      {"--nlp", "off"},
      {"--nlp=off"},
      {"--tone-disabler", "off"},
      {"--tone-disabler", "reversal"},
      {"--tone-disabler", "any"},
      {"--high-pass", "0"},
      {"--high-pass", "100"},
      {"--format", "ulaw"},
      {"--json"},
  };
  for (const auto& variant : variants) {
    INFO("options: " << Catch::Detail::stringify(variant));
    std::vector<std::string> args{"echo",     "--far", files.far, "--near",
                                  files.near, "--out", files.out};
    args.insert(args.end(), variant.begin(), variant.end());
    std::filesystem::remove(files.out);
    const auto result = replay(args);
    CHECK(result.status == kExitOk);
    CHECK(result.err.empty());
    CHECK(result.out.empty());
    CHECK(std::filesystem::file_size(files.out) == kSecond / 2);
  }
}

TEST_CASE("echo prints nothing on success without --stats, and OUT is as long as NEAR") {
  TempDir dir;
  const Files files = small_files(dir);
  const auto result =
      replay({"echo", "--near", files.near, "--out", files.out, "--far", files.far});
  CHECK(result.status == kExitOk);
  CHECK(result.out.empty());
  CHECK(result.err.empty());
  CHECK(read_capture(files.out).samples.size() == kSecond / 2);
}

TEST_CASE("OUT is written in NEAR's format whatever OUT's name") {
  TempDir dir;
  const ts::Seed seed("echo: formats");
  // 1.3 s: not a whole number of ticks or seconds.
  const auto pair = echo_pair(10400 + 37, seed);
  const size_t n = pair.near.size();
  struct Case {
    std::string near_name;
    AudioFormat format;
    size_t bytes;  // of OUT; 0: a WAV file, checked by reading it
  };
  const std::vector<Case> cases{
      {"near.ul", AudioFormat::ulaw, n},     {"near.ulaw", AudioFormat::ulaw, n},
      {"near.al", AudioFormat::alaw, n},     {"near.ALAW", AudioFormat::alaw, n},
      {"near.raw", AudioFormat::s16, 2 * n}, {"near.sln", AudioFormat::s16, 2 * n},
      {"near.wav", AudioFormat::wav, 0},
  };
  write_capture(dir / "far.sln", pair.far);
  for (const Case& c : cases) {
    for (const char* out_name : {"out.ul", "out.al", "out.raw", "out.wav", "out.bin"}) {
      INFO("NEAR " << c.near_name << ", OUT " << out_name);
      write_capture(dir / c.near_name, pair.near);
      std::filesystem::remove(dir / out_name);
      const auto result = replay(
          {"echo", "--far", dir / "far.sln", "--near", dir / c.near_name, "--out", dir / out_name});
      CHECK(result.status == kExitOk);
      CHECK(result.err.empty());
      if (c.bytes != 0) {
        CHECK(std::filesystem::file_size(dir / out_name) == c.bytes);
      } else {
        CHECK(file_bytes(dir / out_name).substr(0, 4) == "RIFF");
      }
      const auto out = read_capture(dir / out_name, c.format);
      CHECK(out.samples.size() == n);
      CHECK(out.source_rate == 8000);
      CHECK(out.source_channels == 1);
    }
  }
}

TEST_CASE("the --format option applies to FAR, NEAR and OUT") {
  TempDir dir;
  const ts::Seed seed("echo: --format");
  const auto pair = echo_pair(kSecond, seed);
  write_capture(dir / "far.dat", pair.far, AudioFormat::alaw);
  write_capture(dir / "near.ul", pair.near, AudioFormat::alaw);  // misnamed: A-law
  auto result = replay({"echo", "--format", "alaw", "--far", dir / "far.dat", "--near",
                        dir / "near.ul", "--out", dir / "out.wav"});
  CHECK(result.status == kExitOk);
  CHECK(result.err.empty());
  CHECK(std::filesystem::file_size(dir / "out.wav") == kSecond);  // A-law bytes

  write_capture(dir / "far.s16", pair.far, AudioFormat::s16);
  write_capture(dir / "near.s16", pair.near, AudioFormat::s16);
  for (const char* name : {"s16", "sln", "raw"}) {
    result = replay({"echo", "--format", name, "--far", dir / "far.s16", "--near", dir / "near.s16",
                     "--out", dir / "out.ul"});
    CHECK(result.status == kExitOk);
    CHECK(std::filesystem::file_size(dir / "out.ul") == 2 * kSecond);
  }
  // Without --format the extension-less files are refused.
  result = replay(
      {"echo", "--far", dir / "far.dat", "--near", dir / "near.ul", "--out", dir / "out2.ul"});
  check_file_error(result, "ivr-replay: " + dir / "far.dat" + ": unknown extension");
  CHECK_FALSE(std::filesystem::exists(dir / "out2.ul"));
}

TEST_CASE("OUT may replace NEAR") {
  TempDir dir;
  const Files files = small_files(dir);
  const auto result =
      replay({"echo", "--far", files.far, "--near", files.near, "--out", files.near});
  CHECK(result.status == kExitOk);
  CHECK(std::filesystem::file_size(files.near) == kSecond / 2);
}

TEST_CASE("an unusable FAR or NEAR is one line naming it, and OUT is not written") {
  TempDir dir;
  const Files good = small_files(dir);
  {
    std::ofstream(dir / "odd.raw") << "abc";
    std::ofstream(dir / "empty.al");
    std::ofstream(dir / "broken.wav") << "RIFF....WAVEjunk";
    std::ofstream(dir / "music.mp3") << "ID3";
    std::filesystem::create_directory(dir / "folder.ul");
  }
  const std::vector<std::pair<std::string, std::string>> bad{
      {"missing.ul", "cannot open: No such file or directory"},
      {"odd.raw", "odd length for 16-bit samples (3 bytes)"},
      {"empty.al", "empty file"},
      {"broken.wav", ""},
      {"music.mp3", "unknown extension '.mp3'"},
      {"noext", "no file extension"},
      {"folder.ul", "cannot read: Is a directory"},
  };
  for (const auto& [name, problem] : bad) {
    INFO("bad file: " << name);
    for (const bool as_far : {true, false}) {
      INFO((as_far ? "as FAR" : "as NEAR"));
      const std::string far = as_far ? dir / name : good.far;
      const std::string near = as_far ? good.near : dir / name;
      std::filesystem::remove(good.out);
      const auto result =
          replay({"echo", "--far", far, "--near", near, "--out", good.out, "--stats"});
      check_file_error(result, "ivr-replay: " + dir / name + ": " + problem);
      CHECK(result.err.size() > ("ivr-replay: " + dir / name + ": \n").size());
      CHECK_FALSE(std::filesystem::exists(good.out));
    }
  }

  SECTION("an OUT that exists is left as it was") {
    std::ofstream(good.out) << "keep me";
    const auto result =
        replay({"echo", "--far", good.far, "--near", dir / "missing.ul", "--out", good.out});
    CHECK(result.status == kExitUsage);
    CHECK(file_bytes(good.out) == "keep me");
  }

  SECTION("FAR is reported when both are unusable") {
    const auto result = replay(
        {"echo", "--far", dir / "missing.ul", "--near", dir / "empty.al", "--out", good.out});
    check_file_error(result, "ivr-replay: " + dir / "missing.ul" + ": cannot open");
  }
}

TEST_CASE("FAR and NEAR of different lengths: one line with both counts, nothing written") {
  TempDir dir;
  write_capture(dir / "far.ul", std::vector<int16_t>(8000, 0));
  write_capture(dir / "near.ul", std::vector<int16_t>(7999, 0));
  write_capture(dir / "one.raw", std::vector<int16_t>(1, 0));
  auto result =
      replay({"echo", "--far", dir / "far.ul", "--near", dir / "near.ul", "--out", dir / "out.ul"});
  CHECK(result.status == kExitUsage);
  CHECK(result.out.empty());
  CHECK(lines(result.err) ==
        std::vector<std::string>{"ivr-replay: echo: FAR (" + dir / "far.ul" +
                                 ") has 8000 samples but NEAR (" + dir / "near.ul" + ") has 7999"});
  CHECK_FALSE(std::filesystem::exists(dir / "out.ul"));

  result = replay({"echo", "--far", dir / "one.raw", "--near", dir / "far.ul", "--out",
                   dir / "out.ul", "--stats"});
  CHECK(result.status == kExitUsage);
  CHECK(result.out.empty());
  CHECK(lines(result.err) ==
        std::vector<std::string>{"ivr-replay: echo: FAR (" + dir / "one.raw" +
                                 ") has 1 sample but NEAR (" + dir / "far.ul" + ") has 8000"});
  CHECK_FALSE(std::filesystem::exists(dir / "out.ul"));
}

TEST_CASE("an OUT that cannot be written: exit 2, one line naming OUT, no stats") {
  TempDir dir;
  const Files files = small_files(dir);
  std::filesystem::create_directory(dir / "folder.ul");
  for (const std::string& out : {dir / "no-such-dir/out.ul", dir / "folder.ul"}) {
    INFO("OUT " << out);
    const auto result =
        replay({"echo", "--far", files.far, "--near", files.near, "--out", out, "--stats"});
    check_file_error(result, "ivr-replay: " + out + ": cannot create: ");
  }
  // OUT's own extension does not matter, so an unknown one is no problem.
  const auto result =
      replay({"echo", "--far", files.far, "--near", files.near, "--out", dir / "out.mp3"});
  CHECK(result.status == kExitOk);
  CHECK(std::filesystem::file_size(dir / "out.mp3") == kSecond / 2);
}

TEST_CASE("echo --stats prints a line per whole second of audio, then a summary") {
  TempDir dir;
  const ts::Seed seed("echo: --stats");
  const auto pair = echo_pair(3 * kSecond + 100, seed);
  for (const size_t n : {size_t{3 * kSecond + 100}, size_t{3 * kSecond}, size_t{kSecond - 1},
                         size_t{1}, size_t{kSecond + 160}}) {
    INFO("samples: " << n);
    write_capture(dir / "far.raw", std::span(pair.far).first(n));
    write_capture(dir / "near.raw", std::span(pair.near).first(n));
    const auto result = replay({"echo", "--stats", "--far", dir / "far.raw", "--near",
                                dir / "near.raw", "--out", dir / "out.raw"});
    CHECK(result.status == kExitOk);
    CHECK(result.err.empty());
    const auto out = lines(result.out);
    REQUIRE(out.size() == n / kSecond + 1);
    for (size_t i = 0; i < out.size(); ++i) {
      INFO(out[i]);
      CHECK(std::regex_match(out[i], kPlainLine));
      if (i + 1 < out.size()) {
        CHECK_THAT(out[i], Catch::StartsWith("t=" + std::to_string(i + 1) + ".00s erle="));
      }
    }
    CHECK_THAT(out.back(), Catch::StartsWith("summary: t="));
    CHECK_THAT(out.back(), Catch::Contains(" samples=" + std::to_string(n) + " filter_updates="));
  }
}

TEST_CASE("echo --stats --json prints one JSON object per line with the metrics") {
  TempDir dir;
  const ts::Seed seed("echo: --stats --json");
  const auto pair = echo_pair(2 * kSecond + 500, seed);
  write_capture(dir / "far.ul", pair.far);
  write_capture(dir / "near.ul", pair.near);
  const auto result = replay({"echo", "--far", dir / "far.ul", "--near", dir / "near.ul", "--out",
                              dir / "out.ul", "--stats", "--json", "--nlp", "off"});
  CHECK(result.status == kExitOk);
  CHECK(result.err.empty());
  const auto out = lines(result.out);
  REQUIRE(out.size() == 3);
  const std::vector<std::string> figures{
      "erle_db",        "erl_db",          "residual_echo_dbm0",   "echo_delay_ms",
      "far_level_dbm0", "near_level_dbm0", "background_level_dbm0"};
  for (size_t i = 0; i < out.size(); ++i) {
    INFO(out[i]);
    ivrd::cli_tests::JsonObject object;
    REQUIRE_NOTHROW(object = ivrd::cli_tests::parse_json_object(out[i]));
    const bool summary = i + 1 == out.size();
    CHECK(object.size() == (summary ? 15u : 12u));
    REQUIRE(std::holds_alternative<double>(object["t"]));
    CHECK(std::get<double>(object["t"]) == (summary ? 2.0625 : static_cast<double>(i + 1)));
    for (const auto& key : figures) {
      INFO(key);
      CHECK(std::holds_alternative<double>(object[key]));
    }
    REQUIRE(std::holds_alternative<std::string>(object["talk_state"]));
    REQUIRE(std::holds_alternative<std::string>(object["nlp_state"]));
    CHECK(std::get<std::string>(object["nlp_state"]) == "off");
    CHECK(std::holds_alternative<bool>(object["disabled_by_tone"]));
    CHECK(std::holds_alternative<bool>(object["converged"]));
    if (summary) {
      CHECK(object["summary"] == ivrd::cli_tests::JsonValue(true));
      CHECK(object["samples"] == ivrd::cli_tests::JsonValue(2.0 * kSecond + 500.0));
      CHECK(std::holds_alternative<double>(object["filter_updates"]));
    } else {
      CHECK(object.count("summary") == 0);
    }
  }
}

TEST_CASE("the canceller's metrics show the options it was given") {
  TempDir dir;
  const ts::Seed seed("echo: options reach the canceller");
  const auto pair = echo_pair(2 * kSecond, seed);
  write_capture(dir / "far.sln", pair.far);
  write_capture(dir / "near.sln", pair.near);
  const auto summary = [&dir](std::vector<std::string> extra) {
    std::vector<std::string> args{"echo",           "--far", dir / "far.sln", "--near",
                                  dir / "near.sln", "--out", dir / "out.sln", "--stats"};
    args.insert(args.end(), extra.begin(), extra.end());
    const auto result = replay(args);
    REQUIRE(result.status == kExitOk);
    return lines(result.out).back();
  };
  CHECK_THAT(summary({"--nlp", "off"}), Catch::Contains(" nlp=off "));
  CHECK_THAT(summary({}), !Catch::Contains(" nlp=off "));
  CHECK_THAT(summary({"--nlp", "on"}), !Catch::Contains(" nlp=off "));
}

TEST_CASE("the echo of white noise is cancelled") {
  TempDir dir;
  const ts::Seed seed("echo: white noise cancelled");
  const auto pair = echo_pair(4 * kSecond, seed);
  write_capture(dir / "far.raw", pair.far);
  write_capture(dir / "near.raw", pair.near);
  const auto result = replay({"echo", "--far", dir / "far.raw", "--near", dir / "near.raw", "--out",
                              dir / "out.raw", "--nlp", "off"});
  REQUIRE(result.status == kExitOk);
  const auto out = read_capture(dir / "out.raw").samples;
  REQUIRE(out.size() == pair.near.size());
  const std::vector<int16_t> clean(out.size(), 0);
  const double erle = ts::erle_db(pair.echo, out, clean, 2 * kSecond, 4 * kSecond);
  INFO("ERLE over the last 2 s: " << erle << " dB");
  CHECK(erle >= 25.0);
}

TEST_CASE("every kernel variant this CPU runs cancels the echo") {
  TempDir dir;
  const ts::Seed seed("echo: --isa");
  const auto pair = echo_pair(3 * kSecond, seed);
  write_capture(dir / "far.raw", pair.far);
  write_capture(dir / "near.raw", pair.near);
  const std::vector<int16_t> clean(pair.near.size(), 0);
  for (ivrd::dsp::Isa isa : ivrd::dsp::supported_isas()) {
    const std::string name(ivrd::dsp::isa_name(isa));
    INFO(name);
    const auto result = replay({"echo", "--isa", name, "--nlp", "off", "--far", dir / "far.raw",
                                "--near", dir / "near.raw", "--out", dir / "out.raw"});
    CHECK(result.status == kExitOk);
    CHECK(result.err.empty());
    const auto out = read_capture(dir / "out.raw").samples;
    REQUIRE(out.size() == pair.near.size());
    CHECK(ts::erle_db(pair.echo, out, clean, 2 * kSecond, 3 * kSecond) >= 20.0);
  }
}

TEST_CASE("stats lines: exact times and figures, whatever the locale") {
  using ivrd::ivr::replay::echo_stats_json;
  using ivrd::ivr::replay::echo_stats_text;
  using ivrd::ivr::replay::EchoStatsLine;
  using ivrd::ivr::replay::exact_seconds_at_8k;
  CHECK(exact_seconds_at_8k(0) == "0.0");
  CHECK(exact_seconds_at_8k(8000) == "1.0");
  CHECK(exact_seconds_at_8k(7999) == "0.999875");
  CHECK(exact_seconds_at_8k(12000) == "1.5");
  CHECK(exact_seconds_at_8k(48000 * 60) == "360.0");

  ivrd::dsp::EchoCancellerMetrics m;
  m.erle_db = 27.44f;
  m.erl_db = 6.06f;
  m.residual_echo_dbm0 = -48.2f;
  m.echo_delay_ms = 10.0f;
  m.far_level_dbm0 = -16.0f;
  m.near_level_dbm0 = -22.08f;
  m.background_level_dbm0 = -70.0f;
  m.talk_state = ivrd::dsp::TalkState::far_end;
  m.nlp_state = ivrd::dsp::NlpState::suppressing;
  m.disabled_by_tone = false;
  m.converged = true;
  m.samples = 8000;
  m.filter_updates = 12;
  CHECK(echo_stats_text(m, 8000, EchoStatsLine::at_second) ==
        "t=1.00s erle=27.4dB erl=6.1dB residual=-48.2dBm0 delay=10.0ms far=-16.0dBm0 "
        "near=-22.1dBm0 background=-70.0dBm0 talk=far_end nlp=suppressing tone_disabled=no "
        "converged=yes");
  CHECK(echo_stats_text(m, 8001, EchoStatsLine::summary) ==
        "summary: t=1.00s erle=27.4dB erl=6.1dB residual=-48.2dBm0 delay=10.0ms far=-16.0dBm0 "
        "near=-22.1dBm0 background=-70.0dBm0 talk=far_end nlp=suppressing tone_disabled=no "
        "converged=yes samples=8001 filter_updates=12");
  CHECK(echo_stats_json(m, 8000, EchoStatsLine::at_second) ==
        R"({"t":1.0,"erle_db":27.4,"erl_db":6.1,"residual_echo_dbm0":-48.2,"echo_delay_ms":10.0,)"
        R"("far_level_dbm0":-16.0,"near_level_dbm0":-22.1,"background_level_dbm0":-70.0,)"
        R"("talk_state":"far_end","nlp_state":"suppressing","disabled_by_tone":false,)"
        R"("converged":true})");
  CHECK(echo_stats_json(m, 8001, EchoStatsLine::summary) ==
        R"({"summary":true,"t":1.000125,"erle_db":27.4,"erl_db":6.1,"residual_echo_dbm0":-48.2,)"
        R"("echo_delay_ms":10.0,"far_level_dbm0":-16.0,"near_level_dbm0":-22.1,)"
        R"("background_level_dbm0":-70.0,"talk_state":"far_end","nlp_state":"suppressing",)"
        R"("disabled_by_tone":false,"converged":true,"samples":8001,"filter_updates":12})");

  // Figures that would not be valid JSON, and negative zero.
  m.erle_db = std::numeric_limits<float>::quiet_NaN();
  m.erl_db = std::numeric_limits<float>::infinity();
  m.echo_delay_ms = -0.01f;
  const std::string json = echo_stats_json(m, 0, EchoStatsLine::at_second);
  CHECK_THAT(json, Catch::Contains(R"("erle_db":null,"erl_db":null,)"));
  CHECK_THAT(json, Catch::Contains(R"("echo_delay_ms":0.0,)"));
  CHECK_NOTHROW(ivrd::cli_tests::parse_json_object(json));
  const std::string text = echo_stats_text(m, 0, EchoStatsLine::at_second);
  CHECK_THAT(text,
             Catch::StartsWith("t=0.00s erle=nandB erl=nandB residual=-48.2dBm0 delay=0.0ms "));
}
