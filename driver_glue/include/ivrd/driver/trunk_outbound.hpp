#pragma once
// Outbound calls on a trunk port (callbacks, transfers to outside numbers):
// the signalling state machine between a Line (line.hpp) and the call
// engine. It seizes the line, waits for the exchange's dial tone, dials the
// number as DTMF or loop-disconnect pulses, analyses the call's progress
// (ringback, busy, congestion, SIT, the answer by polarity reversal or by
// voice, no answer) and ends with one clear result; an answered call is then
// watched for the far end's hang-up by the same supervision as an inbound
// call (disconnect_supervisor.hpp).
//
// The owner calls tick() once per 20 ms block (after the backend's tick);
// tick() reads every receive block and event the line has ready, runs the DSP
// on the audio and queues call-level events, taken with next_event(). dial()
// starts a call, hang_up() ends it from the appliance side.
//
// States and what moves between them (docs/lines.md, "Outbound calls on a
// trunk port", has the figures):
//   idle           on-hook. dial(number) seizes the line -> seized.
//   seized         off-hook, listening for the zone's dial tone with a
//                  dsp::CallProgressDetector. How long and what then is
//                  TrunkOutboundConfig::dial_tone:
//                    require  dial when dial tone is recognised (event
//                             dial_tone); none within dial_tone_timeout_ms:
//                             failed (no_dial_tone), on-hook.
//                    prefer   the same, but at the timeout dial anyway
//                             (blind), as chan_dahdi does after its
//                             waitfordialtone time.
//                    ignore   do not listen: dial blind_dial_delay_ms after
//                             the seizure (chan_dahdi's default).
//                  -> dialling (event dialling).
//   dialling       the line sends the digits (Line::dial_dtmf or dial_pulse),
//                  run by run with a kDialPauseMs pause for each ',';
//                  a fresh call-progress detector (in_call clear) listens
//                  from here on, so a tone the exchange starts before the
//                  line's last inter-digit pause is over is not cut short;
//                  the tones below act here as in progress.
//                  dial_complete of the last run -> progress (event dialled).
//   progress       the call-progress detector and the voice rule below
//                  listen; no_answer_timeout_ms runs from the end of
//                  dialling.
//                    ringback        event ringback (each time it is
//                                    recognised anew); keep waiting.
//                    busy, congestion, sit
//                                    failed with that result, on-hook.
//                    polarity        answered (polarity_reversal) when
//                                    answer_on_polarity.
//                    voice           answered (voice) when answer_on_voice.
//                    timeout         failed (no_answer), on-hook.
//                  A dial tone heard again is ignored (the timeout ends it).
//   connected      a DisconnectSupervisor watches the call: loop-current
//                  drop, a polarity reversal later than polarity_guard_ms
//                  after the answer, the zone's busy/congestion as a
//                  disconnect tone, silence_timeout_ms of silence. Then the
//                  machine goes on-hook itself -> idle (far_end_hung_up).
//   An alarm on the span ends whatever is in progress: a connected call as
//   far_end_hung_up (line_alarm), any earlier state as failed (line_alarm);
//   dial() while the span is in alarm fails at once the same way.
//   hang_up() from the appliance: on-hook from any state but idle, no event.
//   Loop-current drop before the answer is ignored (on most exchanges it is
//   only a brief break while the call is routed).
//
// The voice rule (an answer without answer supervision): the callee's "hello"
// is sound that is not a call-progress tone. Each 20 ms block of receive
// audio is measured two ways: its mean power, and the share of its energy
// that a least-squares fit of sines at every frequency of the zone's tones
// (dial, ringback, busy, congestion, SIT, and the sidebands of modulated
// tones) explains. A block is "voice" when it is at least voice_level_dbm0
// and the tones explain at most voice_max_tone_share of it. The call is
// answered by voice once voice_min_ms of voice blocks fall within
// voice_window_ms (defaults: 120 ms within 500 ms, so a clipped "Hi." or
// "Ja?" of 170 ms answers, and a longer greeting with the gaps between its
// syllables, while the blocks where a tone burst starts or stops, part tone
// and part silence, one per edge and at most three in any 500 ms of the
// zones' cadences, never add up to that). The answer's sample is the first
// voice block of that window; the decision comes up to a window later. Anything that talks before
// the answer (an early-media announcement, music instead of ringback) answers too, as on every
// analog line without answer supervision; SIT is recognised before the announcement that follows it
// (the detector decides at the end of its third segment), so an intercept fails as sit.
//
// Times: events and timers use the line's sample clock, counted from
// start_sample as TrunkInbound does (trunk_inbound.hpp).
//
// Errors: the constructor throws std::invalid_argument for a bad
// configuration (every problem listed) or a port that is not a trunk port.
// dial() throws std::invalid_argument for a number the dial method cannot
// send (naming the character) or an empty or too long one; a LineError from
// the backend (the line is ringing: an inbound call got there first) becomes
// failed (line_refused). tick() and next_event() never throw. Allocates on
// construction, when a call is dialled, starts dialling, finishes dialling
// and is answered (the detectors are built then), and for queued events; not
// thread-safe (one machine per line, driven by the thread that drives the
// line).

