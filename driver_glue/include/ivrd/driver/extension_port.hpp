#pragma once
// An extension port: the signalling state machine of a phone plugged into the
// appliance, between a Line (line.hpp, an FXS port: DAHDI's fxo_ks) and the
// call engine. It rings the phone with caller ID, gives a phone that goes
// off-hook the zone's dial tone and collects the number it dials, tells a
// hook flash from a hang-up, and gives a phone left off-hook the exchange's
// "permanent signal" treatment: congestion tone, then silence.
//
// The owner calls tick() once per 20 ms block (after the backend's tick);
// tick() reads every receive block and event the line has ready, runs the DTMF
// detector on the audio while digits are being collected, writes one block of
// the tone the machine provides for every block it reads, and queues
// call-level events, taken with next_event().
//
// States and what moves between them (docs/lines.md, "Extension ports", has
// the timings):
//   idle        the phone is on-hook. ring() -> ringing. The phone going
//               off-hook (ring_off_hook) -> dialling (event off_hook).
//   ringing     the line rings the phone with the cadence asked for (the
//               zone's by default: zone_ring_cadence()); the backend sends
//               the caller ID as on-hook FSK after the first ring. The phone
//               going off-hook -> in_call (answered); the backend trips the
//               ringing itself. stop_ringing() -> idle, no event. No answer
//               within no_answer_timeout_ms of ring(): the machine stops the
//               ringing -> idle (no_answer).
//   dialling    the machine plays the zone's dial tone and runs a
//               dsp::DtmfDetector on what the phone sends. The first key
//               stops the dial tone (silence follows). Keys are collected
//               when recognised (the detector's begin event) until the number
//               is complete (number_dialled -> in_call): the terminator key
//               (not part of the number), the inter-digit timeout, max_digits
//               keys, or the dial plan saying so. No key within
//               first_digit_timeout_ms of going off-hook, a number the dial
//               plan rejects, or a number cut short (see DialPlanVerdict) ->
//               congestion. A hook flash starts the dialling afresh (keys
//               dropped, dial tone again). Before the detector, the receive
//               audio goes through notches at the dial tone's frequencies:
//               on a real line the dial tone's echo would otherwise hide a
//               weak first key (docs/lines.md has the figures).
//   in_call     the owner's: it writes the phone's audio with write(), reads
//               what the phone sends with audio(), and may have the machine
//               play a zone tone (play_tone(): ringback, busy, congestion...)
//               instead. A hook flash -> flash event (transfer, hold); the
//               phone staying on-hook -> idle (hung_up). end_call() (the
//               other party hung up, the number led nowhere) -> congestion.
//   congestion  the zone's congestion tone for congestion_ms, then ->
//               lockout (event lockout). A hook flash here and in lockout
//               changes nothing.
//   lockout     silence until the phone hangs up (hung_up -> idle). Exchanges
//               park a line left off-hook this way ("permanent signal",
//               "off-hook warning") so it stops holding a tone sender.
//   out_of_service  the span is in alarm: whatever was in progress ended
//               (event alarm; ringing is stopped) and ring() is refused. When
//               the alarm clears (alarm_cleared) the phone is idle if it is
//               on-hook; a phone still off-hook gets congestion then lockout,
//               as the call it was in is gone, and must hang up to dial again.
// A phone that goes on-hook in dialling, in_call, congestion or lockout is
// reported as hung_up (with the state it left); the backend reports on-hook
// only once the hook has stayed down longer than the flash time (DAHDI's
// rxflashtime, 1250 ms by default), so a shorter break is a flash instead.
//
// Times: events and timers use the line's sample clock. The machine counts the
// samples it reads from start_sample (the line's sample count at the first
// block it will read: 0 when it is created with the line, else e.g.
// SimCard::now_sample()). Line events are applied at their sample, before the
// block they happened in. Tones written in one tick are sent with the
// backend's next block, so a tone starts 20 to 40 ms after what caused it.
//
// Errors: the constructor throws std::invalid_argument for a bad configuration
// (every problem listed) or a line that is not an extension port; ring() with
// a bad cadence throws std::invalid_argument naming the line and the problem.
// tick() and next_event() never throw: a dial plan that throws is taken as
// rejecting the number. Allocates on construction, when a tone or the DTMF
// detector starts, and for queued events; not thread-safe (one machine per
// line, driven by the thread that drives the line).

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "ivrd/driver/line.hpp"
#include "ivrd/driver/line_drain.hpp"
#include "ivrd/dsp/caller_id.hpp"
#include "ivrd/dsp/dtmf_detector.hpp"
#include "ivrd/dsp/tone_generator.hpp"
#include "ivrd/dsp/tone_zone.hpp"

