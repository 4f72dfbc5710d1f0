#include "ivrd/dsp/dtmf_generator.hpp"

#include <cmath>
#include <numbers>
#include <vector>

#include <catch2/catch.hpp>

#include "ivrd/dsp/levels.hpp"

using namespace ivrd::dsp;

namespace {

// Amplitude of the component at hz, by correlation over the whole buffer.
double amplitude_at(const std::vector<int16_t>& pcm, double hz) {
  double re = 0.0, im = 0.0;
  for (size_t n = 0; n < pcm.size(); ++n) {
    const double w = 2.0 * std::numbers::pi * hz * static_cast<double>(n) / 8000.0;
    re += pcm[n] * std::cos(w);
    im += pcm[n] * std::sin(w);
  }
  return 2.0 * std::hypot(re, im) / static_cast<double>(pcm.size());
}

double to_db(double ratio) { return 20.0 * std::log10(ratio); }

}  // namespace

TEST_CASE("generates the Q.23 frequency pair of every digit at the requested level",
          "[dtmf][generator]") {
  for (char digit : kDtmfDigits) {
    INFO("digit " << digit);
    DtmfGenerator generator;
    DtmfToneSpec spec;
    spec.digit = digit;
    spec.level_dbm0 = -12.0f;
    spec.on_ms = 100.0f;
    spec.off_ms = 0.0f;
    REQUIRE(generator.queue(spec));
    std::vector<int16_t> pcm(800);
    CHECK(generator.tx(pcm) == 800);
    const int index = dtmf_digit_index(digit);
    const double expected = dbm0_to_sine_peak(-12.0);
    CHECK(std::abs(to_db(amplitude_at(pcm, kDtmfLowGroupHz[index / 4]) / expected)) < 0.1);
    CHECK(std::abs(to_db(amplitude_at(pcm, kDtmfHighGroupHz[index % 4]) / expected)) < 0.1);
  }
}

TEST_CASE("applies twist, frequency offsets, duration and pause", "[dtmf][generator]") {
  DtmfGenerator generator;
  DtmfToneSpec spec;
  spec.digit = '5';
  spec.level_dbm0 = -20.0f;
  spec.twist_db = 6.0f;
  spec.low_offset = 0.02f;
  spec.high_offset = -0.03f;
  spec.on_ms = 100.0f;
  spec.off_ms = 25.0f;
  REQUIRE(generator.queue(spec));
  std::vector<int16_t> pcm(1200, 1);
  CHECK(generator.tx(pcm) == 1000);
  CHECK(generator.idle());
  const std::vector<int16_t> tone(pcm.begin(), pcm.begin() + 800);
  const double low = amplitude_at(tone, 770.0 * 1.02);
  const double high = amplitude_at(tone, 1336.0 * 0.97);
  CHECK(std::abs(to_db(high / low) - 6.0) < 0.1);
  for (size_t n = 800; n < pcm.size(); ++n) REQUIRE(pcm[n] == 0);
}

TEST_CASE("rejects invalid digits and a full queue", "[dtmf][generator]") {
  DtmfGenerator generator;
  DtmfToneSpec spec;
  spec.digit = 'x';
  CHECK_FALSE(generator.queue(spec));
  CHECK(generator.queue("12ab", spec) == 4);
  CHECK(generator.queue("9x9", spec) == 1);
  CHECK(dtmf_digit_index('d') == dtmf_digit_index('D'));
  generator.clear();
  std::string many(DtmfGenerator::kQueueCapacity + 5, '1');
  CHECK(generator.queue(many, spec) == DtmfGenerator::kQueueCapacity);
}
