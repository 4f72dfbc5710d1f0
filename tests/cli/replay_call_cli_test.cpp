// The real ivr-replay binary replaying a captured caller through the demo
// configuration: keys as DTMF in the capture, the route reached read from the
// JSON log, what the appliance played written in the capture's format.

#include <filesystem>
#include <fstream>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "ivrd/test_support/temp_dir.hpp"

#include "capture_files.hpp"
#include "run_program.hpp"
#include "usage_error.hpp"

using namespace ivrd::cli_tests;
namespace ts = ivrd::test_support;

namespace {

const std::string kDemoConfig = std::string(IVRD_CONFIG_DIR) + "/demo.toml";

ProgramResult replay(const std::vector<std::string>& args) {
  return run_program(IVR_REPLAY_PATH, args);
}

std::vector<nlohmann::json> log_lines(const std::string& out) {
  std::vector<nlohmann::json> lines;
  for (const std::string& line : split_lines(out)) lines.push_back(nlohmann::json::parse(line));
  return lines;
}

TEST_CASE("ivr-replay call: keys in the capture lead through the menus to a route", "[cli][call]") {
  ts::TempDir dir("ivr-replay-call");
  // 2 (support menu) at 2 s, then 1 (the support phone) at 5 s.
  const auto caller = synthesise({{'2', 2000, 80}, {'1', 5000, 80}}, 8000, 9000);
  write_ulaw(dir / "caller.ul", caller);
  const ProgramResult result =
      replay({"call", "--config", kDemoConfig, "--in", dir / "caller.ul", "--out",
              dir / "played.ul", "--caller-id", "5551234", "--time", "2026-12-07T10:00"});
  INFO(result.err);
  REQUIRE(result.status == 0);
  CHECK(result.err.empty());
  const auto lines = log_lines(result.out);
  REQUIRE(lines.size() > 5);
  const nlohmann::json& summary = lines.back();
  CHECK(summary["summary"] == true);
  CHECK(summary["route"] == "extension:support");
  CHECK(summary["other_party"] == "support");
  CHECK(summary["keys"] == "21");
  CHECK(summary["caller_id"] == "5551234");
  CHECK(summary["variables"]["today"] == "2026-12-07");
  std::vector<std::string> menus;
  for (const auto& line : lines) {
    if (line.contains("event") && line["event"] == "menu") menus.push_back(line["detail"]);
  }
  CHECK(menus == std::vector<std::string>{"main", "support"});
  // What the appliance played: µ-law like the capture, from the answer on,
  // as long as the call (greetings, ringback, the bridge).
  const auto played = std::filesystem::file_size(dir / "played.ul");
  CHECK(played >= 8000u * 9);
}

TEST_CASE("ivr-replay call: a configuration with errors exits 78 listing them", "[cli][call]") {
  ts::TempDir dir("ivr-replay-call");
  {
    std::ofstream config(dir / "bad.toml");
    config << "[appliance]\nname = \"x\"\ntone_zone = \"us\"\ngreting = 1\n";
  }
  write_ulaw(dir / "caller.ul", synthesise({}, 8000, 1000));
  const ProgramResult result = replay(
      {"call", "--config", dir / "bad.toml", "--in", dir / "caller.ul", "--out", dir / "o.ul"});
  CHECK(result.status == 78);
  CHECK(result.out.empty());
  CHECK_THAT(result.err, Catch::Contains(dir / "bad.toml" + ":4:1: error: unknown key 'greting'"));
  CHECK_FALSE(std::filesystem::exists(dir / "o.ul"));
}

TEST_CASE("ivr-replay call: bad command lines and unusable captures", "[cli][call]") {
  ts::TempDir dir("ivr-replay-call");
  check_usage_error(replay({"call", "--config", kDemoConfig}), "missing --in, --out", "call");
  check_usage_error(replay({"call", "--bogus"}), "--bogus", "call");
  check_usage_error(replay({"call", "--config", kDemoConfig, "--in", "a.ul", "--out", "b.ul",
                            "--caller-id", "12x"}),
                    "--caller-id", "call");
  check_usage_error(replay({"call", "--config", kDemoConfig, "--in", "a.ul", "--out", "b.ul",
                            "--time", "tomorrow"}),
                    "--time", "call");
  // A capture that is not there, and one cut in the middle of a sample.
  const ProgramResult missing =
      replay({"call", "--config", kDemoConfig, "--in", dir / "none.ul", "--out", dir / "o.ul"});
  CHECK(missing.status == 2);
  CHECK_THAT(missing.err, Catch::Contains("none.ul"));
  write_file(dir / "odd.sln", {1, 2, 3});
  const ProgramResult odd =
      replay({"call", "--config", kDemoConfig, "--in", dir / "odd.sln", "--out", dir / "o.sln"});
  CHECK(odd.status == 2);
  CHECK_THAT(odd.err, Catch::Contains("odd.sln"));
  CHECK(split_lines(odd.err).size() == 1);
}

}  // namespace
