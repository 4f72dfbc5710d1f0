#pragma once
// The ALSA backend: a sound device (a headset on a technician's desk) as an
// extension port. The headset becomes the phone: the technician takes it
// off-hook and on-hook, flashes and presses keys by key or command, hears the
// appliance (and a ring sound while the appliance rings the port), and the
// appliance hears the microphone with real DTMF tones mixed in for the keys,
// so its own DTMF detector decodes them as from any phone.
//
// Audio: 8 kHz mono signed 16-bit, opened through ALSA with
// snd_pcm_set_params() and soft resampling allowed. A device that cannot run
// that format itself needs ALSA's plug layer in front of it ("default",
// "plughw:CARD=...", or any `type plug` PCM): the plug layer converts rate,
// format and channels; ivrd does no resampling of its own here. Both devices
// are opened non-blocking.
//
// Time: the capture device paces the port. service() takes whatever complete
// 160-sample blocks the capture device has ready (never waiting) and, for
// each, runs the port for one 20 ms tick: one receive block, sample-accurate
// events, and one playback block (the block the appliance wrote, or the ring
// sound, or silence) handed to the playback device. Samples are counted from
// the port's creation; the event loop polls poll_descriptors() and calls
// service() when they are ready. Playback starts with prefill_ms of silence
// so that the device never waits for the first blocks.
//
// Event semantics, as DAHDI reports an FXS port (see line.hpp):
//   ring_off_hook  the phone went off-hook (pick_up(), or the hook key).
//   on_hook        the phone stayed on-hook longer than rx_flash_ms (1250 ms,
//                  DAHDI's default), reported when that time has passed.
//   wink_flash     the phone went back off-hook within rx_flash_ms: a hook
//                  flash (hook_flash() is on-hook for flash_ms, then back).
//   ringer_on/off  the appliance's ring cadence switched the ringer; while it
//                  is on and the phone is on-hook, the headset plays a ring
//                  sound (a 1200 Hz tone warbled at 20 Hz). Going off-hook
//                  stops the ringing at once (ring trip), as on a real line.
//   dial_complete  the digits asked for by dial_dtmf() have been played.
// Caller ID given with ring() is not sent as FSK (a headset has no display to
// decode it): display() shows it as text ("Alice Example <5551234567>") from
// the ring() call until the next ring.
//
// Keys (handle_key, for a terminal) and the commands they stand for:
//   0-9 * # A-D   press(): a DTMF tone (key_tone: 100 ms at -8 dBm0 per tone,
//                 100 ms pause) mixed into the microphone audio; keys queue
//                 up while earlier ones play. Only while off-hook.
//   hook_key 'h'  pick_up() when on-hook, put_down() when off-hook.
//   flash_key 'f' hook_flash() (off-hook only).
// Any other key does nothing. Commands and keys act at the start of the next
// block (now_sample()); they never throw, and return false when they make no
// sense in the phone's state.
//
// The appliance's side is the Line interface as for any extension port:
// write() queues audio for the headset (played while off-hook; queue_blocks
// at most), dial_dtmf() plays tones to it, ring() and stop_ringing() ring it;
// answer(), seize(), hang_up(), flash() and dial_pulse() are trunk actions
// and throw LineError. While on-hook the appliance receives silence.
//
// Errors: the constructor throws AlsaError (a std::system_error in
// alsa_category()) naming the device and what failed, in one line, e.g.
// "alsa device 'nosuch': cannot open for playback: No such file or directory
// (Unknown PCM nosuch)"; the ALSA library's own messages are not printed
// (the text of the last one is added to the error instead; the backend
// installs ALSA's error handler for the whole process, once). A bad
// configuration throws std::invalid_argument. On the media path nothing
// throws: an overrun or underrun is recovered and counted (xruns()); a
// device that fails for good (unplugged) reports an `alarm` event once,
// failure() says why, and the port then produces no more blocks.
//
// Tests and desk setups may define their own devices in `alsa_conf`, ALSA
// configuration text loaded over the system's configuration, e.g. a file-
// backed PCM:
//   pcm.headset_out { type file  slave.pcm null  file "/tmp/out.raw"  format raw }
//   pcm.headset_in  { type file  slave.pcm null  file "/dev/null"  infile "/tmp/in.raw" }
// (ALSA's `null` device is unpaced: it always has a buffer's worth ready, so
// service() with a block limit drives such a port tick by tick.)
//
// Allocates on construction and for queued events. Not thread-safe: one
// thread drives a port.

#include <poll.h>

#include <cstddef>
#include <cstdint>
#include <deque>
#include <limits>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "ivrd/driver/line.hpp"
#include "ivrd/driver/line_queues.hpp"
#include "ivrd/driver/phone_hook.hpp"
#include "ivrd/dsp/caller_id.hpp"
#include "ivrd/dsp/dtmf_generator.hpp"
#include "ivrd/dsp/tone_generator.hpp"

