// The real ivr-replay binary cancelling line echo, run as a test rig runs it:
// FAR and NEAR written as files in every format, OUT read back and measured,
// --stats lines parsed, exit codes and stderr lines checked for bad input.

#include <cmath>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <numbers>
#include <regex>

#include <catch2/catch.hpp>

#include "ivrd/dsp/g711.hpp"
#include "ivrd/dsp/levels.hpp"
#include "ivrd/test_support/echo_path.hpp"
#include "ivrd/test_support/g711_line.hpp"
#include "ivrd/test_support/levels.hpp"
#include "ivrd/test_support/noise.hpp"
#include "ivrd/test_support/seed.hpp"
#include "ivrd/test_support/speech.hpp"

#include "capture_files.hpp"
#include "json_line.hpp"
#include "run_program.hpp"
#include "usage_error.hpp"

using namespace ivrd::cli_tests;
namespace ts = ivrd::test_support;

namespace {

constexpr size_t kSecond = 8000;

ProgramResult replay(const std::vector<std::string>& args,
                     const std::vector<std::string>& environment = {}) {
  return run_program(IVR_REPLAY_PATH, args, environment);
}

std::vector<double> to_double(std::span<const int16_t> pcm) { return {pcm.begin(), pcm.end()}; }

std::vector<uint8_t> read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::vector<int16_t> read_s16le(const std::string& path) {
  const auto bytes = read_bytes(path);
  std::vector<int16_t> pcm(bytes.size() / 2);
  for (size_t i = 0; i < pcm.size(); ++i) {
    pcm[i] = static_cast<int16_t>(static_cast<uint16_t>(bytes[2 * i] | bytes[2 * i + 1] << 8));
  }
  return pcm;
}

std::vector<int16_t> read_g711(const std::string& path, ivrd::dsp::G711Law law) {
  return ts::g711_decode(read_bytes(path), law);
}

uint32_t le(const std::vector<uint8_t>& bytes, size_t at, int count) {
  uint32_t value = 0;
  for (int i = 0; i < count; ++i) value |= static_cast<uint32_t>(bytes.at(at + i)) << (8 * i);
  return value;
}

// A WAV file's format chunk and the samples of its data chunk, for a 16-bit
// PCM file such as ivr-replay writes.
struct Wav {
  uint32_t format = 0, channels = 0, rate = 0, bits = 0;
  std::vector<int16_t> samples;
};

Wav read_wav(const std::string& path) {
  const auto bytes = read_bytes(path);
  Wav wav;
  REQUIRE(bytes.size() >= 12);
  REQUIRE(std::string(bytes.begin(), bytes.begin() + 4) == "RIFF");
  REQUIRE(std::string(bytes.begin() + 8, bytes.begin() + 12) == "WAVE");
  for (size_t at = 12; at + 8 <= bytes.size();) {
    const std::string id(bytes.begin() + static_cast<std::ptrdiff_t>(at),
                         bytes.begin() + static_cast<std::ptrdiff_t>(at) + 4);
    const uint32_t size = le(bytes, at + 4, 4);
    if (id == "fmt ") {
      wav.format = le(bytes, at + 8, 2);
      wav.channels = le(bytes, at + 10, 2);
      wav.rate = le(bytes, at + 12, 4);
      wav.bits = le(bytes, at + 22, 2);
    } else if (id == "data") {
      for (size_t i = 0; i + 1 < size && at + 8 + i + 1 < bytes.size(); i += 2) {
        wav.samples.push_back(static_cast<int16_t>(le(bytes, at + 8 + i, 2)));
      }
    }
    at += 8 + size + (size & 1);
  }
  return wav;
}

// FAR talking alone, its echo through a 6 dB ERL hybrid with 8 ms of bulk
// delay, and NEAR = that echo plus the line's own noise (`noise`, zero for a
// clean line). The echo is kept in float for the ERLE measurement.
struct Line {
  std::vector<int16_t> far;
  std::vector<float> echo;
  std::vector<int16_t> noise;
  std::vector<int16_t> near;
};

Line line_for(std::vector<int16_t> far, uint64_t seed, double noise_dbm0 = -200.0) {
  Line line;
  line.far = std::move(far);
  const auto path =
      ts::make_echo_path({.delay_ms = 8.0, .dispersion_ms = 6.0, .erl_db = 6.0}, seed);
  line.echo = ts::apply_echo_path(line.far, path);
  line.noise = noise_dbm0 > -150.0 ? ts::white_noise(line.far.size(), noise_dbm0, seed + 1)
                                   : std::vector<int16_t>(line.far.size(), 0);
  line.near = ts::mix(ts::to_int16(line.echo), line.noise);
  return line;
}

// 2100 Hz at -12 dBm0, its phase reversed every 450 ms when `reversals`.
std::vector<int16_t> answer_tone(size_t samples, bool reversals) {
  std::vector<int16_t> tone(samples);
  const double peak = ivrd::dsp::dbm0_to_sine_peak(-12.0);
  const size_t reversal = 450 * 8;
  for (size_t n = 0; n < samples; ++n) {
    const double flip = reversals && (n / reversal) % 2 == 1 ? std::numbers::pi : 0.0;
    tone[n] = ts::to_int16(
        peak * std::sin(2.0 * std::numbers::pi * 2100.0 * static_cast<double>(n) / 8000.0 + flip));
  }
  return tone;
}

std::vector<std::string> echo_args(const std::string& far, const std::string& near,
                                   const std::string& out, std::vector<std::string> extra = {}) {
  std::vector<std::string> args{"echo", "--far", far, "--near", near, "--out", out};
  args.insert(args.end(), extra.begin(), extra.end());
  return args;
}

std::vector<JsonObject> parse_json_lines(const std::string& out) {
  std::vector<JsonObject> objects;
  for (const std::string& text : split_lines(out)) {
    INFO("line: " << text);
    JsonObject object;
    REQUIRE_NOTHROW(object = parse_json_object(text));
    objects.push_back(std::move(object));
  }
  return objects;
}

double number(JsonObject& object, const std::string& key) {
  INFO("key: " << key);
  REQUIRE(std::holds_alternative<double>(object[key]));
  return std::get<double>(object[key]);
}

}  // namespace

