#include "ivrd/ivr/demo_capture.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <numbers>
#include <stdexcept>

#include "ivrd/dsp/dtmf_generator.hpp"
#include "ivrd/dsp/levels.hpp"

namespace ivrd::ivr {
namespace {

constexpr double kRate = 8000.0;
constexpr size_t kLeadSilence = 2400;   // 300 ms before the talking starts
constexpr size_t kTalkBefore = 4800;    // 600 ms of talking before the first digit
constexpr size_t kTalkAfter = 3200;     // 400 ms of talking after the last pause
constexpr size_t kTrailSilence = 2400;  // 300 ms after the talking stops
constexpr double kNoiseBelowWeakestDb = 18.0;

// splitmix64: a small generator whose output is the same on every platform
// (the standard distributions are not).
class Random {
 public:
  explicit Random(uint64_t seed) : state_(seed) {}
  uint64_t next() {
    uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  // Uniform in [0, 1).
  double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }
  double uniform(double low, double high) { return low + (high - low) * uniform(); }
  uint64_t below(uint64_t bound) { return next() % bound; }

 private:
  uint64_t state_;
};

// Average vowel formants of adult speakers (F1, F2, F3 in Hz), the usual
// textbook figures.
constexpr std::array<std::array<double, 3>, 6> kVowelFormants{{
    {730, 1090, 2440},  // a
    {270, 2290, 3010},  // i
    {300, 870, 2240},   // u
    {530, 1840, 2480},  // e
    {570, 840, 2410},   // o
    {660, 1720, 2410},  // ae
}};
constexpr std::array<double, 3> kFormantBandwidthHz{90.0, 110.0, 170.0};
constexpr std::array<double, 3> kFormantGain{1.0, 0.5, 0.25};

// Two-pole resonator scaled to about unit gain at its centre frequency.
struct Resonator {
  double b0 = 0, a1 = 0, a2 = 0, y1 = 0, y2 = 0;
  void tune(double frequency, double bandwidth) {
    const double r = std::exp(-std::numbers::pi * bandwidth / kRate);
    const double theta = 2.0 * std::numbers::pi * frequency / kRate;
    a1 = 2.0 * r * std::cos(theta);
    a2 = r * r;
    b0 = (1.0 - r) * std::sqrt(1.0 - 2.0 * r * std::cos(2.0 * theta) + r * r);
  }
  double step(double x) {
    const double y = b0 * x + a1 * y1 - a2 * y2;
    y2 = y1;
    y1 = y;
    return y;
  }
};

std::vector<double> speech_like_noise(size_t length, Random& random) {
  std::vector<double> noise(length, 0.0);
  std::array<Resonator, 3> formants;
  size_t position = 0;
  while (position < length) {
    const double syllable_rate_hz = random.uniform(3.0, 5.0);
    const auto syllable = static_cast<size_t>(kRate / syllable_rate_hz);
    const auto& vowel = kVowelFormants[random.below(kVowelFormants.size())];
    // Now and then a short gap between words.
    const double amplitude = random.uniform() < 0.15 ? 0.05 : random.uniform(0.4, 1.0);
    for (size_t f = 0; f < formants.size(); ++f) {
      formants[f].tune(vowel[f] * random.uniform(0.92, 1.08), kFormantBandwidthHz[f]);
    }
    for (size_t n = 0; n < syllable && position < length; ++n, ++position) {
      const double envelope = std::pow(
          std::sin(std::numbers::pi * static_cast<double>(n) / static_cast<double>(syllable)), 2.0);
      const double excitation = random.uniform(-1.0, 1.0);
      double voiced = 0.0;
      for (size_t f = 0; f < formants.size(); ++f) {
        voiced += kFormantGain[f] * formants[f].step(excitation);
      }
      noise[position] = amplitude * envelope * voiced;
    }
  }
  return noise;
}

double dbm0_to_mean_square(double dbm0) {
  return 32767.0 * 32767.0 / 2.0 * std::pow(10.0, (dbm0 - dsp::kFullScaleSineDbm0) / 10.0);
}

}  // namespace

DemoCapture make_demo_capture(std::string_view digits, uint64_t seed) {
  if (digits.size() > 64) throw std::invalid_argument("more than 64 digits");
  for (char digit : digits) {
    if (dsp::dtmf_digit_index(digit) < 0) {
      throw std::invalid_argument(std::string("not a DTMF digit: '") + digit + "'");
    }
  }
  Random random(seed);
  DemoCapture capture;
  capture.digits = digits;

  // Levels spread evenly over -6..-19 dBm0 (pair mean), in shuffled order, so
  // both ends of the range are always there; twist keeps each tone within
  // -5..-20 dBm0.
  std::vector<double> levels(digits.size());
  for (size_t i = 0; i < levels.size(); ++i) {
    levels[i] = digits.size() == 1
                    ? -12.0
                    : -6.0 - 13.0 * static_cast<double>(i) / static_cast<double>(digits.size() - 1);
  }
  for (size_t i = levels.size(); i > 1; --i) std::swap(levels[i - 1], levels[random.below(i)]);

  dsp::DtmfGenerator generator;
  size_t tone_samples = 0;
  double weakest_pair_power = 1e300;
  for (size_t i = 0; i < digits.size(); ++i) {
    // Whole samples, so the generator's millisecond conversion is exact.
    const uint64_t on = 480 + random.below(241);   // 60..90 ms
    const uint64_t off = 480 + random.below(481);  // 60..120 ms
    const double twist = random.uniform(-2.0, 2.0);
    dsp::DtmfToneSpec spec;
    spec.digit = digits[i];
    spec.level_dbm0 = static_cast<float>(levels[i] - twist / 2.0);
    spec.twist_db = static_cast<float>(twist);
    spec.on_ms = static_cast<float>(static_cast<double>(on) / 8.0);
    spec.off_ms = static_cast<float>(static_cast<double>(off) / 8.0);
    spec.low_phase_rad = static_cast<float>(random.uniform(0.0, 2.0 * std::numbers::pi));
    spec.high_phase_rad = static_cast<float>(random.uniform(0.0, 2.0 * std::numbers::pi));
    generator.queue(spec);

    const uint64_t start = kLeadSilence + kTalkBefore + tone_samples;
    capture.tone_start.push_back(start);
    capture.tone_end.push_back(start + on);
    tone_samples += static_cast<size_t>(on + off);
    weakest_pair_power =
        std::min(weakest_pair_power, dbm0_to_mean_square(spec.level_dbm0) +
                                         dbm0_to_mean_square(spec.level_dbm0 + spec.twist_db));
  }
  std::vector<int16_t> tones(tone_samples);
  generator.tx(tones);

  const size_t talk_length = kTalkBefore + tone_samples + kTalkAfter;
  std::vector<double> noise = speech_like_noise(talk_length, random);
  if (!digits.empty()) {
    double sum = 0.0;
    for (double x : noise) sum += x * x;
    const double mean_square = sum / static_cast<double>(noise.size());
    const double wanted = weakest_pair_power * std::pow(10.0, -kNoiseBelowWeakestDb / 10.0);
    const double gain = mean_square > 0.0 ? std::sqrt(wanted / mean_square) : 0.0;
    for (double& x : noise) x *= gain;
  }

  capture.samples.assign(kLeadSilence + talk_length + kTrailSilence, 0);
  for (size_t n = 0; n < talk_length; ++n) {
    double value = noise[n];
    if (n >= kTalkBefore && n - kTalkBefore < tones.size()) value += tones[n - kTalkBefore];
    capture.samples[kLeadSilence + n] =
        static_cast<int16_t>(std::clamp(std::round(value), -32768.0, 32767.0));
  }
  return capture;
}

}  // namespace ivrd::ivr
