#include "daemon/systemd_notifier.hpp"

#include <time.h>

#include <cstdlib>
#include <string>

#include <systemd/sd-daemon.h>

namespace ivrd::ivr::daemon {

namespace {

std::string one_line(std::string_view text) {
  std::string line(text);
  for (char& c : line) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  return line;
}

}  // namespace

SystemdNotifier::SystemdNotifier(Clock::time_point now) : last_kick_(now) {
  const char* socket = std::getenv("NOTIFY_SOCKET");
  active_ = socket != nullptr && *socket != '\0';
  if (!active_) return;
  uint64_t usec = 0;
  if (sd_watchdog_enabled(0, &usec) > 0 && usec > 0) {
    watchdog_interval_ = std::chrono::microseconds(usec);
  }
}

bool SystemdNotifier::send(const std::string& message) const {
  if (!active_) return false;
  return sd_notify(0, message.c_str()) > 0;
}

bool SystemdNotifier::ready(std::string_view status) {
  return send("READY=1\nSTATUS=" + one_line(status));
}

bool SystemdNotifier::status(std::string_view text) { return send("STATUS=" + one_line(text)); }

bool SystemdNotifier::reloading() {
  // systemd compares this with its own CLOCK_MONOTONIC, not with
  // steady_clock's epoch, so it is read straight from the kernel.
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  const uint64_t usec =
      static_cast<uint64_t>(ts.tv_sec) * 1'000'000u + static_cast<uint64_t>(ts.tv_nsec) / 1000u;
  return send("RELOADING=1\nMONOTONIC_USEC=" + std::to_string(usec));
}

bool SystemdNotifier::stopping() { return send("STOPPING=1"); }

bool SystemdNotifier::watchdog_due(Clock::time_point now) const noexcept {
  if (!active_ || !watchdog_interval_) return false;
  return now - last_kick_ >= *watchdog_interval_ / 2;
}

bool SystemdNotifier::kick(Clock::time_point now) {
  if (!active_ || !watchdog_interval_) return false;
  last_kick_ = now;
  return send("WATCHDOG=1");
}

}  // namespace ivrd::ivr::daemon
