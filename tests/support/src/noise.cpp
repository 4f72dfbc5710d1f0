#include "ivrd/test_support/noise.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "ivrd/dsp/levels.hpp"
#include "ivrd/test_support/levels.hpp"
#include "ivrd/test_support/rng.hpp"

namespace ivrd::test_support {
namespace {

// RMS of a signal at the given level (a sine's peak over sqrt 2).
double level_to_rms(double dbm0) { return dsp::dbm0_to_sine_peak(dbm0) / std::sqrt(2.0); }

std::vector<int16_t> mix_scaled(std::span<const int16_t> signal, std::span<const int16_t> noise,
                                double signal_power, double snr_db) {
  if (noise.size() < signal.size()) {
    throw std::invalid_argument("add_at_snr: noise is shorter than the signal");
  }
  const auto noise_part = noise.first(signal.size());
  const double noise_power = mean_square(noise_part);
  std::vector<int16_t> out(signal.begin(), signal.end());
  if (noise_power <= 0.0) return out;
  const double gain = std::sqrt(signal_power / (noise_power * std::pow(10.0, snr_db / 10.0)));
  for (size_t i = 0; i < out.size(); ++i) {
    out[i] = to_int16(static_cast<double>(signal[i]) + gain * static_cast<double>(noise_part[i]));
  }
  return out;
}

}  // namespace

std::vector<float> white_noise_float(size_t n, double level_dbm0, uint64_t seed) {
  Rng rng(seed);
  const double sigma = level_to_rms(level_dbm0);
  std::vector<float> out(n);
  for (float& x : out) x = static_cast<float>(sigma * rng.normal());
  return out;
}

std::vector<int16_t> white_noise(size_t n, double level_dbm0, uint64_t seed) {
  return to_int16(white_noise_float(n, level_dbm0, seed));
}

std::vector<int16_t> add_at_snr(std::span<const int16_t> signal, std::span<const int16_t> noise,
                                double snr_db) {
  const std::vector<float> as_float = to_float(signal);
  return mix_scaled(signal, noise, active_mean_square(as_float), snr_db);
}

std::vector<int16_t> add_at_snr(std::span<const int16_t> signal, double signal_level_dbm0,
                                std::span<const int16_t> noise, double snr_db) {
  const double rms_value = level_to_rms(signal_level_dbm0);
  return mix_scaled(signal, noise, rms_value * rms_value, snr_db);
}

std::vector<int16_t> mix(std::span<const int16_t> a, std::span<const int16_t> b) {
  std::vector<int16_t> out(std::max(a.size(), b.size()));
  for (size_t i = 0; i < out.size(); ++i) {
    const int x = i < a.size() ? a[i] : 0;
    const int y = i < b.size() ? b[i] : 0;
    out[i] = to_int16(static_cast<double>(x + y));
  }
  return out;
}

}  // namespace ivrd::test_support
