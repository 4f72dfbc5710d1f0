#pragma once
// Narrow notch filters at the frequencies of one call-progress tone, for the
// receive path of a line on which that tone is being played: a real line
// returns part of what it is sent (the hybrid's echo, typically 6 to 20 dB
// down), and a dial tone's echo on top of a weak first key can hide the key
// from the DTMF detector, which wants the key's two tones to carry nearly all
// of the energy. Each notch is a second-order IIR section 30 Hz wide (-3 dB),
// settling in about 10 ms. Only frequencies below 650 Hz are notched (with
// an amplitude-modulated tone, its side frequencies too): every zone's dial
// tone lies there, and the lowest DTMF tone, 697 Hz, then loses less than
// 0.2 dB.
//
// process() never allocates or throws. One per line; not thread-safe.

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include "ivrd/dsp/tone_zone.hpp"

namespace ivrd::driver::detail {

class ToneNotch {
 public:
  static constexpr size_t kMaxNotches = 8;
  static constexpr float kMaxFrequencyHz = 650.0f;
  static constexpr float kWidthHz = 30.0f;

  explicit ToneNotch(const dsp::ToneDefinition& tone);

  // Filters pcm in place.
  void process(std::span<int16_t> pcm) noexcept;
  // Forgets the filters' memory (a new stream).
  void reset() noexcept;
  size_t notches() const noexcept { return count_; }

 private:
  struct Section {
    double b1 = 0.0;            // -2 cos w0 (b0 = b2 = 1)
    double a1 = 0.0, a2 = 0.0;  // -2 r cos w0, r^2
    double x1 = 0.0, x2 = 0.0, y1 = 0.0, y2 = 0.0;
  };
  void add(double frequency_hz) noexcept;

  std::array<Section, kMaxNotches> sections_{};
  std::array<double, kMaxNotches> frequencies_{};
  size_t count_ = 0;
};

}  // namespace ivrd::driver::detail
