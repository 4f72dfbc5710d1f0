#pragma once
// The simulated card (`sim` backend): spans of trunk and extension ports with
// DAHDI's event semantics (see line.hpp), and scriptable far ends, for tests
// and for running the appliance without hardware.
//
// Time is the card's own: nothing happens until the owner calls tick(), which
// advances every port by exactly one 160-sample block. Tests call it in a
// loop (a minute of telephony runs in milliseconds, the same way every time);
// the daemon will call it from its injected clock. Within a tick every port is
// run sample by sample, so events carry the exact sample they happened at.
//
// What one tick does, for each port:
//   - takes the oldest block written to the port (silence when none), or the
//     DTMF the appliance is dialling;
//   - runs the far end's script for 160 samples: its signalling (ringing
//     voltage, polarity, loop current, hook) becomes events, its audio
//     becomes the port's receive block;
//   - gives the far end what the appliance sent while the two were connected
//     (its heard() buffer holds one sample per line sample, silence while not
//     connected).
// Two ports put in loopback hear each other's transmit audio instead, in the
// same tick, whatever their hook state.
//
// Far ends. A trunk port's far end is a SimCaller on the phone company's side;
// an extension port's is a SimPhone. Each runs a script of steps, in order;
// the builder calls append steps and may be made at any time (a finished
// script resumes with the new steps). A caller's ring step rings until the
// appliance answers (then the call is connected) or max_cycles cadence cycles
// have passed (then the caller gives up and drops the rest of the script). If
// the appliance hangs up during the call, the caller's call ends and the rest
// of its script is dropped.
//
// Timing rules the sim follows, after dahdi-base:
//   - trunk ring: ring_begin when the voltage appears; ring_off_hook when it
//     has been gone for SimConfig::ring_trailer_ms;
//   - extension hook: on-hook for less than rx_flash_ms then off-hook again is
//     a wink_flash; longer is an on_hook, reported rx_flash_ms after the hook
//     went down;
//   - caller ID between rings starts 500 ms after the first ring ends; after
//     a polarity reversal it starts 250 ms after the reversal and the first
//     ring follows 500 ms after it ends;
//   - the appliance's flash on a trunk port breaks the loop for tx_flash_ms;
//     its pulse dialling breaks it per DAHDI's default pulse timing, and the
//     caller (the exchange) decodes the digits.
//
// Outbound calls: a trunk port's caller can also be the exchange the
// appliance dials out through (SimCaller::expect_outbound() below): it gives
// the zone's dial tone when the line is seized, decodes the digits dialled
// (DTMF through dsp::DtmfDetector on the transmitted audio, pulses from the
// loop breaks), then plays the zone's ringback and answers, or plays busy,
// congestion, SIT with an announcement, or rings for ever.
//
// A trunk port's caller can add white line noise to what the exchange's side
// sends (SimCaller::line_noise) and set the caller ID signal's level and
// frequency offset.
//
// Not simulated (yet): pulse dialling by a phone, dial tone from an
// extension port (ExtensionPort provides it), noise on extension ports, echo
// and loss, robbed-bit or PRI signalling on T1/E1 spans (their channels
// behave as analog ports).
//
// heard() buffers: one sample per line sample, bounded by
// SimConfig::heard_limit_ms (10 minutes by default; 0 keeps everything).
// Past the limit the oldest audio is dropped in slices, so a buffer holds
// between the limit and a quarter more of the most recent audio;
// heard_start() is the line sample of heard()[0] and heard_total() the
// samples heard since the card started, so a test can still index by line
// sample (line sample n is heard()[n - heard_start()]).
//
// Errors: a bad script (unknown DTMF digit, bad cadence), a channel that does
// not exist, or loopback of a port with itself throw std::invalid_argument or
// std::out_of_range; actions invalid in the line's state throw LineError.
// Not thread-safe: one thread drives a card.

