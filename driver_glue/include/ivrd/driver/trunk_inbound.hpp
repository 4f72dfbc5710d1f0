#pragma once
// Inbound calls on a trunk port: the signalling state machine between a Line
// (line.hpp) and the call engine. It counts rings, collects caller ID,
// answers after N rings, and then watches the connected call for every sign
// that the far end has gone: loop-current drop, polarity reversal, the
// exchange's busy/congestion tone (a disconnect tone, recognised with its
// cadence) and, as a last resort, a long silence.
//
// The owner calls tick() once per 20 ms block (after the backend's tick);
// tick() reads every receive block and event the line has ready, runs the DSP
// on the audio and queues call-level events, taken with next_event().
//
// States and what moves between them (docs/lines.md, "Inbound calls on a
// trunk port", has the timing figures):
//   idle       on-hook, nothing happening. ring_begin -> ringing (event
//              incoming_call). polarity -> announced.
//   announced  a polarity reversal on an idle line: the exchange may be about
//              to send caller ID before the first ring (ETSI EN 300 659-1,
//              BT SIN 227). The receive audio goes to the caller ID receiver;
//              a message is held until the first ring (ring_begin -> ringing,
//              incoming_call then caller_id). No ring within
//              ring_timeout_ms -> idle, nothing reported (a reversal alone is
//              not a call).
//   ringing    rings are counted when they end (ring_off_hook), and only when
//              the ring lasted between min_ring_ms and max_ring_ms (counting
//              the backend's ring trailer): shorter is a glitch or a tinkle,
//              longer is not a ring cadence. Between the first and second
//              ring the audio goes to the caller ID receiver (Telcordia
//              GR-30). After answer_after_rings counted rings (after the
//              first when expect_caller_id is false: there is nothing to wait
//              for) the machine calls line.answer() -> connected (answered).
//              No ring_begin for ring_timeout_ms after the last ring event:
//              the caller gave up -> idle (ringing_stopped).
//   connected  a DisconnectSupervisor (disconnect_supervisor.hpp, shared
//              with the outbound machine) watches the call: the rx audio goes
//              to a CallProgressDetector for the line's tone zone with
//              in_call set, so busy and congestion are reported as
//              disconnect. The far end is gone on: on_hook
//              (loop_current_drop); polarity, later than polarity_guard_ms
//              after the answer (polarity_reversal; a reversal right after
//              answering is answer supervision, as chan_dahdi's
//              polarityonanswerdelay has it); a disconnect tone
//              (disconnect_tone); rx below silence_level_dbm0 for
//              silence_timeout_ms (silence_timeout). Then the machine puts
//              the line on-hook itself (a trunk left off-hook blocks the next
//              call) -> idle (far_end_hung_up). hang_up() from the appliance
//              side -> idle without an event.
//   An alarm on the span ends whatever is in progress: a connected call as
//   far_end_hung_up (line_alarm), ringing as ringing_stopped.
//
// Caller ID: each listening window (announced, and between the first and
// second ring) gets a fresh dsp::CallerIdReceiver, flushed when the window
// closes, so a burst cut off by a ring or by the caller dropping can never be
// glued to later audio. Messages are reported once each, valid or not; an
// invalid one (checksum or structure) carries no number, name or date, as
// the receiver guarantees. Messages are reported only for a call, and only
// until it is answered.
//
// Times: events and timers use the line's sample clock. The machine counts
// the samples it reads from start_sample (the line's sample count at the
// first block it will read: 0 when it is created with the line, else e.g.
// SimCard::now_sample()). Events are applied at their sample, block by block,
// so audio is routed according to the state at the block's end.
//
// Errors: the constructor throws std::invalid_argument for a bad
// configuration (every problem listed) or an unknown tone zone. tick() and
// next_event() never throw; a LineError from the backend on answering (the
// caller gave up in the same instant) becomes ringing_stopped. Allocates on
// construction, when a call is answered and when a caller ID window opens
// (the detectors are built then), and for queued events; not thread-safe
// (one machine per line, driven by the thread that drives the line).

#include <cstdint>
#include <deque>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "ivrd/driver/disconnect_supervisor.hpp"
#include "ivrd/driver/line.hpp"
#include "ivrd/driver/line_drain.hpp"
#include "ivrd/dsp/call_progress_detector.hpp"
#include "ivrd/dsp/caller_id.hpp"
#include "ivrd/dsp/tone_zone.hpp"

namespace ivrd::driver {

struct TrunkInboundConfig {
  std::string tone_zone = "us";  // libtonezone code (dsp::find_tone_zone)
  uint32_t answer_after_rings = 2;
  bool expect_caller_id = true;  // false: answer on the first ring, no listening
  uint32_t min_ring_ms = 150;    // shortest ring counted (UK rings are 400 ms)
  uint32_t max_ring_ms = 3000;   // longest ring counted (US rings are 2 s)
  // No ring for this long after the last one: the caller gave up. Longer than
  // the longest silence of any ring cadence (US 4 s) with margin.
  uint32_t ring_timeout_ms = 8000;
  uint32_t polarity_guard_ms = 600;
  uint32_t silence_timeout_ms = 30000;
  float silence_level_dbm0 = -50.0f;
  dsp::CallerIdReceiverConfig caller_id;
  dsp::CallProgressConfig call_progress;  // in_call is set by the machine

