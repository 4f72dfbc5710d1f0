// The command line: the command table, --help, and every usage error.

#include <catch2/catch.hpp>

#include "ivrd/dsp/dtmf_detector.hpp"
#include "ivrd/ivr/replay.hpp"

#include "replay_fixtures.hpp"

using ivrd::ivr::replay::kExitOk;
using ivrd::ivr::replay::kExitUsage;
using ivrd::ivr::testing::lines;
using ivrd::ivr::testing::replay;
using ivrd::ivr::testing::TempDir;

namespace {

// A usage error: nothing on stdout, the error line, then the hint.
void check_usage_error(const ivrd::ivr::testing::RunResult& result, const std::string& message,
                       const std::string& hint = "Try 'ivr-replay dtmf --help' for usage.") {
  CHECK(result.status == kExitUsage);
  CHECK(result.out.empty());
  const auto err = lines(result.err);
  REQUIRE(err.size() == 2);
  CHECK(err[0] == "ivr-replay: " + message);
  CHECK(err[1] == hint);
}

}  // namespace

TEST_CASE("the command table has dtmf, each with a synopsis and summary") {
  const auto commands = ivrd::ivr::replay::replay_commands();
  REQUIRE_FALSE(commands.empty());
  CHECK(commands.front().name == "dtmf");
  for (const auto& command : commands) {
    CHECK_FALSE(command.synopsis.empty());
    CHECK_FALSE(command.summary.empty());
    CHECK(command.run != nullptr);
  }
}

TEST_CASE("the --help option lists the commands and exits 0") {
  for (const char* flag : {"--help", "-h", "help"}) {
    const auto result = replay({flag});
    CHECK(result.status == kExitOk);
    CHECK(result.err.empty());
    CHECK_THAT(result.out, Catch::StartsWith("Usage: ivr-replay <command>"));
    CHECK_THAT(result.out, Catch::Contains("ivr-replay dtmf"));
  }
}

TEST_CASE("'help dtmf' is 'dtmf --help'") {
  const auto result = replay({"help", "dtmf"});
  CHECK(result.status == kExitOk);
  CHECK_THAT(result.out, Catch::StartsWith("Usage: ivr-replay dtmf"));
}

TEST_CASE("a missing, unknown or misplaced command is a usage error") {
  const std::string hint = "Try 'ivr-replay --help' for usage.";
  check_usage_error(replay({}), "missing command (dtmf, echo, callerid, tones, call)", hint);
  check_usage_error(replay({"dtfm", "a.ul"}),
                    "unknown command 'dtfm' (commands: dtmf, echo, callerid, tones, call)", hint);
  check_usage_error(replay({"--json", "dtmf", "a.ul"}), "unknown option '--json'", hint);
}

TEST_CASE("dtmf --help prints the options and exits 0") {
  const auto result = replay({"dtmf", "--help"});
  CHECK(result.status == kExitOk);
  CHECK(result.err.empty());
  for (const char* option : {"--json", "--format", "--isa", "--administration", "--min-level"}) {
    CHECK_THAT(result.out, Catch::Contains(option));
  }
  // The administrations are listed by name.
  for (const auto& administration : ivrd::dsp::dtmf_administrations()) {
    CHECK_THAT(result.out, Catch::Contains(std::string(administration.name)));
  }
}

TEST_CASE("dtmf without files is a usage error") {
  check_usage_error(replay({"dtmf"}), "missing FILE");
  check_usage_error(replay({"dtmf", "--json"}), "missing FILE");
}

TEST_CASE("dtmf refuses unknown options, even abbreviations of known ones") {
  auto result = replay({"dtmf", "--bogus", "a.ul"});
  check_usage_error(result, "unrecognised option '--bogus'");
  result = replay({"dtmf", "--js", "a.ul"});
  check_usage_error(result, "unrecognised option '--js'");
}

TEST_CASE("dtmf options that need a value say so") {
  const auto result = replay({"dtmf", "a.ul", "--format"});
  CHECK(result.status == kExitUsage);
  CHECK_THAT(lines(result.err).at(0), Catch::Contains("--format"));
}

TEST_CASE("an unknown --format name is a usage error naming the known ones") {
  check_usage_error(replay({"dtmf", "--format", "mp3", "a.ul"}),
                    "unknown --format 'mp3' (choose ulaw, alaw, s16, sln, raw, wav)");
}

TEST_CASE("an unknown --isa is a usage error") {
  check_usage_error(replay({"dtmf", "--isa", "neon", "a.ul"}),
                    "unknown --isa 'neon' (choose scalar, sse41, avx2 or avx512)");
}

TEST_CASE("an unknown --administration is a usage error listing the known ones") {
  const auto result = replay({"dtmf", "--administration", "atlantis", "a.ul"});
  CHECK(result.status == kExitUsage);
  const auto err = lines(result.err);
  REQUIRE(err.size() == 2);
  CHECK_THAT(err[0], Catch::StartsWith("ivr-replay: unknown --administration 'atlantis' (known: "));
  for (const auto& administration : ivrd::dsp::dtmf_administrations()) {
    CHECK_THAT(err[0], Catch::Contains(std::string(administration.name)));
  }
}

TEST_CASE("the --min-level option must be a number") {
  auto result = replay({"dtmf", "--min-level", "loud", "a.ul"});
  CHECK(result.status == kExitUsage);
  CHECK_THAT(lines(result.err).at(0), Catch::Contains("min-level"));
  result = replay({"dtmf", "--min-level", "nan", "a.ul"});
  CHECK(result.status == kExitUsage);
}

TEST_CASE("the --min-level option takes negative numbers with or without '='") {
  TempDir dir;
  ivrd::driver::write_capture(dir / "quiet.ul", ivrd::ivr::testing::dialled("1", 100.0f));
  for (const auto& args :
       {std::vector<std::string>{"dtmf", "--min-level", "-30", dir / "quiet.ul"},
        std::vector<std::string>{"dtmf", "--min-level=-30", dir / "quiet.ul"},
        std::vector<std::string>{"dtmf", "--min-level", "-30.5", dir / "quiet.ul"}}) {
    const auto result = replay(args);
    CHECK(result.status == kExitOk);
    CHECK(result.err.empty());
  }
}

TEST_CASE("files may follow '--' even when they look like options") {
  TempDir dir;
  const auto result = replay({"dtmf", "--", "--json"});
  CHECK(result.status == kExitUsage);
  const auto err = lines(result.err);
  REQUIRE(err.size() == 1);
  CHECK(err[0] ==
        "ivr-replay: --json: no file extension to tell the audio format (supported: "
        ".ul, .ulaw, .al, .alaw, .raw, .sln, .wav)");
}