namespace ivrd::driver {

namespace detail {
class ToneNotch;
}

// What a dial plan says about the keys dialled so far.
enum class DialPlanVerdict : uint8_t {
  incomplete,  // a prefix of a number: wait for more keys
  complete,    // a whole number that nothing longer extends: reported at once
  // A whole number that a longer one also starts with (e.g. "10" when "100"
  // exists): reported at the terminator, at the inter-digit timeout or at
  // max_digits, unless more keys change the verdict.
  complete_or_more,
  invalid,  // no number starts like this: congestion at once
};
std::string_view dial_plan_verdict_name(DialPlanVerdict verdict) noexcept;

// Called with the keys dialled so far (never empty, terminator excluded) after
// each key. Without a dial plan every prefix counts as complete_or_more, so a
// number ends at the terminator, the inter-digit timeout or max_digits.
using DialPlan = std::function<DialPlanVerdict(std::string_view digits)>;

struct ExtensionPortConfig {
  std::string tone_zone = "us";  // libtonezone code (dsp::find_tone_zone)
  // Level of the tones the machine plays (dsp::ToneGenerator: the loudest
  // segment's total power). -13 dBm0 is a common exchange dial-tone level.
  float tone_level_dbm0 = -13.0f;
  // The ringing cadence ring() uses when none is given; unset: the zone's
  // (zone_ring_cadence()).
  std::optional<RingCadence> ring_cadence;
  uint32_t no_answer_timeout_ms = 30000;  // from the start of ringing
  // Dialling: how long the dial tone waits for the first key, and the longest
  // pause after a key before the number is taken as complete (or, when the
  // dial plan still wants more, as cut short).
  uint32_t first_digit_timeout_ms = 10000;
  uint32_t inter_digit_timeout_ms = 5000;
  char terminator = '#';  // ends the number (not part of it); '\0' for none
  uint32_t max_digits = 20;
  DialPlan dial_plan;  // empty: numbers end by terminator, timeout or length
  // Congestion tone for this long, then silence until the phone hangs up.
  uint32_t congestion_ms = 30000;
  dsp::DtmfConfig dtmf;

  // Every problem, one per line, or nothing when the configuration is usable.
  std::optional<std::string> validate() const;
};

// The ringing cadence of a zone. libtonezone's zones give their ringback tone
// the cadence of the ringing current (the caller hears the phone ring), so the
// cadence is read from the zone's ringback: us 2 s on / 4 s off, uk and au
// 0.4/0.2/0.4/2.0 s, de 1/4 s, fr 1.5/3.5 s. A zone whose ringback has no
// cadence (a continuous tone) rings with RingCadence::us().
RingCadence zone_ring_cadence(const dsp::ToneZone& zone);

enum class ExtensionState : uint8_t {
  idle,
  ringing,
  dialling,
  in_call,
  congestion,
  lockout,
  out_of_service,
};
// "idle", "ringing", "dialling", ... (the enumerator's name).
std::string_view extension_state_name(ExtensionState state) noexcept;

enum class ExtensionEventKind : uint8_t {
  answered,        // the ringing phone went off-hook: the call is connected
  no_answer,       // no_answer_timeout_ms passed; the machine stopped ringing
  off_hook,        // an idle phone went off-hook: dial tone
  number_dialled,  // digits holds the number; completion says what ended it
  congestion,      // congestion tone starts; reason says why
  lockout,         // the congestion tone has ended: silence until on-hook
  flash,           // a hook flash in a call
  hung_up,         // the phone is on-hook; state: what it left
  alarm,           // the span went into alarm; state: what it ended
  alarm_cleared,   // the span is out of alarm
};
std::string_view extension_event_name(ExtensionEventKind kind) noexcept;

enum class DialCompletion : uint8_t { terminator, inter_digit_timeout, max_digits, dial_plan };
std::string_view dial_completion_name(DialCompletion completion) noexcept;

enum class CongestionReason : uint8_t {
  first_digit_timeout,  // off-hook with no key dialled
  partial_dial,         // ended (terminator, timeout, length) while incomplete
  invalid_number,       // the dial plan rejected it
  call_ended,           // end_call() by the owner
  line_alarm,           // the phone was off-hook when an alarm cleared
};
std::string_view congestion_reason_name(CongestionReason reason) noexcept;

struct ExtensionEvent {
  ExtensionEventKind kind = ExtensionEventKind::answered;
  // On the line's sample clock: the hook event's sample (answered, off_hook,
  // flash, hung_up), the alarm's, or the end of the block in which the
  // machine decided (number_dialled, no_answer, congestion, lockout).
  uint64_t sample = 0;
  // number_dialled: the number. congestion and hung_up: the keys dialled so
  // far in this dialling (for the record); empty otherwise.
  std::string digits;
  DialCompletion completion = DialCompletion::terminator;    // number_dialled
  CongestionReason reason = CongestionReason::partial_dial;  // congestion
  ExtensionState state = ExtensionState::idle;               // hung_up, alarm
};

enum class RingResult : uint8_t {
  ringing,          // the phone is ringing
  phone_off_hook,   // the phone is in use (busy extension): take another route
  already_ringing,  // ringing for an earlier call
  line_alarm,       // the span is in alarm
};
std::string_view ring_result_name(RingResult result) noexcept;

class ExtensionPort {
 public:
  // `line` must be an extension port and outlive the machine.
  explicit ExtensionPort(Line& line, const ExtensionPortConfig& config = {},
                         uint64_t start_sample = 0);
  ~ExtensionPort();
  ExtensionPort(const ExtensionPort&) = delete;
  ExtensionPort& operator=(const ExtensionPort&) = delete;

