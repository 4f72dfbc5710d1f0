#pragma once
// The DAHDI backend (`dahdi`): real telephony channels of the DAHDI kernel
// driver as Lines, and DAHDI spans as Spans.
//
// Where things come from:
//   - discovery, as dahdi_scan does it: DAHDI_SPANSTAT over the spans through
//     <dir>/ctl, then DAHDI_GET_PARAMS for every channel of each span. A
//     channel signalled fxs_ks is a trunk port, fxo_ks an extension port (see
//     line.hpp for the naming); every other signalling (loop start, ground
//     start, E&M, clear, HDLC, CAS, ...) is reported as unsupported, never
//     silently dropped.
//   - each line is one open of <dir>/channel bound with DAHDI_SPECIFY, set up
//     with: DAHDI_SET_BLOCKSIZE 160 (one 20 ms block per read), four kernel
//     buffers each way, O_NONBLOCK reads and writes, and the kernel's echo
//     canceller switched off (DAHDI_ECHOCANCEL_PARAMS with tap length 0):
//     ivrd runs its own (dsp::EchoCanceller) above the backend.
//   - audio stays law-coded in the kernel: the line reads and writes G.711
//     bytes and converts them with ivrd's own G.711 (dsp/g711.hpp) in the law
//     DAHDI_GET_PARAMS reports for the channel (µ-law or A-law). One
//     conversion, the same code every other path of ivrd uses (bit-exact and
//     vectorised), and the kernel's buffers hold what travels on the line.
//     DAHDI_SETLINEAR is not used.
//   - events: a read or write that fails with ELAST means an event is
//     pending; the line then drains DAHDI_GETEVENT. DAHDI's codes are the
//     LineEventKind values (1:1); the kernel's other events (hook complete,
//     bits changed, pulse start, ...) are not line events and are dropped,
//     except the digits the kernel decodes from a phone's pulse dialling,
//     kept in pulse_digits().
//   - actions: DAHDI_HOOK (OFFHOOK to answer or seize, ONHOOK, FLASH; RING
//     and RINGOFF on an extension port, after DAHDI_SETCADENCE), DAHDI_DIAL
//     ("T..." for DTMF, "P..." for pulses; the kernel generates the digits
//     and reports dial_complete).
//   - spans: DAHDI_SPANSTAT each time alarms() or counters() is asked.
//
// Time. A line's sample clock counts the samples it has received: an event
// is stamped with the count at the moment it was taken from the kernel, so it
// falls between the blocks read before and after it (the kernel does not
// timestamp events; placement is to the block, 20 ms).
//
// Extension ports follow the phone. When the phone goes off-hook while the
// port rings, the line takes the channel off-hook (DAHDI_OFFHOOK, which stops
// the ringing cadence: "ring trip", as chan_dahdi does), and back on-hook
// when the phone hangs up. A phone going off-hook when not rung is left
// alone, so the kernel counts its dial pulses from the start. Ringing with caller ID: the message's
// FSK (dsp::caller_id_audio) starts 500 ms after the kernel reports the end
// of the first ring (ringer_off) and replaces written audio while it plays;
// it is paced by read(), one block per block received (one block ahead), so
// the owner must keep reading (as it does every tick anyway).
//
// The kernel's timing, as measured on DAHDI 2.11 (docs/dahdi.md): a trunk
// port ignores ringing for 2 s after it is opened or goes on-hook; a ring is
// ring_begin when it starts and ring_off_hook 50 ms after it ends; after the
// appliance takes a channel off-hook, flash() is refused for 600 ms
// (LineError "still changing hook state"); a phone's hang-up is on_hook
// 1.25 s later; a channel's receive audio is muted while it dials.
//
// Bridging two lines is done in user space: the owner copies each line's
// received block to the other line's write() (see docs/dahdi.md). The
// kernel's conferencing (DAHDI_SETCONF) is not used: it would bypass ivrd's
// echo cancellers and detectors on the bridged legs.
//
// Errors.
//   - Opening: DahdiError, one line naming the channel (or the directory):
//     "dahdi: /dev/dahdi does not exist (no DAHDI driver loaded)",
//     "dahdi channel 99: no such channel", "dahdi channel 3: already in use
//     (EBUSY)", "dahdi channel spec '1-x': 'x' is not a channel number",
//     "dahdi channel 5: signalling 'clear' is not supported (only fxs_ks
//     trunk ports and fxo_ks extension ports)". kind() tells them apart, so
//     the daemon can fall back to the simulated card on no_dahdi.
//   - Actions: LineError naming the line ("dahdi/25: cannot answer: the line
//     is not ringing"), as for every backend; an ioctl the kernel refuses is
//     a LineError with the errno text.
//   - The media path (read, write, next_event) never throws. A channel whose
//     device fails (its span was unassigned or unregistered under it: the
//     kernel then answers ENODEV) reports one alarm event and then stays
//     silent: read() gives nothing, write() false, actions throw LineError
//     "the channel's device failed"; the other lines keep working. A span
//     in alarm reports alarm/no_alarm on its lines (from the kernel) and
//     keeps its lines usable.
//
// Not thread-safe: one thread drives a card. Nothing here allocates on the
// audio path except the event queue (at most 1024 events; past that the
// oldest are dropped).

