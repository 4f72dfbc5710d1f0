#include "signalling/tone_notch.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>

#include "ivrd/driver/line.hpp"

namespace ivrd::driver::detail {

ToneNotch::ToneNotch(const dsp::ToneDefinition& tone) {
  for (const dsp::ToneSegment& segment : tone.segments) {
    for (int i = 0; i < segment.frequency_count; ++i) {
      const double f = segment.frequencies_hz[static_cast<size_t>(i)];
      add(f);
      if (segment.modulation_hz > 0.0f) {
        add(f - segment.modulation_hz);
        add(f + segment.modulation_hz);
      }
    }
  }
}

void ToneNotch::add(double frequency_hz) noexcept {
  if (frequency_hz <= 0.0 || frequency_hz >= kMaxFrequencyHz || count_ == kMaxNotches) return;
  for (size_t i = 0; i < count_; ++i) {
    if (std::abs(frequencies_[i] - frequency_hz) < 1.0) return;  // already notched
  }
  const double w0 = 2.0 * std::numbers::pi * frequency_hz / kSampleRate;
  const double r = 1.0 - std::numbers::pi * kWidthHz / kSampleRate;
  Section& section = sections_[count_];
  section.b1 = -2.0 * std::cos(w0);
  section.a1 = -2.0 * r * std::cos(w0);
  section.a2 = r * r;
  frequencies_[count_++] = frequency_hz;
}

void ToneNotch::reset() noexcept {
  for (size_t i = 0; i < count_; ++i) {
    Section& s = sections_[i];
    s.x1 = s.x2 = s.y1 = s.y2 = 0.0;
  }
}

void ToneNotch::process(std::span<int16_t> pcm) noexcept {
  if (count_ == 0) return;
  for (int16_t& sample : pcm) {
    double x = sample;
    for (size_t i = 0; i < count_; ++i) {
      Section& s = sections_[i];
      double y = x + s.b1 * s.x1 + s.x2 - s.a1 * s.y1 - s.a2 * s.y2;
      if (std::abs(y) < 1e-20) y = 0.0;  // no denormals decaying through silence
      s.x2 = s.x1;
      s.x1 = x;
      s.y2 = s.y1;
      s.y1 = y;
      x = y;
    }
    sample = static_cast<int16_t>(std::clamp(std::lround(x), -32768L, 32767L));
  }
}

}  // namespace ivrd::driver::detail
