// libasound behind AlsaPcm: opening a device (with extra configuration text),
// 8 kHz mono S16 parameters, non-blocking reads and writes with xrun recovery,
// and ALSA's error codes as a std::error_category.

#include "alsa_device.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdarg>
#include <cstdio>
#include <mutex>
#include <string>

#include <alsa/asoundlib.h>

#include "ivrd/driver/alsa_port.hpp"
#include "ivrd/driver/line.hpp"

namespace ivrd::driver {
namespace {

// ALSA prints its own diagnostics to stderr; a daemon or a test wants one
// line per failure, so the text is kept and added to our error instead.
thread_local std::string last_library_message;

void keep_library_message(const char*, int, const char*, int, const char* format, ...) {
  char text[256];
  va_list args;
  va_start(args, format);
  std::vsnprintf(text, sizeof text, format, args);
  va_end(args);
  last_library_message = text;
}

void quiet_library() {
  static std::once_flag once;
  std::call_once(once, [] { snd_lib_error_set_handler(keep_library_message); });
  last_library_message.clear();
}

class AlsaCategory final : public std::error_category {
 public:
  const char* name() const noexcept override { return "alsa"; }
  std::string message(int code) const override { return snd_strerror(-code); }
};

// The system's configuration with `text` loaded over it, or the error.
int configuration_with(const std::string& text, snd_config_t** out) {
  snd_config_t* global = nullptr;
  int code = snd_config_update_ref(&global);
  if (code < 0) return code;
  code = snd_config_copy(out, global);
  snd_config_unref(global);
  if (code < 0) return code;
  snd_input_t* input = nullptr;
  code = snd_input_buffer_open(&input, text.data(), static_cast<ssize_t>(text.size()));
  if (code == 0) {
    code = snd_config_load(*out, input);
    snd_input_close(input);
  }
  if (code < 0) {
    snd_config_delete(*out);
    *out = nullptr;
  }
  return code;
}

}  // namespace

const std::error_category& alsa_category() noexcept {
  static const AlsaCategory category;
  return category;
}

AlsaError::AlsaError(std::string device, const std::string& action, int alsa_code,
                     const std::string& detail)
    : std::system_error(-alsa_code, alsa_category(), "alsa device '" + device + "': " + action),
      device_(std::move(device)) {
  if (!detail.empty()) detail_what_ = std::system_error::what() + std::string(" (") + detail + ")";
}

const char* AlsaError::what() const noexcept {
  return detail_what_.empty() ? std::system_error::what() : detail_what_.c_str();
}

namespace detail {

AlsaPcm::AlsaPcm(const std::string& device, Direction direction, const std::string& conf_text,
                 uint32_t latency_ms)
    : device_(device), direction_(direction) {
  const bool playback = direction == Direction::playback;
  const std::string where = playback ? "playback" : "capture";
  const snd_pcm_stream_t stream = playback ? SND_PCM_STREAM_PLAYBACK : SND_PCM_STREAM_CAPTURE;
  quiet_library();
  int code = 0;
  if (conf_text.empty()) {
    code = snd_pcm_open(&pcm_, device.c_str(), stream, SND_PCM_NONBLOCK);
  } else {
    snd_config_t* config = nullptr;
    code = configuration_with(conf_text, &config);
    if (code < 0) {
      throw AlsaError(device, "cannot read the ALSA configuration text", code,
                      last_library_message);
    }
    code = snd_pcm_open_lconf(&pcm_, device.c_str(), stream, SND_PCM_NONBLOCK, config);
    snd_config_delete(config);
  }
  if (code < 0) {
    pcm_ = nullptr;
    throw AlsaError(device, "cannot open for " + where, code, last_library_message);
  }
  const auto close_and_throw = [&](const std::string& action, int failure) {
    const std::string detail = last_library_message;
    snd_pcm_close(pcm_);
    pcm_ = nullptr;
    throw AlsaError(device, action, failure, detail);
  };
  code = snd_pcm_set_params(pcm_, SND_PCM_FORMAT_S16, SND_PCM_ACCESS_RW_INTERLEAVED, 1, kSampleRate,
                            1, latency_ms * 1000);
  if (code < 0) {
    close_and_throw("cannot " + std::string(playback ? "play" : "record") +
                        " 8 kHz mono 16-bit audio (a plug device such as plughw: converts)",
                    code);
  }
  snd_pcm_uframes_t buffer = 0, period = 0;
  snd_pcm_get_params(pcm_, &buffer, &period);
  buffer_frames_ = buffer;

  snd_pcm_sw_params_t* sw = nullptr;
  snd_pcm_sw_params_alloca(&sw);
  snd_pcm_sw_params_current(pcm_, sw);
  // Wake the event loop per block, and start playing as soon as something
  // is written (the prefill keeps the device fed).
  snd_pcm_sw_params_set_avail_min(pcm_, sw, kBlockSamples);
  if (playback) snd_pcm_sw_params_set_start_threshold(pcm_, sw, 1);
  code = snd_pcm_sw_params(pcm_, sw);
  if (code < 0) close_and_throw("cannot set the software parameters", code);
  if (!playback) {
    code = snd_pcm_start(pcm_);
    if (code < 0) close_and_throw("cannot start capture", code);
  }
}

AlsaPcm::~AlsaPcm() {
  if (pcm_ == nullptr) return;
  if (direction_ == Direction::playback) {
    // Whatever is still buffered goes out (a file-backed PCM writes it).
    snd_pcm_nonblock(pcm_, 0);
    snd_pcm_drain(pcm_);
  }
  snd_pcm_close(pcm_);
}

long AlsaPcm::recover(long code) noexcept {
  if (code == -EAGAIN) return 0;
  if (code == -EPIPE || code == -ESTRPIPE || code == -EINTR) {
    ++xruns_;
    const int recovered = snd_pcm_recover(pcm_, static_cast<int>(code), 1);
    if (recovered < 0) return recovered;
    if (direction_ == Direction::capture) {
      const int started = snd_pcm_start(pcm_);
      if (started < 0) return started;
    }
    return 0;
  }
  return code;
}

long AlsaPcm::available() noexcept {
  const snd_pcm_sframes_t n = snd_pcm_avail(pcm_);
  return n >= 0 ? static_cast<long>(n) : recover(n);
}

long AlsaPcm::read(int16_t* out, size_t frames) noexcept {
  const snd_pcm_sframes_t n = snd_pcm_readi(pcm_, out, frames);
  return n >= 0 ? static_cast<long>(n) : recover(n);
}

long AlsaPcm::write(const int16_t* in, size_t frames) noexcept {
  const snd_pcm_sframes_t n = snd_pcm_writei(pcm_, in, frames);
  return n >= 0 ? static_cast<long>(n) : recover(n);
}

std::vector<pollfd> AlsaPcm::poll_descriptors() const {
  const int count = snd_pcm_poll_descriptors_count(pcm_);
  std::vector<pollfd> fds(static_cast<size_t>(std::max(count, 0)));
  if (count > 0) snd_pcm_poll_descriptors(pcm_, fds.data(), static_cast<unsigned>(count));
  return fds;
}

}  // namespace detail
}  // namespace ivrd::driver
