// ivr-replay tones run as a test rig runs it: captures of generated
// call-progress tones in several formats and zones, JSON lines parsed as
// JSON, exit codes and stderr checked for bad input and unknown zones.

#include <catch2/catch.hpp>

#include "ivrd/dsp/tone_generator.hpp"
#include "ivrd/dsp/tone_zone.hpp"

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

struct FoundTone {
  std::string file;
  std::string tone;
  double start_ms = 0, end_ms = 0;
};

// Every stdout line must be one JSON object with exactly the four fields.
std::vector<FoundTone> parse_tones(const std::string& out) {
  std::vector<FoundTone> found;
  for (const std::string& line : split_lines(out)) {
    INFO("line: " << line);
    JsonObject object;
    REQUIRE_NOTHROW(object = parse_json_object(line));
    REQUIRE(object.size() == 4);
    REQUIRE(std::holds_alternative<std::string>(object["file"]));
    REQUIRE(std::holds_alternative<std::string>(object["tone"]));
    REQUIRE(std::holds_alternative<double>(object["start_ms"]));
    REQUIRE(std::holds_alternative<double>(object["end_ms"]));
    FoundTone f{std::get<std::string>(object["file"]), std::get<std::string>(object["tone"]),
                std::get<double>(object["start_ms"]), std::get<double>(object["end_ms"])};
    CHECK(f.end_ms > f.start_ms);
    found.push_back(f);
  }
  return found;
}

struct PlayedTone {
  dsp::CallProgressTone tone;
  double start_ms;
  double length_ms;
};

// The zone's tones at -20 dBm0, each from start for length, silence between.
std::vector<double> capture(const std::string& zone_code, const std::vector<PlayedTone>& script,
                            double total_ms) {
  const dsp::ToneZone* zone = dsp::find_tone_zone(zone_code);
  REQUIRE(zone != nullptr);
  std::vector<int16_t> pcm(static_cast<size_t>(total_ms * 8.0), 0);
  for (const PlayedTone& played : script) {
    REQUIRE(played.start_ms + played.length_ms <= total_ms);
    dsp::ToneGenerator generator(*zone, played.tone, -20.0f);
    generator.tx(std::span<int16_t>(pcm.data() + static_cast<size_t>(played.start_ms * 8.0),
                                    static_cast<size_t>(played.length_ms * 8.0)));
  }
  return std::vector<double>(pcm.begin(), pcm.end());
}

// US: dial 3 s, ringback two rings (12 s), busy 4 s, SIT once.
const std::vector<PlayedTone> kUsScript{{dsp::CallProgressTone::dial, 500.0, 3000.0},
                                        {dsp::CallProgressTone::ringback, 5000.0, 12000.0},
                                        {dsp::CallProgressTone::busy, 18000.0, 4000.0},
                                        {dsp::CallProgressTone::sit, 24000.0, 2000.0}};
constexpr double kUsLengthMs = 28000.0;

}  // namespace

TEST_CASE("tones: --help prints usage and exits 0") {
  const auto result = replay({"tones", "--help"});
  CHECK(result.status == 0);
  CHECK(result.err.empty());
  CHECK_THAT(result.out, Catch::Contains("Usage: ivr-replay tones"));
  CHECK_THAT(result.out, Catch::Contains("--zone"));
  const auto list = replay({"--help"});
  CHECK_THAT(list.out, Catch::Contains("ivr-replay tones"));
}

TEST_CASE("tones: JSON lines with exactly file, tone, start_ms and end_ms, in every format") {
  TempDir dir;
  const auto audio = capture("us", kUsScript, kUsLengthMs);
  write_ulaw(dir / "call.ul", audio);
  write_alaw(dir / "call.al", audio);
  write_s16le(dir / "call.sln", audio);
  write_file(dir / "call.wav", wav_bytes(audio, 8000, 1, WavSamples::pcm16));
  for (const char* name : {"call.ul", "call.al", "call.sln", "call.wav"}) {
    INFO(name);
    const auto result = replay({"tones", "--json", dir / name});
    CHECK(result.status == 0);
    CHECK(result.err.empty());
    const auto found = parse_tones(result.out);
    REQUIRE(found.size() == 4);
    const char* expected[] = {"dial", "ringback", "busy", "sit"};
    for (size_t i = 0; i < 4; ++i) {
      INFO("tone " << i);
      CHECK(found[i].file == dir / name);
      CHECK(found[i].tone == expected[i]);
      CHECK(found[i].start_ms == Approx(kUsScript[i].start_ms).margin(30.0));
    }
    CHECK(found[0].end_ms == Approx(3500.0).margin(30.0));
    CHECK(found[1].end_ms == Approx(13000.0).margin(30.0));  // end of the second ring
    CHECK(found[2].end_ms == Approx(21500.0).margin(30.0));
    CHECK(found[3].end_ms == Approx(24990.0).margin(30.0));
  }
}

TEST_CASE("tones: plain output, one line per tone and a summary per file") {
  TempDir dir;
  write_ulaw(dir / "call.ul", capture("us", kUsScript, kUsLengthMs));
  write_ulaw(dir / "quiet.ul", std::vector<double>(8000, 0.0));
  const auto result = replay({"tones", dir / "call.ul", dir / "quiet.ul"});
  CHECK(result.status == 0);
  CHECK(result.err.empty());
  const auto lines = split_lines(result.out);
  REQUIRE(lines.size() == 6);
  CHECK_THAT(lines[0], Catch::StartsWith(dir / "call.ul" + ": dial  at 500.0 ms ("));
  CHECK_THAT(lines[2], Catch::StartsWith(dir / "call.ul" + ": busy  at 18000.0 ms"));
  CHECK(lines[4] == dir / "call.ul" + ": 4 tones");
  CHECK(lines[5] == dir / "quiet.ul" + ": no tones");
}