  // Reads everything the line has ready, advances the state machine and
  // writes the machine's tone for every block read.
  void tick() noexcept;
  // The oldest call-level event not yet taken.
  std::optional<ExtensionEvent> next_event();

  // Rings the phone (idle only), with caller ID sent as on-hook FSK between
  // the first and second ring when given, with the configured cadence or the
  // one given. Anything but `ringing` changes nothing. Throws
  // std::invalid_argument for a cadence that does not validate; a LineError
  // from the backend for any reason but an off-hook phone is passed on.
  RingResult ring(const std::optional<dsp::CallerIdMessage>& caller_id = std::nullopt);
  RingResult ring(const std::optional<dsp::CallerIdMessage>& caller_id, const RingCadence& cadence);
  // Stops ringing the phone (ringing -> idle, no event). False in any other
  // state, and when the phone has just been lifted (the answered event
  // follows with the next tick()): the answer wins.
  bool stop_ringing();

  // In a call: sends one block of audio to the phone. False (nothing sent)
  // outside in_call, while a tone plays, or when the line's queue is full.
  bool write(std::span<const int16_t, kBlockSamples> block) noexcept;
  // In a call: what the phone sent, the blocks of the last tick() received in
  // in_call (empty otherwise). Valid until the next tick().
  std::span<const Block> audio() const noexcept { return call_audio_; }
  // In a call: the machine plays this tone of the zone to the phone, block by
  // block, instead of the owner's audio, until stop_tone() or the call ends.
  // False (nothing changes) outside in_call or when the zone lacks the tone.
  bool play_tone(dsp::CallProgressTone tone);
  void stop_tone() noexcept;
  // In a call: the call is over on the far side while the phone is still
  // off-hook -> congestion (call_ended), then lockout. False in any other
  // state.
  bool end_call();

  ExtensionState state() const noexcept { return state_; }
  // Keys collected in the dialling in progress (terminator excluded).
  const std::string& digits() const noexcept { return digits_; }
  // The tone the machine is playing now, if any.
  std::optional<dsp::CallProgressTone> tone() const noexcept { return tone_kind_; }
  // The line's sample count at the end of the last block read.
  uint64_t now_sample() const noexcept { return clock_; }
  const dsp::ToneZone& zone() const noexcept { return *zone_; }
  const ExtensionPortConfig& config() const noexcept { return config_; }
  // The cadence ring() uses when given none.
  const RingCadence& ring_cadence() const noexcept { return ring_cadence_; }

 private:
  void on_event(const LineEvent& event) noexcept;
  void on_block(std::span<const int16_t, kBlockSamples> block) noexcept;
  void on_key(char key) noexcept;
  void check_timers() noexcept;
  void send_block() noexcept;
  void start_dialling(uint64_t sample) noexcept;
  void finish_number(DialCompletion completion) noexcept;
  void end_number(DialCompletion completion) noexcept;
  void start_congestion(CongestionReason reason) noexcept;
  void to_in_call() noexcept;
  void to_idle() noexcept;
  void set_tone(std::optional<dsp::CallProgressTone> tone) noexcept;
  DialPlanVerdict judge(std::string_view digits) const noexcept;
  void report(ExtensionEvent event) noexcept;
  ExtensionEvent make(ExtensionEventKind kind, uint64_t sample) const;

  Line& line_;
  ExtensionPortConfig config_;
  const dsp::ToneZone* zone_ = nullptr;
  RingCadence ring_cadence_;

  ExtensionState state_ = ExtensionState::idle;
  uint64_t clock_ = 0;     // line sample at the start of the next block
  uint64_t deadline_ = 0;  // the running state's timer, on the line clock
  bool timer_running_ = false;

  // Dialling.
  std::optional<dsp::DtmfDetector> dtmf_;
  std::unique_ptr<detail::ToneNotch> notch_;  // the dial tone's echo, before dtmf_
  std::string digits_;
  bool key_down_ = false;  // a key recognised and not yet released
  DialPlanVerdict verdict_ = DialPlanVerdict::incomplete;

  std::optional<dsp::ToneGenerator> tone_;
  std::optional<dsp::CallProgressTone> tone_kind_;
  bool write_silence_ = false;  // the machine owns the audio but plays no tone

  LineDrain drain_;
  std::vector<Block> call_audio_;  // this tick's blocks received in a call
  std::deque<ExtensionEvent> events_;
};

}  // namespace ivrd::driver
