#pragma once
// Disconnect supervision of a connected trunk call: every sign that the far
// end has gone, shared by the inbound and outbound trunk machines
// (trunk_inbound.hpp, trunk_outbound.hpp), so both end calls by the same
// rules.
//
// The far end is gone on:
//   loop_current_drop  an on_hook event;
//   polarity_reversal  a polarity event later than polarity_guard_ms after
//                      the call was connected (a reversal right after the
//                      answer is the exchange's answer supervision, as
//                      chan_dahdi's polarityonanswerdelay has it);
//   disconnect_tone    the zone's busy or congestion cadence in the receive
//                      audio (a dsp::CallProgressDetector with in_call set);
//   silence_timeout    every 20 ms block below silence_level_dbm0 (mean power)
//                      for silence_timeout_ms.
// A span alarm (line_alarm) is the owning machine's to report: it ends
// whatever state the machine is in, not only a connected call.
//
// The owner feeds line events and receive blocks in line order, each event
// before the block it happened in; the first Disconnect returned ends the
// call (the supervisor is then thrown away). Allocates on construction (the
// detector); on_event() and on_block() never allocate or throw. One per call,
// not thread-safe.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "ivrd/driver/line.hpp"
#include "ivrd/dsp/call_progress_detector.hpp"
#include "ivrd/dsp/tone_zone.hpp"

namespace ivrd::driver {

enum class HangUpReason : uint8_t {
  loop_current_drop,
  polarity_reversal,
  disconnect_tone,  // busy or congestion of the zone heard in the call
  silence_timeout,
  line_alarm,
};
// "loop_current_drop", "polarity_reversal", ... (the enumerator's name).
std::string_view hang_up_reason_name(HangUpReason reason) noexcept;

struct DisconnectSupervisionConfig {
  uint32_t polarity_guard_ms = 600;
  uint32_t silence_timeout_ms = 30000;
  float silence_level_dbm0 = -50.0f;
  dsp::CallProgressConfig call_progress;  // in_call is set by the supervisor

  // Every problem, one per line, or nothing when the settings are usable.
  std::optional<std::string> validate() const;
};

struct Disconnect {
  HangUpReason reason = HangUpReason::loop_current_drop;
  // On the line's sample clock: the event's sample, the sample the detector
  // decided at (tone), or the end of the block that completed the silence.
  uint64_t sample = 0;
  uint64_t tone_start_sample = 0;  // disconnect_tone: first sample of the first burst seen
};

class DisconnectSupervisor {
 public:
  // connected_at: the call's first connected sample (the polarity guard's
  // base). first_block_sample: the line sample of the first block that will
  // be fed (the detector's sample 0).
  DisconnectSupervisor(const dsp::ToneZone& zone, const DisconnectSupervisionConfig& config,
                       uint64_t connected_at, uint64_t first_block_sample);

  // on_hook and polarity (after the guard) end the call; other events do not.
  std::optional<Disconnect> on_event(const LineEvent& event) const noexcept;
  // `block_start` is the line sample of the block's first sample.
  std::optional<Disconnect> on_block(std::span<const int16_t, kBlockSamples> block,
                                     uint64_t block_start) noexcept;

  uint64_t connected_at() const noexcept { return connected_at_; }

 private:
  DisconnectSupervisionConfig config_;
  dsp::CallProgressDetector detector_;
  uint64_t detector_offset_ = 0;
  uint64_t connected_at_ = 0;
  double silence_mean_square_ = 0.0;
  uint64_t silent_samples_ = 0;
};

}  // namespace ivrd::driver
