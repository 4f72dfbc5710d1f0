#pragma once
// Tells systemd how the daemon is doing (sd_notify(3)); internal to the ivr
// library.
//
//   SystemdNotifier notifier;                       // once, at start-up
//   notifier.ready("4 lines, 0 calls");             // READY=1, STATUS=...
//   ... on each tick:
//   if (notifier.watchdog_due(now)) notifier.kick(now);   // WATCHDOG=1
//   ... on SIGHUP: notifier.reloading(); reload; notifier.ready(status);
//   ... on SIGTERM: notifier.stopping();
//
// Messages (one datagram each, to the socket in NOTIFY_SOCKET):
//   ready(s)     "READY=1\nSTATUS=<s>"
//   status(s)    "STATUS=<s>"
//   reloading()  "RELOADING=1\nMONOTONIC_USEC=<CLOCK_MONOTONIC in µs>"
//                (systemd 253 and later require the timestamp with
//                Type=notify-reload; earlier versions ignore it)
//   stopping()   "STOPPING=1"
//   kick()       "WATCHDOG=1"
// Line breaks in a status text become spaces (a line break would start
// another assignment).
//
// When NOTIFY_SOCKET is not set (not started by systemd as Type=notify),
// every call is a no-op and watchdog_due() is always false. The watchdog is
// on when systemd set WATCHDOG_USEC (WatchdogSec= in the unit) for this
// process (sd_watchdog_enabled(3) also checks WATCHDOG_PID); the daemon then
// kicks at half the interval, so one late tick never costs a restart. The
// environment is read once, by the constructor.
//
// A message that cannot be sent is dropped (the call returns false); the
// daemon keeps running, and systemd's own timeouts notice a daemon that
// really stopped reporting.
//
// Not thread-safe: one thread (the loop's) uses it.

#include <chrono>
#include <optional>
#include <string_view>

namespace ivrd::ivr::daemon {

class SystemdNotifier {
 public:
  using Clock = std::chrono::steady_clock;  // CLOCK_MONOTONIC on Linux

  // Reads NOTIFY_SOCKET and the watchdog settings; `now` starts the first
  // watchdog interval.
  explicit SystemdNotifier(Clock::time_point now = Clock::now());

  // Whether systemd listens (NOTIFY_SOCKET was set).
  bool active() const noexcept { return active_; }
  // The watchdog interval systemd expects kicks within, if any.
  std::optional<std::chrono::microseconds> watchdog_interval() const noexcept {
    return watchdog_interval_;
  }

  bool ready(std::string_view status);
  bool status(std::string_view text);
  bool reloading();
  bool stopping();

  // True when half the watchdog interval has passed since the last kick (or
  // since construction); false when there is no watchdog.
  bool watchdog_due(Clock::time_point now) const noexcept;
  // Sends WATCHDOG=1 and starts a new interval at `now`.
  bool kick(Clock::time_point now);

 private:
  bool send(const std::string& message) const;

  bool active_ = false;
  std::optional<std::chrono::microseconds> watchdog_interval_;
  Clock::time_point last_kick_;
};

}  // namespace ivrd::ivr::daemon
