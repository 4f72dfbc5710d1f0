// WAV files: any rate, sample format and channel count libsndfile reads,
// mixed down to mono and resampled to 8 kHz; and the ways they can be broken.

#include <sndfile.h>

#include <cstring>
#include <numbers>

#include <catch2/catch.hpp>

#include "ivrd/driver/audio_file.hpp"

#include "test_files.hpp"

using ivrd::driver::AudioFileError;
using ivrd::driver::AudioFormat;
using ivrd::driver::read_capture;
using ivrd::driver::write_capture;
using ivrd::driver::testing::read_bytes;
using ivrd::driver::testing::rms;
using ivrd::driver::testing::sine;
using ivrd::driver::testing::TempDir;
using ivrd::driver::testing::tone_fraction;
using ivrd::driver::testing::write_bytes;
using ivrd::driver::testing::zero_crossing_frequency;

namespace {

// Writes interleaved float frames with libsndfile in the given format.
void write_sndfile(const std::filesystem::path& path, int format, int rate, int channels,
                   const std::vector<float>& interleaved) {
  SF_INFO info{};
  info.samplerate = rate;
  info.channels = channels;
  info.format = format;
  SNDFILE* file = sf_open(path.c_str(), SFM_WRITE, &info);
  REQUIRE(file != nullptr);
  const sf_count_t frames = static_cast<sf_count_t>(interleaved.size()) / channels;
  CHECK(sf_writef_float(file, interleaved.data(), frames) == frames);
  sf_close(file);
}

std::string problem_reading(const std::filesystem::path& path) {
  try {
    read_capture(path);
  } catch (const AudioFileError& error) {
    CHECK(error.file() == path.string());
    return error.problem();
  }
  return "no error";
}

// A canonical 44-byte header for 16-bit mono PCM at 8 kHz, with the given
// data length field.
std::vector<uint8_t> wav_header(uint32_t data_length) {
  std::vector<uint8_t> h;
  auto text = [&](const char* s) {
    for (int i = 0; i < 4; ++i) h.push_back(static_cast<uint8_t>(s[i]));
  };
  auto le32 = [&](uint32_t v) {
    for (int i = 0; i < 4; ++i) h.push_back(static_cast<uint8_t>(v >> (8 * i)));
  };
  auto le16 = [&](uint16_t v) {
    h.push_back(static_cast<uint8_t>(v & 0xFF));
    h.push_back(static_cast<uint8_t>(v >> 8));
  };
  text("RIFF");
  le32(36 + data_length);
  text("WAVE");
  text("fmt ");
  le32(16);
  le16(1);      // PCM
  le16(1);      // mono
  le32(8000);   // rate
  le32(16000);  // bytes per second
  le16(2);      // block align
  le16(16);     // bits
  text("data");
  le32(data_length);
  return h;
}

// Index of the first and last sample whose magnitude exceeds the threshold.
std::pair<size_t, size_t> loud_span(std::span<const int16_t> samples, int threshold) {
  size_t first = samples.size(), last = 0;
  for (size_t n = 0; n < samples.size(); ++n) {
    if (std::abs(samples[n]) > threshold) {
      first = std::min(first, n);
      last = n;
    }
  }
  return {first, last};
}

}  // namespace

TEST_CASE("an 8 kHz 16-bit mono WAV reads sample for sample") {
  TempDir dir;
  std::vector<int16_t> pcm;
  for (int i = 0; i < 1000; ++i) pcm.push_back(static_cast<int16_t>((i * 7919) % 65536 - 32768));
  SF_INFO info{};
  info.samplerate = 8000;
  info.channels = 1;
  info.format = SF_FORMAT_WAV | SF_FORMAT_PCM_16;
  SNDFILE* file = sf_open((dir / "exact.wav").c_str(), SFM_WRITE, &info);
  REQUIRE(file != nullptr);
  sf_writef_short(file, pcm.data(), static_cast<sf_count_t>(pcm.size()));
  sf_close(file);

  const auto capture = read_capture(dir / "exact.wav");
  CHECK(capture.format == AudioFormat::wav);
  CHECK(capture.source_rate == 8000);
  CHECK(capture.source_channels == 1);
  CHECK(capture.samples == pcm);
}

