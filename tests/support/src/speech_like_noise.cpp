#include "ivrd/test_support/speech_like_noise.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <numbers>

#include "ivrd/test_support/levels.hpp"
#include "ivrd/test_support/rng.hpp"

namespace ivrd::test_support {
namespace {

constexpr double kFs = 8000.0;

// Approximate first three formants (Hz) of common vowels of adult speakers.
struct Formants {
  double f1, f2, f3;
};
constexpr std::array<Formants, 8> kVowels{{
    {730, 1090, 2440},  // a
    {270, 2290, 3010},  // i
    {300, 870, 2240},   // u
    {530, 1840, 2480},  // e
    {570, 840, 2410},   // o
    {660, 1720, 2410},  // ae
    {490, 1350, 1690},  // er
    {440, 1020, 2240},  // schwa-like
}};

// Two-pole resonator with unity gain at DC (cascade formant synthesis).
class Resonator {
 public:
  void set(double frequency, double bandwidth) {
    const double r = std::exp(-std::numbers::pi * bandwidth / kFs);
    b_ = 2.0 * r * std::cos(2.0 * std::numbers::pi * frequency / kFs);
    c_ = -r * r;
    a_ = 1.0 - b_ - c_;
  }
  double step(double x) {
    const double y = a_ * x + b_ * y1_ + c_ * y2_;
    y2_ = y1_;
    y1_ = y;
    return y;
  }

 private:
  double a_ = 1, b_ = 0, c_ = 0, y1_ = 0, y2_ = 0;
};

// Second-order Butterworth high-pass (bilinear transform): the telephone band
// starts around 300 Hz, and the glottal pulse train carries DC.
class HighPass {
 public:
  explicit HighPass(double cutoff) {
    const double k = std::tan(std::numbers::pi * cutoff / kFs);
    const double norm = 1.0 / (1.0 + std::numbers::sqrt2 * k + k * k);
    b0_ = norm;
    a1_ = 2.0 * (k * k - 1.0) * norm;
    a2_ = (1.0 - std::numbers::sqrt2 * k + k * k) * norm;
  }
  double step(double x) {
    const double y = b0_ * (x - 2.0 * x1_ + x2_) - a1_ * y1_ - a2_ * y2_;
    x2_ = x1_;
    x1_ = x;
    y2_ = y1_;
    y1_ = y;
    return y;
  }

 private:
  double b0_, a1_, a2_, x1_ = 0, x2_ = 0, y1_ = 0, y2_ = 0;
};

}  // namespace

std::vector<int16_t> speech_like_noise(size_t n, double level_dbm0, uint64_t seed,
                                       const SpeechLikeOptions& options) {
  Rng rng(seed);
  std::vector<float> out(n, 0.0f);
  Resonator r1, r2, r3, fricative;
  double glottal_lp = 0.0;
  Formants current = kVowels[0];

  size_t i = 0;
  bool talking = rng.chance(0.5);
  while (i < n) {
    if (!talking) {
      i += static_cast<size_t>(rng.uniform(options.min_pause_s, options.max_pause_s) * kFs);
      talking = true;
      continue;
    }
    const auto spurt_len =
        static_cast<size_t>(rng.uniform(options.min_spurt_s, options.max_spurt_s) * kFs);
    const size_t spurt_end = std::min(n, i + spurt_len);
    // Pitch falls through a spurt (declination), with a random start.
    const double f0_start = rng.uniform(options.min_f0_hz * 1.15, options.max_f0_hz);
    const double f0_end = std::max(options.min_f0_hz, f0_start * rng.uniform(0.7, 0.9));
    double phase = 1.0;  // in periods; >= 1 fires a glottal pulse
    double syllable_pitch = 1.0;
    const size_t spurt_start = i;
    while (i < spurt_end) {
      const auto syllable_len = static_cast<size_t>(rng.uniform(0.10, 0.30) * kFs);
      const size_t syllable_end = std::min(spurt_end, i + syllable_len);
      const bool voiced = rng.chance(options.voiced_fraction);
      const Formants from = current;
      Formants target =
          kVowels[static_cast<size_t>(rng.uniform_int(0, static_cast<int>(kVowels.size()) - 1))];
      target.f1 *= rng.uniform(0.9, 1.1);
      target.f2 *= rng.uniform(0.9, 1.1);
      target.f3 *= rng.uniform(0.95, 1.05);
      syllable_pitch = std::clamp(syllable_pitch * rng.uniform(0.93, 1.07), 0.8, 1.25);
      const double fricative_hz = rng.uniform(2500.0, 3600.0);
      fricative.set(fricative_hz, 600.0);
      const double syllable_gain = rng.uniform(0.5, 1.0);
      const size_t start = i;
      const double length = static_cast<double>(syllable_end - start);
      for (; i < syllable_end; ++i) {
        const double t = static_cast<double>(i - start) / length;
        // Formants glide to the new vowel over the first 30 % of the syllable.
        const double g = std::min(1.0, t / 0.3);
        current = {from.f1 + g * (target.f1 - from.f1), from.f2 + g * (target.f2 - from.f2),
                   from.f3 + g * (target.f3 - from.f3)};
        const double envelope = syllable_gain * 0.5 * (1.0 - std::cos(2.0 * std::numbers::pi * t));
        double sample;
        if (voiced) {
          const double progress =
              static_cast<double>(i - spurt_start) / static_cast<double>(spurt_end - spurt_start);
          const double f0 = (f0_start + progress * (f0_end - f0_start)) * syllable_pitch *
                            (1.0 + 0.01 * rng.normal());
          phase += f0 / kFs;
          double pulse = 0.0;
          if (phase >= 1.0) {
            phase -= 1.0;
            pulse = 1.0;
          }
          // Glottal spectrum falls about 12 dB/octave; radiation adds 6.
          glottal_lp = 0.96 * glottal_lp + pulse;
          r1.set(current.f1, 80.0);
          r2.set(current.f2, 100.0);
          r3.set(current.f3, 150.0);
          sample = r3.step(r2.step(r1.step(glottal_lp + 0.02 * rng.normal())));
        } else {
          sample = 0.015 * fricative.step(rng.normal());  // about 10 dB under vowels
        }
        out[i] = static_cast<float>(envelope * sample);
      }
    }
    talking = false;
  }
  HighPass high_pass(200.0);
  for (float& x : out) x = static_cast<float>(high_pass.step(x));
  scale_to_active_level(std::span<float>(out), level_dbm0);
  return to_int16(out);
}

}  // namespace ivrd::test_support