#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "ivrd/driver/disconnect_supervisor.hpp"
#include "ivrd/driver/line.hpp"
#include "ivrd/driver/line_drain.hpp"
#include "ivrd/dsp/call_progress_detector.hpp"
#include "ivrd/dsp/tone_zone.hpp"

namespace ivrd::driver {

namespace detail {
class VoiceAnswerDetector;
}

enum class DialMethod : uint8_t { dtmf, pulse };

// The pause a ',' in a dialled number stands for.
inline constexpr uint32_t kDialPauseMs = 2000;
// "dtmf", "pulse".
std::string_view dial_method_name(DialMethod method) noexcept;

enum class DialToneHandling : uint8_t { require, prefer, ignore };
// "require", "prefer", "ignore".
std::string_view dial_tone_handling_name(DialToneHandling handling) noexcept;

struct TrunkOutboundConfig {
  std::string tone_zone = "us";  // libtonezone code (dsp::find_tone_zone)
  DialMethod dial_method = DialMethod::dtmf;
  DialToneHandling dial_tone = DialToneHandling::require;
  // Dial tone is recognised about 1.5 s after it starts (the detector waits
  // until no other tone of the zone could still be a burst).
  uint32_t dial_tone_timeout_ms = 5000;
  uint32_t blind_dial_delay_ms = 1000;  // DialToneHandling::ignore
  uint32_t no_answer_timeout_ms = 45000;
  bool answer_on_polarity = true;
  bool answer_on_voice = true;
  float voice_level_dbm0 = -40.0f;
  float voice_max_tone_share = 0.6f;
  uint32_t voice_min_ms = 120;
  uint32_t voice_window_ms = 500;
  // Disconnect supervision once answered (as TrunkInboundConfig's).
  uint32_t polarity_guard_ms = 600;
  uint32_t silence_timeout_ms = 30000;
  float silence_level_dbm0 = -50.0f;
  // For the progress analysis (in_call clear) and, with in_call set by the
  // machine, for the disconnect tone.
  dsp::CallProgressConfig call_progress;

  // Every problem, one per line, or nothing when the configuration is usable.
  std::optional<std::string> validate() const;
};

enum class TrunkOutboundState : uint8_t { idle, seized, dialling, progress, connected };
// "idle", "seized", "dialling", "progress", "connected".
std::string_view trunk_outbound_state_name(TrunkOutboundState state) noexcept;

enum class OutboundResult : uint8_t {
  answered,
  busy,
  congestion,    // reorder, "all circuits busy"
  sit,           // special information tone: intercept, vacant number
  no_answer,     // no_answer_timeout_ms after dialling
  no_dial_tone,  // DialToneHandling::require and none in dial_tone_timeout_ms
  line_alarm,    // the span went into alarm before the answer
  line_refused,  // the backend refused to seize or dial (an inbound call got there first)
};
// "answered", "busy", ... (the enumerator's name).
std::string_view outbound_result_name(OutboundResult result) noexcept;

enum class AnswerDetection : uint8_t { polarity_reversal, voice };
// "polarity_reversal", "voice".
std::string_view answer_detection_name(AnswerDetection detection) noexcept;

enum class OutboundEventKind : uint8_t {
  dial_tone,        // the zone's dial tone was recognised
  dialling,         // the digits were handed to the line (blind or not)
  dialled,          // the line has sent every digit
  ringback,         // ringback recognised; the call keeps waiting
  answered,         // result answered; answer says how
  failed,           // result says why; the line is on-hook again
  far_end_hung_up,  // after answered; reason says how it was seen; on-hook again
};
// "dial_tone", "dialling", ... (the enumerator's name).
std::string_view outbound_event_name(OutboundEventKind kind) noexcept;

struct OutboundEvent {
  OutboundEventKind kind = OutboundEventKind::dial_tone;
  // On the line's sample clock, when it was decided: the detector's decision
  // for tones and voice, the line event's sample for polarity, dial_complete,
  // on_hook and alarms, the end of the block that ran a timer out.
  uint64_t sample = 0;
  // Where what was recognised began: a tone's first burst seen, the first
  // voice block, the polarity event; else the same as sample.
  uint64_t start_sample = 0;
  OutboundResult result = OutboundResult::answered;             // answered and failed
  AnswerDetection answer = AnswerDetection::polarity_reversal;  // answered
  HangUpReason reason = HangUpReason::loop_current_drop;        // far_end_hung_up
};

class TrunkOutbound {
 public:
  // `line` must be a trunk port and outlive the machine.
  explicit TrunkOutbound(Line& line, const TrunkOutboundConfig& config = {},
                         uint64_t start_sample = 0);
  ~TrunkOutbound();
  TrunkOutbound(const TrunkOutbound&) = delete;
  TrunkOutbound& operator=(const TrunkOutbound&) = delete;

