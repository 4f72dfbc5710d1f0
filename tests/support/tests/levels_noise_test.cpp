#include <cmath>
#include <numbers>
#include <vector>

#include <catch2/catch.hpp>

#include "ivrd/dsp/levels.hpp"
#include "ivrd/test_support/levels.hpp"
#include "ivrd/test_support/noise.hpp"
#include "ivrd/test_support/rng.hpp"
#include "ivrd/test_support/seed.hpp"

using namespace ivrd::test_support;

namespace {

std::vector<int16_t> sine(size_t n, double hz, double dbm0) {
  std::vector<int16_t> out(n);
  const double peak_amplitude = ivrd::dsp::dbm0_to_sine_peak(dbm0);
  for (size_t i = 0; i < n; ++i) {
    out[i] = to_int16(peak_amplitude *
                      std::sin(2.0 * std::numbers::pi * hz * static_cast<double>(i) / 8000.0));
  }
  return out;
}

}  // namespace

TEST_CASE("a 0 dBm0 sine measures 0 dBm0 and a full-scale one +3.14 dBm0") {
  CHECK(level_dbm0(sine(8000, 1000.3, 0.0)) == Approx(0.0).margin(0.01));
  CHECK(level_dbm0(sine(8000, 1000.3, 3.14)) == Approx(3.14).margin(0.01));
}

TEST_CASE("the active level of a burst ignores the silence around it") {
  std::vector<int16_t> burst(4000, 0);
  const auto tone = sine(800, 697.0, -20.0);
  std::copy(tone.begin(), tone.end(), burst.begin() + 1600);
  CHECK(active_level_dbm0(burst) == Approx(-20.0).margin(0.1));
  CHECK(level_dbm0(burst) == Approx(-20.0 + 10.0 * std::log10(800.0 / 4000.0)).margin(0.05));
  CHECK(active_level_dbm0(std::vector<int16_t>(400, 0)) <= -199.0);
}

TEST_CASE("scale_to_active_level brings a signal to the requested level") {
  auto tone = sine(8000, 1209.0, -3.0);
  scale_to_active_level(std::span<int16_t>(tone), -27.5);
  CHECK(active_level_dbm0(tone) == Approx(-27.5).margin(0.05));
}

TEST_CASE("white noise comes out at its level and is the same for the same seed") {
  const Seed seed("white noise");
  for (const double level : {-40.0, -20.0, -10.0}) {
    const auto noise = white_noise(80000, level, seed.derive("level"));
    CHECK(level_dbm0(noise) == Approx(level).margin(0.1));
  }
  CHECK(white_noise(1000, -20.0, 42) == white_noise(1000, -20.0, 42));
  CHECK(white_noise(1000, -20.0, 42) != white_noise(1000, -20.0, 43));
}

TEST_CASE("add_at_snr sets the ratio of the signal's active power to the noise power") {
  const Seed seed("add_at_snr");
  std::vector<int16_t> signal(16000, 0);
  const auto tone = sine(8000, 941.0, -10.0);
  std::copy(tone.begin(), tone.end(), signal.begin() + 4000);
  const auto noise = white_noise(signal.size(), -30.0, seed.derive("noise"));
  for (const double snr : {0.0, 10.0, 20.0}) {
    const auto mixed = add_at_snr(signal, noise, snr);
    std::vector<int16_t> added(mixed.size());
    for (size_t i = 0; i < mixed.size(); ++i) added[i] = static_cast<int16_t>(mixed[i] - signal[i]);
    CHECK(-10.0 - level_dbm0(added) == Approx(snr).margin(0.1));
    // The same with the signal level given.
    const auto given = add_at_snr(signal, -10.0, noise, snr);
    for (size_t i = 0; i < given.size(); ++i) added[i] = static_cast<int16_t>(given[i] - signal[i]);
    CHECK(-10.0 - level_dbm0(added) == Approx(snr).margin(0.05));
  }
  CHECK_THROWS_AS(add_at_snr(signal, std::span(noise).first(100), 10.0), std::invalid_argument);
}

TEST_CASE("mix sums and saturates") {
  const std::vector<int16_t> a{30000, -30000, 1};
  const std::vector<int16_t> b{10000, -10000};
  CHECK(mix(a, b) == std::vector<int16_t>{32767, -32768, 1});
}

TEST_CASE("Rng gives the same stream for the same seed and sane distributions") {
  Rng a(7), b(7);
  for (int i = 0; i < 100; ++i) REQUIRE(a.next() == b.next());
  Rng r(Seed("rng").value());
  double sum = 0, sum_sq = 0;
  int low = 0, high = 0;
  constexpr int kN = 200000;
  for (int i = 0; i < kN; ++i) {
    const double x = r.normal();
    sum += x;
    sum_sq += x * x;
    const int k = r.uniform_int(-3, 3);
    REQUIRE(k >= -3);
    REQUIRE(k <= 3);
    low += k == -3;
    high += k == 3;
  }
  CHECK(sum / kN == Approx(0.0).margin(0.02));
  CHECK(sum_sq / kN == Approx(1.0).margin(0.02));
  CHECK(low == Approx(kN / 7).epsilon(0.05));
  CHECK(high == Approx(kN / 7).epsilon(0.05));
}

TEST_CASE("derived seeds are stable and differ by label") {
  CHECK(derive_seed(1, "a") == derive_seed(1, "a"));
  CHECK(derive_seed(1, "a") != derive_seed(1, "b"));
  CHECK(derive_seed(1, "a") != derive_seed(2, "a"));
  const Seed seed;
  CHECK(seed.value() == Seed::process_value());
  CHECK(seed.derive("x") == derive_seed(seed.value(), "x"));
}
