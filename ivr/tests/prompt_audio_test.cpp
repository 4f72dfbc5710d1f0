// Prompt files: every format libsndfile writes, at many rates, converted to
// 8 kHz mono with frequency and level kept; the cache; the load errors.

#include "ivrd/ivr/prompt_audio.hpp"

#include <sndfile.h>

#include <array>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>

#include <catch2/catch.hpp>

#include "ivrd/dsp/g711.hpp"
#include "ivrd/test_support/seed.hpp"
#include "ivrd/test_support/temp_dir.hpp"

#include "prompt_test_support.hpp"

using ivrd::dsp::G711Law;
using ivrd::ivr::PromptCache;
using ivrd::ivr::PromptError;
using ivrd::ivr::PromptLimits;
using ivrd::ivr::testing::measured_frequency;
using ivrd::ivr::testing::rms;
using ivrd::ivr::testing::write_sine_wav;
namespace ts = ivrd::test_support;

namespace {

struct Subtype {
  int format;
  const char* name;
  double level_tolerance;  // relative, for the coarse codings
};

constexpr std::array<Subtype, 8> kSubtypes{{{SF_FORMAT_PCM_16, "pcm16", 0.01},
                                            {SF_FORMAT_PCM_24, "pcm24", 0.01},
                                            {SF_FORMAT_PCM_32, "pcm32", 0.01},
                                            {SF_FORMAT_PCM_U8, "pcm-u8", 0.03},
                                            {SF_FORMAT_FLOAT, "float", 0.01},
                                            {SF_FORMAT_DOUBLE, "double", 0.01},
                                            {SF_FORMAT_ULAW, "ulaw", 0.03},
                                            {SF_FORMAT_ALAW, "alaw", 0.03}}};

constexpr std::array<int, 7> kRates{8000, 11025, 16000, 22050, 32000, 44100, 48000};

// The message a PromptError carries: one line, naming the file.
std::string load_error(PromptCache& cache, const std::string& path) {
  try {
    cache.load(path);
  } catch (const PromptError& e) {
    const std::string message = e.what();
    CHECK(message.find('\n') == std::string::npos);
    CHECK(message.rfind(path + ": ", 0) == 0);
    CHECK(e.item() == path);
    return e.problem();
  }
  FAIL("no error loading " << path);
  return {};
}

}  // namespace

TEST_CASE(
    "prompts: WAVs of every sample format, rate and channel count keep a sine's frequency "
    "and level at 8 kHz",
    "[prompts]") {
  const ts::Seed seed("prompt formats");
  std::mt19937_64 rng(seed.value());
  const ts::TempDir dir("ivrd-prompts");
  PromptCache cache(G711Law::alaw);
  for (const Subtype& subtype : kSubtypes) {
    for (const int rate : kRates) {
      for (const int channels : {1, 2}) {
        const double frequency = std::uniform_real_distribution<double>(300.0, 3000.0)(rng);
        const double amplitude = std::uniform_real_distribution<double>(0.05, 0.7)(rng);
        const std::string path = dir / (std::string(subtype.name) + "-" + std::to_string(rate) +
                                        "-" + std::to_string(channels) + ".wav");
        const size_t frames = static_cast<size_t>(rate) / 2;  // 0.5 s
        write_sine_wav(path, rate, channels, SF_FORMAT_WAV | subtype.format, frequency, amplitude,
                       frames);
        const auto audio = cache.load(path);
        INFO(path << ": " << frequency << " Hz at " << amplitude << " of full scale");
        CHECK(audio->samples() == 4000);
        CHECK(audio->law == G711Law::alaw);
        REQUIRE(audio->coded.size() == audio->samples());
        std::vector<uint8_t> expected(audio->samples());
        ivrd::dsp::g711_encode(G711Law::alaw, audio->linear, expected);
        CHECK(audio->coded == expected);
        // Away from the edges, where the resampler's filter starts and ends.
        const std::span<const int16_t> middle(audio->linear.data() + 400, 3200);
        CHECK(measured_frequency(middle, 0, middle.size()) == Approx(frequency).epsilon(0.002));
        const double expected_rms = amplitude * 32768.0 / std::sqrt(2.0);
        CHECK(rms(middle) == Approx(expected_rms).epsilon(subtype.level_tolerance));
      }
    }
  }
  CHECK(cache.reads() == kSubtypes.size() * kRates.size() * 2);
}

