// The headerless formats: G.711 µ-law and A-law bytes, 16-bit little-endian.

#include <unistd.h>

#include <catch2/catch.hpp>
#include <sys/stat.h>

#include "ivrd/driver/audio_file.hpp"
#include "ivrd/dsp/g711.hpp"

#include "test_files.hpp"

using ivrd::driver::AudioFileError;
using ivrd::driver::AudioFormat;
using ivrd::driver::read_capture;
using ivrd::driver::write_capture;
using ivrd::driver::testing::read_bytes;
using ivrd::driver::testing::TempDir;
using ivrd::driver::testing::write_bytes;

namespace {

std::string problem_reading(const std::filesystem::path& path,
                            std::optional<AudioFormat> forced = std::nullopt) {
  try {
    read_capture(path, forced);
  } catch (const AudioFileError& error) {
    CHECK(error.file() == path.string());
    return error.problem();
  }
  return "no error";
}

std::vector<int16_t> ramp() {
  std::vector<int16_t> pcm;
  for (int v = -32768; v <= 32767; v += 97) pcm.push_back(static_cast<int16_t>(v));
  pcm.push_back(32767);
  return pcm;
}

}  // namespace

TEST_CASE("µ-law bytes decode to G.711 values (G.711 table 2a)") {
  TempDir dir;
  const std::vector<uint8_t> bytes{0xFF, 0x7F, 0x80, 0x00, 0xF0};
  for (const char* name : {"a.ul", "a.ulaw", "a.UL"}) {
    write_bytes(dir / name, bytes);
    const auto capture = read_capture(dir / name);
    CHECK(capture.format == AudioFormat::ulaw);
    CHECK(capture.source_rate == 8000);
    CHECK(capture.source_channels == 1);
    REQUIRE(capture.samples.size() == 5);
    CHECK(capture.samples[0] == 0);
    CHECK(capture.samples[1] == 0);
    CHECK(capture.samples[2] == 32124);
    CHECK(capture.samples[3] == -32124);
    CHECK(capture.samples[4] == ivrd::dsp::ulaw_to_linear(0xF0));
  }
}

TEST_CASE("A-law bytes decode to G.711 values (G.711 table 1a)") {
  TempDir dir;
  const std::vector<uint8_t> bytes{0xD5, 0x55, 0xAA, 0x2A};
  for (const char* name : {"a.al", "a.alaw"}) {
    write_bytes(dir / name, bytes);
    const auto capture = read_capture(dir / name);
    CHECK(capture.format == AudioFormat::alaw);
    REQUIRE(capture.samples.size() == 4);
    CHECK(capture.samples[0] == 8);
    CHECK(capture.samples[1] == -8);
    CHECK(capture.samples[2] == 32256);
    CHECK(capture.samples[3] == -32256);
  }
}

TEST_CASE("16-bit raw files are little-endian whatever the host") {
  TempDir dir;
  const std::vector<uint8_t> bytes{0x01, 0x00, 0xFF, 0xFF, 0x00, 0x80, 0xFF, 0x7F, 0x34, 0x12};
  for (const char* name : {"a.raw", "a.sln"}) {
    write_bytes(dir / name, bytes);
    const auto capture = read_capture(dir / name);
    CHECK(capture.format == AudioFormat::s16);
    CHECK(capture.samples == std::vector<int16_t>{1, -1, -32768, 32767, 0x1234});
  }
}

TEST_CASE("16-bit raw round trip is exact") {
  TempDir dir;
  const auto pcm = ramp();
  write_capture(dir / "r.sln", pcm);
  CHECK(read_bytes(dir / "r.sln").size() == pcm.size() * 2);
  CHECK(read_capture(dir / "r.sln").samples == pcm);
}