TEST_CASE("echo --help prints usage and exits 0") {
  const auto result = replay({"echo", "--help"});
  CHECK(result.status == 0);
  CHECK(result.err.empty());
  CHECK_THAT(result.out,
             Catch::StartsWith("Usage: ivr-replay echo --far FAR --near NEAR --out OUT"));
  CHECK_THAT(replay({"--help"}).out, Catch::Contains("ivr-replay echo --far FAR --near NEAR"));
}

TEST_CASE(
    "the echo of white noise through a 6 dB ERL, 8 ms hybrid is cancelled by 25 dB (NLP off)") {
  const ts::Seed seed("echo cli: white noise, NLP off");
  TempDir dir;
  const Line line = line_for(ts::white_noise(6 * kSecond, -16.0, seed.derive("far")), seed);
  const std::vector<int16_t> clean(line.near.size(), 0);

  SECTION("16-bit linear files") {
    write_s16le(dir / "far.raw", to_double(line.far));
    write_s16le(dir / "near.raw", to_double(line.near));
    const auto result =
        replay(echo_args(dir / "far.raw", dir / "near.raw", dir / "out.raw", {"--nlp", "off"}));
    REQUIRE(result.status == 0);
    CHECK(result.err.empty());
    CHECK(result.out.empty());
    const auto out = read_s16le(dir / "out.raw");
    REQUIRE(out.size() == line.near.size());
    const double erle = ts::erle_db(line.echo, out, clean, 4 * kSecond, 6 * kSecond);
    INFO("ERLE over the last 2 s: " << erle << " dB");
    CHECK(erle >= 25.0);
  }

  SECTION("mu-law files, as a digital line carries them") {
    // The canceller sees FAR after its trip through G.711, so the echo is
    // made from that too; NEAR's own quantisation noise stays in OUT.
    const auto far_line = ts::g711_round_trip(line.far);
    const Line g711 = line_for(far_line, seed);
    write_ulaw(dir / "far.ul", to_double(g711.far));
    write_ulaw(dir / "near.ul", to_double(g711.near));
    const auto result =
        replay(echo_args(dir / "far.ul", dir / "near.ul", dir / "out.ul", {"--nlp", "off"}));
    REQUIRE(result.status == 0);
    CHECK(result.err.empty());
    const auto out = read_g711(dir / "out.ul", ivrd::dsp::G711Law::ulaw);
    REQUIRE(out.size() == g711.near.size());
    const double erle = ts::erle_db(g711.echo, out, clean, 4 * kSecond, 6 * kSecond);
    INFO("ERLE over the last 2 s: " << erle << " dB");
    CHECK(erle >= 25.0);
  }
}

