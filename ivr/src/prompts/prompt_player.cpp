#include "ivrd/ivr/prompt_player.hpp"

#include <algorithm>

namespace ivrd::ivr {

PromptPlayer::PromptPlayer(size_t capacity) { queue_.reserve(capacity); }

void PromptPlayer::play(std::span<const std::shared_ptr<const PromptAudio>> prompts) {
  for (const auto& prompt : prompts) {
    if (!prompt) throw PromptError("prompt player", "null prompt in the sequence");
  }
  queue_.assign(prompts.begin(), prompts.end());
  index_ = 0;
  position_ = 0;
  played_ = 0;
  stop_requested_.store(false, std::memory_order_relaxed);
  state_ = queue_.empty() ? PlayerState::finished : PlayerState::playing;
}

void PromptPlayer::stop() noexcept { stop_requested_.store(true, std::memory_order_release); }

bool PromptPlayer::take_stop() noexcept {
  if (!stop_requested_.exchange(false, std::memory_order_acq_rel)) return false;
  if (state_ == PlayerState::playing) state_ = PlayerState::stopped;
  return true;
}

template <typename Sample, typename Copy>
size_t PromptPlayer::fill(std::span<Sample, kPromptBlockSamples> out, Sample silence,
                          Copy copy) noexcept {
  take_stop();
  size_t written = 0;
  while (state_ == PlayerState::playing && written < out.size()) {
    if (index_ >= queue_.size()) {
      state_ = PlayerState::finished;
      break;
    }
    const PromptAudio& prompt = *queue_[index_];
    const size_t count = std::min(out.size() - written, prompt.samples() - position_);
    copy(prompt, position_, count, out.data() + written);
    written += count;
    position_ += count;
    if (position_ >= prompt.samples()) {
      ++index_;
      position_ = 0;
    }
  }
  // Finished as soon as the last sample is out, not one block later.
  if (state_ == PlayerState::playing && index_ >= queue_.size()) state_ = PlayerState::finished;
  std::fill(out.begin() + static_cast<std::ptrdiff_t>(written), out.end(), silence);
  played_ += written;
  return written;
}

size_t PromptPlayer::tx(std::span<int16_t, kPromptBlockSamples> out) noexcept {
  return fill<int16_t>(out, 0, [](const PromptAudio& p, size_t from, size_t n, int16_t* to) {
    std::copy_n(p.linear.begin() + static_cast<std::ptrdiff_t>(from), n, to);
  });
}

size_t PromptPlayer::tx_coded(std::span<uint8_t, kPromptBlockSamples> out,
                              dsp::G711Law law) noexcept {
  const uint8_t silence =
      law == dsp::G711Law::ulaw ? dsp::linear_to_ulaw(0) : dsp::linear_to_alaw(0);
  return fill<uint8_t>(
      out, silence, [law](const PromptAudio& p, size_t from, size_t n, uint8_t* to) {
        if (p.law == law && p.coded.size() == p.linear.size()) {
          std::copy_n(p.coded.begin() + static_cast<std::ptrdiff_t>(from), n, to);
        } else {
          dsp::g711_encode(law, std::span(p.linear).subspan(from, n), std::span(to, n));
        }
      });
}

}  // namespace ivrd::ivr
