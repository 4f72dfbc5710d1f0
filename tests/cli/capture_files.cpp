#include "capture_files.hpp"

#include <stdlib.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <fstream>
#include <numbers>
#include <stdexcept>
#include <string_view>

#include "ivrd/dsp/g711.hpp"

namespace ivrd::cli_tests {
namespace {

constexpr std::string_view kKeypad = "123A456B789C*0#D";
constexpr double kLowHz[4] = {697.0, 770.0, 852.0, 941.0};
constexpr double kHighHz[4] = {1209.0, 1336.0, 1477.0, 1633.0};

void append_le(std::vector<uint8_t>& out, uint32_t value, int bytes) {
  for (int i = 0; i < bytes; ++i) out.push_back(static_cast<uint8_t>(value >> (8 * i)));
}

void append_text(std::vector<uint8_t>& out, const char* text) {
  for (const char* c = text; *c != '\0'; ++c) out.push_back(static_cast<uint8_t>(*c));
}

}  // namespace

std::vector<double> synthesise(const std::vector<ScriptedDigit>& digits, double rate,
                               double length_ms) {
  std::vector<double> samples(static_cast<size_t>(std::llround(length_ms * rate / 1000.0)), 0.0);
  for (const ScriptedDigit& d : digits) {
    const size_t key = kKeypad.find(d.digit);
    if (key == std::string_view::npos) throw std::invalid_argument("not a DTMF digit");
    const double peak = 32767.0 * std::pow(10.0, (d.level_dbm0 - 3.14) / 20.0);
    const auto first = static_cast<size_t>(std::llround(d.start_ms * rate / 1000.0));
    const auto count = static_cast<size_t>(std::llround(d.length_ms * rate / 1000.0));
    for (size_t n = 0; n < count && first + n < samples.size(); ++n) {
      const double t = static_cast<double>(n) / rate;
      samples[first + n] += peak * (std::sin(2.0 * std::numbers::pi * kLowHz[key / 4] * t) +
                                    std::sin(2.0 * std::numbers::pi * kHighHz[key % 4] * t));
    }
  }
  return samples;
}

std::vector<int16_t> to_int16(const std::vector<double>& samples) {
  std::vector<int16_t> out(samples.size());
  std::transform(samples.begin(), samples.end(), out.begin(), [](double s) {
    return static_cast<int16_t>(std::clamp(std::round(s), -32768.0, 32767.0));
  });
  return out;
}

void write_file(const std::filesystem::path& path, const std::vector<uint8_t>& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(bytes.data()),
            static_cast<std::streamsize>(bytes.size()));
  if (!out) throw std::runtime_error("cannot write " + path.string());
}

void write_ulaw(const std::filesystem::path& path, const std::vector<double>& samples_8k) {
  std::vector<uint8_t> bytes;
  for (int16_t s : to_int16(samples_8k)) bytes.push_back(dsp::linear_to_ulaw(s));
  write_file(path, bytes);
}

void write_alaw(const std::filesystem::path& path, const std::vector<double>& samples_8k) {
  std::vector<uint8_t> bytes;
  for (int16_t s : to_int16(samples_8k)) bytes.push_back(dsp::linear_to_alaw(s));
  write_file(path, bytes);
}

void write_s16le(const std::filesystem::path& path, const std::vector<double>& samples_8k) {
  std::vector<uint8_t> bytes;
  for (int16_t s : to_int16(samples_8k)) append_le(bytes, static_cast<uint16_t>(s), 2);
  write_file(path, bytes);
}

std::vector<uint8_t> wav_bytes(const std::vector<double>& samples, int rate, int channels,
                               WavSamples kind) {
  const uint32_t sample_bytes = kind == WavSamples::pcm16 ? 2 : 4;
  const auto block = static_cast<uint32_t>(channels) * sample_bytes;
  const auto data_length = static_cast<uint32_t>(samples.size()) * block;
  std::vector<uint8_t> out;
  append_text(out, "RIFF");
  append_le(out, 4 + 24 + 8 + data_length, 4);
  append_text(out, "WAVE");
  append_text(out, "fmt ");
  append_le(out, 16, 4);
  append_le(out, kind == WavSamples::pcm16 ? 1 : 3, 2);  // PCM or IEEE float
  append_le(out, static_cast<uint32_t>(channels), 2);
  append_le(out, static_cast<uint32_t>(rate), 4);
  append_le(out, static_cast<uint32_t>(rate) * block, 4);
  append_le(out, block, 2);
  append_le(out, sample_bytes * 8, 2);
  append_text(out, "data");
  append_le(out, data_length, 4);
  for (double s : samples) {
    for (int c = 0; c < channels; ++c) {
      if (kind == WavSamples::pcm16) {
        const auto value = static_cast<int16_t>(std::clamp(std::round(s), -32768.0, 32767.0));
        append_le(out, static_cast<uint16_t>(value), 2);
      } else {
        const auto value = static_cast<float>(s / 32768.0);
        uint32_t bits = 0;
        std::memcpy(&bits, &value, sizeof bits);
        append_le(out, bits, 4);
      }
    }
  }
  return out;
}

}  // namespace ivrd::cli_tests
