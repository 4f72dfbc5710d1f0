#pragma once
// The G.165 tone disabler: watches both directions for the 2100 Hz answer
// tone of data modems and fax machines, and holds the canceller off while the
// call carries data.
//
// Detection, per direction, on 5 ms blocks: the block's correlation with a
// 2100 Hz phasor gives the tone's share of the block's energy (at least 80 %),
// its level (at least -33 dBm0, G.164 asks for operation down to -31) and its
// phase. The tone's own frequency offset (up to ±21 Hz) turns the phase by a
// steady amount per block, which is tracked; a jump of 180° ± 40° on top of it
// between two blocks two apart is a phase reversal. Disabling takes 350 ms of
// continuous tone and then a reversal (V.25 /ANS and V.8 ANSam reverse every
// 450 ms), or, in any_2100 mode, 400 ms of tone alone. Once disabled, the
// canceller stays off until both directions have been below -36 dBm0 for
// 250 ms (G.165: 250 ± 150 ms), whatever the data signal is in between.

#include <array>
#include <cstdint>

#include "ivrd/dsp/echo_canceller.hpp"

namespace ivrd::dsp::echo {

class ToneDisabler {
 public:
  static constexpr int kBlock = 40;  // 5 ms

  explicit ToneDisabler(ToneDisablerMode mode) noexcept : mode_(mode) {}

  // One sample of each direction, raw as on the line. Returns whether the
  // canceller is disabled from this sample on.
  bool push(int16_t tx, int16_t rx) noexcept {
    if (mode_ == ToneDisablerMode::off) return false;
    block_[0][block_fill_] = tx;
    block_[1][block_fill_] = rx;
    if (++block_fill_ == kBlock) end_block();
    return disabled_;
  }

  bool disabled() const noexcept { return disabled_; }
  void reset() noexcept;

  // 2100 Hz repeats after 80 samples (21 cycles).
  static constexpr int kPhaseTableSize = 80;
  static_assert(kPhaseTableSize % kBlock == 0, "blocks must start on table slices");

 private:
  struct Direction {
    float re = 0.0f, im = 0.0f, energy = 0.0f;
    // The last tone block's phasor (normalised), how many blocks ago it was,
    // and the tone's steady rotation per block.
    float last_re = 1.0f, last_im = 0.0f;
    int blocks_since_last = 0;
    float rotation_re = 1.0f, rotation_im = 0.0f;
    bool rotation_known = false;
    int tone_blocks = 0;  // since the tone started, gaps included
    int gap_blocks = 0;   // consecutive blocks that lost the tone
    int blocks_since_reversal = 0;
    bool reversal_seen = false;
    // Correlates a whole block; the block starts at this index of the
    // 2100 Hz phase table.
    void accumulate(const float* samples, int phase_index) noexcept;
    // Ends a block; returns true when this direction asks to disable.
    bool end_block(ToneDisablerMode mode) noexcept;
    bool quiet() const noexcept;
  };

  void end_block() noexcept;

  ToneDisablerMode mode_;
  std::array<Direction, 2> directions_{};
  int phase_index_ = 0;  // of the current block's first sample
  int block_fill_ = 0;
  float block_[2][kBlock] = {};
  int quiet_blocks_ = 0;
  bool disabled_ = false;
};

}  // namespace ivrd::dsp::echo
