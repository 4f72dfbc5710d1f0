#pragma once
// The replay backend: a trunk port whose caller is a capture file. The
// appliance answers it (or finds it already answered), hears the capture as
// its receive audio, and everything it sends is recorded, sample-aligned with
// the capture, into a transmit file in the capture's format. ivr-replay runs
// the real menus against recorded calls this way.
//
// Time is the line's own, as on the simulated card: nothing happens until the
// owner calls tick(), which advances the line by exactly one 160-sample block,
// so a call runs as fast as the appliance can process it and the same way
// every time. Inside a tick the line runs sample by sample: events carry the
// exact sample they happened at (samples counted from the line's creation).
//
// How a call goes (ReplayStart::ringing, the default):
//   1. From sample 0 the line rings with `cadence`: ring_begin when a ring
//      starts, ring_off_hook when it has been over for ring_trailer_ms, as on
//      the simulated card. With a caller ID message the line carries its
//      signal (Bell 202 or V.23 FSK, or DTMF, as the message's format says)
//      starting 500 ms after the first ring ends, on-hook, as Bellcore GR-30
//      places it; pick a cadence whose first pause is long enough (the US
//      cadence's 4 s pause holds any message).
//   2. answer() while ringing (between rings counts) connects the call from
//      the next tick: that tick's receive block is the capture's first 160
//      samples. Unanswered after max_ring_cycles cycles of the cadence, the
//      caller gives up: the ringing stops and the capture is never played
//      (state unanswered).
//   3. While connected, the k-th tick (from 0) delivers capture samples
//      [160 k, 160 k + 160) and records the block the appliance wrote before
//      that tick (or the DTMF it is dialling; silence when it wrote nothing)
//      as transmit samples [160 k, 160 k + 160). So sample i of the transmit
//      file is what the appliance sent while sample i of the capture arrived.
//      (A block written after a tick's read goes out in the next tick, as on
//      every backend.)
//   4. The capture's end is the caller hanging up: on_hook (loop-current
//      drop) at the sample right after the capture's last one (state
//      caller_gone). The rest of that block and every block after it are
//      silence; the line stays off-hook until the appliance hangs up.
//      If the appliance hangs up first (state appliance_hung_up), the rest of
//      the capture is not played and the transmit file is silent from there.
// With ReplayStart::answered there is no ringing: the line is off-hook and
// connected from sample 0 (the call engine takes it as an answered call), and
// steps 3 and 4 apply from the first tick.
//
// The transmit recording always holds exactly as many samples as the capture,
// whatever happened: a capture that was not played (unanswered, or the
// appliance hung up early) gives silence where nothing was sent. It is
// written by save_transmit() in the capture's format (a WAV capture gives an
// 8 kHz mono 16-bit WAV), or in the forced format when one is given.
//
// What the line does with the other Line actions: dial_dtmf() on the
// connected line sends tones into the transmit recording (dial_complete when
// they end); flash() puts 750 ms of silence into the transmit recording (the
// capture keeps playing: it is what arrived); seize(), dial_pulse(), ring()
// and stop_ringing() have no meaning against a recorded caller and throw
// LineError. Queues: at most queue_blocks receive blocks wait to be read (the
// oldest is dropped and counted by rx_overruns()), and write() refuses blocks
// beyond queue_blocks.
//
// Errors: the constructor throws AudioFileError, with the same one-line
// problems as every reader of capture files (`ivr-replay dtmf`): a missing,
// empty, truncated or odd-length capture, an unknown extension of either file;
// and AudioFileError for a transmit file that names the capture itself. A bad
// cadence or max_ring_cycles of 0 throws std::invalid_argument. save_transmit()
// throws AudioFileError when the file cannot be written. Actions invalid in
// the line's state throw LineError; audio and event calls never throw.
// The capture and the recording are held in memory (16 kB per second each).
// Not thread-safe: one thread drives a line.

#include <cstddef>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "ivrd/driver/audio_file.hpp"
#include "ivrd/driver/line.hpp"
#include "ivrd/driver/line_queues.hpp"
#include "ivrd/dsp/caller_id.hpp"
#include "ivrd/dsp/dtmf_generator.hpp"

