#include "ivrd/driver/trunk_outbound.hpp"

#include <algorithm>
#include <stdexcept>

#include "ivrd/dsp/dtmf_generator.hpp"

#include "common/put_on_hook.hpp"
#include "common/take_front.hpp"
#include "supervision_of.hpp"
#include "voice_answer_detector.hpp"

namespace ivrd::driver {

namespace {

bool dtmf_digit(char c) noexcept { return dsp::dtmf_digit_index(c) >= 0; }

}  // namespace

std::string_view dial_method_name(DialMethod method) noexcept {
  switch (method) {
    case DialMethod::dtmf: return "dtmf";
    case DialMethod::pulse: return "pulse";
  }
  return "?";
}

std::string_view dial_tone_handling_name(DialToneHandling handling) noexcept {
  switch (handling) {
    case DialToneHandling::require: return "require";
    case DialToneHandling::prefer: return "prefer";
    case DialToneHandling::ignore: return "ignore";
  }
  return "?";
}

std::string_view trunk_outbound_state_name(TrunkOutboundState state) noexcept {
  switch (state) {
    case TrunkOutboundState::idle: return "idle";
    case TrunkOutboundState::seized: return "seized";
    case TrunkOutboundState::dialling: return "dialling";
    case TrunkOutboundState::progress: return "progress";
    case TrunkOutboundState::connected: return "connected";
  }
  return "?";
}

std::string_view outbound_result_name(OutboundResult result) noexcept {
  switch (result) {
    case OutboundResult::answered: return "answered";
    case OutboundResult::busy: return "busy";
    case OutboundResult::congestion: return "congestion";
    case OutboundResult::sit: return "sit";
    case OutboundResult::no_answer: return "no_answer";
    case OutboundResult::no_dial_tone: return "no_dial_tone";
    case OutboundResult::line_alarm: return "line_alarm";
    case OutboundResult::line_refused: return "line_refused";
  }
  return "?";
}

std::string_view answer_detection_name(AnswerDetection detection) noexcept {
  switch (detection) {
    case AnswerDetection::polarity_reversal: return "polarity_reversal";
    case AnswerDetection::voice: return "voice";
  }
  return "?";
}

std::string_view outbound_event_name(OutboundEventKind kind) noexcept {
  switch (kind) {
    case OutboundEventKind::dial_tone: return "dial_tone";
    case OutboundEventKind::dialling: return "dialling";
    case OutboundEventKind::dialled: return "dialled";
    case OutboundEventKind::ringback: return "ringback";
    case OutboundEventKind::answered: return "answered";
    case OutboundEventKind::failed: return "failed";
    case OutboundEventKind::far_end_hung_up: return "far_end_hung_up";
  }
  return "?";
}

std::optional<std::string> TrunkOutboundConfig::validate() const {
  std::string problems;
  auto problem = [&](const std::string& text) {
    if (!problems.empty()) problems += '\n';
    problems += text;
  };
  if (dsp::find_tone_zone(tone_zone) == nullptr) {
    problem("unknown tone zone '" + tone_zone + "': " + dsp::tone_zone_hint(tone_zone));
  }
  if (dial_tone != DialToneHandling::ignore && dial_tone_timeout_ms == 0) {
    problem("dial_tone_timeout_ms must be positive");
  }
  if (no_answer_timeout_ms == 0) problem("no_answer_timeout_ms must be positive");
  if (!answer_on_polarity && !answer_on_voice) {
    problem("answer_on_polarity and answer_on_voice are both off: no call could be answered");
  }
  if (!(voice_level_dbm0 < 0.0f && voice_level_dbm0 > -100.0f)) {
    problem("voice_level_dbm0 must be between -100 and 0");
  }
  if (!(voice_max_tone_share > 0.0f && voice_max_tone_share < 1.0f)) {
    problem("voice_max_tone_share must be between 0 and 1");
  }
  if (voice_window_ms < 20) problem("voice_window_ms must be at least 20 (one block)");
  if (voice_min_ms < 20 || voice_min_ms > voice_window_ms) {
    problem("voice_min_ms must be from 20 to voice_window_ms");
  }
  if (auto errors = detail::supervision_of(*this).validate()) problem(*errors);
  if (problems.empty()) return std::nullopt;
  return problems;
}

TrunkOutbound::TrunkOutbound(Line& line, const TrunkOutboundConfig& config, uint64_t start_sample)
    : line_(line), config_(config), clock_(start_sample) {
  if (auto problems = config_.validate()) {
    throw std::invalid_argument(line_.name() + ": outbound trunk configuration: " + *problems);
  }
  if (line_.kind() != PortKind::trunk) {
    throw std::invalid_argument(line_.name() + ": outbound trunk signalling needs a trunk port");
  }
  zone_ = dsp::find_tone_zone(config_.tone_zone);
  supervision_ = detail::supervision_of(config_);
  progress_config_ = config_.call_progress;
  progress_config_.in_call = false;
}

TrunkOutbound::~TrunkOutbound() = default;

bool TrunkOutbound::dial(std::string_view number) {
  if (number.find_first_not_of(',') == std::string_view::npos) {
    throw std::invalid_argument(line_.name() + ": cannot dial a number without digits");
  }
  for (char c : number) {
    if (c == ',') continue;  // a pause
    const bool ok = config_.dial_method == DialMethod::pulse ? c >= '0' && c <= '9' : dtmf_digit(c);
    if (!ok) {
      throw std::invalid_argument(
          line_.name() + ": cannot dial '" + std::string(1, c) + "' in '" + std::string(number) +
          "' by " + std::string(dial_method_name(config_.dial_method)) +
          (config_.dial_method == DialMethod::pulse ? " (only 0-9 can be pulsed)"
                                                    : " (DTMF digits are 0-9, *, #, A-D)"));
    }
  }
  size_t run = 0;
  for (char c : number) {
    run = c == ',' ? 0 : run + 1;
    if (config_.dial_method == DialMethod::dtmf && run > dsp::DtmfGenerator::kQueueCapacity) {
      throw std::invalid_argument(line_.name() + ": cannot dial more than " +
                                  std::to_string(dsp::DtmfGenerator::kQueueCapacity) +
                                  " DTMF digits without a pause");
    }
  }
  if (state_ != TrunkOutboundState::idle) return false;
  number_.assign(number);
  result_.reset();
  if (alarmed_) {
    fail(OutboundResult::line_alarm, clock_, clock_);
    return true;
  }
  try {
    line_.seize();
  } catch (const LineError&) {
    fail(OutboundResult::line_refused, clock_, clock_);
    return true;
  }
  state_ = TrunkOutboundState::seized;
  state_since_ = clock_;
  if (config_.dial_tone != DialToneHandling::ignore) {
    progress_.emplace(*zone_, progress_config_);
    progress_offset_ = clock_;
  }
  return true;
}

void TrunkOutbound::tick() noexcept {
  call_audio_.clear();
  drain_.take(line_);
  drain_.hand_on(
      clock_, [&](const LineEvent& event) { on_event(event); },
      [&](const Block& block) {
        on_block(block);
        check_timers();
      });
}

std::optional<OutboundEvent> TrunkOutbound::next_event() { return detail::take_front(events_); }

bool TrunkOutbound::hang_up() {
  if (state_ == TrunkOutboundState::idle) return false;
  to_idle();
  return true;
}

void TrunkOutbound::on_event(const LineEvent& event) noexcept {
  switch (event.kind) {
    case LineEventKind::alarm:
      alarmed_ = true;
      if (state_ == TrunkOutboundState::connected) {
        far_end_gone(Disconnect{HangUpReason::line_alarm, event.sample, event.sample});
      } else if (state_ != TrunkOutboundState::idle) {
        fail(OutboundResult::line_alarm, event.sample, event.sample);
      }
      break;
    case LineEventKind::no_alarm: alarmed_ = false; break;
    case LineEventKind::dial_complete:
      if (state_ == TrunkOutboundState::dialling) dial_next(event.sample);
      break;
    case LineEventKind::polarity:
      if (state_ == TrunkOutboundState::progress && config_.answer_on_polarity) {
        answered(AnswerDetection::polarity_reversal, event.sample, event.sample);
      } else if (state_ == TrunkOutboundState::connected && supervisor_) {
        if (auto gone = supervisor_->on_event(event)) far_end_gone(*gone);
      }
      break;
    case LineEventKind::on_hook:
      if (state_ == TrunkOutboundState::connected && supervisor_) {
        if (auto gone = supervisor_->on_event(event)) far_end_gone(*gone);
      }
      break;
    case LineEventKind::ring_begin:
    case LineEventKind::ring_off_hook:
    case LineEventKind::wink_flash:
    case LineEventKind::ringer_on:
    case LineEventKind::ringer_off: break;
  }
}

void TrunkOutbound::on_block(std::span<const int16_t, kBlockSamples> block) noexcept {
  const uint64_t start = clock_;
  clock_ += kBlockSamples;
  switch (state_) {
    case TrunkOutboundState::idle: return;
    case TrunkOutboundState::seized: {
      if (!progress_) return;
      std::optional<dsp::CallProgressEvent> dial_tone;
      progress_->rx(block, [&](const dsp::CallProgressEvent& event) {
        if (event.kind == dsp::CallProgressEventKind::begin &&
            event.tone == dsp::CallProgressTone::dial && !dial_tone) {
          dial_tone = event;
        }
      });
      if (!dial_tone) return;
      OutboundEvent heard;
      heard.kind = OutboundEventKind::dial_tone;
      heard.sample = progress_offset_ + dial_tone->detected_sample;
      heard.start_sample = progress_offset_ + dial_tone->start_sample;
      report(heard);
      start_dialling(clock_);
      return;
    }
    case TrunkOutboundState::dialling:
    case TrunkOutboundState::progress: on_progress_block(block, start); return;
    case TrunkOutboundState::connected:
      if (!supervisor_) return;
      call_audio_.emplace_back();
      std::copy(block.begin(), block.end(), call_audio_.back().begin());
      if (auto gone = supervisor_->on_block(block, start)) far_end_gone(*gone);
      return;
  }
}

void TrunkOutbound::on_progress_block(std::span<const int16_t, kBlockSamples> block,
                                      uint64_t start) noexcept {
  // The detector's sink only collects: ending the call inside it would
  // destroy the detector in its own rx().
  std::optional<dsp::CallProgressEvent> ending;
  std::optional<dsp::CallProgressEvent> ringback;
  progress_->rx(block, [&](const dsp::CallProgressEvent& event) {
    if (event.kind != dsp::CallProgressEventKind::begin) return;
    switch (event.tone) {
      case dsp::CallProgressTone::ringback:
        if (!ringback) ringback = event;
        break;
      case dsp::CallProgressTone::busy:
      case dsp::CallProgressTone::congestion:
      case dsp::CallProgressTone::sit:
      case dsp::CallProgressTone::disconnect:
        if (!ending) ending = event;
        break;
      case dsp::CallProgressTone::dial: break;
    }
  });
  if (ringback) {
    OutboundEvent event;
    event.kind = OutboundEventKind::ringback;
    event.sample = progress_offset_ + ringback->detected_sample;
    event.start_sample = progress_offset_ + ringback->start_sample;
    report(event);
  }
  if (ending) {
    OutboundResult result = OutboundResult::busy;
    if (ending->tone == dsp::CallProgressTone::congestion) result = OutboundResult::congestion;
    if (ending->tone == dsp::CallProgressTone::sit) result = OutboundResult::sit;
    fail(result, progress_offset_ + ending->detected_sample,
         progress_offset_ + ending->start_sample);
    return;
  }
  if (voice_ && state_ == TrunkOutboundState::progress) {
    if (auto voice_start = voice_->rx(block, start)) {
      answered(AnswerDetection::voice, start + kBlockSamples, *voice_start);
    }
  }
}

void TrunkOutbound::check_timers() noexcept {
  if (state_ == TrunkOutboundState::seized) {
    const bool listening = config_.dial_tone != DialToneHandling::ignore;
    const uint64_t wait = listening ? config_.dial_tone_timeout_ms : config_.blind_dial_delay_ms;
    if (clock_ < state_since_ + ms_to_samples(wait)) return;
    if (config_.dial_tone == DialToneHandling::require) {
      fail(OutboundResult::no_dial_tone, clock_, clock_);
    } else {
      start_dialling(clock_);
    }
  } else if (state_ == TrunkOutboundState::dialling) {
    if (pause_until_ && clock_ >= *pause_until_) {
      pause_until_.reset();
      dial_next(clock_);
    }
  } else if (state_ == TrunkOutboundState::progress) {
    if (clock_ >= state_since_ + ms_to_samples(config_.no_answer_timeout_ms)) {
      fail(OutboundResult::no_answer, clock_, clock_);
    }
  }
}

void TrunkOutbound::start_dialling(uint64_t sample) noexcept {
  state_ = TrunkOutboundState::dialling;
  next_digit_ = 0;
  pause_until_.reset();
  // The progress detector listens from here on, not from the end of
  // dialling: an exchange that decodes the last pulse before the line's
  // inter-digit pause is over may start ringback or busy before
  // dial_complete, and a detector started on a tone's first burst loses it.
  progress_.emplace(*zone_, progress_config_);
  progress_offset_ = clock_;
  OutboundEvent event;
  event.kind = OutboundEventKind::dialling;
  event.sample = sample;
  event.start_sample = sample;
  report(event);
  dial_next(sample);
}

void TrunkOutbound::dial_next(uint64_t sample) noexcept {
  if (next_digit_ >= number_.size()) {
    start_progress(sample);
    return;
  }
  if (number_[next_digit_] == ',') {
    ++next_digit_;
    pause_until_ = sample + ms_to_samples(kDialPauseMs);
    return;
  }
  const size_t end = std::min(number_.find(',', next_digit_), number_.size());
  const std::string digits = number_.substr(next_digit_, end - next_digit_);
  next_digit_ = end;
  try {
    if (config_.dial_method == DialMethod::pulse) {
      line_.dial_pulse(digits);
    } else {
      line_.dial_dtmf(digits);
    }
  } catch (const LineError&) {
    fail(OutboundResult::line_refused, sample, sample);
  }
}

void TrunkOutbound::start_progress(uint64_t sample) noexcept {
  state_ = TrunkOutboundState::progress;
  state_since_ = sample;
  voice_.reset();
  if (config_.answer_on_voice) {
    voice_ = std::make_unique<detail::VoiceAnswerDetector>(
        *zone_, config_.voice_level_dbm0, config_.voice_max_tone_share, config_.voice_min_ms,
        config_.voice_window_ms);
  }
  OutboundEvent event;
  event.kind = OutboundEventKind::dialled;
  event.sample = sample;
  event.start_sample = sample;
  report(event);
}

void TrunkOutbound::answered(AnswerDetection how, uint64_t sample, uint64_t start) noexcept {
  progress_.reset();
  voice_.reset();
  state_ = TrunkOutboundState::connected;
  result_ = OutboundResult::answered;
  // A polarity answer happened inside the block about to be read; a voice
  // answer was decided on the block just read.
  supervisor_.emplace(*zone_, supervision_, start, clock_);
  OutboundEvent event;
  event.kind = OutboundEventKind::answered;
  event.sample = sample;
  event.start_sample = start;
  event.result = OutboundResult::answered;
  event.answer = how;
  report(event);
}

void TrunkOutbound::fail(OutboundResult result, uint64_t sample, uint64_t start) noexcept {
  result_ = result;
  OutboundEvent event;
  event.kind = OutboundEventKind::failed;
  event.sample = sample;
  event.start_sample = start;
  event.result = result;
  report(event);
  to_idle();
}

void TrunkOutbound::far_end_gone(const Disconnect& disconnect) noexcept {
  OutboundEvent event;
  event.kind = OutboundEventKind::far_end_hung_up;
  event.sample = disconnect.sample;
  event.start_sample = disconnect.reason == HangUpReason::disconnect_tone
                           ? disconnect.tone_start_sample
                           : disconnect.sample;
  event.result = OutboundResult::answered;
  event.reason = disconnect.reason;
  report(event);
  to_idle();
}

void TrunkOutbound::to_idle() noexcept {
  progress_.reset();
  voice_.reset();
  supervisor_.reset();
  detail::put_on_hook(line_);
  state_ = TrunkOutboundState::idle;
}

void TrunkOutbound::report(OutboundEvent event) noexcept { events_.push_back(event); }

}  // namespace ivrd::driver