#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "ivrd/driver/line.hpp"
#include "ivrd/driver/span.hpp"
#include "ivrd/dsp/g711.hpp"

namespace ivrd::driver {

enum class DahdiErrorKind : uint8_t {
  no_dahdi,                // the device directory or its ctl/channel node is missing
  no_such_channel,         // DAHDI_SPECIFY: ENXIO/EINVAL, or not configured
  channel_busy,            // DAHDI_SPECIFY: EBUSY
  bad_channel_spec,        // parse_dahdi_channel_spec
  unsupported_signalling,  // neither fxs_ks nor fxo_ks
  device,                  // any other failing system call while opening
};

// One line of text, naming the channel or file it is about.
class DahdiError : public std::runtime_error {
 public:
  DahdiError(DahdiErrorKind kind, const std::string& message)
      : std::runtime_error(message), kind_(kind) {}
  DahdiErrorKind kind() const noexcept { return kind_; }

 private:
  DahdiErrorKind kind_;
};

// The signalling names system.conf uses, from a DAHDI_SIG_* value:
// "fxs_ks", "fxo_ks", "fxs_ls", "e&m", "clear", "hdlcfcs", "unconfigured"
// (0), ... and "sig 0x..." for a value DAHDI does not define.
std::string dahdi_signalling_name(uint32_t sigtype);
// fxs_ks -> trunk port, fxo_ks -> extension port, anything else nothing.
std::optional<PortKind> port_kind_for_dahdi_signalling(uint32_t sigtype) noexcept;

// Parses a channel list as system.conf writes it: numbers and ranges,
// separated by commas ("1-4,25,27-28"; spaces around items are allowed).
// Returns the channels in ascending order, each once. Throws DahdiError
// (bad_channel_spec) naming the offending item: empty spec or item, a
// non-number, zero, a number past 4096 (DAHDI's maximum), a reversed range.
std::vector<int> parse_dahdi_channel_spec(std::string_view spec);

struct DahdiChannelInfo {
  int channel = 0;               // DAHDI's channel number
  int span = 0;                  // its span's number
  std::string name;              // the kernel's name, e.g. "DYN/loc/1:0/1"
  uint32_t sigtype = 0;          // DAHDI_SIG_*; 0 when not configured
  std::string signalling;        // dahdi_signalling_name(sigtype)
  std::optional<PortKind> kind;  // nothing: unsupported signalling
  dsp::G711Law law = dsp::G711Law::ulaw;
};

struct DahdiSpanInfo {
  int number = 0;
  std::string name;         // e.g. "DYN/loc/1:0"
  std::string description;  // the driver's
  // From the kernel's span type ("E1", "T1", "J1", "FXS", "FXO", ...); for
  // other digital spans (dynamic, BRI) from the framing dahdi_cfg set, else
  // from the channel count (24: T1, 30 or more: E1).
  SpanType type = SpanType::analog;
  std::string driver_type;  // the kernel's text, as dahdi_scan prints it ("DYNAM" for dynamic)
  SpanAlarms alarms;
  SpanCounters counters;
  std::vector<DahdiChannelInfo> channels;
};

struct DahdiOptions {
  std::string device_dir = "/dev/dahdi";
  // Which channels to open (parse_dahdi_channel_spec). Empty: every channel
  // with supported signalling; the others are listed in skipped().
  std::string channels;
};

class DahdiCard;
class DahdiSpan;

// One open DAHDI channel.
class DahdiLine final : public Line {
 public:
  // Opens and sets up one channel (see the top of this file). Throws
  // DahdiError. `name` defaults to "dahdi/<channel>".
  static std::unique_ptr<DahdiLine> open(int channel, const std::string& device_dir = "/dev/dahdi",
                                         std::string name = {});
  ~DahdiLine() override;
  DahdiLine(const DahdiLine&) = delete;
  DahdiLine& operator=(const DahdiLine&) = delete;

  const std::string& name() const noexcept override { return name_; }
  PortKind kind() const noexcept override { return kind_; }
  bool off_hook() const noexcept override { return off_hook_; }
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

  // Extension port: reverse the line's polarity toward the phone (true) or
  // restore it (DAHDI_SETPOLARITY). Only span drivers of analog hardware
  // implement it; elsewhere it throws LineError saying the driver refuses.
  void set_polarity(bool reversed);

  int channel() const noexcept { return channel_; }
  int span_number() const noexcept { return span_; }
  dsp::G711Law law() const noexcept { return law_; }
  // The line's sample clock: samples received so far.
  uint64_t now_sample() const noexcept { return samples_; }
  bool ringing() const noexcept { return ringing_; }
  // False once the channel's device failed (see Errors above).
  bool usable() const noexcept { return fd_ >= 0 && !failed_; }
  // Extension port: digits the kernel decoded from the phone's pulse
  // dialling (DAHDI_EVENT_PULSEDIGIT), oldest first.
  const std::string& pulse_digits() const noexcept { return pulse_digits_; }
  // Blocks read() or write() dropped: a write the kernel refused (its
  // buffers full), caller ID blocks that did not fit.
  size_t tx_dropped() const noexcept { return tx_dropped_; }

