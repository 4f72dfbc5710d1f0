#include "ivrd/test_support/levels.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <limits>

#include "ivrd/dsp/levels.hpp"

namespace ivrd::test_support {
namespace {

constexpr double kSilenceFloorDbm0 = -70.0;

double dbm0_to_mean_square(double dbm0) {
  const double full_scale_sine_power = 32767.0 * 32767.0 / 2.0;
  return full_scale_sine_power * std::pow(10.0, (dbm0 - dsp::kFullScaleSineDbm0) / 10.0);
}

template <class T>
double sum_squares(std::span<const T> pcm) noexcept {
  double sum = 0.0;
  for (const T x : pcm) sum += static_cast<double>(x) * static_cast<double>(x);
  return sum;
}

template <class T>
double active_mean_square_impl(std::span<const T> pcm, double threshold_db,
                               bool absolute_floor = true) noexcept {
  if (pcm.empty()) return 0.0;
  double loudest = 0.0;
  for (size_t i = 0; i < pcm.size(); i += kLevelBlock) {
    const auto block = pcm.subspan(i, std::min(kLevelBlock, pcm.size() - i));
    loudest = std::max(loudest, sum_squares(block) / static_cast<double>(block.size()));
  }
  double floor = loudest * std::pow(10.0, -threshold_db / 10.0);
  if (absolute_floor) floor = std::max(floor, dbm0_to_mean_square(kSilenceFloorDbm0));
  if (floor <= 0.0) floor = std::numeric_limits<double>::min();  // all-zero blocks stay out
  double sum = 0.0;
  size_t count = 0;
  for (size_t i = 0; i < pcm.size(); i += kLevelBlock) {
    const auto block = pcm.subspan(i, std::min(kLevelBlock, pcm.size() - i));
    const double energy = sum_squares(block);
    if (energy / static_cast<double>(block.size()) >= floor) {
      sum += energy;
      count += block.size();
    }
  }
  return count == 0 ? 0.0 : sum / static_cast<double>(count);
}

}  // namespace

double mean_square(std::span<const int16_t> pcm) noexcept {
  return pcm.empty() ? 0.0 : sum_squares(pcm) / static_cast<double>(pcm.size());
}
double mean_square(std::span<const float> pcm) noexcept {
  return pcm.empty() ? 0.0 : sum_squares(pcm) / static_cast<double>(pcm.size());
}
double rms(std::span<const int16_t> pcm) noexcept { return std::sqrt(mean_square(pcm)); }

double level_dbm0(std::span<const int16_t> pcm) noexcept {
  return dsp::mean_square_to_dbm0(mean_square(pcm));
}
double level_dbm0(std::span<const float> pcm) noexcept {
  return dsp::mean_square_to_dbm0(mean_square(pcm));
}

double active_level_dbm0(std::span<const int16_t> pcm, double threshold_db) noexcept {
  return dsp::mean_square_to_dbm0(active_mean_square_impl(pcm, threshold_db));
}
double active_level_dbm0(std::span<const float> pcm, double threshold_db) noexcept {
  return dsp::mean_square_to_dbm0(active_mean_square_impl(pcm, threshold_db));
}
double active_mean_square(std::span<const float> pcm, double threshold_db) noexcept {
  return active_mean_square_impl(pcm, threshold_db);
}

int peak(std::span<const int16_t> pcm) noexcept {
  int result = 0;
  for (const int16_t x : pcm) result = std::max(result, std::abs(static_cast<int>(x)));
  return result;
}

int16_t to_int16(double x) noexcept {
  if (!(x > -32768.0)) return std::numeric_limits<int16_t>::min();  // also NaN
  if (x >= 32767.0) return std::numeric_limits<int16_t>::max();
  return static_cast<int16_t>(std::lround(x));
}

std::vector<int16_t> to_int16(std::span<const float> pcm) {
  std::vector<int16_t> out(pcm.size());
  std::transform(pcm.begin(), pcm.end(), out.begin(), [](float x) { return to_int16(x); });
  return out;
}

std::vector<float> to_float(std::span<const int16_t> pcm) {
  return std::vector<float>(pcm.begin(), pcm.end());
}

double scale_to_active_level(std::span<float> pcm, double target_dbm0,
                             double threshold_db) noexcept {
  // No absolute floor: float signals are scaled from any level, even tiny.
  const double power = active_mean_square_impl(std::span<const float>(pcm), threshold_db, false);
  if (power <= 0.0) return 0.0;
  const double gain = std::sqrt(dbm0_to_mean_square(target_dbm0) / power);
  for (float& x : pcm) x = static_cast<float>(x * gain);
  return gain;
}

double scale_to_active_level(std::span<int16_t> pcm, double target_dbm0,
                             double threshold_db) noexcept {
  const double power = active_mean_square_impl(std::span<const int16_t>(pcm), threshold_db);
  if (power <= 0.0) return 0.0;
  const double gain = std::sqrt(dbm0_to_mean_square(target_dbm0) / power);
  for (int16_t& x : pcm) x = to_int16(x * gain);
  return gain;
}

}  // namespace ivrd::test_support