TEST_CASE("tones: --zone picks the country's tones; --in-call reports disconnect") {
  TempDir dir;
  // Germany: busy 425/480,0/480. UK: congestion 400/400,0/350,400/225,0/525.
  write_ulaw(dir / "de.ul", capture("de", {{dsp::CallProgressTone::busy, 1000.0, 4800.0}}, 8000.0));
  write_ulaw(dir / "uk.ul",
             capture("uk", {{dsp::CallProgressTone::congestion, 1000.0, 4500.0}}, 8000.0));

  auto result = replay({"tones", "--json", "--zone", "de", dir / "de.ul"});
  CHECK(result.status == 0);
  auto found = parse_tones(result.out);
  REQUIRE(found.size() == 1);
  CHECK(found[0].tone == "busy");
  CHECK(found[0].start_ms == Approx(1000.0).margin(30.0));

  // The default zone is us: a German busy tone is none of its tones.
  result = replay({"tones", "--json", dir / "de.ul"});
  CHECK(result.status == 0);
  CHECK(parse_tones(result.out).empty());

  result = replay({"tones", "--json", "--zone", "UK", dir / "uk.ul"});
  found = parse_tones(result.out);
  REQUIRE(found.size() == 1);
  CHECK(found[0].tone == "congestion");

  result = replay({"tones", "--json", "--zone", "de", "--in-call", dir / "de.ul"});
  found = parse_tones(result.out);
  REQUIRE(found.size() == 1);
  CHECK(found[0].tone == "disconnect");
}

TEST_CASE("tones: an unknown zone is a usage error naming it") {
  TempDir dir;
  write_ulaw(dir / "call.ul",
             capture("us", {{dsp::CallProgressTone::busy, 500.0, 3000.0}}, 4000.0));
  for (const auto& [zone, hint] : std::vector<std::pair<std::string, std::string>>{
           {"atlantis", "known: us, "}, {"us-ol", "did you mean 'us-old'?"}, {"", "known: "}}) {
    INFO("zone '" << zone << "'");
    const auto result = replay({"tones", "--zone", zone, dir / "call.ul"});
    check_usage_error(result, hint, "tones");
    CHECK_THAT(result.err, Catch::StartsWith("ivr-replay: unknown --zone '" + zone + "'"));
  }
}

TEST_CASE("tones: usage errors and bad files as for dtmf") {
  TempDir dir;
  write_ulaw(dir / "good.ul",
             capture("us", {{dsp::CallProgressTone::busy, 500.0, 3000.0}}, 5000.0));
  write_file(dir / "empty.ul", {});
  write_file(dir / "odd.raw", std::vector<uint8_t>(1001, 0));

  for (const auto& [args, mention] : std::vector<std::pair<std::vector<std::string>, std::string>>{
           {{"tones"}, "missing FILE"},
           {{"tones", "--bogus", dir / "good.ul"}, "--bogus"},
           {{"tones", "--format", "mp3", dir / "good.ul"}, "'mp3'"},
           {{"tones", "--min-level", "quiet", dir / "good.ul"}, "min-level"},
           {{"tones", "--min-level", "-90", dir / "good.ul"}, "min_level"}}) {
    INFO("args: " << Catch::Detail::stringify(args));
    check_usage_error(replay(args), mention, "tones");
  }

  const auto result = replay(
      {"tones", "--json", dir / "empty.ul", dir / "good.ul", dir / "odd.raw", dir / "missing.ul"});
  CHECK(result.status == 2);
  const auto err = split_lines(result.err);
  REQUIRE(err.size() == 3);
  CHECK(err[0] == "ivr-replay: " + dir / "empty.ul" + ": empty file");
  CHECK_THAT(err[1], Catch::StartsWith("ivr-replay: " + dir / "odd.raw" + ": odd length"));
  CHECK_THAT(err[2], Catch::StartsWith("ivr-replay: " + dir / "missing.ul" + ": cannot open"));
  const auto found = parse_tones(result.out);
  REQUIRE(found.size() == 1);
  CHECK(found[0].file == dir / "good.ul");
  CHECK(found[0].tone == "busy");
}

TEST_CASE("tones: several files run as concurrent channels, JSON in order of start") {
  TempDir dir;
  write_ulaw(dir / "a.ul", capture("us", {{dsp::CallProgressTone::busy, 2000.0, 3000.0}}, 6000.0));
  write_s16le(dir / "b.sln",
              capture("us", {{dsp::CallProgressTone::congestion, 700.0, 2000.0}}, 3000.0));
  const auto result = replay({"tones", "--json", dir / "a.ul", dir / "b.sln"});
  CHECK(result.status == 0);
  const auto found = parse_tones(result.out);
  REQUIRE(found.size() == 2);
  CHECK(found[0].file == dir / "b.sln");
  CHECK(found[0].tone == "congestion");
  CHECK(found[1].file == dir / "a.ul");
  CHECK(found[1].tone == "busy");
}
