#pragma once
// Device I/O of the DAHDI backend: opening /dev/dahdi nodes and the ioctls
// every other part uses, with errno turned into one-line DahdiErrors. The
// vendor header <dahdi/user.h> stays inside dahdi_device.cpp and the other
// .cpp files of this folder.

#include <cstdint>
#include <optional>
#include <string>

#include "ivrd/driver/dahdi_card.hpp"
#include "ivrd/driver/span.hpp"
#include "ivrd/dsp/g711.hpp"

namespace ivrd::driver::dahdi {

// strerror(err) with the errno name for the ones DAHDI uses to mean
// something ("already in use (EBUSY)").
std::string errno_text(int err);

// Opens <dir>/ctl read-write. Throws DahdiError (no_dahdi) when the
// directory or the node is missing, naming it.
int open_ctl(const std::string& dir);

// Opens <dir>/channel (O_RDWR | O_NONBLOCK) and binds it to `channel` with
// DAHDI_SPECIFY. Throws DahdiError: no_dahdi, no_such_channel,
// channel_busy, device.
int open_channel(const std::string& dir, int channel);

struct ChannelParams {
  int channel = 0;
  int span = 0;
  std::string name;
  uint32_t sigtype = 0;
  dsp::G711Law law = dsp::G711Law::ulaw;
};

// DAHDI_GET_PARAMS on an fd bound to a channel (channel -1) or on the ctl fd
// for any channel. Nothing when the kernel refuses (no such channel).
std::optional<ChannelParams> get_params(int fd, int channel) noexcept;

struct SpanStatus {
  int number = 0;
  std::string name;
  std::string description;
  SpanType type = SpanType::analog;
  std::string driver_type;
  SpanAlarms alarms;
  SpanCounters counters;
  int total_channels = 0;
};

// DAHDI_SPANSTAT for one span, nothing when it does not exist.
std::optional<SpanStatus> span_status(int ctl_fd, int span) noexcept;

// Block size 160, four buffers each way (immediate policy), the kernel's
// echo canceller off. Throws DahdiError (device) naming the channel.
void set_up_channel(int fd, int channel);

}  // namespace ivrd::driver::dahdi
