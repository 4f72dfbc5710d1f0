#pragma once
// ivrd's log: one line per message on a file descriptor (standard error by
// default); internal to the ivr library.
//
// Two line formats, chosen once when the logger is made:
//   - journal: standard error is a stream to systemd's journal (systemd sets
//     JOURNAL_STREAM=<device>:<inode> to the stream it connects to the
//     service's standard error; the logger compares it with what the file
//     descriptor actually is, so a redirected standard error of a child is
//     not mistaken for the journal). Each line starts with the syslog
//     priority as sd-daemon.h writes it ("<3>" error, "<4>" warning, "<5>"
//     notice, "<6>" info, "<7>" debug) and carries no timestamp, pid or
//     level: the journal records those itself.
//       <4>line3: no loop current, port taken out of service
//   - plain: anything else (a terminal, a file, a pipe):
//       2026-12-07 21:00:00.123 ivrd[4242] warning: line3: no loop current, ...
//     in local time, milliseconds, the pid at the time of writing.
// A daemon started by hand and detached from its terminal (daemonize()) logs
// through syslog(3) instead once it has called use_syslog(): facility
// daemon, ident "ivrd", pid included.
//
// A message is written whole with one write(2), so lines from threads and
// processes sharing the descriptor never interleave; line breaks inside a
// message become spaces. Messages less severe than the level are dropped
// before any formatting cost beyond the caller's own.
//
// Thread-safe: log() takes a mutex around the write (the media path logs
// events, not blocks, so the lock is never contended per sample), and the
// level can be changed from any thread (a reload).

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>

#include "daemon/log_level.hpp"

namespace ivrd::ivr::daemon {

enum class LogFormat : uint8_t { plain, journal };

// journal when the environment's JOURNAL_STREAM names the device and inode
// of `fd`, plain otherwise (unset, malformed, or another file).
LogFormat detect_log_format(int fd = STDERR_FILENO) noexcept;

class Logger {
 public:
  using Clock = std::function<std::chrono::system_clock::time_point()>;

  // Writes to `fd`, which the logger does not own (it stays open). `now`
  // gives the plain format's timestamps (the system clock unless a test
  // injects one).
  explicit Logger(LogLevel level = LogLevel::info, int fd = STDERR_FILENO,
                  LogFormat format = detect_log_format(STDERR_FILENO), Clock now = {});

  void set_level(LogLevel level) noexcept { level_.store(level, std::memory_order_relaxed); }
  LogLevel level() const noexcept { return level_.load(std::memory_order_relaxed); }
  bool enabled(LogLevel level) const noexcept { return level <= this->level(); }
  LogFormat format() const noexcept { return format_; }

  // From now on, messages go to syslog(3) (openlog("ivrd", LOG_PID,
  // LOG_DAEMON)) rather than the descriptor.
  void use_syslog();

  // One line, or nothing when `level` is less severe than the logger's. A
  // failed write is ignored: there is nowhere left to report it.
  void log(LogLevel level, std::string_view message);
  void error(std::string_view message) { log(LogLevel::error, message); }
  void warning(std::string_view message) { log(LogLevel::warning, message); }
  void notice(std::string_view message) { log(LogLevel::notice, message); }
  void info(std::string_view message) { log(LogLevel::info, message); }
  void debug(std::string_view message) { log(LogLevel::debug, message); }

  // The line log() writes for `message` (with its newline), as formatted at
  // time `at`; exposed for tests.
  std::string format_line(LogLevel level, std::string_view message,
                          std::chrono::system_clock::time_point at) const;

 private:
  std::atomic<LogLevel> level_;
  int fd_;
  LogFormat format_;
  Clock now_;
  bool syslog_ = false;
  std::mutex write_mutex_;
};

}  // namespace ivrd::ivr::daemon
