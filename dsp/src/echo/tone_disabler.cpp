#include "echo/tone_disabler.hpp"

#include <algorithm>
#include <cmath>
#include <iterator>
#include <numbers>

#include "ivrd/dsp/levels.hpp"

namespace ivrd::dsp::echo {
namespace {

constexpr double kToneHz = 2100.0;
constexpr float kMinToneShare = 0.8f;
constexpr double kMinToneDbm0 = -33.0;
constexpr double kQuietDbm0 = -36.0;
constexpr int kToneBlocksBeforeReversal = 70;   // 350 ms
constexpr int kToneBlocksWithoutReversal = 80;  // 400 ms
constexpr int kQuietBlocksToEnable = 50;        // 250 ms
constexpr int kMaxGapBlocks = 2;
// cos(180° ± 40°): a rotation this close to half a turn is a reversal.
constexpr float kReversalCosine = -0.766f;

struct PhaseTable {
  std::array<float, ToneDisabler::kPhaseTableSize> cos{}, sin{};
};

const PhaseTable& phase_table() {
  static const PhaseTable table = [] {
    PhaseTable t;
    for (int n = 0; n < ToneDisabler::kPhaseTableSize; ++n) {
      const double phase = 2.0 * std::numbers::pi * kToneHz * n / 8000.0;
      t.cos[n] = static_cast<float>(std::cos(phase));
      t.sin[n] = static_cast<float>(std::sin(phase));
    }
    return t;
  }();
  return table;
}

// Block energy (sum of squares over kBlock samples) of a signal at this level.
float block_energy_at(double dbm0) {
  const double peak = dbm0_to_sine_peak(dbm0);
  return static_cast<float>(peak * peak / 2.0 * ToneDisabler::kBlock);
}

}  // namespace

void ToneDisabler::Direction::accumulate(const float* samples, int phase_index) noexcept {
  const PhaseTable& table = phase_table();
  const float* c = table.cos.data() + phase_index;
  const float* s = table.sin.data() + phase_index;
  // Four partial sums each: single running sums would wait on every add.
  float sum_re[4] = {}, sum_im[4] = {}, sum_energy[4] = {};
  for (int n = 0; n < kBlock; n += 4) {
    for (int l = 0; l < 4; ++l) {
      sum_re[l] += samples[n + l] * c[n + l];
      sum_im[l] -= samples[n + l] * s[n + l];
      sum_energy[l] += samples[n + l] * samples[n + l];
    }
  }
  re = (sum_re[0] + sum_re[2]) + (sum_re[1] + sum_re[3]);
  im = (sum_im[0] + sum_im[2]) + (sum_im[1] + sum_im[3]);
  energy = (sum_energy[0] + sum_energy[2]) + (sum_energy[1] + sum_energy[3]);
}

bool ToneDisabler::Direction::quiet() const noexcept {
  static const float threshold = block_energy_at(kQuietDbm0);
  return energy < threshold;
}

bool ToneDisabler::Direction::end_block(ToneDisablerMode mode) noexcept {
  static const float min_energy = block_energy_at(kMinToneDbm0);
  // A sine of amplitude A gives |re + j im| = A * kBlock / 2 and energy
  // A^2 * kBlock / 2, so this share is 1 for a pure tone.
  const float magnitude_sq = re * re + im * im;
  const bool loud = energy >= min_energy;
  const bool tone =
      loud && magnitude_sq * 2.0f >= kMinToneShare * energy * static_cast<float>(kBlock);
  if (!tone) {
    // The block a reversal falls into loses most of its correlation but none
    // of its energy: bridge up to two such blocks inside a tone.
    if (tone_blocks > 0 && loud && gap_blocks < kMaxGapBlocks) {
      ++gap_blocks;
      ++tone_blocks;
      ++blocks_since_last;
      ++blocks_since_reversal;
      return false;
    }
    tone_blocks = 0;
    gap_blocks = 0;
    rotation_known = false;
    reversal_seen = false;
    return false;
  }
  gap_blocks = 0;
  const float magnitude = std::sqrt(magnitude_sq);
  const float now_re = re / magnitude, now_im = im / magnitude;
  if (tone_blocks > 0) {
    ++blocks_since_last;
    ++blocks_since_reversal;
    // Rotation since the last tone block, less the tone's own steady rotation.
    const float step_re = now_re * last_re + now_im * last_im;
    const float step_im = now_im * last_re - now_re * last_im;
    float expect_re = 1.0f, expect_im = 0.0f;
    if (rotation_known) {
      for (int i = 0; i < blocks_since_last; ++i) {
        const float r = expect_re * rotation_re - expect_im * rotation_im;
        expect_im = expect_re * rotation_im + expect_im * rotation_re;
        expect_re = r;
      }
    }
    const float excess_re = step_re * expect_re + step_im * expect_im;
    if (rotation_known && excess_re < kReversalCosine && blocks_since_reversal > 2) {
      if (tone_blocks >= kToneBlocksBeforeReversal) reversal_seen = true;
      blocks_since_reversal = 0;
    } else if (blocks_since_last == 1 && step_re > 0.0f) {
      // A plain one-block step: refine the tone's steady rotation.
      const float weight = rotation_known ? 0.2f : 1.0f;
      rotation_re = (1.0f - weight) * rotation_re + weight * step_re;
      rotation_im = (1.0f - weight) * rotation_im + weight * step_im;
      const float norm = std::sqrt(rotation_re * rotation_re + rotation_im * rotation_im);
      if (norm > 0.0f) {
        rotation_re /= norm;
        rotation_im /= norm;
      }
      rotation_known = true;
    }
  } else {
    blocks_since_reversal = 3;
  }
  last_re = now_re;
  last_im = now_im;
  blocks_since_last = 0;
  ++tone_blocks;
  return mode == ToneDisablerMode::any_2100 ? tone_blocks >= kToneBlocksWithoutReversal
                                            : reversal_seen;
}

void ToneDisabler::end_block() noexcept {
  block_fill_ = 0;
  directions_[0].accumulate(block_[0], phase_index_);
  directions_[1].accumulate(block_[1], phase_index_);
  phase_index_ = (phase_index_ + kBlock) % kPhaseTableSize;
  bool disable = false;
  for (Direction& direction : directions_) disable = direction.end_block(mode_) || disable;
  const bool quiet = directions_[0].quiet() && directions_[1].quiet();
  if (disable) {
    disabled_ = true;
    quiet_blocks_ = 0;
  } else if (disabled_) {
    quiet_blocks_ = quiet ? quiet_blocks_ + 1 : 0;
    if (quiet_blocks_ >= kQuietBlocksToEnable) disabled_ = false;
  }
}

void ToneDisabler::reset() noexcept {
  directions_ = {};
  phase_index_ = 0;
  for (auto& direction : block_) std::fill(std::begin(direction), std::end(direction), 0.0f);
  block_fill_ = 0;
  quiet_blocks_ = 0;
  disabled_ = false;
}

}  // namespace ivrd::dsp::echo
