// Voice versus call-progress tones, block by block: a least-squares fit of
// sines at the zone's tone frequencies explains nearly all of a tone's
// energy and little of speech's.

#include "voice_answer_detector.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>

#include "ivrd/dsp/levels.hpp"

namespace ivrd::driver::detail {

namespace {

// Frequencies 2 Hz apart (Australia's 413 and 415 Hz) are one direction
// over 20 ms; the ridge keeps the fit well-posed without merging them.
constexpr double kRidge = 0.5;  // against a diagonal of about 80

double dbm0_to_mean_square(double dbm0) {
  const double full_scale_sine_power = 32767.0 * 32767.0 / 2.0;
  return full_scale_sine_power * std::pow(10.0, (dbm0 - dsp::kFullScaleSineDbm0) / 10.0);
}

void add_frequency(std::vector<double>& out, double hz) {
  if (hz <= 0.0 || hz >= kSampleRate / 2.0) return;
  for (double f : out) {
    if (std::abs(f - hz) < 0.5) return;
  }
  out.push_back(hz);
}

void add_tone(std::vector<double>& out, const dsp::ToneDefinition& tone) {
  for (const dsp::ToneSegment& segment : tone.segments) {
    for (int i = 0; i < segment.frequency_count; ++i) {
      const double f = segment.frequencies_hz[static_cast<size_t>(i)];
      add_frequency(out, f);
      if (segment.modulation_hz > 0.0f) {
        add_frequency(out, f - segment.modulation_hz);
        add_frequency(out, f + segment.modulation_hz);
      }
    }
  }
}

}  // namespace

VoiceAnswerDetector::VoiceAnswerDetector(const dsp::ToneZone& zone, float level_dbm0,
                                         float max_tone_share, uint32_t min_ms,
                                         uint32_t window_ms) {
  std::vector<double> frequencies;
  for (const dsp::ToneDefinition& tone : zone.tones) add_tone(frequencies, tone);
  add_tone(frequencies, dsp::itu_sit_tone());

  dims_ = frequencies.size() * 2;
  basis_.resize(dims_ * kBlockSamples);
  for (size_t k = 0; k < frequencies.size(); ++k) {
    const double step = 2.0 * std::numbers::pi * frequencies[k] / kSampleRate;
    for (size_t n = 0; n < kBlockSamples; ++n) {
      basis_[(2 * k) * kBlockSamples + n] = std::cos(step * static_cast<double>(n));
      basis_[(2 * k + 1) * kBlockSamples + n] = std::sin(step * static_cast<double>(n));
    }
  }
  // Gram matrix plus the ridge, factored once (Cholesky, lower triangle).
  factor_.assign(dims_ * dims_, 0.0);
  for (size_t i = 0; i < dims_; ++i) {
    for (size_t j = 0; j <= i; ++j) {
      double sum = 0.0;
      for (size_t n = 0; n < kBlockSamples; ++n) {
        sum += basis_[i * kBlockSamples + n] * basis_[j * kBlockSamples + n];
      }
      if (i == j) sum += kRidge;
      for (size_t k = 0; k < j; ++k) sum -= factor_[i * dims_ + k] * factor_[j * dims_ + k];
      factor_[i * dims_ + j] = i == j ? std::sqrt(sum) : sum / factor_[j * dims_ + j];
    }
  }
  scratch_.resize(dims_);
  min_mean_square_ = dbm0_to_mean_square(level_dbm0);
  max_share_ = max_tone_share;
  const size_t window = std::max<size_t>(1, window_ms * kSampleRate / 1000 / kBlockSamples);
  needed_ = std::clamp<size_t>(min_ms * kSampleRate / 1000 / kBlockSamples, 1, window);
  voice_.assign(window, 0);
  starts_.assign(window, 0);
}

std::optional<uint64_t> VoiceAnswerDetector::rx(std::span<const int16_t, kBlockSamples> block,
                                                uint64_t block_start) noexcept {
  double energy = 0.0;
  for (int16_t sample : block) energy += static_cast<double>(sample) * sample;
  bool voice = false;
  last_share_ = 0.0;
  if (energy / static_cast<double>(kBlockSamples) >= min_mean_square_) {
    // b = B x, then the fitted energy b' (G + rI)^-1 b = |L^-1 b|^2.
    for (size_t i = 0; i < dims_; ++i) {
      double sum = 0.0;
      const double* row = &basis_[i * kBlockSamples];
      for (size_t n = 0; n < kBlockSamples; ++n) sum += row[n] * block[n];
      for (size_t k = 0; k < i; ++k) sum -= factor_[i * dims_ + k] * scratch_[k];
      scratch_[i] = sum / factor_[i * dims_ + i];
    }
    double fitted = 0.0;
    for (double y : scratch_) fitted += y * y;
    last_share_ = fitted / energy;
    voice = last_share_ <= max_share_;
  }
  voice_[next_] = voice ? 1 : 0;
  starts_[next_] = block_start;
  next_ = (next_ + 1) % voice_.size();

  size_t count = 0;
  std::optional<uint64_t> first;
  for (size_t i = 0; i < voice_.size(); ++i) {
    const size_t at = (next_ + i) % voice_.size();  // oldest first
    if (voice_[at] == 0) continue;
    ++count;
    if (!first) first = starts_[at];
  }
  if (count >= needed_) return first;
  return std::nullopt;
}

}  // namespace ivrd::driver::detail