#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <random>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "ivrd/driver/line.hpp"
#include "ivrd/driver/line_queues.hpp"
#include "ivrd/driver/phone_hook.hpp"
#include "ivrd/driver/span.hpp"
#include "ivrd/dsp/caller_id.hpp"
#include "ivrd/dsp/dtmf_detector.hpp"
#include "ivrd/dsp/dtmf_generator.hpp"
#include "ivrd/dsp/tone_generator.hpp"
#include "ivrd/dsp/tone_zone.hpp"

namespace ivrd::driver {

struct SimConfig {
  uint32_t ring_trailer_ms = 50;
  uint32_t rx_flash_ms = 1250;  // DAHDI_DEFAULT_RXFLASHTIME
  uint32_t tx_flash_ms = 750;   // DAHDI_DEFAULT_FLASHTIME
  size_t queue_blocks = 50;     // receive and transmit queues, per port
  // Most recent audio kept by each far end's heard() buffer; 0: no limit.
  uint32_t heard_limit_ms = 10 * 60 * 1000;
};

// How a caller's hang-up shows on the trunk port.
enum class Supervision : uint8_t {
  loop_current_drop,  // on_hook event
  polarity_reversal,  // polarity event
  none,               // nothing: the line just goes silent
};

enum class CallerIdTiming : uint8_t {
  between_first_and_second_ring,  // Bellcore GR-30, most of North America
  after_polarity_reversal,        // before the first ring (UK, parts of Europe)
};

// What the simulated exchange does with an outbound call once it has the
// number.
enum class SimCallOutcome : uint8_t {
  answer,      // ringback for the given rings, then the callee answers
  busy,        // the zone's busy tone until the appliance hangs up
  congestion,  // the zone's congestion (reorder) tone, likewise
  sit,         // special information tone, then the announcement, repeated
  no_answer,   // ringback for ever
};

// How the exchange shows the callee's answer on the line.
enum class AnswerSignal : uint8_t {
  polarity_reversal,  // a polarity event at the answer (answer supervision)
  none,               // nothing: only the callee's voice tells
};

class SimPort;
class SimSpan;

namespace detail {
// An outbound call's script, built by SimCaller::expect_outbound() and the
// calls that follow it. Times in samples.
struct SimExchangeScript {
  const dsp::ToneZone* zone = nullptr;
  std::optional<uint64_t> dial_tone_after;  // nothing: no dial tone
  bool dead = false;                        // no dial tone and digits lead nowhere
  uint32_t route_after_digits = 0;          // 0: after the inter-digit timeout
  uint64_t interdigit_timeout = 0;
  uint64_t routing_delay = 0;
  SimCallOutcome outcome = SimCallOutcome::answer;
  uint32_t rings = 2;
  AnswerSignal answer_signal = AnswerSignal::polarity_reversal;
  std::vector<int16_t> announcement;  // sit
  float tone_level_dbm0 = -16.0f;
};

// A far end's heard() audio, bounded (SimConfig::heard_limit_ms).
struct HeardBuffer {
  std::vector<int16_t> samples;
  uint64_t dropped = 0;  // line samples no longer held
  void push(int16_t sample, size_t limit) {
    samples.push_back(sample);
    // Trimmed in slices of a quarter of the limit: each sample moves at most
    // four times, and heard() stays one contiguous vector.
    if (limit == 0 || samples.size() < limit + limit / 4 + 1) return;
    const size_t excess = samples.size() - limit;
    samples.erase(samples.begin(), samples.begin() + static_cast<std::ptrdiff_t>(excess));
    dropped += excess;
  }
  uint64_t total() const noexcept { return dropped + samples.size(); }
};

struct SimStep {
  enum class Kind : uint8_t { wait, ring, audio, hang_up, wait_for_ring, off_hook, exchange };
  Kind kind = Kind::wait;
  uint64_t samples = 0;  // wait
  std::vector<int16_t> audio;
  std::vector<uint64_t> cadence;  // ring: on/off segment lengths in samples
  uint32_t max_cycles = 0;
  std::vector<int16_t> caller_id;  // ring: FSK audio, empty for none
  CallerIdTiming timing = CallerIdTiming::between_first_and_second_ring;
  Supervision supervision = Supervision::loop_current_drop;
  SimExchangeScript exchange;
};

// The script runner shared by both far ends.
struct SimScript {
  std::vector<SimStep> steps;
  size_t index = 0;
  uint64_t position = 0;  // samples into the current step
  bool finished() const noexcept { return index >= steps.size(); }
  // Past the last step it stays at the end, so that steps appended later
  // (a caller who gave up, scripted again) are run.
  void next() noexcept {
    if (index < steps.size()) ++index;
    position = 0;
  }
  void drop_rest() noexcept { index = steps.size(); }
  // For a step that waits `samples`: true (and one sample further) while it
  // still waits.
  bool waiting(uint64_t samples) noexcept {
    if (position >= samples) return false;
    ++position;
    return true;
  }
};
}  // namespace detail

// The phone company's side of a trunk port: a caller ringing in, or the
// exchange the appliance dials out through.
//
// Outbound calls. expect_outbound(zone) appends a step that waits until the
// appliance seizes the line, then behaves as the zone's exchange; the calls
// right after it shape that call (each applies to the last expect_outbound()
// and throws std::logic_error anywhere else):
//
//   port.caller()
//       .expect_outbound("uk")           // tones of libtonezone's "uk" zone
//       .dial_tone_after_ms(300)         // default 300; or no_dial_tone()
//       .route_after_digits(11)          // default: 3 s after the last digit
//       .answer_after_rings(2, AnswerSignal::polarity_reversal)
//       .play(hello_pcm)                 // the callee talks, as an inbound caller
//       .press("1")
//       .hang_up(Supervision::loop_current_drop);
//
// Sequence: seizure -> silence for dial_tone_after_ms -> the zone's dial
// tone until the first digit begins (a DTMF tone recognised, or the first
// loop break) -> digits are collected until route_after_digits digits or
// until no digit for the inter-digit timeout (3 s) -> 500 ms routing delay
// -> the outcome: answer_after_rings(n) plays n periods of the zone's
// ringback (a UK double ring is one period) and then answers (a polarity
// event with AnswerSignal::polarity_reversal; audio always flows), after
// which the following steps run as an answered inbound call's do; busy(),
// congestion() and no_answer() play their tone until the appliance hangs
// up; sit(announcement) plays the zone's SIT (three segments and 1 s of
// silence), the announcement and 500 ms of silence, over and over. The
// default outcome is answer_after_rings(2, polarity_reversal). Tones are at
// -16 dBm0 (tone_level_dbm0()).
//
// The exchange's audio reaches the appliance from the seizure on (not
// during pulse dialling: the loop is broken), and the appliance's audio is
// heard from the seizure on. If the appliance hangs up at any point, the call
// ends and the rest of the script is dropped; dialled_digits() keeps what
// was decoded, until the next seizure. The number is never checked: tests
// compare dialled_digits() with what they dialled.
class SimCaller {
 public:
  SimCaller& wait_ms(uint32_t ms);
  // Ring with this cadence until answered, for at most max_cycles cycles.
  SimCaller& ring(const RingCadence& cadence, uint32_t max_cycles = 10);
  // The same, sending caller ID as FSK audio (the message's format picks
  // Bell 202 or V.23; DTMF caller ID is sent as DTMF).
  SimCaller& ring(const RingCadence& cadence, const dsp::CallerIdMessage& caller_id,
                  CallerIdTiming timing, uint32_t max_cycles = 10);
  // The same, with the caller ID signal's level, frequency offset and
  // preamble as given.
  SimCaller& ring(const RingCadence& cadence, const dsp::CallerIdMessage& caller_id,
                  CallerIdTiming timing, const dsp::CallerIdAudioOptions& signal,
                  uint32_t max_cycles = 10);
  // Line noise: white Gaussian noise of this level added, from the next tick
  // on, to everything the line brings from the exchange's side (on-hook too,
  // where caller ID arrives), the same for a seed. Not a script step: it
  // takes effect at once and stays. Throws std::invalid_argument for a level
  // above 0 dBm0.
  SimCaller& line_noise(float level_dbm0, uint64_t seed);
  // Talk: this audio reaches the appliance while connected.
  SimCaller& play(std::span<const int16_t> pcm);
  // Press keys: real DTMF audio (tone length and level from `tone`).
  SimCaller& press(std::string_view digits, const dsp::DtmfToneSpec& tone = {});
  SimCaller& hang_up(Supervision supervision);