  // Starts a call to `number`: 0-9 * # A-D for DTMF (at most 128 between
  // pauses), 0-9 for pulses; each ',' is a pause of kDialPauseMs (a PBX's
  // second dial tone: "9,5551234"). False, doing nothing, when a call is
  // already in progress.
  bool dial(std::string_view number);
  // Reads everything the line has ready and advances the state machine.
  void tick() noexcept;
  // The oldest call-level event not yet taken.
  std::optional<OutboundEvent> next_event();
  // The appliance ends the call (or abandons it before the answer): on-hook,
  // back to idle, no event. False when idle.
  bool hang_up();
  // Connected (answered): what the far end sent, the blocks of the last
  // tick() received while connected, in order (empty otherwise). Valid until
  // the next tick().
  std::span<const Block> audio() const noexcept { return call_audio_; }

  TrunkOutboundState state() const noexcept { return state_; }
  // The result of the current or last call: nothing before it has one.
  std::optional<OutboundResult> result() const noexcept { return result_; }
  const std::string& number() const noexcept { return number_; }
  // The line's sample count at the end of the last block read.
  uint64_t now_sample() const noexcept { return clock_; }
  const dsp::ToneZone& zone() const noexcept { return *zone_; }
  const TrunkOutboundConfig& config() const noexcept { return config_; }

 private:
  void on_event(const LineEvent& event) noexcept;
  void on_block(std::span<const int16_t, kBlockSamples> block) noexcept;
  void on_progress_block(std::span<const int16_t, kBlockSamples> block, uint64_t start) noexcept;
  void check_timers() noexcept;
  void start_dialling(uint64_t sample) noexcept;
  // Dials the next run of digits, or starts the next pause, or, after the
  // last, the progress analysis.
  void dial_next(uint64_t sample) noexcept;
  void start_progress(uint64_t sample) noexcept;
  void answered(AnswerDetection how, uint64_t sample, uint64_t start) noexcept;
  void fail(OutboundResult result, uint64_t sample, uint64_t start) noexcept;
  void far_end_gone(const Disconnect& disconnect) noexcept;
  void to_idle() noexcept;
  void report(OutboundEvent event) noexcept;

  Line& line_;
  TrunkOutboundConfig config_;
  const dsp::ToneZone* zone_ = nullptr;
  DisconnectSupervisionConfig supervision_;
  dsp::CallProgressConfig progress_config_;  // in_call clear

  TrunkOutboundState state_ = TrunkOutboundState::idle;
  std::optional<OutboundResult> result_;
  std::string number_;
  size_t next_digit_ = 0;                // dialling: where the next run starts
  std::optional<uint64_t> pause_until_;  // dialling: a ',' pause in progress
  bool alarmed_ = false;
  uint64_t clock_ = 0;        // line sample at the start of the next block
  uint64_t state_since_ = 0;  // seized: the seizure; progress: the end of dialling
  std::optional<dsp::CallProgressDetector> progress_;  // seized, dialling, progress
  uint64_t progress_offset_ = 0;
  std::unique_ptr<detail::VoiceAnswerDetector> voice_;  // progress
  std::optional<DisconnectSupervisor> supervisor_;      // connected

  LineDrain drain_;
  std::deque<OutboundEvent> events_;
  std::vector<Block> call_audio_;  // this tick's blocks received connected
};

}  // namespace ivrd::driver
