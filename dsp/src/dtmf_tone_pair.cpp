#include "dtmf_tone_pair.hpp"

#include <cmath>

#include "phase.hpp"

namespace ivrd::dsp::detail {

namespace {

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

// e^{j x} for |x| small (here under 0.03): the series to x^6 is exact to
// double precision, and far cheaper than sin and cos.
Complex small_angle_phasor(double x) {
  const double x2 = x * x;
  const double cos_x = 1.0 - x2 / 2.0 * (1.0 - x2 / 12.0 * (1.0 - x2 / 30.0));
  const double sin_x = x * (1.0 - x2 / 6.0 * (1.0 - x2 / 20.0 * (1.0 - x2 / 42.0)));
  return {cos_x, sin_x};
}

bool invert(const Complex (&r)[2][2], Complex (&inverse)[2][2]) {
  const Complex determinant = r[0][0] * r[1][1] - r[0][1] * r[1][0];
  const double norm = std::norm(determinant);
  if (!(norm > 1e-9)) return false;
  const Complex scale = std::conj(determinant) / norm;
  inverse[0][0] = r[1][1] * scale;
  inverse[0][1] = -r[0][1] * scale;
  inverse[1][0] = -r[1][0] * scale;
  inverse[1][1] = r[0][0] * scale;
  return true;
}

void apply(const Complex (&m)[2][2], const Complex (&v)[2], Complex (&out)[2]) {
  out[0] = m[0][0] * v[0] + m[0][1] * v[1];
  out[1] = m[1][0] * v[0] + m[1][1] * v[1];
}

}  // namespace

TonePairModel build_tone_pair_model(const TonePairWindow& window,
                                    const double (&frequency)[2]) noexcept {
  TonePairModel model;
  // e^{j v / 2} for tone frequency v = w + d: the bin's conjugate phasor
  // turned by the small d / 2.
  Complex tone_half_step[2];
  for (int t = 0; t < 2; ++t) {
    model.frequency[t] = frequency[t];
    tone_half_step[t] = std::conj(window.bin_half_step[t]) *
                        small_angle_phasor((frequency[t] - window.bin_frequency[t]) / 2.0);
  }
  Complex half_response[2][2], whole_response[2][2];  // [bin][tone]
  for (int b = 0; b < 2; ++b) {
    for (int t = 0; t < 2; ++t) {
      const Response r = response(tone_half_step[t] * window.bin_half_step[b], window.half_length);
      half_response[b][t] = r.half;
      whole_response[b][t] = r.whole;
    }
  }
  model.valid =
      invert(half_response, model.half_inverse) && invert(whole_response, model.whole_inverse);
  return model;
}

TonePair measure_tone_pair(const TonePairWindow& window, const TonePairModel& model) noexcept {
  TonePair pair;
  if (!model.valid) return pair;
  Complex first[2], second[2], whole[2], amplitude[2];
  apply(model.half_inverse, window.first_half, first);
  apply(model.half_inverse, window.second_half, second);
  for (int b = 0; b < 2; ++b) {
    // The whole window: both halves referred to its first sample.
    whole[b] = window.first_half[b] + window.second_half[b] * window.bin_half_advance[b];
  }
  apply(model.whole_inverse, whole, amplitude);
  pair.solved = true;
  for (int t = 0; t < 2; ++t) {
    // Each amplitude is referred to its own half's start, so the phase
    // between them is the tone's advance over one half; less the bin's own
    // advance, it is the frequency error times the half's length.
    const Complex turn = second[t] * std::conj(first[t]) * window.bin_half_advance[t];
    pair.frequency[t] =
        window.bin_frequency[t] + phase_angle(turn.imag(), turn.real()) / window.half_length;
    // A tone of peak A contributes A/2 e^{j phi}; its power is A^2 / 2.
    pair.power[t] = 2.0 * std::norm(amplitude[t]);
    pair.first_half_power[t] = 2.0 * std::norm(first[t]);
    pair.second_half_power[t] = 2.0 * std::norm(second[t]);
  }
  return pair;
}

TonePair fit_tone_pair(const TonePairWindow& window, const double (&estimate)[2],
                       double rebuild_distance, TonePairModel& model) noexcept {
  model = build_tone_pair_model(window, estimate);
  const TonePair first_pass = measure_tone_pair(window, model);
  if (!first_pass.solved) return first_pass;
  if (std::abs(first_pass.frequency[0] - estimate[0]) <= rebuild_distance &&
      std::abs(first_pass.frequency[1] - estimate[1]) <= rebuild_distance) {
    return first_pass;
  }
  model = build_tone_pair_model(window, first_pass.frequency);
  return measure_tone_pair(window, model);
}

}  // namespace ivrd::dsp::detail