TEST_CASE("written WAV files are 8 kHz mono 16-bit and read back exactly") {
  TempDir dir;
  std::vector<int16_t> pcm{0, 1, -1, 32767, -32768, 1234, -4321};
  write_capture(dir / "out.wav", pcm);
  SF_INFO info{};
  SNDFILE* file = sf_open((dir / "out.wav").c_str(), SFM_READ, &info);
  REQUIRE(file != nullptr);
  sf_close(file);
  CHECK(info.samplerate == 8000);
  CHECK(info.channels == 1);
  CHECK(info.format == (SF_FORMAT_WAV | SF_FORMAT_PCM_16));
  CHECK(info.frames == 7);
  CHECK(read_bytes(dir / "out.wav").size() == 44 + 14);
  CHECK(read_capture(dir / "out.wav").samples == pcm);
}

TEST_CASE("a 1 kHz tone in a 44.1 kHz float WAV comes out at 1 kHz, right length and level") {
  TempDir dir;
  const double amplitude = 0.5;
  write_sndfile(dir / "tone.wav", SF_FORMAT_WAV | SF_FORMAT_FLOAT, 44100, 1,
                sine(1000.0, 44100.0, 44100, amplitude));
  const auto capture = read_capture(dir / "tone.wav");
  CHECK(capture.source_rate == 44100);
  REQUIRE(capture.samples.size() == 8000);
  // Judge away from the ends, where the tone starts and stops abruptly.
  const std::span<const int16_t> middle(capture.samples.data() + 400, 7200);
  CHECK(zero_crossing_frequency(middle, 8000.0) == Approx(1000.0).margin(0.2));
  CHECK(tone_fraction(middle, 1000.0, 8000.0) > 0.9999);
  const double expected_rms = amplitude * 32768.0 / std::numbers::sqrt2;
  CHECK(20.0 * std::log10(rms(middle) / expected_rms) == Approx(0.0).margin(0.05));
}

TEST_CASE("resampling keeps sounds where they were in time") {
  TempDir dir;
  // Silence, 250 ms of tone from 0.5 s on, silence: 1 s at 44.1 kHz.
  std::vector<float> samples(44100, 0.0f);
  for (size_t n = 22050; n < 33075; ++n) {
    samples[n] = static_cast<float>(
        0.5 * std::cos(2.0 * std::numbers::pi * 1000.0 * static_cast<double>(n) / 44100.0));
  }
  write_sndfile(dir / "burst.wav", SF_FORMAT_WAV | SF_FORMAT_FLOAT, 44100, 1, samples);
  const auto capture = read_capture(dir / "burst.wav");
  REQUIRE(capture.samples.size() == 8000);
  const auto [first, last] = loud_span(capture.samples, 8192);
  CHECK(static_cast<double>(first) == Approx(4000.0).margin(3.0));
  CHECK(static_cast<double>(last) == Approx(5999.0).margin(3.0));
}

TEST_CASE("every common sample rate resamples to 8 kHz with the right length and pitch") {
  TempDir dir;
  for (int rate : {8000, 11025, 16000, 22050, 32000, 44100, 48000, 96000}) {
    INFO("rate " << rate);
    const size_t frames = static_cast<size_t>(rate) * 3 / 4 + 7;  // not a whole block
    write_sndfile(dir / "r.wav", SF_FORMAT_WAV | SF_FORMAT_PCM_16, rate, 1,
                  sine(697.0, rate, frames, 0.25));
    const auto capture = read_capture(dir / "r.wav");
    CHECK(capture.source_rate == rate);
    const size_t expected = (frames * 8000 + static_cast<size_t>(rate) / 2) / rate;
    REQUIRE(capture.samples.size() == expected);
    const std::span<const int16_t> middle(capture.samples.data() + 400, expected - 800);
    CHECK(zero_crossing_frequency(middle, 8000.0) == Approx(697.0).margin(0.3));
    CHECK(20.0 * std::log10(rms(middle) / (0.25 * 32768.0 / std::numbers::sqrt2)) ==
          Approx(0.0).margin(0.1));
  }
}

