#include "ivrd/test_support/composite_source.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <numbers>

#include "ivrd/dsp/levels.hpp"
#include "ivrd/test_support/levels.hpp"
#include "ivrd/test_support/noise.hpp"

namespace ivrd::test_support {
namespace {

constexpr double kRate = 8000.0;
constexpr double kVoicedMs = 48.62;
constexpr double kNoiseMs = 200.0;
constexpr double kPeriodMs = 350.0;

struct Formant {
  double hz, bandwidth_hz;
};
// An open vowel ('a').
constexpr std::array<Formant, 3> kFormants{{{730.0, 90.0}, {1090.0, 110.0}, {2440.0, 170.0}}};

// Magnitude of the formant filter at f: a product of resonances.
double formant_gain(double f) {
  double gain = 1.0;
  for (const Formant& formant : kFormants) {
    const double detune = (f - formant.hz) / (formant.bandwidth_hz / 2.0);
    gain *= 1.0 / std::sqrt(1.0 + detune * detune);
  }
  return gain;
}

double rms(const std::vector<double>& x) {
  double sum = 0.0;
  for (double v : x) sum += v * v;
  return x.empty() ? 0.0 : std::sqrt(sum / static_cast<double>(x.size()));
}

}  // namespace

std::vector<int16_t> composite_source_signal(size_t n, double active_level_dbm0, uint64_t seed) {
  const auto voiced_n = static_cast<size_t>(kVoicedMs * kRate / 1000.0);
  const auto noise_n = static_cast<size_t>(kNoiseMs * kRate / 1000.0);
  const auto period_n = static_cast<size_t>(kPeriodMs * kRate / 1000.0);

  std::vector<double> voiced(voiced_n);
  for (int k = 1; 150.0 * k < 3400.0; ++k) {
    const double f = 150.0 * k;
    const double amplitude = formant_gain(f) / k;
    for (size_t i = 0; i < voiced_n; ++i) {
      voiced[i] +=
          amplitude * std::sin(2.0 * std::numbers::pi * f * static_cast<double>(i) / kRate);
    }
  }
  // Telephone band (300-3400 Hz) by a first-order high-pass and a two-pole
  // low-pass over white noise: enough to keep the noise out of the DC and
  // aliasing regions, as the standard's band-limited noise is.
  const std::vector<float> white = white_noise_float(noise_n + 64, -20.0, seed);
  std::vector<double> noise(noise_n);
  double hp_x = 0.0, hp_y = 0.0, lp1 = 0.0, lp2 = 0.0;
  const double hp_a = std::exp(-2.0 * std::numbers::pi * 300.0 / kRate);
  const double lp_a = std::exp(-2.0 * std::numbers::pi * 3400.0 / kRate);
  for (size_t i = 0; i < noise_n + 64; ++i) {
    const double x = white[i];
    hp_y = hp_a * (hp_y + x - hp_x);
    hp_x = x;
    lp1 += (1.0 - lp_a) * (hp_y - lp1);
    lp2 += (1.0 - lp_a) * (lp1 - lp2);
    if (i >= 64) noise[i - 64] = lp2;  // past the filters' start-up
  }
  // Both parts at the same mean square; the pause does not count in the
  // active level.
  // A sine's mean square is half its peak squared.
  const double target = dsp::dbm0_to_sine_peak(active_level_dbm0) / std::numbers::sqrt2;
  const double voiced_scale = target / rms(voiced);
  const double noise_scale = target / rms(noise);

  std::vector<int16_t> out(n, 0);
  for (size_t i = 0; i < n; ++i) {
    const size_t period = i / period_n;
    const size_t at = i % period_n;
    double v = 0.0;
    if (at < voiced_n) {
      v = voiced_scale * voiced[at];
    } else if (at < voiced_n + noise_n) {
      v = noise_scale * noise[at - voiced_n];
    }
    if (period % 2 == 1) v = -v;
    out[i] = to_int16(v);
  }
  return out;
}

}  // namespace ivrd::test_support
