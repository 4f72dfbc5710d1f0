// Device I/O of the DAHDI backend (see dahdi_device.hpp).

#include "dahdi/dahdi_device.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include <dahdi/user.h>
#include <sys/ioctl.h>
#include <sys/stat.h>

#include "ivrd/driver/line.hpp"

namespace ivrd::driver::dahdi {
namespace {

std::string channel_label(int channel) { return "dahdi channel " + std::to_string(channel); }

bool is_directory(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

[[noreturn]] void throw_missing(const std::string& dir, const std::string& node) {
  if (!is_directory(dir)) {
    throw DahdiError(DahdiErrorKind::no_dahdi,
                     "dahdi: " + dir + " does not exist (no DAHDI driver loaded)");
  }
  throw DahdiError(DahdiErrorKind::no_dahdi,
                   "dahdi: " + node + " does not exist (DAHDI is loaded without spans?)");
}

SpanType span_type_of(const dahdi_spaninfo& info) {
  const std::string type(info.spantype, strnlen(info.spantype, sizeof(info.spantype)));
  if (type == "E1") return SpanType::e1;
  if (type == "T1" || type == "J1") return SpanType::t1;
  if (type == "FXS" || type == "FXO" || type.starts_with("ANALO")) return SpanType::analog;
  // Other digital spans (dynamic, BRI): what dahdi_cfg configured them
  // with, else the channel count a T1 or an E1 carries (24 or 31).
  if ((info.lineconfig & (DAHDI_CONFIG_HDB3 | DAHDI_CONFIG_CRC4)) != 0) return SpanType::e1;
  if ((info.lineconfig & (DAHDI_CONFIG_D4 | DAHDI_CONFIG_ESF | DAHDI_CONFIG_B8ZS)) != 0) {
    return SpanType::t1;
  }
  if (info.linecompat != 0 && info.totalchans == 24) return SpanType::t1;
  if (info.linecompat != 0 && info.totalchans >= 30) return SpanType::e1;
  return SpanType::analog;
}

std::string text_of(const char* field, size_t size) { return {field, strnlen(field, size)}; }

}  // namespace

std::string errno_text(int err) {
  std::string text = std::strerror(err);
  switch (err) {
    case EBUSY: return "already in use (EBUSY)";
    case ENXIO: return text + " (ENXIO)";
    case EINVAL: return text + " (EINVAL)";
    case ENODEV: return text + " (ENODEV)";
    case ENOTTY: return text + " (ENOTTY)";
    case ENOSYS: return text + " (ENOSYS)";
    default: return text;
  }
}

int open_ctl(const std::string& dir) {
  const std::string node = dir + "/ctl";
  const int fd = ::open(node.c_str(), O_RDWR | O_CLOEXEC);
  if (fd >= 0) return fd;
  const int err = errno;
  if (err == ENOENT) throw_missing(dir, node);
  throw DahdiError(DahdiErrorKind::device, "dahdi: cannot open " + node + ": " + errno_text(err));
}

int open_channel(const std::string& dir, int channel) {
  const std::string node = dir + "/channel";
  const int fd = ::open(node.c_str(), O_RDWR | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) {
    const int err = errno;
    if (err == ENOENT) throw_missing(dir, node);
    throw DahdiError(DahdiErrorKind::device,
                     channel_label(channel) + ": cannot open " + node + ": " + errno_text(err));
  }
  int number = channel;
  if (::ioctl(fd, DAHDI_SPECIFY, &number) == 0) return fd;
  const int err = errno;
  ::close(fd);
  switch (err) {
    case EBUSY:
      throw DahdiError(DahdiErrorKind::channel_busy,
                       channel_label(channel) + ": already in use (EBUSY)");
    case EINVAL:
    case ENXIO:
      throw DahdiError(
          DahdiErrorKind::no_such_channel,
          channel_label(channel) + ": no such channel (or not configured by dahdi_cfg)");
    default:
      throw DahdiError(DahdiErrorKind::device,
                       channel_label(channel) + ": DAHDI_SPECIFY failed: " + errno_text(err));
  }
}

std::optional<ChannelParams> get_params(int fd, int channel) noexcept {
  dahdi_params params{};
  params.channo = channel;
  if (::ioctl(fd, DAHDI_GET_PARAMS, &params) != 0) return std::nullopt;
  ChannelParams out;
  out.channel = params.channo;
  out.span = params.spanno;
  out.name = text_of(params.name, sizeof(params.name));
  out.sigtype = static_cast<uint32_t>(params.sigtype);
  out.law = params.curlaw == DAHDI_LAW_ALAW ? dsp::G711Law::alaw : dsp::G711Law::ulaw;
  return out;
}

std::optional<SpanStatus> span_status(int ctl_fd, int span) noexcept {
  dahdi_spaninfo info{};
  info.spanno = span;
  if (::ioctl(ctl_fd, DAHDI_SPANSTAT, &info) != 0) return std::nullopt;
  SpanStatus out;
  out.number = info.spanno;
  out.name = text_of(info.name, sizeof(info.name));
  out.description = text_of(info.desc, sizeof(info.desc));
  out.type = span_type_of(info);
  out.driver_type = text_of(info.spantype, sizeof(info.spantype));
  out.alarms.bits = static_cast<uint32_t>(info.alarms) & SpanAlarms::kAll;
  out.counters.framing_errors = info.fecount;
  out.counters.crc4_errors = static_cast<uint32_t>(info.crc4count);
  out.counters.code_violations = info.cvcount;
  out.counters.ebit_errors = static_cast<uint32_t>(info.ebitcount);
  out.counters.bipolar_violations = static_cast<uint32_t>(info.bpvcount);
  out.counters.errored_seconds = info.errsec;
  out.total_channels = info.totalchans;
  return out;
}

void set_up_channel(int fd, int channel) {
  auto refuse = [&](const char* what) {
    throw DahdiError(DahdiErrorKind::device,
                     channel_label(channel) + ": " + what + " failed: " + errno_text(errno));
  };
  int block = static_cast<int>(kBlockSamples);
  if (::ioctl(fd, DAHDI_SET_BLOCKSIZE, &block) != 0) refuse("DAHDI_SET_BLOCKSIZE 160");
  dahdi_bufferinfo buffers{};
  buffers.txbufpolicy = DAHDI_POLICY_IMMEDIATE;
  buffers.rxbufpolicy = DAHDI_POLICY_IMMEDIATE;
  buffers.numbufs = 4;
  buffers.bufsize = static_cast<int>(kBlockSamples);
  if (::ioctl(fd, DAHDI_SET_BUFINFO, &buffers) != 0) refuse("DAHDI_SET_BUFINFO");
  // Tap length 0 releases whatever canceller system.conf attached: ivrd
  // cancels echo itself, after the kernel would have.
  dahdi_echocanparams no_canceller{};
  no_canceller.tap_length = 0;
  if (::ioctl(fd, DAHDI_ECHOCANCEL_PARAMS, &no_canceller) != 0)
    refuse("DAHDI_ECHOCANCEL_PARAMS (off)");
  int flush = DAHDI_FLUSH_ALL;
  ::ioctl(fd, DAHDI_FLUSH, &flush);
}

}  // namespace ivrd::driver::dahdi