  // Every problem, one per line, or nothing when the configuration is usable.
  std::optional<std::string> validate() const;
};

enum class TrunkInboundState : uint8_t { idle, announced, ringing, connected };
// "idle", "announced", "ringing", "connected".
std::string_view trunk_inbound_state_name(TrunkInboundState state) noexcept;

enum class TrunkEventKind : uint8_t {
  incoming_call,    // the first ring of a call began
  caller_id,        // a caller ID message (valid or not) for this call
  answered,         // the machine answered; sample: first connected sample
  far_end_hung_up,  // reason says how it was seen; the line is on-hook again
  ringing_stopped,  // the caller gave up before the call was answered
};
std::string_view trunk_event_name(TrunkEventKind kind) noexcept;

// HangUpReason and hang_up_reason_name(): disconnect_supervisor.hpp.

struct TrunkEvent {
  TrunkEventKind kind = TrunkEventKind::incoming_call;
  // On the line's sample clock: the ring_begin, the end of the caller ID
  // signal, the first connected sample, the sample the hang-up was seen at
  // (for a tone, when the detector decided), or when ringing timed out.
  uint64_t sample = 0;
  uint32_t rings = 0;                                     // rings counted in this call so far
  HangUpReason reason = HangUpReason::loop_current_drop;  // far_end_hung_up
  // disconnect_tone: the first sample of the tone's first burst seen.
  uint64_t tone_start_sample = 0;
  dsp::CallerIdMessage caller_id;  // caller_id events; samples on the line clock
};

class TrunkInbound {
 public:
  // `line` must be a trunk port and outlive the machine.
  explicit TrunkInbound(Line& line, const TrunkInboundConfig& config = {},
                        uint64_t start_sample = 0);
  TrunkInbound(const TrunkInbound&) = delete;
  TrunkInbound& operator=(const TrunkInbound&) = delete;

  // Reads everything the line has ready and advances the state machine.
  void tick() noexcept;
  // The oldest call-level event not yet taken.
  std::optional<TrunkEvent> next_event();
  // The appliance ends the call: on-hook when connected, back to idle. True
  // when a connected call was hung up; in any other state it does nothing
  // (the far end may have gone first, and the port is idle already).
  bool hang_up();
  // Connected: what the far end sent, the blocks of the last tick() received
  // while connected, in order (empty otherwise). Valid until the next tick().
  std::span<const Block> audio() const noexcept { return call_audio_; }

  TrunkInboundState state() const noexcept { return state_; }
  uint32_t rings() const noexcept { return rings_; }
  // The line's sample count at the end of the last block read.
  uint64_t now_sample() const noexcept { return clock_; }
  const dsp::ToneZone& zone() const noexcept { return *zone_; }
  const TrunkInboundConfig& config() const noexcept { return config_; }

 private:
  void on_event(const LineEvent& event) noexcept;
  void on_block(std::span<const int16_t, kBlockSamples> block) noexcept;
  void check_timers() noexcept;
  void open_caller_id() noexcept;
  void close_caller_id() noexcept;
  void on_caller_id(const dsp::CallerIdMessage& message) noexcept;
  void answer() noexcept;
  void far_end_gone(const Disconnect& disconnect) noexcept;
  void ringing_stopped(uint64_t sample) noexcept;
  void to_idle() noexcept;
  void report(TrunkEvent event) noexcept;
  TrunkEvent make(TrunkEventKind kind, uint64_t sample) const noexcept;

  Line& line_;
  TrunkInboundConfig config_;
  const dsp::ToneZone* zone_ = nullptr;
  DisconnectSupervisionConfig supervision_;

  TrunkInboundState state_ = TrunkInboundState::idle;
  uint64_t clock_ = 0;  // line sample at the start of the next block
  uint32_t rings_ = 0;
  std::optional<uint64_t> ring_began_;  // the ring in progress
  uint64_t last_ring_event_ = 0;        // ringing and announced: timeout base

  std::optional<dsp::CallerIdReceiver> caller_id_;  // open listening window
  uint64_t caller_id_offset_ = 0;                   // line sample of the receiver's sample 0
  std::vector<dsp::CallerIdMessage> held_;          // announced: until the first ring
  std::optional<DisconnectSupervisor> supervisor_;  // connected

  LineDrain drain_;
  uint64_t tick_end_ = 0;  // the line's sample count after this tick's blocks
  std::deque<TrunkEvent> events_;
  std::vector<Block> call_audio_;  // this tick's blocks received connected
};

}  // namespace ivrd::driver