TEST_CASE("G.711 round trips equal the dsp companders, byte for byte") {
  TempDir dir;
  const auto pcm = ramp();
  write_capture(dir / "r.ul", pcm);
  write_capture(dir / "r.al", pcm);
  const auto ulaw = read_bytes(dir / "r.ul");
  const auto alaw = read_bytes(dir / "r.al");
  REQUIRE(ulaw.size() == pcm.size());
  REQUIRE(alaw.size() == pcm.size());
  const auto ulaw_back = read_capture(dir / "r.ul").samples;
  const auto alaw_back = read_capture(dir / "r.al").samples;
  for (size_t i = 0; i < pcm.size(); ++i) {
    INFO("sample " << pcm[i]);
    REQUIRE(ulaw[i] == ivrd::dsp::linear_to_ulaw(pcm[i]));
    REQUIRE(alaw[i] == ivrd::dsp::linear_to_alaw(pcm[i]));
    REQUIRE(ulaw_back[i] == ivrd::dsp::ulaw_to_linear(ulaw[i]));
    REQUIRE(alaw_back[i] == ivrd::dsp::alaw_to_linear(alaw[i]));
  }
}

TEST_CASE("a forced format applies whatever the extension") {
  TempDir dir;
  write_bytes(dir / "x.wav", std::vector<uint8_t>{0xD5, 0xD5});
  write_bytes(dir / "x.bin", std::vector<uint8_t>{0x00, 0x01});
  CHECK(read_capture(dir / "x.wav", AudioFormat::alaw).samples == std::vector<int16_t>{8, 8});
  CHECK(read_capture(dir / "x.bin", AudioFormat::s16).samples == std::vector<int16_t>{256});
  CHECK(read_capture(dir / "x.bin", AudioFormat::ulaw).format == AudioFormat::ulaw);
  write_capture(dir / "y.txt", std::vector<int16_t>{256}, AudioFormat::s16);
  CHECK(read_bytes(dir / "y.txt") == std::vector<uint8_t>{0x00, 0x01});
}

TEST_CASE("a missing file is reported with the system's reason") {
  TempDir dir;
  CHECK(problem_reading(dir / "missing.ul") == "cannot open: No such file or directory");
  CHECK(problem_reading(dir / "missing.wav") == "cannot open: No such file or directory");
}

TEST_CASE("a directory is reported as unreadable") {
  TempDir dir;
  std::filesystem::create_directory(dir / "calls.ul");
  CHECK(problem_reading(dir / "calls.ul") == "cannot read: Is a directory");
}

TEST_CASE("an unreadable file is reported with the system's reason") {
  if (geteuid() == 0) return;  // root reads anything
  TempDir dir;
  write_bytes(dir / "secret.ul", std::vector<uint8_t>{1, 2});
  std::filesystem::permissions(dir / "secret.ul", std::filesystem::perms::none);
  CHECK(problem_reading(dir / "secret.ul") == "cannot open: Permission denied");
}

TEST_CASE("an empty file is refused in every format") {
  TempDir dir;
  for (const char* name : {"e.ul", "e.al", "e.raw", "e.sln", "e.wav"}) {
    write_bytes(dir / name, std::vector<uint8_t>{});
    CHECK(problem_reading(dir / name) == "empty file");
  }
}

TEST_CASE("a 16-bit raw file of odd length is refused") {
  TempDir dir;
  write_bytes(dir / "odd.raw", std::vector<uint8_t>{1, 2, 3});
  CHECK(problem_reading(dir / "odd.raw") == "odd length for 16-bit samples (3 bytes)");
  write_bytes(dir / "odd.bin", std::vector<uint8_t>{1});
  CHECK(problem_reading(dir / "odd.bin", AudioFormat::s16) ==
        "odd length for 16-bit samples (1 byte)");
}

TEST_CASE("an unknown extension is refused before the file is opened") {
  TempDir dir;
  CHECK(problem_reading(dir / "song.mp3") ==
        "unknown extension '.mp3' (supported: .ul, .ulaw, .al, .alaw, .raw, .sln, .wav)");
}

TEST_CASE("writing where no file can be created reports the system's reason") {
  TempDir dir;
  try {
    write_capture(dir / "no-such-dir/out.ul", std::vector<int16_t>{1, 2});
    FAIL("no exception");
  } catch (const AudioFileError& error) {
    CHECK(error.problem() == "cannot create: No such file or directory");
  }
  CHECK_THROWS_AS(write_capture(dir / "out.mp3", std::vector<int16_t>{1}), AudioFileError);
}

TEST_CASE("writing replaces an existing file") {
  TempDir dir;
  write_bytes(dir / "w.ul", std::vector<uint8_t>(100, 0xFF));
  write_capture(dir / "w.ul", std::vector<int16_t>{0, 0});
  CHECK(read_bytes(dir / "w.ul").size() == 2);
}