TEST_CASE("the echo of speech is cancelled by 25 dB once the filter has converged (NLP off)") {
  const ts::Seed seed("echo cli: speech, NLP off");
  ts::SpeechCorpusOptions options;
  options.min_level_dbm0 = -20.0;
  options.max_level_dbm0 = -12.0;
  options.min_pause_ms = 50.0;
  options.max_pause_ms = 200.0;
  auto speech = ts::speech_corpus(6.0, seed.derive("far"), options);
  if (!speech) {
    WARN("no speech, test skipped: " << speech.error);
    return;
  }
  TempDir dir;
  const Line line = line_for(speech.pcm, seed);
  const std::vector<int16_t> clean(line.near.size(), 0);
  write_s16le(dir / "far.sln", to_double(line.far));
  write_s16le(dir / "near.sln", to_double(line.near));
  const auto result =
      replay(echo_args(dir / "far.sln", dir / "near.sln", dir / "out.sln", {"--nlp", "off"}));
  REQUIRE(result.status == 0);
  const auto out = read_s16le(dir / "out.sln");
  REQUIRE(out.size() == line.near.size());
  const double erle = ts::erle_db(line.echo, out, clean, 4 * kSecond, 6 * kSecond);
  INFO("ERLE over the last 2 s: " << erle << " dB");
  CHECK(erle >= 25.0);
}

TEST_CASE("with the NLP on, the output during far-only talk is 40 dB below the echo") {
  const ts::Seed seed("echo cli: NLP on");
  TempDir dir;
  // A quiet line: -75 dBm0 of noise under the echo, which comfort noise matches.
  const Line line = line_for(ts::white_noise(6 * kSecond, -16.0, seed.derive("far")), seed, -75.0);
  write_s16le(dir / "far.raw", to_double(line.far));
  write_s16le(dir / "near.raw", to_double(line.near));
  const auto result = replay(echo_args(dir / "far.raw", dir / "near.raw", dir / "out.raw"));
  REQUIRE(result.status == 0);
  CHECK(result.err.empty());
  const auto out = read_s16le(dir / "out.raw");
  REQUIRE(out.size() == line.near.size());
  const auto last = [](const auto& pcm) {
    return std::span(pcm).subspan(4 * kSecond, 2 * kSecond);
  };
  const double echo_level = ts::level_dbm0(last(line.echo));
  const double out_level = ts::level_dbm0(last(out));
  INFO("echo " << echo_level << " dBm0, output " << out_level << " dBm0");
  CHECK(echo_level - out_level >= 40.0);
}