  // An outbound call through the exchange of this tone zone (libtonezone
  // code; std::invalid_argument for an unknown one, with a hint).
  SimCaller& expect_outbound(std::string_view zone);
  SimCaller& dial_tone_after_ms(uint32_t ms);
  // No dial tone. A dead line also ignores what is dialled (nothing ever
  // follows); with accepts_digits the number is taken and routed as usual,
  // as on a line that simply gives no dial tone.
  SimCaller& no_dial_tone(bool accepts_digits = false);
  // Route once this many digits have arrived (1..64).
  SimCaller& route_after_digits(uint32_t digits);
  SimCaller& interdigit_timeout_ms(uint32_t ms);
  SimCaller& answer_after_rings(uint32_t rings,
                                AnswerSignal signal = AnswerSignal::polarity_reversal);
  SimCaller& busy();
  SimCaller& congestion();
  SimCaller& sit(std::span<const int16_t> announcement = {});
  SimCaller& no_answer();
  SimCaller& tone_level_dbm0(float level);

  // What the caller heard: the appliance's audio while the two were
  // connected, silence otherwise; bounded (see the top of this file).
  const std::vector<int16_t>& heard() const noexcept { return heard_.samples; }
  uint64_t heard_start() const noexcept { return heard_.dropped; }
  uint64_t heard_total() const noexcept { return heard_.total(); }
  // Answered: an inbound call the appliance answered, or an outbound call
  // the callee answered.
  bool in_call() const noexcept { return in_call_; }
  // The exchange holds a seized outbound call (dialling, ringing, a tone,
  // or answered).
  bool outbound_call() const noexcept { return exchange_connected_; }
  // The digits the exchange decoded in the current (or last) outbound call,
  // DTMF and pulses, in order.
  const std::string& dialled_digits() const noexcept { return dialled_digits_; }
  bool gave_up() const noexcept { return gave_up_; }
  bool script_finished() const noexcept { return script_.finished(); }
  uint32_t flashes_seen() const noexcept { return flashes_; }
  // The digits the exchange decoded from the appliance's loop-disconnect
  // pulses: a loop break under 200 ms is a pulse, a make of 300 ms or more
  // ends the digit.
  const std::string& pulse_digits() const noexcept { return pulse_digits_; }

