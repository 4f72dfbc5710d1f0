#pragma once
// Test captures written the way other equipment would write them: DTMF
// synthesised directly at the file's own sample rate (not resampled from
// 8 kHz), G.711 and 16-bit raw files, and WAV files with a header built here
// byte by byte (16-bit PCM or 32-bit float, any rate and channel count).

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "ivrd/test_support/temp_dir.hpp"

namespace ivrd::cli_tests {

struct ScriptedDigit {
  char digit;
  double start_ms;
  double length_ms;
  double level_dbm0 = -10.0;  // per tone
};

// Samples at `rate` in 16-bit units (full-scale sine = +3.14 dBm0), not yet
// rounded; `length_ms` of audio in all.
std::vector<double> synthesise(const std::vector<ScriptedDigit>& digits, double rate,
                               double length_ms);

std::vector<int16_t> to_int16(const std::vector<double>& samples);

void write_file(const std::filesystem::path& path, const std::vector<uint8_t>& bytes);
void write_ulaw(const std::filesystem::path& path, const std::vector<double>& samples_8k);
void write_alaw(const std::filesystem::path& path, const std::vector<double>& samples_8k);
void write_s16le(const std::filesystem::path& path, const std::vector<double>& samples_8k);

enum class WavSamples { pcm16, float32 };
// The same mono signal on every channel.
std::vector<uint8_t> wav_bytes(const std::vector<double>& samples, int rate, int channels,
                               WavSamples kind);

using TempDir = ivrd::test_support::TempDir;

}  // namespace ivrd::cli_tests
