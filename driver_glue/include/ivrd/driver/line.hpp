#pragma once
// A line: one telephone channel of a card, seen from the appliance.
//
// Every backend (sim today; dahdi, pri, replay and alsa later) delivers the
// same things: one block of 160 samples of 16-bit linear audio at 8 kHz per
// 20 ms tick, the block size DAHDI is configured with, and signalling events
// with the same meaning as DAHDI's (`DAHDI_GETEVENT`), so the DAHDI backend
// maps each event 1:1 and everything above the backends is written once.
//
// Ports are named from the appliance's point of view:
//   trunk port      connects to the phone company's line. The card is an FXO
//                   port; DAHDI calls its signalling fxs_ks, because DAHDI
//                   names signalling after the far end's role.
//   extension port  a phone plugs into it. The card is an FXS port; DAHDI
//                   signalling fxo_ks.
//
// Events (values are DAHDI's DAHDI_EVENT_* codes) and what each means here:
//   ring_begin     trunk: ringing voltage appeared (a ring starts).
//   ring_off_hook  trunk: a ring ended (ringing voltage gone for the ring
//                  trailer); chan_dahdi counts rings and starts listening for
//                  caller ID between rings on this event.
//                  extension: the phone went off-hook.
//   on_hook        trunk: loop current dropped (the far end hung up).
//                  extension: the phone stayed on-hook longer than the flash
//                  time, reported when that time has passed.
//   wink_flash     extension: the phone went back off-hook within the flash
//                  time (a hook flash).
//   ringer_on/off  extension: the ringing cadence the appliance asked for
//                  switched the ringer on or off.
//   polarity       trunk: the line's polarity reversed (answer or hang-up
//                  supervision, or the announcement of caller ID before the
//                  first ring).
//   dial_complete  the digits asked for by dial_dtmf() or dial_pulse() have
//                  all been sent.
//   alarm/no_alarm the line's span went into or out of alarm.
// Caller ID is not an event: it is audio (FSK or DTMF) in the receive blocks,
// decoded above the backend by dsp::CallerIdReceiver.
//
// Timestamps count samples from the moment the backend started, so an event
// can be placed exactly against the audio blocks.
//
// Actions that make no sense in the line's state (answering a line that is not
// ringing, ringing a trunk port, hanging up a line that is on-hook) throw
// LineError naming the line; they never change the line's state. Audio and
// event calls never throw. A Line is used from one thread.

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "ivrd/dsp/caller_id.hpp"
#include "ivrd/dsp/dtmf_generator.hpp"

namespace ivrd::driver {

inline constexpr size_t kBlockSamples = 160;  // 20 ms at 8 kHz, one tick
inline constexpr uint32_t kSampleRate = 8000;
using Block = std::array<int16_t, kBlockSamples>;

// Milliseconds to samples at 8 kHz.
constexpr uint64_t ms_to_samples(uint64_t ms) noexcept { return ms * kSampleRate / 1000; }

// Where on-hook caller ID starts after the first ring ends (Bellcore GR-30,
// ETSI EN 300 659-1), when a backend sends it (RingRequest) or a simulated
// exchange does.
inline constexpr uint32_t kCallerIdAfterRingMs = 500;

enum class PortKind : uint8_t { trunk, extension };

// "trunk" or "extension".
std::string_view port_kind_name(PortKind kind) noexcept;
// The DAHDI signalling a port of this kind is configured with in
// /etc/dahdi/system.conf: "fxs_ks" for a trunk port, "fxo_ks" for an
// extension port.
std::string_view dahdi_signalling_name(PortKind kind) noexcept;

enum class LineEventKind : uint8_t {
  on_hook = 1,        // DAHDI_EVENT_ONHOOK
  ring_off_hook = 2,  // DAHDI_EVENT_RINGOFFHOOK
  wink_flash = 3,     // DAHDI_EVENT_WINKFLASH
  alarm = 4,          // DAHDI_EVENT_ALARM
  no_alarm = 5,       // DAHDI_EVENT_NOALARM
  dial_complete = 9,  // DAHDI_EVENT_DIALCOMPLETE
  ringer_on = 10,     // DAHDI_EVENT_RINGERON
  ringer_off = 11,    // DAHDI_EVENT_RINGEROFF
  polarity = 17,      // DAHDI_EVENT_POLARITY
  ring_begin = 18,    // DAHDI_EVENT_RINGBEGIN
};

// "on_hook", "ring_off_hook", ... (the enumerator's name).
std::string_view line_event_name(LineEventKind kind) noexcept;

struct LineEvent {
  LineEventKind kind = LineEventKind::on_hook;
  uint64_t sample = 0;  // when it happened, in samples since the backend started
  friend bool operator==(const LineEvent&, const LineEvent&) = default;
};

// A ringing cadence: durations in milliseconds, alternately on and off,
// starting with on; it repeats. Presets for the two cadences most tests use.
struct RingCadence {
  std::vector<uint32_t> on_off_ms;

