#include "ivrd/dsp/echo_canceller.hpp"

#include <xmmintrin.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "echo/canceller_state.hpp"

namespace ivrd::dsp {

static_assert(EchoCanceller::kPartition == static_cast<int>(echo::kFrame),
              "the public partition size is the internal frame");
std::optional<std::string> EchoCancellerConfig::validate() const {
  if (tail_ms < 16 || tail_ms > 256) {
    return "tail_ms: " + std::to_string(tail_ms) + " is outside 16..256 ms";
  }
  if (!(high_pass_hz == 0.0f || (high_pass_hz >= 20.0f && high_pass_hz <= 400.0f))) {
    return "high_pass_hz: " + std::to_string(high_pass_hz) + " is neither 0 (off) nor 20..400 Hz";
  }
  switch (tone_disabler) {
    case ToneDisablerMode::off:
    case ToneDisablerMode::phase_reversal:
    case ToneDisablerMode::any_2100: break;
    default: return "tone_disabler: unknown mode";
  }
  return std::nullopt;
}

std::string_view talk_state_name(TalkState state) noexcept {
  switch (state) {
    case TalkState::idle: return "idle";
    case TalkState::far_end: return "far_end";
    case TalkState::near_end: return "near_end";
    case TalkState::double_talk: return "double_talk";
  }
  return "unknown";
}

std::string_view nlp_state_name(NlpState state) noexcept {
  switch (state) {
    case NlpState::off: return "off";
    case NlpState::passing: return "passing";
    case NlpState::suppressing: return "suppressing";
  }
  return "unknown";
}

EchoCanceller::EchoCanceller(const EchoCancellerConfig& config, Isa isa) {
  if (auto problem = config.validate()) throw std::invalid_argument(*problem);
  state_ = std::make_unique<detail::EchoCancellerState>(config, isa);
}

EchoCanceller::~EchoCanceller() = default;
EchoCanceller::EchoCanceller(EchoCanceller&&) noexcept = default;
EchoCanceller& EchoCanceller::operator=(EchoCanceller&&) noexcept = default;

namespace {

// Levels that decay towards silence (smoothed powers, the NLP's gain, filter
// taps nobody excites) end up in the subnormal range, where x86 arithmetic
// takes a hundred times longer. Subnormals carry nothing audible here, so
// they are flushed to zero while the canceller runs, and the caller's
// floating-point mode is restored afterwards. Every kernel variant runs under
// the same mode, so they still agree bit for bit.
class FlushSubnormals {
 public:
  FlushSubnormals() noexcept : saved_(_mm_getcsr()) {
    _mm_setcsr(saved_ | kFlushToZero | kDenormalsAreZero);
  }
  ~FlushSubnormals() { _mm_setcsr(saved_); }
  FlushSubnormals(const FlushSubnormals&) = delete;
  FlushSubnormals& operator=(const FlushSubnormals&) = delete;

 private:
  static constexpr unsigned kFlushToZero = 0x8000;
  static constexpr unsigned kDenormalsAreZero = 0x0040;
  unsigned saved_;
};

}  // namespace

void EchoCanceller::process(std::span<const int16_t> tx_reference,
                            std::span<int16_t> rx_in_out) noexcept {
  const FlushSubnormals flush;
  detail::EchoCancellerState& s = *state_;
  const std::size_t n = std::min(tx_reference.size(), rx_in_out.size());
  for (std::size_t done = 0; done < n;) {
    const std::size_t room = echo::kFrame - static_cast<std::size_t>(s.position);
    const std::size_t count = std::min(room, n - done);
    s.process_block(tx_reference.data() + done, rx_in_out.data() + done, count);
    done += count;
  }
  s.metrics.samples += n;
}

void EchoCanceller::reset() noexcept { state_->reset(); }
const EchoCancellerMetrics& EchoCanceller::metrics() const noexcept { return state_->metrics; }
const EchoCancellerConfig& EchoCanceller::config() const noexcept { return state_->config; }
Isa EchoCanceller::isa() const noexcept { return state_->isa; }
int EchoCanceller::taps() const noexcept {
  return state_->partitions * static_cast<int>(echo::kFrame);
}

}  // namespace ivrd::dsp