TEST_CASE("echo --stats reports the canceller's figures every second, and --json as JSON") {
  const ts::Seed seed("echo cli: --stats");
  TempDir dir;
  const Line line = line_for(ts::white_noise(6 * kSecond + 321, -16.0, seed.derive("far")), seed);
  write_ulaw(dir / "far.ul", to_double(line.far));
  write_ulaw(dir / "near.ul", to_double(line.near));

  const auto plain =
      replay(echo_args(dir / "far.ul", dir / "near.ul", dir / "out.ul", {"--stats"}));
  REQUIRE(plain.status == 0);
  CHECK(plain.err.empty());
  const auto lines = split_lines(plain.out);
  REQUIRE(lines.size() == 7);
  const std::regex shape(
      R"((summary: )?t=[0-9]+\.[0-9]{2}s erle=-?[0-9]+\.[0-9]dB erl=-?[0-9]+\.[0-9]dB )"
      R"(residual=-?[0-9]+\.[0-9]dBm0 delay=-?[0-9]+\.[0-9]ms far=-?[0-9]+\.[0-9]dBm0 )"
      R"(near=-?[0-9]+\.[0-9]dBm0 background=-?[0-9]+\.[0-9]dBm0 )"
      R"(talk=(idle|far_end|near_end|double_talk) nlp=(off|passing|suppressing) )"
      R"(tone_disabled=(yes|no) converged=(yes|no)( samples=[0-9]+ filter_updates=[0-9]+)?)");
  for (size_t i = 0; i < lines.size(); ++i) {
    INFO(lines[i]);
    CHECK(std::regex_match(lines[i], shape));
    if (i < 6) CHECK_THAT(lines[i], Catch::StartsWith("t=" + std::to_string(i + 1) + ".00s "));
  }
  CHECK_THAT(lines[6], Catch::StartsWith("summary: t=6.04s "));
  CHECK_THAT(lines[6], Catch::Contains(" samples=48321 filter_updates="));
  CHECK_THAT(lines[6], Catch::Contains(" talk=far_end "));
  CHECK_THAT(lines[6], Catch::Contains(" converged=yes "));

  const auto json =
      replay(echo_args(dir / "far.ul", dir / "near.ul", dir / "out.ul", {"--stats", "--json"}));
  REQUIRE(json.status == 0);
  auto objects = parse_json_lines(json.out);
  REQUIRE(objects.size() == 7);
  for (size_t i = 0; i < 6; ++i) {
    CHECK(number(objects[i], "t") == static_cast<double>(i + 1));
    CHECK(objects[i].count("summary") == 0);
  }
  JsonObject& summary = objects[6];
  CHECK(summary["summary"] == JsonValue(true));
  CHECK(number(summary, "t") == Approx(48321.0 / 8000.0).epsilon(1e-12));
  CHECK(number(summary, "samples") == 48321.0);
  CHECK(number(summary, "filter_updates") >= 1.0);
  CHECK(summary["converged"] == JsonValue(true));
  CHECK(summary["disabled_by_tone"] == JsonValue(false));
  CHECK(summary["talk_state"] == JsonValue(std::string("far_end")));
  CHECK(summary["nlp_state"] == JsonValue(std::string("suppressing")));
  // The figures describe this line: 6 dB of ERL, the echo 8 ms late (its
  // strongest part a little later, through the hybrid's band filter), and
  // the far end at -16 dBm0.
  CHECK(number(summary, "erle_db") >= 20.0);
  CHECK(number(summary, "erl_db") == Approx(6.0).margin(3.0));
  CHECK(number(summary, "echo_delay_ms") == Approx(9.0).margin(3.0));
  CHECK(number(summary, "far_level_dbm0") == Approx(-16.0).margin(2.0));
  for (const char* key : {"residual_echo_dbm0", "near_level_dbm0", "background_level_dbm0"}) {
    CHECK(std::isfinite(number(summary, key)));
  }
}

