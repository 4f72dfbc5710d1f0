#pragma once
// Fixtures for the capture file tests, made at run time in a fresh temporary
// directory that is removed afterwards.

#include <stdlib.h>

#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <numbers>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include "ivrd/test_support/temp_dir.hpp"

namespace ivrd::driver::testing {

// Fixture files go to a fresh directory, removed afterwards.
struct TempDir : test_support::TempDir {
  TempDir() : test_support::TempDir("ivrd-driver") {}
};

inline void write_bytes(const std::filesystem::path& path, std::span<const uint8_t> bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(bytes.data()),
            static_cast<std::streamsize>(bytes.size()));
  if (!out) throw std::runtime_error("cannot write fixture " + path.string());
}

inline std::vector<uint8_t> read_bytes(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// amplitude * sin(2 pi f n / rate), n = 0 .. count-1.
inline std::vector<float> sine(double frequency, double rate, size_t count, double amplitude) {
  std::vector<float> samples(count);
  for (size_t n = 0; n < count; ++n) {
    samples[n] = static_cast<float>(
        amplitude * std::sin(2.0 * std::numbers::pi * frequency * static_cast<double>(n) / rate));
  }
  return samples;
}

inline double rms(std::span<const int16_t> samples) {
  double sum = 0.0;
  for (int16_t s : samples) sum += static_cast<double>(s) * s;
  return samples.empty() ? 0.0 : std::sqrt(sum / static_cast<double>(samples.size()));
}

// Frequency from the number of upward zero crossings, exact enough over a
// few hundred periods.
inline double zero_crossing_frequency(std::span<const int16_t> samples, double rate) {
  size_t first = 0, last = 0, crossings = 0;
  for (size_t n = 1; n < samples.size(); ++n) {
    if (samples[n - 1] < 0 && samples[n] >= 0) {
      if (crossings == 0) first = n;
      last = n;
      ++crossings;
    }
  }
  if (crossings < 2) return 0.0;
  return static_cast<double>(crossings - 1) * rate / static_cast<double>(last - first);
}

// Power of one frequency relative to the whole signal's power (0..1).
inline double tone_fraction(std::span<const int16_t> samples, double frequency, double rate) {
  double re = 0.0, im = 0.0, total = 0.0;
  for (size_t n = 0; n < samples.size(); ++n) {
    const double phase = 2.0 * std::numbers::pi * frequency * static_cast<double>(n) / rate;
    re += samples[n] * std::cos(phase);
    im += samples[n] * std::sin(phase);
    total += static_cast<double>(samples[n]) * samples[n];
  }
  const double tone_power = 2.0 * (re * re + im * im) / static_cast<double>(samples.size());
  return total > 0.0 ? tone_power / total : 0.0;
}

}  // namespace ivrd::driver::testing