TEST_CASE("content above 4 kHz is filtered out, not folded down") {
  TempDir dir;
  // 5 kHz at 16 kHz would alias to 3 kHz without the resampler's filter.
  write_sndfile(dir / "high.wav", SF_FORMAT_WAV | SF_FORMAT_FLOAT, 16000, 1,
                sine(5000.0, 16000.0, 16000, 0.5));
  const auto capture = read_capture(dir / "high.wav");
  const std::span<const int16_t> middle(capture.samples.data() + 400, 7200);
  CHECK(rms(middle) < 0.5 * 32768.0 * 1e-3);  // at least 60 dB down
}

TEST_CASE("several channels are mixed down to their mean") {
  TempDir dir;
  const auto tone = sine(1000.0, 8000.0, 8000, 0.5);
  std::vector<float> left_only, opposite;
  for (float s : tone) {
    left_only.insert(left_only.end(), {s, 0.0f});
    opposite.insert(opposite.end(), {s, -s});
  }
  write_sndfile(dir / "left.wav", SF_FORMAT_WAV | SF_FORMAT_PCM_16, 8000, 2, left_only);
  write_sndfile(dir / "opposite.wav", SF_FORMAT_WAV | SF_FORMAT_PCM_16, 8000, 2, opposite);

  const auto left = read_capture(dir / "left.wav");
  CHECK(left.source_channels == 2);
  REQUIRE(left.samples.size() == 8000);
  CHECK(rms(left.samples) == Approx(0.25 * 32768.0 / std::numbers::sqrt2).epsilon(0.002));
  CHECK(rms(read_capture(dir / "opposite.wav").samples) < 1.0);

  std::vector<float> six(6 * 800, 0.0f);
  for (size_t f = 0; f < 800; ++f) six[6 * f + 5] = 0.6f;
  write_sndfile(dir / "six.wav", SF_FORMAT_WAV | SF_FORMAT_FLOAT, 8000, 6, six);
  const auto surround = read_capture(dir / "six.wav");
  CHECK(surround.source_channels == 6);
  CHECK(surround.samples.front() == 3277);  // 0.1 of full scale
}

TEST_CASE("integer and float sample formats read at the same level") {
  TempDir dir;
  const auto tone = sine(1000.0, 8000.0, 4000, 0.5);
  for (int subtype : {SF_FORMAT_PCM_U8, SF_FORMAT_PCM_16, SF_FORMAT_PCM_24, SF_FORMAT_PCM_32,
                      SF_FORMAT_FLOAT, SF_FORMAT_DOUBLE, SF_FORMAT_ULAW, SF_FORMAT_ALAW}) {
    INFO("libsndfile subtype " << subtype);
    write_sndfile(dir / "f.wav", SF_FORMAT_WAV | subtype, 8000, 1, tone);
    const auto capture = read_capture(dir / "f.wav");
    REQUIRE(capture.samples.size() == 4000);
    // Within 0.2 dB: libsndfile's own G.711 tables are scaled a little differently.
    CHECK(rms(capture.samples) == Approx(0.5 * 32768.0 / std::numbers::sqrt2).epsilon(0.025));
  }
}

TEST_CASE("float samples beyond full scale are clipped, not wrapped") {
  TempDir dir;
  write_sndfile(dir / "loud.wav", SF_FORMAT_WAV | SF_FORMAT_FLOAT, 8000, 1,
                std::vector<float>{2.0f, -2.0f, 0.999f, -1.0f});
  CHECK(read_capture(dir / "loud.wav").samples ==
        std::vector<int16_t>{32767, -32768, 32735, -32768});
}