 private:
  friend class SimPort;
  int16_t step(SimPort& port, uint64_t sample);
  // Audio for this sample, or nothing when the ring step just ended.
  std::optional<int16_t> ring_step(SimPort& port, const detail::SimStep& step, uint64_t sample);
  // Audio for this sample, or nothing when the call was answered (the next
  // step follows).
  std::optional<int16_t> exchange_step(SimPort& port, const detail::SimStep& step, uint64_t sample);
  int16_t outcome_sample(const detail::SimExchangeScript& script);
  detail::SimExchangeScript& last_exchange(const char* call);
  bool alerting() const noexcept;
  void observe_loop(bool closed, uint64_t sample);
  // The appliance's audio at this sample (0 when not connected).
  void hear(int16_t sample, uint64_t line_sample, size_t limit);
  void end_outbound() noexcept;
  int16_t add_line_noise(int16_t far) noexcept;

  detail::SimScript script_;
  detail::HeardBuffer heard_;
  bool in_call_ = false;
  bool gave_up_ = false;
  bool voltage_ = false;
  uint32_t flashes_ = 0;
  bool loop_closed_ = false;
  uint64_t loop_changed_at_ = 0;
  std::optional<uint64_t> loop_opened_at_;  // since the appliance was off-hook
  uint32_t pulses_ = 0;
  std::string pulse_digits_;
  // Outbound calls (the exchange).
  enum class ExchangePhase : uint8_t { seizure, dial_tone, digits, routing, outcome };
  bool exchange_connected_ = false;
  ExchangePhase phase_ = ExchangePhase::seizure;
  uint64_t phase_start_ = 0;
  bool digit_begun_ = false;  // a digit started: dial tone off
  uint64_t last_digit_at_ = 0;
  std::string dialled_digits_;
  std::optional<dsp::ToneGenerator> tone_;
  std::optional<dsp::DtmfDetector> digit_detector_;
  std::vector<int16_t> digit_audio_;  // the appliance's audio, in detector sub-blocks
  std::vector<int16_t> sit_loop_;     // sit: SIT, announcement, pause
  uint64_t sit_position_ = 0;
  // Line noise.
  float noise_rms_ = 0.0f;
  std::mt19937_64 noise_random_;
  std::normal_distribution<float> noise_{0.0f, 1.0f};
};

// A phone plugged into an extension port.
class SimPhone {
 public:
  SimPhone& wait_ms(uint32_t ms);
  // Wait until the appliance starts ringing the phone.
  SimPhone& wait_for_ring();
  SimPhone& off_hook();
  SimPhone& hang_up();
  // On-hook for `ms`, then off-hook again.
  SimPhone& flash(uint32_t ms = 500);
  SimPhone& dial(std::string_view digits, const dsp::DtmfToneSpec& tone = {});
  SimPhone& play(std::span<const int16_t> pcm);