namespace ivrd::driver {

struct AlsaConfig {
  std::string playback_device = "default";  // the headset's earpiece
  std::string capture_device = "default";   // its microphone
  std::string alsa_conf;                    // extra ALSA configuration text
  uint32_t latency_ms = 60;                 // device buffer, each direction
  uint32_t prefill_ms = 40;                 // silence played first
  uint32_t rx_flash_ms = 1250;              // DAHDI_DEFAULT_RXFLASHTIME
  uint32_t flash_ms = 500;                  // hook_flash()'s on-hook time
  size_t queue_blocks = 50;                 // receive and transmit queues
  dsp::DtmfToneSpec key_tone = default_key_tone();
  float ring_level_dbm0 = -12.0f;
  char hook_key = 'h';
  char flash_key = 'f';

  static dsp::DtmfToneSpec default_key_tone();
  // Every problem, one per line, or nothing when the configuration is usable.
  std::optional<std::string> validate() const;
};

// ALSA's error codes (negative errno values, and ALSA's own beyond them),
// with ALSA's messages.
const std::error_category& alsa_category() noexcept;

class AlsaError : public std::system_error {
 public:
  // what(): "alsa device '<device>': <action>: <ALSA's message>[ (<detail>)]".
  AlsaError(std::string device, const std::string& action, int alsa_code,
            const std::string& detail = {});
  const std::string& device() const noexcept { return device_; }
  const char* what() const noexcept override;

 private:
  std::string device_;
  std::string detail_what_;  // what() with the detail, when there is one
};

namespace detail {
class AlsaPcm;
}

class AlsaPhone final : public Line {
 public:
  static constexpr size_t kAllReady = std::numeric_limits<size_t>::max();

  // Opens both devices and starts them. `name` names the port in LineError
  // messages, e.g. "alsa/headset".
  AlsaPhone(std::string name, const AlsaConfig& config);
  ~AlsaPhone() override;
  AlsaPhone(const AlsaPhone&) = delete;
  AlsaPhone& operator=(const AlsaPhone&) = delete;

  const std::string& name() const noexcept override { return name_; }
  PortKind kind() const noexcept override { return PortKind::extension; }
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

  // Runs one tick per complete block the capture device has ready, at most
  // max_blocks; returns how many. Never blocks or throws.
  size_t service(size_t max_blocks = kAllReady) noexcept;
  // The capture device's descriptors, for poll/epoll: ready means service()
  // has at least one block to take.
  std::vector<pollfd> poll_descriptors() const;

  // The technician's side.
  bool handle_key(char key) noexcept;
  bool pick_up() noexcept;
  bool put_down() noexcept;
  bool hook_flash() noexcept;
  // Queues DTMF tones for the keys (false, nothing queued, when on-hook or a
  // character is not a key; also false when the queue is full).
  bool press(std::string_view keys) noexcept;

  // The ringer is sounding now (ringing and in an "on" part of the cadence).
  bool ringer_on() const noexcept { return ringing_ && ring_segment_ % 2 == 0; }
  bool ringing() const noexcept { return ringing_; }
  // The caller ID of the latest ring() as text, if it carried one.
  const std::optional<std::string>& display() const noexcept { return display_; }

  uint64_t now_sample() const noexcept { return now_; }
  size_t xruns() const noexcept;
  size_t rx_overruns() const noexcept { return queues_.rx_overruns(); }
  // Why the port stopped, once a device failed for good.
  const std::optional<std::string>& failure() const noexcept { return failure_; }

 private:
  void fail(std::string_view problem) const;
  void emit(LineEventKind kind, uint64_t sample);
  void run_tick(const Block& microphone) noexcept;
  void phone_hook(bool up, uint64_t sample) noexcept;
  void device_failed(const std::string& why) noexcept;
  void play(std::span<const int16_t> pcm) noexcept;

  std::string name_;
  AlsaConfig config_;
  std::unique_ptr<detail::AlsaPcm> playback_;
  std::unique_ptr<detail::AlsaPcm> capture_;
  Block capture_block_{};
  size_t capture_fill_ = 0;
  std::vector<int16_t> playback_pending_;

  uint64_t now_ = 0;
  bool off_hook_ = false;
  PhoneHookEvents hook_events_;
  std::optional<uint64_t> flash_return_at_;
  dsp::DtmfGenerator keys_;
  dsp::DtmfGenerator dialer_;
  std::optional<uint64_t> dtmf_done_at_;

  bool ringing_ = false;
  std::vector<uint64_t> ring_cadence_;
  size_t ring_segment_ = 0;
  uint64_t ring_segment_position_ = 0;
  dsp::ToneGenerator ring_sound_;
  std::optional<std::string> display_;

  LineQueues queues_;
  std::optional<std::string> failure_;
};

// "Alice Example <5551234567>", "5551234567", "Alice Example", or what is
// withheld ("private number", "out of area"), as display() shows a message.
std::string caller_id_display_text(const dsp::CallerIdMessage& message);

}  // namespace ivrd::driver
