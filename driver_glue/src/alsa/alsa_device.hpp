#pragma once
// One ALSA PCM opened for 8 kHz mono 16-bit non-blocking I/O; the rest of the
// ALSA backend reaches libasound only through this. The ALSA header stays in
// the .cpp: snd_pcm_t is only named here.

#include <poll.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

typedef struct _snd_pcm snd_pcm_t;  // NOLINT: ALSA's own declaration

namespace ivrd::driver::detail {

class AlsaPcm {
 public:
  enum class Direction : uint8_t { playback, capture };

  // Opens `device` (looked up in the system's ALSA configuration with
  // `conf_text` loaded over it, when not empty) and sets 8 kHz mono S16 with
  // a buffer of about latency_ms. Capture is started at once. Throws
  // AlsaError naming the device.
  AlsaPcm(const std::string& device, Direction direction, const std::string& conf_text,
          uint32_t latency_ms);
  ~AlsaPcm();
  AlsaPcm(const AlsaPcm&) = delete;
  AlsaPcm& operator=(const AlsaPcm&) = delete;

  // Frames moved (0 when the device has nothing ready or no room), or a
  // negative ALSA code when the device failed for good. Overruns and
  // underruns are recovered and counted, not returned.
  long read(int16_t* out, size_t frames) noexcept;
  // Frames ready to read (capture) or room to write (playback), or a negative
  // ALSA code when the device failed for good.
  long available() noexcept;
  long write(const int16_t* in, size_t frames) noexcept;
  std::vector<pollfd> poll_descriptors() const;

  const std::string& device() const noexcept { return device_; }
  size_t xruns() const noexcept { return xruns_; }
  size_t buffer_frames() const noexcept { return buffer_frames_; }

 private:
  long recover(long code) noexcept;

  std::string device_;
  Direction direction_;
  snd_pcm_t* pcm_ = nullptr;
  size_t buffer_frames_ = 0;
  size_t xruns_ = 0;
};

}  // namespace ivrd::driver::detail