TEST_CASE("OUT keeps NEAR's format: G.711, 16-bit linear, and 8 kHz mono 16-bit WAV") {
  const ts::Seed seed("echo cli: formats");
  TempDir dir;
  const Line line = line_for(ts::white_noise(kSecond + 77, -16.0, seed.derive("far")), seed);
  const size_t n = line.near.size();
  write_s16le(dir / "far.raw", to_double(line.far));
  write_ulaw(dir / "near.ul", to_double(line.near));
  write_alaw(dir / "near.al", to_double(line.near));
  write_s16le(dir / "near.sln", to_double(line.near));
  write_file(dir / "near.wav", wav_bytes(to_double(line.near), 8000, 1, WavSamples::pcm16));

  for (const char* out_name : {"out.ul", "out.wav", "out.dat"}) {
    INFO("OUT " << out_name);
    for (const char* near_name : {"near.ul", "near.al"}) {
      INFO("NEAR " << near_name);
      const auto result = replay(echo_args(dir / "far.raw", dir / near_name, dir / out_name));
      CHECK(result.status == 0);
      CHECK(std::filesystem::file_size(dir / out_name) == n);  // one G.711 byte per sample
    }
    auto result = replay(echo_args(dir / "far.raw", dir / "near.sln", dir / out_name));
    CHECK(result.status == 0);
    CHECK(std::filesystem::file_size(dir / out_name) == 2 * n);
    result = replay(echo_args(dir / "far.raw", dir / "near.wav", dir / out_name));
    CHECK(result.status == 0);
    const Wav wav = read_wav(dir / out_name);
    CHECK(wav.format == 1);
    CHECK(wav.channels == 1);
    CHECK(wav.rate == 8000);
    CHECK(wav.bits == 16);
    CHECK(wav.samples.size() == n);
  }

  SECTION("a 44.1 kHz stereo float WAV NEAR, resampled on reading") {
    // 1.5 s at 44.1 kHz is 12 000 samples at 8 kHz.
    const Line wide = line_for(ts::white_noise(12000, -16.0, seed.derive("wide")), seed);
    write_ulaw(dir / "far12k.ul", to_double(wide.far));
    std::vector<double> at_44k(66150, 0.0);
    const auto noise = ts::white_noise(at_44k.size(), -30.0, seed.derive("44k"));
    for (size_t i = 0; i < at_44k.size(); ++i) at_44k[i] = noise[i];
    write_file(dir / "near44k.wav", wav_bytes(at_44k, 44100, 2, WavSamples::float32));
    const auto result = replay(echo_args(dir / "far12k.ul", dir / "near44k.wav", dir / "out.wav"));
    CHECK(result.status == 0);
    CHECK(result.err.empty());
    const Wav wav = read_wav(dir / "out.wav");
    CHECK(wav.channels == 1);
    CHECK(wav.rate == 8000);
    CHECK(wav.bits == 16);
    CHECK(wav.samples.size() == 12000);
  }

  SECTION("--format for all three files") {
    write_alaw(dir / "far.bin", to_double(line.far));
    write_alaw(dir / "near.bin", to_double(line.near));
    const auto result =
        replay(echo_args(dir / "far.bin", dir / "near.bin", dir / "out.wav", {"--format", "alaw"}));
    CHECK(result.status == 0);
    CHECK(result.err.empty());
    CHECK(std::filesystem::file_size(dir / "out.wav") == n);
  }
}

TEST_CASE("the tone disabler options: a 2100 Hz answer tone stops the canceller") {
  TempDir dir;
  const auto stats_of = [&dir](const std::vector<int16_t>& far, const std::string& mode) {
    const ts::Seed seed("echo cli: tone disabler");
    const Line line = line_for(far, seed);
    write_s16le(dir / "far.raw", to_double(line.far));
    write_s16le(dir / "near.raw", to_double(line.near));
    const auto result = replay(echo_args(dir / "far.raw", dir / "near.raw", dir / "out.raw",
                                         {"--stats", "--tone-disabler", mode}));
    REQUIRE(result.status == 0);
    return result.out;
  };
  const auto with_reversals = answer_tone(3 * kSecond, true);
  const auto plain_tone = answer_tone(3 * kSecond, false);
  CHECK_THAT(stats_of(with_reversals, "reversal"), Catch::Contains("tone_disabled=yes"));
  CHECK_THAT(stats_of(with_reversals, "any"), Catch::Contains("tone_disabled=yes"));
  CHECK_THAT(stats_of(with_reversals, "off"), !Catch::Contains("tone_disabled=yes"));
  CHECK_THAT(stats_of(plain_tone, "any"), Catch::Contains("tone_disabled=yes"));
  CHECK_THAT(stats_of(plain_tone, "reversal"), !Catch::Contains("tone_disabled=yes"));
}

