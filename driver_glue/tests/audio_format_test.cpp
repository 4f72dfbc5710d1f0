#include <catch2/catch.hpp>

#include "ivrd/driver/audio_file.hpp"

using ivrd::driver::AudioFileError;
using ivrd::driver::AudioFormat;

TEST_CASE("format names parse to their formats, aliases included") {
  using ivrd::driver::parse_audio_format;
  CHECK(parse_audio_format("ulaw") == AudioFormat::ulaw);
  CHECK(parse_audio_format("alaw") == AudioFormat::alaw);
  CHECK(parse_audio_format("s16") == AudioFormat::s16);
  CHECK(parse_audio_format("sln") == AudioFormat::s16);
  CHECK(parse_audio_format("raw") == AudioFormat::s16);
  CHECK(parse_audio_format("wav") == AudioFormat::wav);
}

TEST_CASE("unknown format names are refused") {
  using ivrd::driver::parse_audio_format;
  CHECK_FALSE(parse_audio_format(""));
  CHECK_FALSE(parse_audio_format("mp3"));
  CHECK_FALSE(parse_audio_format("ULAW"));
  CHECK_FALSE(parse_audio_format("ul"));
  CHECK(std::string(ivrd::driver::audio_format_names()) == "ulaw, alaw, s16, sln, raw, wav");
}

TEST_CASE("every format's canonical name parses back to it") {
  for (AudioFormat format :
       {AudioFormat::ulaw, AudioFormat::alaw, AudioFormat::s16, AudioFormat::wav}) {
    CHECK(ivrd::driver::parse_audio_format(ivrd::driver::audio_format_name(format)) == format);
  }
}

TEST_CASE("extensions map to formats, ignoring case") {
  using ivrd::driver::audio_format_for_extension;
  CHECK(audio_format_for_extension(".ul") == AudioFormat::ulaw);
  CHECK(audio_format_for_extension(".ulaw") == AudioFormat::ulaw);
  CHECK(audio_format_for_extension(".al") == AudioFormat::alaw);
  CHECK(audio_format_for_extension(".alaw") == AudioFormat::alaw);
  CHECK(audio_format_for_extension(".raw") == AudioFormat::s16);
  CHECK(audio_format_for_extension(".sln") == AudioFormat::s16);
  CHECK(audio_format_for_extension(".wav") == AudioFormat::wav);
  CHECK(audio_format_for_extension(".WAV") == AudioFormat::wav);
  CHECK(audio_format_for_extension(".Ul") == AudioFormat::ulaw);
  CHECK_FALSE(audio_format_for_extension(".mp3"));
  CHECK_FALSE(audio_format_for_extension("ul"));
  CHECK_FALSE(audio_format_for_extension(".wavefile"));
  CHECK_FALSE(audio_format_for_extension(""));
}

TEST_CASE("a forced format wins over the extension") {
  CHECK(ivrd::driver::resolve_audio_format("call.wav", AudioFormat::alaw) == AudioFormat::alaw);
  CHECK(ivrd::driver::resolve_audio_format("call.mp3", AudioFormat::ulaw) == AudioFormat::ulaw);
  CHECK(ivrd::driver::resolve_audio_format("dir.d/call", AudioFormat::s16) == AudioFormat::s16);
  CHECK(ivrd::driver::resolve_audio_format("dir.d/call.sln") == AudioFormat::s16);
}

TEST_CASE("an unknown extension names itself and the supported ones") {
  try {
    ivrd::driver::resolve_audio_format("calls/today.mp3");
    FAIL("no exception");
  } catch (const AudioFileError& error) {
    CHECK(error.file() == "calls/today.mp3");
    CHECK(error.problem() ==
          "unknown extension '.mp3' (supported: .ul, .ulaw, .al, .alaw, .raw, .sln, .wav)");
    CHECK(std::string(error.what()) == "calls/today.mp3: " + error.problem());
  }
}

TEST_CASE("a file without an extension is refused with the supported list") {
  try {
    ivrd::driver::resolve_audio_format("calls.d/today");
    FAIL("no exception");
  } catch (const AudioFileError& error) {
    CHECK(error.file() == "calls.d/today");
    CHECK(error.problem() ==
          "no file extension to tell the audio format (supported: .ul, .ulaw, "
          ".al, .alaw, .raw, .sln, .wav)");
  }
}