 private:
  DahdiLine(int fd, int channel, int span, PortKind kind, dsp::G711Law law, std::string name);
  void fail(std::string_view problem) const;
  void hook(int op, std::string_view what);
  void dial(char mode, std::string_view digits);
  void drain_kernel_events() noexcept;
  void on_kernel_event(int event) noexcept;
  void device_failed() noexcept;
  bool write_raw(std::span<const int16_t, kBlockSamples> block) noexcept;
  void pump_caller_id() noexcept;
  void send_caller_id_block() noexcept;

  int fd_ = -1;
  int channel_ = 0;
  int span_ = 0;
  PortKind kind_;
  dsp::G711Law law_;
  std::string name_;
  uint64_t samples_ = 0;
  std::deque<LineEvent> events_;
  bool failed_ = false;
  bool off_hook_ = false;
  bool dialling_ = false;
  // Trunk: a ring was seen and the line has not been answered since.
  std::optional<uint64_t> last_ring_;
  // Extension.
  bool ringing_ = false;
  bool tripped_ = false;  // the line took the channel off-hook to end a ring
  bool first_ring_over_ = false;
  std::vector<int16_t> caller_id_;
  size_t caller_id_sent_ = 0;
  std::optional<uint64_t> caller_id_at_;
  std::string pulse_digits_;
  size_t tx_dropped_ = 0;
};

class DahdiSpan final : public Span {
 public:
  const std::string& name() const noexcept override { return name_; }
  SpanType type() const noexcept override { return type_; }
  // Both ask the kernel (DAHDI_SPANSTAT) each time; when that fails (the span
  // is gone) they return the last values read, alarms with kNotOpen added.
  SpanAlarms alarms() const noexcept override;
  SpanCounters counters() const noexcept override;
  size_t line_count() const noexcept override { return lines_.size(); }
  Line& line(size_t index) override { return dahdi_line(index); }
  DahdiLine& dahdi_line(size_t index);
  int number() const noexcept { return number_; }

 private:
  friend class DahdiCard;
  DahdiSpan(int ctl_fd, const DahdiSpanInfo& info);
  void refresh() const noexcept;

  int ctl_fd_;
  int number_;
  std::string name_;
  SpanType type_;
  mutable SpanAlarms alarms_;
  mutable SpanCounters counters_;
  std::vector<std::unique_ptr<DahdiLine>> lines_;
};

// Bridges two lines in user space: every block read from one is written to
// the other, both ways, at each step(). Works on any two Lines (a DAHDI
// trunk and extension, or two lines of different backends); the owner calls
// step() once per tick, and nothing else may read or write the two lines
// meanwhile. Blocks are moved, not mixed: a bridge joins exactly two lines
// (a conference of three or more would sum them; not built yet). The
// bridge keeps no audio of its own, so it adds no delay beyond the two
// lines' kernel buffers. The events of the two lines are left for the owner.
class DahdiBridge {
 public:
  DahdiBridge(Line& a, Line& b) noexcept : a_(a), b_(b) {}
  // Moves what each line has received to the other; returns the number of
  // blocks moved. A block the other line refuses (its transmit buffers full)
  // is dropped and counted in dropped().
  size_t step() noexcept;
  size_t dropped() const noexcept { return dropped_; }

 private:
  Line& a_;
  Line& b_;
  size_t dropped_ = 0;
};

class DahdiCard {
 public:
  // What the kernel has, spans in order with all their channels, as
  // dahdi_scan shows them. Throws DahdiError (no_dahdi when the directory or
  // its ctl node is missing).
  static std::vector<DahdiSpanInfo> scan(const std::string& device_dir = "/dev/dahdi");
  // Scans, then opens the channels options.channels names (or every
  // supported one) as lines of their spans; spans with no line opened are
  // left out. Throws DahdiError for the first channel that cannot be opened
  // (see the errors at the top), having closed those already open.
  static DahdiCard open(const DahdiOptions& options = {});

  DahdiCard(DahdiCard&&) noexcept;
  DahdiCard& operator=(DahdiCard&&) noexcept;
  ~DahdiCard();

  size_t span_count() const noexcept { return spans_.size(); }
  // Throws std::out_of_range past span_count().
  DahdiSpan& span(size_t index);
  // The line of DAHDI channel `channel`, or nullptr when it was not opened.
  DahdiLine* find_line(int channel) noexcept;
  // One line per channel not opened because of its signalling, e.g.
  // "dahdi channel 5: signalling 'clear' is not supported (...)".
  const std::vector<std::string>& skipped() const noexcept { return skipped_; }

 private:
  DahdiCard() = default;
  int ctl_fd_ = -1;
  std::vector<std::unique_ptr<DahdiSpan>> spans_;
  std::vector<std::string> skipped_;
};

}  // namespace ivrd::driver