TEST_CASE("every --isa and IVRD_ISA cancels the echo") {
  const ts::Seed seed("echo cli: --isa");
  TempDir dir;
  const Line line = line_for(ts::white_noise(4 * kSecond, -16.0, seed.derive("far")), seed);
  const std::vector<int16_t> clean(line.near.size(), 0);
  write_s16le(dir / "far.raw", to_double(line.far));
  write_s16le(dir / "near.raw", to_double(line.near));
  for (const char* isa : {"scalar", "sse41", "avx2", "avx512"}) {
    INFO(isa);
    for (const bool by_environment : {false, true}) {
      INFO((by_environment ? "IVRD_ISA" : "--isa"));
      const auto result = by_environment
                              ? replay(echo_args(dir / "far.raw", dir / "near.raw", dir / "out.raw",
                                                 {"--nlp", "off"}),
                                       {std::string("IVRD_ISA=") + isa})
                              : replay(echo_args(dir / "far.raw", dir / "near.raw", dir / "out.raw",
                                                 {"--nlp", "off", "--isa", isa}));
      CHECK(result.status == 0);
      CHECK(result.out.empty());
      const auto out = read_s16le(dir / "out.raw");
      REQUIRE(out.size() == line.near.size());
      CHECK(ts::erle_db(line.echo, out, clean, 3 * kSecond, 4 * kSecond) >= 25.0);
    }
  }
}

TEST_CASE("echo usage errors exit 2 with an error line and a hint, and print nothing on stdout") {
  TempDir dir;
  write_ulaw(dir / "a.ul", std::vector<double>(800, 0.0));
  const std::string a = dir / "a.ul";
  const std::string out = dir / "out.ul";
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases{
      {{"echo"}, "missing --far FAR, --near NEAR and --out OUT"},
      {{"echo", "--far", a, "--near", a}, "missing --out OUT"},
      {{"echo", "--near", a, "--out", out}, "missing --far FAR"},
      {echo_args(a, a, out, {"--bogus"}), "'--bogus'"},
      {echo_args(a, a, out, {"--stat"}), "'--stat'"},
      {echo_args(a, a, out, {"extra.ul"}), "'extra.ul'"},
      {echo_args(a, a, out, {"--tail-ms", "8"}), "--tail-ms '8'"},
      {echo_args(a, a, out, {"--tail-ms", "512"}), "--tail-ms '512'"},
      {echo_args(a, a, out, {"--tail-ms", "-20"}), "--tail-ms '-20'"},
      {echo_args(a, a, out, {"--tail-ms", "long"}), "--tail-ms 'long'"},
      {echo_args(a, a, out, {"--tail-ms", "64.5"}), "--tail-ms '64.5'"},
      {echo_args(a, a, out, {"--nlp", "yes"}), "--nlp 'yes'"},
      {echo_args(a, a, out, {"--tone-disabler", "2100"}), "--tone-disabler '2100'"},
      {echo_args(a, a, out, {"--high-pass", "-60"}), "--high-pass '-60'"},
      {echo_args(a, a, out, {"--high-pass", "hum"}), "--high-pass 'hum'"},
      {echo_args(a, a, out, {"--format", "mp3"}), "'mp3'"},
      {echo_args(a, a, out, {"--isa", "neon"}), "'neon'"},
      {echo_args(a, a, out, {"--tail-ms"}), "--tail-ms"},
  };
  for (const auto& [args, mention] : cases) {
    INFO("args: " << Catch::Detail::stringify(args));
    check_usage_error(replay(args), mention, "echo");
    CHECK_FALSE(std::filesystem::exists(out));
  }
}