  // What reached the phone's line: the appliance's audio while off-hook, and
  // the on-hook caller ID between rings.
  // Bounded like the caller's (see the top of this file).
  const std::vector<int16_t>& heard() const noexcept { return heard_.samples; }
  uint64_t heard_start() const noexcept { return heard_.dropped; }
  uint64_t heard_total() const noexcept { return heard_.total(); }
  bool ringing() const noexcept { return ringing_; }
  bool off_hook_now() const noexcept { return off_hook_; }
  bool script_finished() const noexcept { return script_.finished(); }

 private:
  friend class SimPort;
  int16_t step(SimPort& port, uint64_t sample);

  detail::SimScript script_;
  detail::HeardBuffer heard_;
  bool ringing_ = false;  // ringing voltage on the line now
  bool off_hook_ = false;
};

class SimCard;

// One port of the simulated card.
class SimPort final : public Line {
 public:
  SimPort(SimCard& card, SimSpan& span, std::string name, PortKind kind);

  const std::string& name() const noexcept override { return name_; }
  PortKind kind() const noexcept override { return kind_; }
  bool off_hook() const noexcept override;
  std::optional<Block> read() noexcept override;
  bool write(std::span<const int16_t, kBlockSamples> block) noexcept override;
  std::optional<LineEvent> next_event() noexcept override;
  void answer() override;
  void seize() override;
  void hang_up() override;
  void flash() override;
  void dial_dtmf(std::string_view digits) override;
  void dial_pulse(std::string_view digits) override;
  void ring(const RingRequest& request) override;
  void stop_ringing() override;

  // The far end. Throws std::logic_error on a port of the other kind.
  SimCaller& caller();
  SimPhone& phone();
  size_t rx_overruns() const noexcept { return queues_.rx_overruns(); }

 private:
  friend class SimCard;
  friend class SimSpan;
  friend class SimCaller;
  friend class SimPhone;

