#pragma once
// Joint fit of the two tones of a DTMF window (internal to the receiver).
//
// A 20 ms window is too short for its bins to keep the two tones apart:
// 941 and 1209 Hz are 5.4 bins apart, so at 8 dB of twist the louder tone
// moves the weaker one's bin by over 1 dB and its phase by enough to misread
// its frequency by 0.5 %. With both tones' frequencies known, each bin is a
// known linear mix of the two tones, so the tones' complex amplitudes follow
// from a 2 x 2 solve; the frequencies, in turn, follow from how each tone's
// phase advances between the window's halves. A few rounds of the two give
// frequencies and levels free of the leakage.

#include <complex>

namespace ivrd::dsp::detail {

struct TonePairInput {
  // The two bins' nominal frequencies w, in radians per sample, and the
  // phasors e^{-j w / 2} and e^{-j w half_length}.
  double bin_frequency[2];
  std::complex<double> bin_half_step[2];
  std::complex<double> bin_half_advance[2];
  // Each bin's correlation over the first and the second half of the window,
  // each referred to its own half's first sample.
  std::complex<double> first_half[2];
  std::complex<double> second_half[2];
  // First estimate of each tone's frequency, radians per sample (within
  // +-pi / half_length of its bin).
  double frequency[2];
  int half_length;  // samples in each half (80)
  // Rounds of re-measuring the frequencies with the other tone's leakage
  // removed before the final measurement: 1 from a plain phase estimate
  // (a second round changes no decision on the conformance signals), 0 when
  // starting from the previous window's fit.
  int refinements = 1;
};

struct TonePair {
  bool solved = false;
  double frequency[2]{};         // radians per sample
  double power[2]{};             // mean square of each tone over the window
  double first_half_power[2]{};  // and over each half
  double second_half_power[2]{};
};

TonePair fit_tone_pair(const TonePairInput& input) noexcept;

}  // namespace ivrd::dsp::detail
