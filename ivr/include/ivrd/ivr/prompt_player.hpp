#pragma once
// Plays a sequence of prompts into a line's 20 ms blocks (160 samples at
// 8 kHz), with barge-in.
//
//   PromptPlayer player;
//   player.play(prompts);                 // control thread
//   ... every tick: player.tx(block);     // media thread, writes 160 samples
//   ... a key pressed: player.stop();     // the next block is silence
//
// tx() writes the next 160 samples of the sequence, the prompts back to back
// with no gap, padding the last block with silence; after the end, or after
// stop(), it writes silence. state() tells whether the sequence is playing,
// has finished (played to its end) or was stopped; a new play() starts over.
//
// Allocation: play() copies the sequence into storage reserved at
// construction (it allocates only if a sequence is longer than `capacity`);
// tx(), tx_coded(), stop() and state() never allocate, lock or throw.
// Threading: play() and tx() belong to one thread (the line's); stop() may be
// called from any thread and takes effect at the next tx().

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "ivrd/dsp/g711.hpp"
#include "ivrd/ivr/prompt_audio.hpp"

namespace ivrd::ivr {

inline constexpr size_t kPromptBlockSamples = 160;  // as ivrd::driver::kBlockSamples

enum class PlayerState : uint8_t {
  idle,      // nothing played yet
  playing,   // audio left to play
  finished,  // the whole sequence was played
  stopped,   // stop() cut it short (barge-in)
};

class PromptPlayer {
 public:
  explicit PromptPlayer(size_t capacity = 64);

  // Replaces whatever was playing with `prompts`, from their first sample.
  // Null entries are not allowed (PromptError). An empty sequence finishes
  // at once.
  void play(std::span<const std::shared_ptr<const PromptAudio>> prompts);

  // Stops at once: the next tx() writes silence and the state is `stopped`.
  // Nothing happens when the sequence already finished.
  void stop() noexcept;

  // Writes the next block as linear PCM; returns how many samples of it came
  // from prompts (0 when nothing is playing, < 160 in the last block).
  size_t tx(std::span<int16_t, kPromptBlockSamples> out) noexcept;
  // The same, coded in `law` (taken from the prompts' own coded copy when it
  // is in that law; silence is the law's code for 0).
  size_t tx_coded(std::span<uint8_t, kPromptBlockSamples> out, dsp::G711Law law) noexcept;

  PlayerState state() const noexcept { return state_; }
  bool playing() const noexcept { return state_ == PlayerState::playing; }
  // Samples played from prompts since the last play().
  uint64_t samples_played() const noexcept { return played_; }

 private:
  template <typename Sample, typename Copy>
  size_t fill(std::span<Sample, kPromptBlockSamples> out, Sample silence, Copy copy) noexcept;
  bool take_stop() noexcept;

  std::vector<std::shared_ptr<const PromptAudio>> queue_;
  size_t index_ = 0;     // prompt playing
  size_t position_ = 0;  // next sample within it
  uint64_t played_ = 0;
  PlayerState state_ = PlayerState::idle;
  std::atomic<bool> stop_requested_{false};
};

}  // namespace ivrd::ivr