  static RingCadence us();  // 2 s on, 4 s off
  static RingCadence uk();  // 0.4 s on, 0.2 s off, 0.4 s on, 2 s off
  // Empty, odd-sized or containing a zero duration: not a cadence. Throws
  // std::invalid_argument saying which.
  void validate() const;
  // The durations in samples, validated first.
  std::vector<uint64_t> samples() const;
};

// How the appliance rings an extension port. The caller ID, when present, is
// sent as on-hook FSK (the message's format picks the modem) starting 500 ms
// after the first ring ends, as Bellcore GR-30 and ETSI EN 300 659-1 place it.
struct RingRequest {
  RingCadence cadence = RingCadence::us();
  std::optional<dsp::CallerIdMessage> caller_id;
};

// The tones dial_dtmf() sends: DAHDI's defaults, 100 ms tones with 100 ms
// pauses, at -10 dBm0 per frequency. Backends that generate the digits
// themselves use it, so every backend dials alike.
dsp::DtmfToneSpec dtmf_dialling_spec() noexcept;
// Why dial_dtmf() must refuse these digits (a character that is not a DTMF
// digit, or more digits than the tone generator queues at once), or nothing.
std::optional<std::string> dtmf_dialling_problem(std::string_view digits);

class LineError : public std::runtime_error {
 public:
  LineError(std::string line, std::string problem);
  const std::string& line() const noexcept { return line_; }
  const std::string& problem() const noexcept { return problem_; }

 private:
  std::string line_;
  std::string problem_;
};

class Line {
 public:
  virtual ~Line() = default;

  virtual const std::string& name() const noexcept = 0;
  virtual PortKind kind() const noexcept = 0;
  // The appliance's own hook state on a trunk port (true after answer() or
  // seize(), false after hang_up()); on an extension port, whether the phone
  // is off-hook.
  virtual bool off_hook() const noexcept = 0;

  // The oldest receive block not yet read, or nothing when the backend has
  // none ready.
  virtual std::optional<Block> read() noexcept = 0;
  // Queues one block to send. False when the transmit queue is full (the
  // block is dropped). Audio is sent only while the line is connected.
  virtual bool write(std::span<const int16_t, kBlockSamples> block) noexcept = 0;
  // The oldest event not yet taken, in the order they happened.
  virtual std::optional<LineEvent> next_event() noexcept = 0;

  // Trunk port: go off-hook on a line that is ringing (between rings counts).
  virtual void answer() = 0;
  // Trunk port: go off-hook on an idle line, to dial out.
  virtual void seize() = 0;
  // Trunk port: go on-hook.
  virtual void hang_up() = 0;
  // Trunk port: go on-hook for the flash time, then off-hook again.
  virtual void flash() = 0;
  // Send DTMF digits (0-9, *, #, A-D) as tones on an off-hook line, replacing
  // written audio while they play (dtmf_dialling_spec()). Refused while
  // earlier digits still play.
  virtual void dial_dtmf(std::string_view digits) = 0;
  // Trunk port: send digits 0-9 as loop-disconnect pulses (DAHDI's defaults:
  // 50 ms break, 50 ms make, 750 ms after each digit; ten pulses for 0). The
  // line carries no audio while pulsing. Refused while earlier digits still
  // play.
  virtual void dial_pulse(std::string_view digits) = 0;
  // Extension port: ring the phone (it must be on-hook and not ringing).
  virtual void ring(const RingRequest& request) = 0;
  // Extension port: stop ringing.
  virtual void stop_ringing() = 0;
};

}  // namespace ivrd::driver
