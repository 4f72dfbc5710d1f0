#include "dtmf_tone_pair.hpp"

#include <cmath>
#include <numbers>

namespace ivrd::dsp::detail {

namespace {

using Complex = std::complex<double>;

// Sum over n < length of e^{j d n} for d = tone - bin, given the half-step
// phasor e^{j d / 2}: sin(length d / 2) / sin(d / 2) * e^{j (length - 1) d / 2}.
// The power of the phasor comes from squaring, with no trigonometry.
Complex response(Complex step, int length) {
  if (std::abs(step.imag()) < 1e-12) return Complex(length, 0.0);
  Complex squared = step;
  Complex power(1.0, 0.0);
  for (int bits = length; bits != 0; bits >>= 1) {
    if (bits & 1) power *= squared;
    squared *= squared;
  }
  return power * std::conj(step) * (power.imag() / step.imag());
}

// Solves r * (a0, a1) = (v0, v1) for a 2 x 2 complex r.
bool solve(const Complex (&r)[2][2], const Complex (&v)[2], Complex (&a)[2]) {
  const Complex determinant = r[0][0] * r[1][1] - r[0][1] * r[1][0];
  const double norm = std::norm(determinant);
  if (!(norm > 1e-9)) return false;
  a[0] = (v[0] * r[1][1] - v[1] * r[0][1]) * std::conj(determinant) / norm;
  a[1] = (r[0][0] * v[1] - r[1][0] * v[0]) * std::conj(determinant) / norm;
  return true;
}

// One refinement is enough: a second one changes no decision on the
// conformance signals.
constexpr int kRounds = 1;

}  // namespace

TonePair fit_tone_pair(const TonePairInput& input) noexcept {
  TonePair pair;
  double frequency[2] = {input.frequency[0], input.frequency[1]};
  const int half = input.half_length;
  const Complex bin_half_step[2] = {std::polar(1.0, -input.bin_frequency[0] / 2.0),
                                    std::polar(1.0, -input.bin_frequency[1] / 2.0)};
  Complex tone_half_step[2];
  Complex first[2], second[2];
  Complex half_response[2][2];  // [bin][tone]
  for (int round = 0; round <= kRounds; ++round) {
    for (int t = 0; t < 2; ++t) tone_half_step[t] = std::polar(1.0, frequency[t] / 2.0);
    for (int b = 0; b < 2; ++b) {
      for (int t = 0; t < 2; ++t) {
        half_response[b][t] = response(tone_half_step[t] * bin_half_step[b], half);
      }
    }
    if (!solve(half_response, input.first_half, first) ||
        !solve(half_response, input.second_half, second)) {
      return pair;
    }
    if (round == kRounds) break;
    for (int t = 0; t < 2; ++t) {
      // Each amplitude is referred to its own half's start, so the phase
      // between them is the tone's advance over one half.
      const double advance = std::arg(second[t] * std::conj(first[t]));
      const double nominal = input.bin_frequency[t] * half;
      frequency[t] =
          input.bin_frequency[t] + std::remainder(advance - nominal, 2.0 * std::numbers::pi) / half;
    }
  }

  // The whole window: both halves referred to its first sample.
  Complex whole[2], whole_response[2][2], amplitude[2];
  for (int b = 0; b < 2; ++b) {
    whole[b] = input.first_half[b] +
               input.second_half[b] * std::polar(1.0, -input.bin_frequency[b] * half);
    for (int t = 0; t < 2; ++t) {
      whole_response[b][t] = response(tone_half_step[t] * bin_half_step[b], 2 * half);
    }
  }
  if (!solve(whole_response, whole, amplitude)) return pair;

  pair.solved = true;
  for (int t = 0; t < 2; ++t) {
    pair.frequency[t] = frequency[t];
    // A tone of peak A contributes A/2 e^{j phi}; its power is A^2 / 2.
    pair.power[t] = 2.0 * std::norm(amplitude[t]);
    pair.first_half_power[t] = 2.0 * std::norm(first[t]);
    pair.second_half_power[t] = 2.0 * std::norm(second[t]);
  }
  return pair;
}

}  // namespace ivrd::dsp::detail
