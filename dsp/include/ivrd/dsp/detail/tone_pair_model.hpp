#pragma once
// Part of the DTMF receiver's state, here only so the detector is one
// fixed-size object; see dsp/src/dtmf_tone_pair.hpp.

#include <complex>

namespace ivrd::dsp::detail {

// The inverted responses of a window's two bins to both tones at given
// frequencies.
struct TonePairModel {
  bool valid = false;
  double frequency[2]{};  // radians per sample, the tones it was built for
  std::complex<double> half_inverse[2][2]{};
  std::complex<double> whole_inverse[2][2]{};
};

}  // namespace ivrd::dsp::detail
