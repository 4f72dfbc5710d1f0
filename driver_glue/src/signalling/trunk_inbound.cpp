#include "ivrd/driver/trunk_inbound.hpp"

#include <algorithm>
#include <stdexcept>

#include "common/put_on_hook.hpp"
#include "common/take_front.hpp"
#include "supervision_of.hpp"

namespace ivrd::driver {

std::optional<std::string> TrunkInboundConfig::validate() const {
  std::string problems;
  auto problem = [&](const std::string& text) {
    if (!problems.empty()) problems += '\n';
    problems += text;
  };
  if (dsp::find_tone_zone(tone_zone) == nullptr) {
    problem("unknown tone zone '" + tone_zone + "': " + dsp::tone_zone_hint(tone_zone));
  }
  if (answer_after_rings == 0) problem("answer_after_rings must be at least 1");
  if (min_ring_ms >= max_ring_ms) problem("min_ring_ms must be less than max_ring_ms");
  if (ring_timeout_ms <= max_ring_ms) problem("ring_timeout_ms must be longer than max_ring_ms");
  if (auto errors = detail::supervision_of(*this).validate()) problem(*errors);
  if (problems.empty()) return std::nullopt;
  return problems;
}

std::string_view trunk_inbound_state_name(TrunkInboundState state) noexcept {
  switch (state) {
    case TrunkInboundState::idle: return "idle";
    case TrunkInboundState::announced: return "announced";
    case TrunkInboundState::ringing: return "ringing";
    case TrunkInboundState::connected: return "connected";
  }
  return "?";
}

std::string_view trunk_event_name(TrunkEventKind kind) noexcept {
  switch (kind) {
    case TrunkEventKind::incoming_call: return "incoming_call";
    case TrunkEventKind::caller_id: return "caller_id";
    case TrunkEventKind::answered: return "answered";
    case TrunkEventKind::far_end_hung_up: return "far_end_hung_up";
    case TrunkEventKind::ringing_stopped: return "ringing_stopped";
  }
  return "?";
}

TrunkInbound::TrunkInbound(Line& line, const TrunkInboundConfig& config, uint64_t start_sample)
    : line_(line), config_(config), clock_(start_sample), tick_end_(start_sample) {
  if (auto problems = config_.validate()) {
    throw std::invalid_argument(line_.name() + ": inbound trunk configuration: " + *problems);
  }
  if (line_.kind() != PortKind::trunk) {
    throw std::invalid_argument(line_.name() + ": inbound trunk signalling needs a trunk port");
  }
  zone_ = dsp::find_tone_zone(config_.tone_zone);
  config_.call_progress.in_call = true;
  supervision_ = detail::supervision_of(config_);
}

void TrunkInbound::tick() noexcept {
  call_audio_.clear();
  const size_t blocks = drain_.take(line_);
  tick_end_ = clock_ + blocks * kBlockSamples;
  drain_.hand_on(
      clock_, [&](const LineEvent& event) { on_event(event); },
      [&](const Block& block) {
        on_block(block);
        check_timers();
      });
}

std::optional<TrunkEvent> TrunkInbound::next_event() { return detail::take_front(events_); }

bool TrunkInbound::hang_up() {
  if (state_ != TrunkInboundState::connected) return false;
  to_idle();
  return true;
}

void TrunkInbound::on_event(const LineEvent& event) noexcept {
  switch (event.kind) {
    case LineEventKind::ring_begin:
      if (state_ == TrunkInboundState::idle || state_ == TrunkInboundState::announced) {
        close_caller_id();  // a pre-ring message lands in held_
        state_ = TrunkInboundState::ringing;
        rings_ = 0;
        report(make(TrunkEventKind::incoming_call, event.sample));
        for (const dsp::CallerIdMessage& message : held_) {
          TrunkEvent out = make(TrunkEventKind::caller_id, message.end_sample);
          out.caller_id = message;
          report(out);
        }
        held_.clear();
      } else if (state_ == TrunkInboundState::ringing) {
        close_caller_id();
      }
      if (state_ == TrunkInboundState::ringing) {
        ring_began_ = event.sample;
        last_ring_event_ = event.sample;
      }
      break;
    case LineEventKind::ring_off_hook: {
      if (state_ != TrunkInboundState::ringing || !ring_began_) break;
      const uint64_t length = event.sample - *ring_began_;
      ring_began_.reset();
      last_ring_event_ = event.sample;
      if (length < ms_to_samples(config_.min_ring_ms) ||
          length > ms_to_samples(config_.max_ring_ms)) {
        break;
      }
      ++rings_;
      const uint32_t needed = config_.expect_caller_id ? config_.answer_after_rings : 1;
      if (rings_ >= needed) {
        answer();
      } else if (rings_ == 1 && config_.expect_caller_id) {
        open_caller_id();
      }
      break;
    }
    case LineEventKind::polarity:
      if (state_ == TrunkInboundState::idle && config_.expect_caller_id) {
        state_ = TrunkInboundState::announced;
        last_ring_event_ = event.sample;
        open_caller_id();
      } else if (state_ == TrunkInboundState::connected && supervisor_) {
        if (auto gone = supervisor_->on_event(event)) far_end_gone(*gone);
      }
      break;
    case LineEventKind::on_hook:
      if (state_ == TrunkInboundState::connected && supervisor_) {
        if (auto gone = supervisor_->on_event(event)) far_end_gone(*gone);
      }
      break;
    case LineEventKind::alarm:
      if (state_ == TrunkInboundState::connected) {
        far_end_gone(Disconnect{HangUpReason::line_alarm, event.sample, 0});
      } else if (state_ == TrunkInboundState::ringing) {
        ringing_stopped(event.sample);
      } else {
        to_idle();
      }
      break;
    case LineEventKind::wink_flash:
    case LineEventKind::no_alarm:
    case LineEventKind::dial_complete:
    case LineEventKind::ringer_on:
    case LineEventKind::ringer_off: break;
  }
}

void TrunkInbound::on_block(std::span<const int16_t, kBlockSamples> block) noexcept {
  const uint64_t start = clock_;
  clock_ += kBlockSamples;
  if (caller_id_) {
    caller_id_->rx(block, [this](const dsp::CallerIdMessage& message) { on_caller_id(message); });
  }
  if (state_ != TrunkInboundState::connected || !supervisor_) return;
  call_audio_.emplace_back();
  std::copy(block.begin(), block.end(), call_audio_.back().begin());
  if (auto gone = supervisor_->on_block(block, start)) far_end_gone(*gone);
}

void TrunkInbound::check_timers() noexcept {
  if (state_ != TrunkInboundState::ringing && state_ != TrunkInboundState::announced) return;
  if (clock_ < last_ring_event_ + ms_to_samples(config_.ring_timeout_ms)) return;
  if (state_ == TrunkInboundState::ringing) {
    ringing_stopped(clock_);
  } else {
    to_idle();  // a reversal with no ring after it is not a call
  }
}

void TrunkInbound::open_caller_id() noexcept {
  caller_id_.emplace(config_.caller_id);
  caller_id_offset_ = clock_;
}

void TrunkInbound::close_caller_id() noexcept {
  if (!caller_id_) return;
  caller_id_->flush([this](const dsp::CallerIdMessage& message) { on_caller_id(message); });
  caller_id_.reset();
}

void TrunkInbound::on_caller_id(const dsp::CallerIdMessage& message) noexcept {
  dsp::CallerIdMessage rebased = message;
  rebased.start_sample += caller_id_offset_;
  rebased.end_sample += caller_id_offset_;
  if (state_ == TrunkInboundState::announced) {
    held_.push_back(rebased);
  } else if (state_ == TrunkInboundState::ringing) {
    TrunkEvent event = make(TrunkEventKind::caller_id, rebased.end_sample);
    event.caller_id = rebased;
    report(event);
  }
}

void TrunkInbound::answer() noexcept {
  close_caller_id();
  try {
    line_.answer();
  } catch (const LineError&) {
    // The caller gave up in the same instant; the backend refused the answer.
    ringing_stopped(clock_);
    return;
  }
  state_ = TrunkInboundState::connected;
  // The backend connects from the next sample it produces, after the blocks
  // this tick has read.
  supervisor_.emplace(*zone_, supervision_, tick_end_, clock_);
  report(make(TrunkEventKind::answered, tick_end_));
}

void TrunkInbound::far_end_gone(const Disconnect& disconnect) noexcept {
  TrunkEvent event = make(TrunkEventKind::far_end_hung_up, disconnect.sample);
  event.reason = disconnect.reason;
  event.tone_start_sample = disconnect.tone_start_sample;
  report(event);
  to_idle();
}

void TrunkInbound::ringing_stopped(uint64_t sample) noexcept {
  close_caller_id();  // report what the window still held, for this call
  report(make(TrunkEventKind::ringing_stopped, sample));
  to_idle();
}

void TrunkInbound::to_idle() noexcept {
  caller_id_.reset();
  held_.clear();
  supervisor_.reset();
  detail::put_on_hook(line_);
  state_ = TrunkInboundState::idle;
  rings_ = 0;
  ring_began_.reset();
}

void TrunkInbound::report(TrunkEvent event) noexcept { events_.push_back(std::move(event)); }

TrunkEvent TrunkInbound::make(TrunkEventKind kind, uint64_t sample) const noexcept {
  TrunkEvent event;
  event.kind = kind;
  event.sample = sample;
  event.rings = rings_;
  return event;
}

}  // namespace ivrd::driver
