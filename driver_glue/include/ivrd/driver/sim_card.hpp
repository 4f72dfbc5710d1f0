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
// Not simulated (yet): pulse dialling by a phone, dial tone and call-progress
// tones from the far end (a seized trunk is silent), outbound calls to a far
// end, line noise, echo and loss, robbed-bit or PRI signalling on T1/E1 spans
// (their channels behave as analog ports).
//
// heard() buffers keep every sample (16 kB per simulated second per port):
// the card is meant for tests and short demonstrations, not to run for days.
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
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "ivrd/driver/line.hpp"
#include "ivrd/driver/span.hpp"
#include "ivrd/dsp/caller_id.hpp"
#include "ivrd/dsp/dtmf_generator.hpp"

namespace ivrd::driver {

struct SimConfig {
  uint32_t ring_trailer_ms = 50;
  uint32_t rx_flash_ms = 1250;  // DAHDI_DEFAULT_RXFLASHTIME
  uint32_t tx_flash_ms = 750;   // DAHDI_DEFAULT_FLASHTIME
  size_t queue_blocks = 50;     // receive and transmit queues, per port
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

class SimPort;
class SimSpan;

namespace detail {
struct SimStep {
  enum class Kind : uint8_t { wait, ring, audio, hang_up, wait_for_ring, off_hook };
  Kind kind = Kind::wait;
  uint64_t samples = 0;  // wait
  std::vector<int16_t> audio;
  std::vector<uint64_t> cadence;  // ring: on/off segment lengths in samples
  uint32_t max_cycles = 0;
  std::vector<int16_t> caller_id;  // ring: FSK audio, empty for none
  CallerIdTiming timing = CallerIdTiming::between_first_and_second_ring;
  Supervision supervision = Supervision::loop_current_drop;
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

// The phone company's side of a trunk port.
class SimCaller {
 public:
  SimCaller& wait_ms(uint32_t ms);
  // Ring with this cadence until answered, for at most max_cycles cycles.
  SimCaller& ring(const RingCadence& cadence, uint32_t max_cycles = 10);
  // The same, sending caller ID as FSK audio (the message's format picks
  // Bell 202 or V.23; DTMF caller ID is sent as DTMF).
  SimCaller& ring(const RingCadence& cadence, const dsp::CallerIdMessage& caller_id,
                  CallerIdTiming timing, uint32_t max_cycles = 10);
  // Talk: this audio reaches the appliance while connected.
  SimCaller& play(std::span<const int16_t> pcm);
  // Press keys: real DTMF audio (tone length and level from `tone`).
  SimCaller& press(std::string_view digits, const dsp::DtmfToneSpec& tone = {});
  SimCaller& hang_up(Supervision supervision);

  const std::vector<int16_t>& heard() const noexcept { return heard_; }
  bool in_call() const noexcept { return in_call_; }
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
  bool alerting() const noexcept;
  void observe_loop(bool closed, uint64_t sample);

  detail::SimScript script_;
  std::vector<int16_t> heard_;
  bool in_call_ = false;
  bool gave_up_ = false;
  bool voltage_ = false;
  uint32_t flashes_ = 0;
  bool loop_closed_ = false;
  uint64_t loop_changed_at_ = 0;
  std::optional<uint64_t> loop_opened_at_;  // since the appliance was off-hook
  uint32_t pulses_ = 0;
  std::string pulse_digits_;
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
  const std::vector<int16_t>& heard() const noexcept { return heard_; }
  bool ringing() const noexcept { return ringing_; }
  bool off_hook_now() const noexcept { return off_hook_; }
  bool script_finished() const noexcept { return script_.finished(); }

 private:
  friend class SimPort;
  int16_t step(SimPort& port, uint64_t sample);

  detail::SimScript script_;
  std::vector<int16_t> heard_;
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
  size_t rx_overruns() const noexcept { return rx_overruns_; }

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
  bool pulsing() const noexcept { return pulse_segment_ < pulse_plan_.size(); }
  bool dialling() const noexcept { return !dialer_.idle() || dtmf_done_at_ || pulsing(); }

  SimCard& card_;
  SimSpan& span_;
  std::string name_;
  PortKind kind_;
  SimPort* loopback_ = nullptr;
  std::deque<Block> rx_, tx_;
  Block current_tx_{};  // this tick's, taken before any port runs, for loopback
  std::deque<LineEvent> events_;
  size_t rx_overruns_ = 0;
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
  std::optional<uint64_t> on_hook_deadline_;
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

// Milliseconds to samples at 8 kHz.
constexpr uint64_t ms_to_samples(uint64_t ms) noexcept { return ms * kSampleRate / 1000; }

}  // namespace ivrd::driver