  void fail(std::string_view problem) const;
  void emit(LineEventKind kind, uint64_t sample);
  void take_tx() noexcept;
  void run_tick(uint64_t first_sample);
  int16_t trunk_sample(uint64_t sample, int16_t tx, int16_t far);
  int16_t extension_sample(uint64_t sample, int16_t tx, int16_t far);
  // Far-end signalling, called by the scripts.
  void set_ring_voltage(bool on, uint64_t sample);
  void set_phone_hook(bool off_hook, uint64_t sample);
  bool flashing() const noexcept { return tx_flash_left_ > 0; }
  bool trunk_connected() const noexcept;
  size_t heard_limit() const noexcept;
  bool pulsing() const noexcept { return pulse_segment_ < pulse_plan_.size(); }
  bool dialling() const noexcept { return !dialer_.idle() || dtmf_done_at_ || pulsing(); }

  SimCard& card_;
  SimSpan& span_;
  std::string name_;
  PortKind kind_;
  SimPort* loopback_ = nullptr;
  LineQueues queues_;
  Block current_tx_{};  // this tick's, taken before any port runs, for loopback
  dsp::DtmfGenerator dialer_;
  std::optional<uint64_t> dtmf_done_at_;
  std::vector<uint64_t> pulse_plan_;  // loop open, closed, open, ... in samples
  size_t pulse_segment_ = 0;
  uint64_t pulse_position_ = 0;
  // Trunk.
  bool appliance_off_hook_ = false;
  uint64_t tx_flash_left_ = 0;
  std::optional<uint64_t> ring_off_at_;  // end of the ring trailer
  SimCaller caller_;
  // Extension.
  bool ringing_ = false;
  std::vector<uint64_t> ring_cadence_;
  size_t ring_segment_ = 0;
  uint64_t ring_segment_position_ = 0;
  uint64_t ring_position_ = 0;
  std::vector<int16_t> ring_caller_id_;
  uint64_t ring_caller_id_start_ = 0;  // ring position where it starts
  PhoneHookEvents hook_events_;
  SimPhone phone_;
};

class SimSpan final : public Span {
 public:
  SimSpan(std::string name, SpanType type) : name_(std::move(name)), type_(type) {}

  const std::string& name() const noexcept override { return name_; }
  SpanType type() const noexcept override { return type_; }
  SpanAlarms alarms() const noexcept override { return alarms_; }
  SpanCounters counters() const noexcept override { return counters_; }
  size_t line_count() const noexcept override { return ports_.size(); }
  Line& line(size_t index) override { return port(index); }
  SimPort& port(size_t index);

  // Fault injection: set the span's alarms (events on its lines when they go
  // from none to some or back), and add to its error counters.
  void set_alarms(SpanAlarms alarms);
  void add_errors(const SpanCounters& errors) noexcept;

 private:
  friend class SimCard;
  friend class SimPort;
  SimCard* card_ = nullptr;
  std::string name_;
  SpanType type_;
  SpanAlarms alarms_;
  SpanCounters counters_;
  std::vector<std::unique_ptr<SimPort>> ports_;
};

class SimCard {
 public:
  explicit SimCard(const SimConfig& config = {});
  SimCard(const SimCard&) = delete;
  SimCard& operator=(const SimCard&) = delete;

  // A span with one port per entry of `ports`, named "<span>/<n>" from 1.
  // References stay valid for the card's lifetime.
  SimSpan& add_span(std::string name, SpanType type, const std::vector<PortKind>& ports);
  size_t span_count() const noexcept { return spans_.size(); }
  SimSpan& span(size_t index);

  // Connects the two ports' audio to each other (and no longer to their far
  // ends). Throws std::invalid_argument for the same port twice or a port
  // already in loopback.
  void loopback(SimPort& a, SimPort& b);

  void tick();
  void run_ms(uint64_t ms);  // whole ticks, rounded up
  uint64_t ticks() const noexcept { return ticks_; }
  uint64_t now_sample() const noexcept { return ticks_ * kBlockSamples; }
  const SimConfig& config() const noexcept { return config_; }

 private:
  SimConfig config_;
  uint64_t ticks_ = 0;
  std::vector<std::unique_ptr<SimSpan>> spans_;
};

}  // namespace ivrd::driver
