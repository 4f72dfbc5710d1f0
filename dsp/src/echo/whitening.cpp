#include "echo/whitening.hpp"

#include <algorithm>

namespace ivrd::dsp::echo {
namespace {

constexpr double kBandwidthExpansion = 0.95;
// Adds -40 dB of white noise to the autocorrelation: keeps the fit tame on
// nearly tonal input.
constexpr double kNoiseFloor = 1.0001;

}  // namespace

void Whitening::fit(const float* newest, std::size_t n) noexcept {
  const float* x = newest + 1 - n;
  double r[kOrder + 1] = {};
  for (int lag = 0; lag <= kOrder; ++lag) {
    double sum = 0.0;
    for (std::size_t i = static_cast<std::size_t>(lag); i < n; ++i) {
      sum += static_cast<double>(x[i]) * x[i - static_cast<std::size_t>(lag)];
    }
    r[lag] = sum;
  }
  if (r[0] <= 0.0) return;
  r[0] *= kNoiseFloor;
  // Levinson-Durbin recursion for A(z) = 1 + a1 z^-1 + ... + ap z^-p.
  double a[kOrder + 1] = {1.0};
  double error = r[0];
  for (int i = 1; i <= kOrder; ++i) {
    double acc = r[i];
    for (int j = 1; j < i; ++j) acc += a[j] * r[i - j];
    const double reflection = -acc / error;
    double previous[kOrder + 1];
    std::copy(a, a + i, previous);
    for (int j = 1; j < i; ++j) a[j] = previous[j] + reflection * previous[i - j];
    a[i] = reflection;
    error *= 1.0 - reflection * reflection;
    if (error <= 0.0) return;
  }
  double expansion = kBandwidthExpansion;
  for (int i = 1; i <= kOrder; ++i) {
    coefficients_[static_cast<std::size_t>(i - 1)] = static_cast<float>(a[i] * expansion);
    expansion *= kBandwidthExpansion;
  }
  active_ = true;
}

}  // namespace ivrd::dsp::echo
