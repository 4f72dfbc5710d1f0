#include "dtmf_tone_pair.hpp"

#include <cmath>
#include <numbers>

#include "phase.hpp"

namespace ivrd::dsp::detail {

namespace {

using Complex = std::complex<double>;

// The response of a bin to a tone d = tone - bin radians per sample away,
// over one half and over the whole window: the sum over n < half of
// e^{j d n} is sin(half d / 2) / sin(d / 2) * e^{j (half - 1) d / 2}, and the
// whole window adds the second half, e^{j d half} times the first. Powers of
// the half-step phasor e^{j d / 2} come from squaring, with no trigonometry.
struct Response {
  Complex half;
  Complex whole;
};
Response response(Complex step, int half) {
  if (std::abs(step.imag()) < 1e-12) return {Complex(half, 0.0), Complex(2.0 * half, 0.0)};
  Complex squared = step;
  Complex power(1.0, 0.0);  // step^half
  for (int bits = half; bits != 0; bits >>= 1) {
    if (bits & 1) power *= squared;
    squared *= squared;
  }
  const Complex first = power * std::conj(step) * (power.imag() / step.imag());
  return {first, first * (1.0 + power * power)};
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

// e^{j x} for |x| small (here under 0.03): the series to x^6 is exact to
// double precision, and far cheaper than sin and cos.
Complex small_angle_phasor(double x) {
  const double x2 = x * x;
  const double cos_x = 1.0 - x2 / 2.0 * (1.0 - x2 / 12.0 * (1.0 - x2 / 30.0));
  const double sin_x = x * (1.0 - x2 / 6.0 * (1.0 - x2 / 20.0 * (1.0 - x2 / 42.0)));
  return {cos_x, sin_x};
}

}  // namespace

TonePair fit_tone_pair(const TonePairInput& input) noexcept {
  TonePair pair;
  double frequency[2] = {input.frequency[0], input.frequency[1]};
  double measured[2];
  const int half = input.half_length;
  Complex first[2], second[2];
  Complex half_response[2][2], whole_response[2][2];  // [bin][tone]
  for (int round = 0;; ++round) {
    // e^{j v / 2} for tone frequency v = w + d: the bin's conjugate phasor
    // turned by the small d / 2.
    Complex tone_half_step[2];
    for (int t = 0; t < 2; ++t) {
      tone_half_step[t] = std::conj(input.bin_half_step[t]) *
                          small_angle_phasor((frequency[t] - input.bin_frequency[t]) / 2.0);
    }
    for (int b = 0; b < 2; ++b) {
      for (int t = 0; t < 2; ++t) {
        const Response r = response(tone_half_step[t] * input.bin_half_step[b], half);
        half_response[b][t] = r.half;
        whole_response[b][t] = r.whole;
      }
    }
    if (!solve(half_response, input.first_half, first) ||
        !solve(half_response, input.second_half, second)) {
      return pair;
    }
    for (int t = 0; t < 2; ++t) {
      // Each amplitude is referred to its own half's start, so the phase
      // between them is the tone's advance over one half; less the bin's
      // own advance, it is the frequency error times the half's length.
      const Complex turn = second[t] * std::conj(first[t]) * input.bin_half_advance[t];
      measured[t] = input.bin_frequency[t] + phase_angle(turn.imag(), turn.real()) / half;
    }
    if (round == input.refinements) break;
    frequency[0] = measured[0];
    frequency[1] = measured[1];
  }

  // The whole window: both halves referred to its first sample.
  Complex whole[2], amplitude[2];
  for (int b = 0; b < 2; ++b) {
    whole[b] = input.first_half[b] + input.second_half[b] * input.bin_half_advance[b];
  }
  if (!solve(whole_response, whole, amplitude)) return pair;

  pair.solved = true;
  for (int t = 0; t < 2; ++t) {
    pair.frequency[t] = measured[t];
    // A tone of peak A contributes A/2 e^{j phi}; its power is A^2 / 2.
    pair.power[t] = 2.0 * std::norm(amplitude[t]);
    pair.first_half_power[t] = 2.0 * std::norm(first[t]);
    pair.second_half_power[t] = 2.0 * std::norm(second[t]);
  }
  return pair;
}

}  // namespace ivrd::dsp::detail
