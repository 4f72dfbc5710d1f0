#include "ivrd/test_support/echo_path.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>

#include "ivrd/dsp/levels.hpp"
#include "ivrd/test_support/rng.hpp"

namespace ivrd::test_support {
namespace {

constexpr double kRate = 8000.0;

// Band-pass 300-3400 Hz as a Hann-windowed difference of two sinc low-passes.
std::vector<double> telephone_band(int half_length) {
  std::vector<double> taps(2 * half_length + 1);
  const auto sinc_lowpass = [](double cutoff_hz, int n) {
    const double fc = cutoff_hz / kRate;
    if (n == 0) return 2.0 * fc;
    const double x = std::numbers::pi * n;
    return std::sin(2.0 * fc * x) / x;
  };
  for (int n = -half_length; n <= half_length; ++n) {
    const double window =
        0.5 + 0.5 * std::cos(std::numbers::pi * n / static_cast<double>(half_length + 1));
    taps[n + half_length] = window * (sinc_lowpass(3400.0, n) - sinc_lowpass(300.0, n));
  }
  return taps;
}

double power_of(std::span<const float> x, size_t begin, size_t end) {
  double sum = 0.0;
  for (size_t i = begin; i < end; ++i) sum += static_cast<double>(x[i]) * x[i];
  return sum;
}

double power_of_difference(std::span<const int16_t> a, std::span<const int16_t> b, size_t begin,
                           size_t end) {
  double sum = 0.0;
  for (size_t i = begin; i < end; ++i) {
    const double d = static_cast<double>(a[i]) - (i < b.size() ? b[i] : 0);
    sum += d * d;
  }
  return sum;
}

// Mean square of a sine at this level, for the activity threshold.
double power_at(double dbm0) {
  const double peak = dsp::dbm0_to_sine_peak(dbm0);
  return peak * peak / 2.0;
}

}  // namespace

std::vector<float> make_echo_path(const EchoPathSpec& spec, uint64_t seed) {
  Rng rng(seed);
  const auto delay = static_cast<size_t>(std::lround(spec.delay_ms * kRate / 1000.0));
  const auto dispersion =
      std::max<size_t>(1, static_cast<size_t>(std::lround(spec.dispersion_ms * kRate / 1000.0)));
  // Raw response: a strong first reflection, then decaying reflections whose
  // envelope falls 40 dB over the dispersion time.
  std::vector<double> raw(dispersion, 0.0);
  const double decay = std::log(100.0) / static_cast<double>(dispersion);
  raw[0] = 1.0;
  for (size_t n = 1; n < dispersion; ++n) {
    raw[n] = 0.6 * std::exp(-decay * static_cast<double>(n)) * rng.normal();
  }
  const std::vector<double> band = telephone_band(12);
  std::vector<double> shaped(raw.size() + band.size() - 1, 0.0);
  for (size_t i = 0; i < raw.size(); ++i) {
    for (size_t j = 0; j < band.size(); ++j) shaped[i + j] += raw[i] * band[j];
  }
  double energy = 0.0;
  for (double h : shaped) energy += h * h;
  const double gain = std::sqrt(std::pow(10.0, -spec.erl_db / 10.0) / energy);
  std::vector<float> path(delay + shaped.size(), 0.0f);
  for (size_t i = 0; i < shaped.size(); ++i) {
    path[delay + i] = static_cast<float>(gain * shaped[i]);
  }
  return path;
}

std::vector<float> apply_echo_path(std::span<const int16_t> far, std::span<const float> path) {
  std::vector<float> echo(far.size(), 0.0f);
  size_t first = 0;
  while (first < path.size() && path[first] == 0.0f) ++first;
  for (size_t n = 0; n < far.size(); ++n) {
    double sum = 0.0;
    const size_t last = std::min(path.size(), n + 1);
    for (size_t k = first; k < last; ++k) sum += static_cast<double>(path[k]) * far[n - k];
    echo[n] = static_cast<float>(sum);
  }
  return echo;
}

std::vector<double> erle_per_window(std::span<const float> echo, std::span<const int16_t> output,
                                    std::span<const int16_t> near_clean, size_t window,
                                    double min_echo_dbm0) {
  std::vector<double> result;
  const size_t n = std::min(echo.size(), output.size());
  if (window == 0) return result;
  const double threshold = power_at(min_echo_dbm0) * static_cast<double>(window);
  for (size_t begin = 0; begin + window <= n; begin += window) {
    const double echo_power = power_of(echo, begin, begin + window);
    if (echo_power < threshold) {
      result.push_back(std::numeric_limits<double>::quiet_NaN());
      continue;
    }
    const double residual = power_of_difference(output, near_clean, begin, begin + window);
    result.push_back(10.0 * std::log10(echo_power / std::max(residual, 1e-3)));
  }
  return result;
}

double erle_db(std::span<const float> echo, std::span<const int16_t> output,
               std::span<const int16_t> near_clean, size_t begin, size_t end,
               double min_echo_dbm0) {
  constexpr size_t kWindow = 160;
  const double threshold = power_at(min_echo_dbm0) * kWindow;
  double echo_sum = 0.0, residual_sum = 0.0;
  end = std::min({end, echo.size(), output.size()});
  for (size_t w = begin; w + kWindow <= end; w += kWindow) {
    const double echo_power = power_of(echo, w, w + kWindow);
    if (echo_power < threshold) continue;
    echo_sum += echo_power;
    residual_sum += power_of_difference(output, near_clean, w, w + kWindow);
  }
  if (echo_sum == 0.0) return std::numeric_limits<double>::quiet_NaN();
  return 10.0 * std::log10(echo_sum / std::max(residual_sum, 1e-3));
}

double seconds_to_erle(std::span<const float> echo, std::span<const int16_t> output,
                       std::span<const int16_t> near_clean, double target_db, size_t window,
                       bool active_time_only) {
  const std::vector<double> w = erle_per_window(echo, output, near_clean, window);
  std::vector<size_t> active;
  for (size_t i = 0; i < w.size(); ++i) {
    if (!std::isnan(w[i])) active.push_back(i);
  }
  for (size_t k = 0; k + 2 < active.size(); ++k) {
    if (w[active[k]] >= target_db && w[active[k + 1]] >= target_db &&
        w[active[k + 2]] >= target_db) {
      const size_t windows = active_time_only ? k + 1 : active[k] + 1;
      return static_cast<double>(windows * window) / 8000.0;
    }
  }
  return std::numeric_limits<double>::infinity();
}

}  // namespace ivrd::test_support