TEST_CASE("prompts: a prompt is read once and reloaded when its file changes", "[prompts]") {
  const ts::TempDir dir("ivrd-prompts");
  const std::string path = dir / "welcome.wav";
  write_sine_wav(path, 16000, 1, SF_FORMAT_WAV | SF_FORMAT_PCM_16, 440.0, 0.3, 16000);
  PromptCache cache(G711Law::ulaw);
  const auto first = cache.load(path);
  const auto again = cache.load(dir.path() / "." / "welcome.wav");
  CHECK(first.get() == again.get());
  CHECK(cache.reads() == 1);
  CHECK(cache.size() == 1);

  write_sine_wav(path, 16000, 1, SF_FORMAT_WAV | SF_FORMAT_PCM_16, 1000.0, 0.3, 8000);
  // File systems with coarse timestamps: make the change visible.
  std::filesystem::last_write_time(
      path, std::filesystem::last_write_time(path) + std::chrono::seconds(2));
  const auto reloaded = cache.load(path);
  CHECK(cache.reads() == 2);
  CHECK(reloaded->samples() == 4000);
  CHECK(first->samples() == 8000);  // the old prompt stays valid for its holders
  CHECK(measured_frequency(reloaded->linear, 400, 3600) == Approx(1000.0).epsilon(0.002));
}

TEST_CASE(
    "prompts: a missing, empty, corrupt or overlong prompt file is a one-line error naming "
    "it",
    "[prompts]") {
  const ts::TempDir dir("ivrd-prompts");
  PromptCache cache(G711Law::ulaw, PromptLimits{.max_seconds = 2.0, .max_file_bytes = 1 << 20});

  CHECK(load_error(cache, dir / "missing.wav") == "missing prompt file");

  const std::string empty = dir / "empty.wav";
  std::ofstream(empty).close();
  CHECK(load_error(cache, empty) == "empty file");

  const std::string text = dir / "notes.wav";
  std::ofstream(text) << "this is not audio, just a text file named like a prompt\n";
  CHECK(!load_error(cache, text).empty());

  const std::string header_only = dir / "no-frames.wav";
  write_sine_wav(header_only, 8000, 1, SF_FORMAT_WAV | SF_FORMAT_PCM_16, 440.0, 0.3, 0);
  CHECK(load_error(cache, header_only).find("no audio") != std::string::npos);

  const std::string truncated = dir / "truncated.wav";
  write_sine_wav(truncated, 8000, 1, SF_FORMAT_WAV | SF_FORMAT_PCM_16, 440.0, 0.3, 8000);
  std::filesystem::resize_file(truncated, 1000);
  CHECK(load_error(cache, truncated).find("truncated") != std::string::npos);

  const std::string longer = dir / "long.wav";
  write_sine_wav(longer, 8000, 1, SF_FORMAT_WAV | SF_FORMAT_PCM_16, 440.0, 0.3, 24000);
  CHECK(load_error(cache, longer) == "too long: 3.0 s (limit 2.0 s)");

  const std::string huge = dir / "huge.wav";
  write_sine_wav(huge, 48000, 2, SF_FORMAT_WAV | SF_FORMAT_FLOAT, 440.0, 0.3, 200000);
  CHECK(load_error(cache, huge).rfind("too large: ", 0) == 0);

  const std::string folder = dir / "folder.wav";
  std::filesystem::create_directory(folder);
  CHECK(load_error(cache, folder) == "not a regular file");

  const std::string unknown = dir / "welcome.mp3";
  std::ofstream(unknown) << "ID3";
  CHECK(load_error(cache, unknown).find("extension") != std::string::npos);

  CHECK(cache.size() == 0);
}
