// Disconnect supervision shared by the trunk machines: line events, the
// zone's disconnect tone and a silence meter.

#include "ivrd/driver/disconnect_supervisor.hpp"

#include <cmath>

#include "ivrd/dsp/levels.hpp"

namespace ivrd::driver {

namespace {

dsp::CallProgressConfig in_call(dsp::CallProgressConfig config) {
  config.in_call = true;
  return config;
}

// The mean square of a sine at this level, so a block's power is compared
// without a logarithm per block.
double dbm0_to_mean_square(double dbm0) {
  const double full_scale_sine_power = 32767.0 * 32767.0 / 2.0;
  return full_scale_sine_power * std::pow(10.0, (dbm0 - dsp::kFullScaleSineDbm0) / 10.0);
}

}  // namespace

std::string_view hang_up_reason_name(HangUpReason reason) noexcept {
  switch (reason) {
    case HangUpReason::loop_current_drop: return "loop_current_drop";
    case HangUpReason::polarity_reversal: return "polarity_reversal";
    case HangUpReason::disconnect_tone: return "disconnect_tone";
    case HangUpReason::silence_timeout: return "silence_timeout";
    case HangUpReason::line_alarm: return "line_alarm";
  }
  return "?";
}

std::optional<std::string> DisconnectSupervisionConfig::validate() const {
  std::string problems;
  auto problem = [&](const std::string& text) {
    if (!problems.empty()) problems += '\n';
    problems += text;
  };
  if (silence_timeout_ms == 0) problem("silence_timeout_ms must be positive");
  if (!(silence_level_dbm0 < 0.0f && silence_level_dbm0 > -100.0f)) {
    problem("silence_level_dbm0 must be between -100 and 0");
  }
  if (auto error = call_progress.validate()) problem("call_progress: " + *error);
  if (problems.empty()) return std::nullopt;
  return problems;
}

DisconnectSupervisor::DisconnectSupervisor(const dsp::ToneZone& zone,
                                           const DisconnectSupervisionConfig& config,
                                           uint64_t connected_at, uint64_t first_block_sample)
    : config_(config),
      detector_(zone, in_call(config.call_progress)),
      detector_offset_(first_block_sample),
      connected_at_(connected_at),
      silence_mean_square_(dbm0_to_mean_square(config.silence_level_dbm0)) {}

std::optional<Disconnect> DisconnectSupervisor::on_event(const LineEvent& event) const noexcept {
  if (event.kind == LineEventKind::on_hook) {
    return Disconnect{HangUpReason::loop_current_drop, event.sample, 0};
  }
  if (event.kind == LineEventKind::polarity &&
      event.sample >= connected_at_ + ms_to_samples(config_.polarity_guard_ms)) {
    return Disconnect{HangUpReason::polarity_reversal, event.sample, 0};
  }
  return std::nullopt;
}

std::optional<Disconnect> DisconnectSupervisor::on_block(
    std::span<const int16_t, kBlockSamples> block, uint64_t block_start) noexcept {
  std::optional<dsp::CallProgressEvent> tone;
  detector_.rx(block, [&](const dsp::CallProgressEvent& event) {
    if (event.kind == dsp::CallProgressEventKind::begin &&
        event.tone == dsp::CallProgressTone::disconnect && !tone) {
      tone = event;
    }
  });
  if (tone) {
    return Disconnect{HangUpReason::disconnect_tone, detector_offset_ + tone->detected_sample,
                      detector_offset_ + tone->start_sample};
  }

  double sum = 0.0;
  for (int16_t sample : block) sum += static_cast<double>(sample) * sample;
  if (sum / static_cast<double>(kBlockSamples) < silence_mean_square_) {
    silent_samples_ += kBlockSamples;
  } else {
    silent_samples_ = 0;
  }
  if (silent_samples_ >= ms_to_samples(config_.silence_timeout_ms)) {
    return Disconnect{HangUpReason::silence_timeout, block_start + kBlockSamples, 0};
  }
  return std::nullopt;
}

}  // namespace ivrd::driver
