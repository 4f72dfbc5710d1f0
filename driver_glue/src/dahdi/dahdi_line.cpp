// One DAHDI channel as a Line: audio, kernel events and the hook actions.

#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <string>

#include <dahdi/user.h>
#include <sys/ioctl.h>

#include "ivrd/driver/dahdi_card.hpp"
#include "ivrd/dsp/dtmf_generator.hpp"

#include "common/take_front.hpp"
#include "dahdi/dahdi_device.hpp"

namespace ivrd::driver {
namespace {

// GR-30 / EN 300 659-1: the FSK starts 500 ms after the first ring.
constexpr uint64_t kCallerIdAfterRing = ms_to_samples(kCallerIdAfterRingMs);
// A trunk port counts as ringing this long after its last ring event: longer
// than the longest pause of a common cadence (4 s), as TrunkInbound assumes.
constexpr uint64_t kRingingHold = ms_to_samples(8000);
constexpr size_t kMaxQueuedEvents = 1024;

bool is_kernel_line_event(int event) {
  switch (event) {
    case DAHDI_EVENT_ONHOOK:
    case DAHDI_EVENT_RINGOFFHOOK:
    case DAHDI_EVENT_WINKFLASH:
    case DAHDI_EVENT_ALARM:
    case DAHDI_EVENT_NOALARM:
    case DAHDI_EVENT_DIALCOMPLETE:
    case DAHDI_EVENT_RINGERON:
    case DAHDI_EVENT_RINGEROFF:
    case DAHDI_EVENT_POLARITY:
    case DAHDI_EVENT_RINGBEGIN: return true;
    default: return false;
  }
}

}  // namespace

std::unique_ptr<DahdiLine> DahdiLine::open(int channel, const std::string& device_dir,
                                           std::string name) {
  const int fd = dahdi::open_channel(device_dir, channel);
  try {
    const auto params = dahdi::get_params(fd, -1);
    if (!params) {
      throw DahdiError(DahdiErrorKind::device,
                       "dahdi channel " + std::to_string(channel) +
                           ": DAHDI_GET_PARAMS failed: " + dahdi::errno_text(errno));
    }
    const auto kind = port_kind_for_dahdi_signalling(params->sigtype);
    if (!kind) {
      throw DahdiError(
          DahdiErrorKind::unsupported_signalling,
          "dahdi channel " + std::to_string(channel) + ": signalling '" +
              dahdi_signalling_name(params->sigtype) +
              "' is not supported (only fxs_ks trunk ports and fxo_ks extension ports)");
    }
    dahdi::set_up_channel(fd, channel);
    if (name.empty()) name = "dahdi/" + std::to_string(channel);
    return std::unique_ptr<DahdiLine>(
        new DahdiLine(fd, channel, params->span, *kind, params->law, std::move(name)));
  } catch (...) {
    ::close(fd);
    throw;
  }
}

DahdiLine::DahdiLine(int fd, int channel, int span, PortKind kind, dsp::G711Law law,
                     std::string name)
    : fd_(fd), channel_(channel), span_(span), kind_(kind), law_(law), name_(std::move(name)) {}

DahdiLine::~DahdiLine() {
  if (fd_ >= 0) ::close(fd_);
}

void DahdiLine::fail(std::string_view problem) const {
  throw LineError(name_, std::string(problem));
}

void DahdiLine::device_failed() noexcept {
  if (failed_) return;
  failed_ = true;
  // The channel is gone for good (its span was unassigned or unregistered): say it
  // once, the way a span alarm is said, and keep the line quiet after.
  events_.push_back({LineEventKind::alarm, samples_});
}

void DahdiLine::on_kernel_event(int event) noexcept {
  if ((event & DAHDI_EVENT_PULSEDIGIT) != 0) {
    pulse_digits_.push_back(static_cast<char>(event & 0xff));
    return;
  }
  if (!is_kernel_line_event(event)) return;
  const auto kind = static_cast<LineEventKind>(event);
  switch (kind) {
    case LineEventKind::dial_complete: dialling_ = false; break;
    case LineEventKind::ring_begin:
    case LineEventKind::ring_off_hook:
      if (kind_ == PortKind::trunk) {
        last_ring_ = samples_;
        break;
      }
      if (kind == LineEventKind::ring_begin) break;  // DAHDI sends it to fxs_ks channels only
      // Extension: the phone went off-hook. Answering a ring trips it (the
      // kernel would ring on). Otherwise the channel is left alone: going
      // off-hook starts a 600 ms debounce in which the kernel counts no
      // dial pulses, and a phone may start dialling at once.
      off_hook_ = true;
      if (ringing_) {
        ringing_ = false;
        caller_id_at_.reset();
        caller_id_.clear();
        int op = DAHDI_OFFHOOK;
        if (::ioctl(fd_, DAHDI_HOOK, &op) == 0) tripped_ = true;
      }
      break;
    case LineEventKind::on_hook:
      if (kind_ == PortKind::extension) {
        off_hook_ = false;
        dialling_ = false;
        if (tripped_) {
          int op = DAHDI_ONHOOK;
          ::ioctl(fd_, DAHDI_HOOK, &op);
          tripped_ = false;
        }
      }
      break;
    case LineEventKind::ringer_off:
      if (kind_ == PortKind::extension && ringing_ && !first_ring_over_) {
        first_ring_over_ = true;
        if (!caller_id_.empty()) caller_id_at_ = samples_ + kCallerIdAfterRing;
      }
      break;
    default: break;
  }
  // An owner that reads audio but never takes events must not grow the
  // queue without bound: the oldest go first.
  if (events_.size() >= kMaxQueuedEvents) events_.pop_front();
  events_.push_back({kind, samples_});
}

void DahdiLine::drain_kernel_events() noexcept {
  if (!usable()) return;
  for (int guard = 0; guard < 64; ++guard) {
    int event = DAHDI_EVENT_NONE;
    if (::ioctl(fd_, DAHDI_GETEVENT, &event) != 0) {
      if (errno != EINTR && errno != EAGAIN) device_failed();
      return;
    }
    if (event == DAHDI_EVENT_NONE) return;
    on_kernel_event(event);
  }
}

std::optional<Block> DahdiLine::read() noexcept {
  if (!usable()) return std::nullopt;
  std::array<uint8_t, kBlockSamples> coded{};
  for (int attempt = 0; attempt < 4; ++attempt) {
    const ssize_t got = ::read(fd_, coded.data(), coded.size());
    if (got == static_cast<ssize_t>(coded.size())) {
      Block block;
      dsp::g711_decode(law_, coded, block);
      samples_ += kBlockSamples;
      pump_caller_id();
      return block;
    }
    if (got >= 0) return std::nullopt;  // a short read does not happen with blocksize 160
    if (errno == ELAST) {
      drain_kernel_events();
      continue;
    }
    if (errno != EAGAIN && errno != EINTR) device_failed();
    return std::nullopt;
  }
  return std::nullopt;
}

bool DahdiLine::write_raw(std::span<const int16_t, kBlockSamples> block) noexcept {
  if (!usable()) return false;
  std::array<uint8_t, kBlockSamples> coded{};
  dsp::g711_encode(law_, block, coded);
  for (int attempt = 0; attempt < 4; ++attempt) {
    const ssize_t put = ::write(fd_, coded.data(), coded.size());
    if (put == static_cast<ssize_t>(coded.size())) return true;
    if (put >= 0) return false;
    if (errno == ELAST) {
      drain_kernel_events();
      continue;
    }
    if (errno != EAGAIN && errno != EINTR) device_failed();
    break;
  }
  ++tx_dropped_;
  return false;
}

bool DahdiLine::write(std::span<const int16_t, kBlockSamples> block) noexcept {
  // The caller ID replaces written audio while it plays.
  if (caller_id_at_) return true;
  return write_raw(block);
}

void DahdiLine::pump_caller_id() noexcept {
  if (!caller_id_at_ || samples_ < *caller_id_at_) return;
  // One block ahead from the start: a reader that is a little late must not
  // leave the kernel without the next block, which would cut the FSK burst.
  if (caller_id_sent_ == 0) send_caller_id_block();
  send_caller_id_block();
}

void DahdiLine::send_caller_id_block() noexcept {
  if (!caller_id_at_) return;
  Block block{};
  const size_t n = std::min(kBlockSamples, caller_id_.size() - caller_id_sent_);
  std::copy_n(caller_id_.begin() + static_cast<std::ptrdiff_t>(caller_id_sent_), n, block.begin());
  write_raw(block);
  caller_id_sent_ += n;
  if (caller_id_sent_ >= caller_id_.size()) {
    caller_id_at_.reset();
    caller_id_.clear();
  }
}

std::optional<LineEvent> DahdiLine::next_event() noexcept {
  if (events_.empty()) drain_kernel_events();
  return detail::take_front(events_);
}

void DahdiLine::hook(int op, std::string_view what) {
  if (!usable()) fail(std::string("cannot ") + std::string(what) + ": the channel's device failed");
  if (::ioctl(fd_, DAHDI_HOOK, &op) == 0) return;
  const int err = errno;
  // Ringing on a non-blocking channel answers "in progress": it has started.
  if (err == EINPROGRESS) return;
  if (err == EBUSY) {
    fail(std::string("cannot ") + std::string(what) +
         ": the channel is still changing hook state (DAHDI's debounce after going off-hook, "
         "or a flash or dial in progress)");
  }
  fail(std::string("cannot ") + std::string(what) +
       ": DAHDI_HOOK refused: " + dahdi::errno_text(err));
}

void DahdiLine::answer() {
  if (kind_ != PortKind::trunk) fail("cannot answer an extension port (ring it instead)");
  if (off_hook_) fail("cannot answer: the line is already off-hook");
  drain_kernel_events();
  if (!last_ring_ || samples_ - *last_ring_ > kRingingHold) {
    fail("cannot answer: the line is not ringing");
  }
  hook(DAHDI_OFFHOOK, "answer");
  off_hook_ = true;
  last_ring_.reset();
}

void DahdiLine::seize() {
  if (kind_ != PortKind::trunk) fail("cannot seize an extension port");
  if (off_hook_) fail("cannot seize: the line is already off-hook");
  drain_kernel_events();
  if (last_ring_ && samples_ - *last_ring_ <= kRingingHold) {
    fail("cannot seize: the line is ringing (answer it)");
  }
  hook(DAHDI_OFFHOOK, "seize");
  off_hook_ = true;
}

void DahdiLine::hang_up() {
  if (kind_ != PortKind::trunk) fail("cannot hang up an extension port (the phone does)");
  if (!off_hook_) fail("cannot hang up: the line is already on-hook");
  hook(DAHDI_ONHOOK, "hang up");
  off_hook_ = false;
  dialling_ = false;
  last_ring_.reset();
  int flush = DAHDI_FLUSH_WRITE;
  ::ioctl(fd_, DAHDI_FLUSH, &flush);
}

void DahdiLine::flash() {
  if (kind_ != PortKind::trunk) fail("cannot flash an extension port (the phone does)");
  if (!off_hook_) fail("cannot flash: the line is on-hook");
  hook(DAHDI_FLASH, "flash");
}

void DahdiLine::dial(char mode, std::string_view digits) {
  if (!off_hook_) fail("cannot dial: the line is on-hook");
  drain_kernel_events();
  if (dialling_) fail("cannot dial: still dialling the previous digits");
  dahdi_dialoperation operation{};
  operation.op = DAHDI_DIAL_OP_REPLACE;
  if (digits.size() + 2 > sizeof(operation.dialstr)) {
    fail("cannot dial: more than " + std::to_string(sizeof(operation.dialstr) - 2) +
         " digits at once");
  }
  operation.dialstr[0] = mode;
  std::copy(digits.begin(), digits.end(), operation.dialstr + 1);
  if (!usable()) fail("cannot dial: the channel's device failed");
  if (::ioctl(fd_, DAHDI_DIAL, &operation) != 0) {
    fail("cannot dial: DAHDI_DIAL refused: " + dahdi::errno_text(errno));
  }
  dialling_ = true;
}

void DahdiLine::dial_dtmf(std::string_view digits) {
  if (auto problem = dtmf_dialling_problem(digits)) fail(*problem);
  if (digits.empty()) fail("cannot dial: no digits");
  dial('T', digits);
}

void DahdiLine::dial_pulse(std::string_view digits) {
  if (kind_ != PortKind::trunk) fail("cannot pulse dial on an extension port");
  for (char digit : digits) {
    if (digit < '0' || digit > '9') {
      fail(std::string("cannot pulse dial '") + digit + "': only 0-9 can be pulsed");
    }
  }
  if (digits.empty()) fail("cannot dial: no digits");
  dial('P', digits);
}

void DahdiLine::ring(const RingRequest& request) {
  if (kind_ != PortKind::extension) fail("cannot ring a trunk port (only the exchange rings it)");
  drain_kernel_events();
  if (off_hook_) fail("cannot ring: the phone is off-hook");
  if (ringing_) fail("cannot ring: already ringing");
  try {
    request.cadence.validate();
  } catch (const std::invalid_argument& error) {
    fail(error.what());
  }
  dahdi_ring_cadence cadence{};
  if (request.cadence.on_off_ms.size() > DAHDI_MAX_CADENCE) {
    fail("cannot ring: DAHDI takes at most " + std::to_string(DAHDI_MAX_CADENCE) +
         " cadence durations, got " + std::to_string(request.cadence.on_off_ms.size()));
  }
  for (size_t i = 0; i < request.cadence.on_off_ms.size(); ++i) {
    cadence.ringcadence[i] = static_cast<int>(request.cadence.on_off_ms[i]);
  }
  if (!usable()) fail("cannot ring: the channel's device failed");
  if (::ioctl(fd_, DAHDI_SETCADENCE, &cadence) != 0) {
    fail("cannot ring: DAHDI_SETCADENCE refused: " + dahdi::errno_text(errno));
  }
  hook(DAHDI_RING, "ring");
  ringing_ = true;
  first_ring_over_ = false;
  caller_id_sent_ = 0;
  caller_id_at_.reset();
  caller_id_.clear();
  if (request.caller_id) caller_id_ = dsp::caller_id_audio(*request.caller_id);
}

void DahdiLine::stop_ringing() {
  if (kind_ != PortKind::extension) fail("cannot stop ringing a trunk port");
  if (!ringing_) fail("cannot stop ringing: not ringing");
  hook(DAHDI_RINGOFF, "stop ringing");
  ringing_ = false;
  caller_id_at_.reset();
  caller_id_.clear();
}

void DahdiLine::set_polarity(bool reversed) {
  if (kind_ != PortKind::extension) fail("cannot reverse polarity on a trunk port");
  if (!usable()) fail("cannot reverse polarity: the channel's device failed");
  int value = reversed ? 1 : 0;
  if (::ioctl(fd_, DAHDI_SETPOLARITY, &value) != 0) {
    fail("cannot reverse polarity: the span's driver refuses DAHDI_SETPOLARITY: " +
         dahdi::errno_text(errno));
  }
}

}  // namespace ivrd::driver
