#pragma once
// Joint fit of the two tones of a DTMF window (internal to the receiver).
//
// A 20 ms window is too short for its bins to keep the two tones apart:
// 941 and 1209 Hz are 5.4 bins apart, so at 8 dB of twist the louder tone
// moves the weaker one's bin by over 1 dB and its phase by enough to misread
// its frequency by 0.5 %. With both tones' frequencies known, each bin is a
// known linear mix of the two tones (the window's response to each tone), so
// the tones' complex amplitudes follow from a 2 x 2 solve; the frequencies,
// in turn, follow from how each tone's phase advances between the window's
// halves.
//
// The responses depend only on the frequencies, so a model built for one
// window serves the following windows of the same key press: a digit's
// first window is fitted from scratch, the rest reuse its model.

#include <complex>

#include "ivrd/dsp/detail/tone_pair_model.hpp"

namespace ivrd::dsp::detail {

using Complex = std::complex<double>;

// The two bins and what the window measured in them.
struct TonePairWindow {
  // The bins' nominal frequencies w, in radians per sample, and the phasors
  // e^{-j w / 2} and e^{-j w half_length}.
  double bin_frequency[2];
  Complex bin_half_step[2];
  Complex bin_half_advance[2];
  // Each bin's correlation over the first and the second half of the window,
  // each referred to its own half's first sample.
  Complex first_half[2];
  Complex second_half[2];
  int half_length;  // samples in each half (80)
};

struct TonePair {
  bool solved = false;
  double frequency[2]{};         // measured, radians per sample
  double power[2]{};             // mean square of each tone over the window
  double first_half_power[2]{};  // and over each half
  double second_half_power[2]{};
};

TonePairModel build_tone_pair_model(const TonePairWindow& window,
                                    const double (&frequency)[2]) noexcept;

// Amplitudes and frequencies of the window's tones under a model.
TonePair measure_tone_pair(const TonePairWindow& window, const TonePairModel& model) noexcept;

// From a first frequency estimate: builds a model and measures; when a
// measured frequency (free of the other tone's leakage) lies further than
// rebuild_distance from the estimate, rebuilds the model there and measures
// again. model receives the last model built.
TonePair fit_tone_pair(const TonePairWindow& window, const double (&estimate)[2],
                       double rebuild_distance, TonePairModel& model) noexcept;

}  // namespace ivrd::dsp::detail