TEST_CASE("an unusable FAR or NEAR: one line naming it, exit 2, OUT not written") {
  TempDir dir;
  write_ulaw(dir / "good.ul", std::vector<double>(4000, 100.0));
  auto truncated = wav_bytes(std::vector<double>(4000, 0.0), 8000, 1, WavSamples::pcm16);
  truncated.resize(truncated.size() / 2);
  write_file(dir / "truncated.wav", truncated);
  const std::string junk = "RIFF\x10\x00\x00\x00WAVEjunkjunkjunk";
  write_file(dir / "malformed.wav", std::vector<uint8_t>(junk.begin(), junk.end()));
  write_file(dir / "zero-frames.wav", wav_bytes({}, 16000, 1, WavSamples::pcm16));
  write_file(dir / "odd.raw", std::vector<uint8_t>(1001, 0));
  write_file(dir / "song.mp3", std::vector<uint8_t>(100, 0));
  write_file(dir / "noext", std::vector<uint8_t>(100, 0));
  write_file(dir / "empty.ul", {});
  std::filesystem::create_directory(dir / "folder.ul");

  const std::vector<std::pair<std::string, std::string>> cases{
      {"missing.ul", "cannot open: No such file or directory"},
      {"truncated.wav", "truncated WAV"},
      {"malformed.wav", ""},
      {"zero-frames.wav", "WAV has no audio frames"},
      {"odd.raw", "odd length"},
      {"song.mp3", "unknown extension '.mp3'"},
      {"noext", "no file extension"},
      {"empty.ul", "empty file"},
      {"folder.ul", "cannot read: Is a directory"},
  };
  for (const auto& [name, problem] : cases) {
    for (const bool as_far : {true, false}) {
      INFO("bad " << (as_far ? "FAR " : "NEAR ") << name);
      const std::string far = as_far ? dir / name : dir / "good.ul";
      const std::string near = as_far ? dir / "good.ul" : dir / name;
      const auto result = replay(echo_args(far, near, dir / "out.ul", {"--stats"}));
      CHECK(result.status == 2);
      CHECK(result.out.empty());
      const auto err = split_lines(result.err);
      REQUIRE(err.size() == 1);
      CHECK_THAT(err[0], Catch::StartsWith("ivr-replay: " + dir / name + ": " + problem));
      CHECK(err[0].size() > ("ivr-replay: " + dir / name + ": ").size());
      CHECK_FALSE(std::filesystem::exists(dir / "out.ul"));
    }
  }
}

TEST_CASE("FAR and NEAR of different lengths: exit 2, one line with both, OUT not written") {
  TempDir dir;
  write_ulaw(dir / "x.ul", std::vector<double>(8000, 0.0));
  write_ulaw(dir / "y.ul", std::vector<double>(7999, 0.0));
  auto result = replay(echo_args(dir / "x.ul", dir / "y.ul", dir / "out.ul", {"--stats"}));
  CHECK(result.status == 2);
  CHECK(result.out.empty());
  CHECK(split_lines(result.err) ==
        std::vector<std::string>{"ivr-replay: echo: FAR (" + dir / "x.ul" +
                                 ") has 8000 samples but NEAR (" + dir / "y.ul" + ") has 7999"});
  CHECK_FALSE(std::filesystem::exists(dir / "out.ul"));

  // Lengths are compared after reading: 1 s at 16 kHz is 8000 samples.
  write_file(dir / "z.wav",
             wav_bytes(std::vector<double>(16000, 0.0), 16000, 1, WavSamples::pcm16));
  result = replay(echo_args(dir / "x.ul", dir / "z.wav", dir / "out.wav"));
  CHECK(result.status == 0);
  CHECK(result.err.empty());
  result = replay(echo_args(dir / "z.wav", dir / "y.ul", dir / "out.ul"));
  CHECK(result.status == 2);
  CHECK(split_lines(result.err) ==
        std::vector<std::string>{"ivr-replay: echo: FAR (" + dir / "z.wav" +
                                 ") has 8000 samples but NEAR (" + dir / "y.ul" + ") has 7999"});
  CHECK_FALSE(std::filesystem::exists(dir / "out.ul"));
}

TEST_CASE("an OUT that cannot be written: exit 2, one line naming it, nothing on stdout") {
  TempDir dir;
  write_ulaw(dir / "a.ul", std::vector<double>(4000, 0.0));
  std::filesystem::create_directory(dir / "taken.ul");
  for (const std::string& out : {dir / "no/such/dir/out.ul", dir / "taken.ul"}) {
    INFO("OUT " << out);
    const auto result = replay(echo_args(dir / "a.ul", dir / "a.ul", out, {"--stats"}));
    CHECK(result.status == 2);
    CHECK(result.out.empty());
    const auto err = split_lines(result.err);
    REQUIRE(err.size() == 1);
    CHECK_THAT(err[0], Catch::StartsWith("ivr-replay: " + out + ": cannot create: "));
  }
}