namespace ivrd::driver {

enum class ReplayStart : uint8_t {
  ringing,   // the line rings until answered (the inbound machine answers it)
  answered,  // off-hook and connected from sample 0
};

struct ReplayConfig {
  std::filesystem::path capture;   // the caller's audio: what the appliance receives
  std::filesystem::path transmit;  // the appliance's audio, written by save_transmit()
  // One format for both files (as `--format`); nothing: each file's extension.
  std::optional<AudioFormat> format;
  ReplayStart start = ReplayStart::ringing;
  RingCadence cadence = RingCadence::us();
  std::optional<dsp::CallerIdMessage> caller_id;  // sent between the first and second ring
  uint32_t max_ring_cycles = 10;                  // then the caller gives up
  uint32_t ring_trailer_ms = 50;
  uint32_t flash_ms = 750;   // DAHDI_DEFAULT_FLASHTIME
  size_t queue_blocks = 50;  // receive and transmit queues
};

// The caller ID a replay caller sends for a plain number (as a command line's
// `--caller-id N` gives it): the number alone, no name or date, in `format`
// (Bell 202 MDMF, the North American default, unless told otherwise). Throws
// std::invalid_argument naming the number when it is not 1 to 20 digits 0-9.
dsp::CallerIdMessage caller_id_for_number(
    std::string_view number, dsp::CallerIdFormat format = dsp::CallerIdFormat::bell202_mdmf);

enum class ReplayState : uint8_t {
  ringing,            // waiting to be answered
  connected,          // the capture is playing
  caller_gone,        // the capture ended: the caller hung up
  appliance_hung_up,  // the appliance hung up before the capture ended
  unanswered,         // the caller gave up after max_ring_cycles cycles
};
// "ringing", "connected", "caller_gone", "appliance_hung_up", "unanswered".
std::string_view replay_state_name(ReplayState state) noexcept;

class ReplayLine final : public Line {
 public:
  // Reads the capture (see the errors above). `name` names the line in
  // LineError messages, e.g. "replay/1".
  ReplayLine(std::string name, const ReplayConfig& config);
  ReplayLine(const ReplayLine&) = delete;
  ReplayLine& operator=(const ReplayLine&) = delete;

  const std::string& name() const noexcept override { return name_; }
  PortKind kind() const noexcept override { return PortKind::trunk; }
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

  // Advances the line by one block.
  void tick() noexcept;
  uint64_t now_sample() const noexcept { return now_; }
  ReplayState state() const noexcept { return state_; }
  // The call is over for the caller: the capture ended, the appliance hung up,
  // or nobody answered. (The line may still be off-hook: caller_gone.)
  bool call_over() const noexcept {
    return state_ != ReplayState::ringing && state_ != ReplayState::connected;
  }
  // The line sample the capture's first sample arrived at, once connected.
  std::optional<uint64_t> connected_at() const noexcept { return connected_at_; }

  const Capture& capture() const noexcept { return capture_; }
  // What the appliance sent, one sample per capture sample (see above).
  const std::vector<int16_t>& transmitted() const noexcept { return transmitted_; }
  // The format save_transmit() writes.
  AudioFormat transmit_format() const noexcept { return transmit_format_; }
  // Writes transmitted() to config.transmit. Throws AudioFileError.
  void save_transmit() const;
  size_t rx_overruns() const noexcept { return queues_.rx_overruns(); }

 private:
  void fail(std::string_view problem) const;
  void emit(LineEventKind kind, uint64_t sample);
  bool alerting() const noexcept { return state_ == ReplayState::ringing; }
  int16_t ringing_sample(uint64_t sample);
  int16_t connected_sample(uint64_t sample, int16_t tx);
  void connect() noexcept;
  bool dialling() const noexcept { return !dialer_.idle() || dtmf_done_at_.has_value(); }

  std::string name_;
  ReplayConfig config_;
  Capture capture_;
  AudioFormat transmit_format_;
  std::vector<int16_t> transmitted_;
  std::vector<uint64_t> cadence_;  // on/off segments in samples
  std::vector<int16_t> caller_id_audio_;

  ReplayState state_ = ReplayState::ringing;
  bool off_hook_ = false;
  uint64_t now_ = 0;  // first sample of the next tick
  uint64_t ring_position_ = 0;
  bool voltage_ = false;
  std::optional<uint64_t> ring_off_at_;  // end of the ring trailer
  std::optional<uint64_t> connected_at_;
  uint64_t flash_left_ = 0;
  dsp::DtmfGenerator dialer_;
  std::optional<uint64_t> dtmf_done_at_;

  LineQueues queues_;
};

}  // namespace ivrd::driver
