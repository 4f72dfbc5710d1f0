#include "ivrd/dsp/tone_generator.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <stdexcept>

#include "ivrd/dsp/levels.hpp"

namespace ivrd::dsp {
namespace {

constexpr double kModulationDepth = 0.9;

}  // namespace

ToneGenerator::ToneGenerator(const ToneZone& zone, CallProgressTone kind, float level_dbm0)
    : ToneGenerator(zone.tone(kind), level_dbm0) {}

ToneGenerator::ToneGenerator(const ToneDefinition& tone, float level_dbm0) {
  if (!tone.defined()) throw std::invalid_argument("ToneGenerator: tone has no segment");
  // A sine of peak A has power A^2/2; the level is the loudest segment's total power.
  const double total_peak = dbm0_to_sine_peak(level_dbm0);
  for (const ToneSegment& source : tone.segments) {
    Segment segment;
    segment.count = source.frequency_count;
    for (int i = 0; i < source.frequency_count; ++i) {
      segment.step[static_cast<size_t>(i)] =
          2.0 * std::numbers::pi * source.frequencies_hz[static_cast<size_t>(i)] / kSampleRate;
    }
    segment.modulation_step = 2.0 * std::numbers::pi * source.modulation_hz / kSampleRate;
    double power_share = source.frequency_count > 0 ? 1.0 / source.frequency_count : 0.0;
    // Carrier (1 + m sin) has power (1 + m^2/2) times the carrier's.
    if (source.modulation_hz > 0.0f) power_share /= 1.0 + kModulationDepth * kModulationDepth / 2;
    segment.amplitude =
        total_peak * std::sqrt(power_share) * std::pow(10.0, source.level_db / 20.0);
    segment.length = static_cast<uint64_t>(source.duration_ms) * 8;
    segments_.push_back(segment);
  }
  repeat_from_ = tone.repeat_start();
  for (size_t i = repeat_from_; i < segments_.size(); ++i) {
    if (segments_[i].length == 0) {
      period_ = 0;
      break;
    }
    period_ += segments_[i].length;
  }
  reset();
}

void ToneGenerator::reset() noexcept {
  index_ = 0;
  in_segment_ = 0;
  sample_ = 0;
  ended_ = false;
}

void ToneGenerator::tx(std::span<int16_t> out) noexcept {
  for (int16_t& sample : out) {
    double value = 0.0;
    if (!ended_) {
      const Segment& segment = segments_[index_];
      const auto n = static_cast<double>(in_segment_);
      for (int i = 0; i < segment.count; ++i) {
        value += std::sin(segment.step[static_cast<size_t>(i)] * n);
      }
      if (segment.modulation_step > 0.0) {
        value *= 1.0 + kModulationDepth * std::sin(segment.modulation_step * n);
      }
      value *= segment.amplitude;
      ++in_segment_;
      if (segment.length != 0 && in_segment_ >= segment.length) {
        in_segment_ = 0;
        if (++index_ == segments_.size()) {
          if (repeat_from_ < segments_.size()) {
            index_ = repeat_from_;
          } else {
            ended_ = true;
          }
        }
      }
    }
    ++sample_;
    sample = static_cast<int16_t>(std::lround(std::clamp(value, -32768.0, 32767.0)));
  }
}

}  // namespace ivrd::dsp