TEST_CASE("other containers libsndfile knows are read too") {
  TempDir dir;
  write_sndfile(dir / "really-aiff.wav", SF_FORMAT_AIFF | SF_FORMAT_PCM_16, 16000, 1,
                sine(1000.0, 16000.0, 1600, 0.5));
  CHECK(read_capture(dir / "really-aiff.wav").samples.size() == 800);
}

TEST_CASE("WAV files are read as WAV whatever their name when the format is forced") {
  TempDir dir;
  write_sndfile(dir / "capture.bin", SF_FORMAT_WAV | SF_FORMAT_PCM_16, 16000, 1,
                sine(1000.0, 16000.0, 1600, 0.5));
  CHECK(read_capture(dir / "capture.bin", AudioFormat::wav).samples.size() == 800);
}

TEST_CASE("a file that is not audio is refused with libsndfile's message") {
  TempDir dir;
  const std::string text = "this is not a wav file, it is a text file with some words in it\n";
  write_bytes(dir / "text.wav",
              std::span(reinterpret_cast<const uint8_t*>(text.data()), text.size()));
  const std::string problem = problem_reading(dir / "text.wav");
  CHECK_THAT(problem, Catch::StartsWith("cannot read WAV: "));
  CHECK(problem.size() > std::strlen("cannot read WAV: ") + 5);
  CHECK(problem.find('\n') == std::string::npos);
}

TEST_CASE("a WAV header cut short is refused with libsndfile's message") {
  TempDir dir;
  auto header = wav_header(1600);
  header.resize(30);  // inside the fmt chunk
  write_bytes(dir / "cut-header.wav", header);
  CHECK_THAT(problem_reading(dir / "cut-header.wav"), Catch::StartsWith("cannot read WAV: "));
}

TEST_CASE("a WAV whose data stops before its declared length is refused as truncated") {
  TempDir dir;
  auto bytes = wav_header(16000);
  bytes.resize(44 + 8000, 0x11);
  write_bytes(dir / "half.wav", bytes);
  CHECK(problem_reading(dir / "half.wav") ==
        "truncated WAV: data chunk declares 16000 bytes, the file holds 8000");

  // A real file cut in the middle of its samples.
  write_sndfile(dir / "whole.wav", SF_FORMAT_WAV | SF_FORMAT_PCM_16, 16000, 1,
                sine(1000.0, 16000.0, 16000, 0.5));
  auto whole = read_bytes(dir / "whole.wav");
  whole.resize(whole.size() / 2 + 1);
  write_bytes(dir / "cut.wav", whole);
  CHECK_THAT(problem_reading(dir / "cut.wav"), Catch::StartsWith("truncated WAV: "));

  // Only the header is left.
  write_bytes(dir / "header-only.wav", wav_header(16000));
  CHECK_THAT(problem_reading(dir / "header-only.wav"), Catch::StartsWith("truncated WAV: "));
}

TEST_CASE("a WAV without audio frames is refused") {
  TempDir dir;
  write_bytes(dir / "none.wav", wav_header(0));
  CHECK(problem_reading(dir / "none.wav") == "WAV has no audio frames");
  write_sndfile(dir / "none2.wav", SF_FORMAT_WAV | SF_FORMAT_FLOAT, 44100, 2, {});
  CHECK(problem_reading(dir / "none2.wav") == "WAV has no audio frames");
}

TEST_CASE("a WAV left unfinished by a streaming writer is read to its end") {
  TempDir dir;
  auto bytes = wav_header(0xFFFFFFFFu);
  for (int i = 0; i < 100; ++i) bytes.insert(bytes.end(), {0x00, 0x10});  // 4096
  write_bytes(dir / "stream.wav", bytes);
  const auto capture = read_capture(dir / "stream.wav");
  CHECK(capture.samples == std::vector<int16_t>(100, 4096));
}
