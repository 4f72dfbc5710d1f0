#include "daemon/logger.hpp"

#include <syslog.h>
#include <time.h>

#include <cerrno>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>

#include <sys/stat.h>
#include <systemd/sd-daemon.h>

namespace ivrd::ivr::daemon {

namespace {

constexpr const char* kJournalPrefix[] = {SD_ERR, SD_WARNING, SD_NOTICE, SD_INFO, SD_DEBUG};
constexpr int kSyslogPriority[] = {LOG_ERR, LOG_WARNING, LOG_NOTICE, LOG_INFO, LOG_DEBUG};

void append_flattened(std::string& line, std::string_view message) {
  for (const char c : message) line += (c == '\n' || c == '\r') ? ' ' : c;
}

void write_all(int fd, std::string_view text) {
  while (!text.empty()) {
    const ssize_t n = ::write(fd, text.data(), text.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    text.remove_prefix(static_cast<size_t>(n));
  }
}

}  // namespace

LogFormat detect_log_format(int fd) noexcept {
  const char* stream = std::getenv("JOURNAL_STREAM");
  if (stream == nullptr) return LogFormat::plain;
  uintmax_t device = 0;
  uintmax_t inode = 0;
  int consumed = 0;
  if (std::sscanf(stream, "%" SCNuMAX ":%" SCNuMAX "%n", &device, &inode, &consumed) != 2 ||
      stream[consumed] != '\0') {
    return LogFormat::plain;
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0) return LogFormat::plain;
  return static_cast<uintmax_t>(st.st_dev) == device && static_cast<uintmax_t>(st.st_ino) == inode
             ? LogFormat::journal
             : LogFormat::plain;
}

Logger::Logger(LogLevel level, int fd, LogFormat format, Clock now)
    : level_(level), fd_(fd), format_(format), now_(std::move(now)) {
  if (!now_) now_ = [] { return std::chrono::system_clock::now(); };
}

void Logger::use_syslog() {
  const std::lock_guard lock(write_mutex_);
  ::openlog("ivrd", LOG_PID, LOG_DAEMON);
  syslog_ = true;
}

std::string Logger::format_line(LogLevel level, std::string_view message,
                                std::chrono::system_clock::time_point at) const {
  std::string line;
  line.reserve(message.size() + 64);
  if (format_ == LogFormat::journal) {
    line += kJournalPrefix[static_cast<size_t>(level)];
  } else {
    const auto since_epoch = at.time_since_epoch();
    const auto seconds = std::chrono::floor<std::chrono::seconds>(since_epoch);
    const auto millis =
        std::chrono::duration_cast<std::chrono::milliseconds>(since_epoch - seconds).count();
    const time_t t = static_cast<time_t>(seconds.count());
    struct tm local {};
    ::localtime_r(&t, &local);
    char stamp[64];
    const size_t length = std::strftime(stamp, sizeof stamp, "%Y-%m-%d %H:%M:%S", &local);
    line.append(stamp, length);
    char rest[48];
    std::snprintf(rest, sizeof rest, ".%03d ivrd[%ld] ", static_cast<int>(millis),
                  static_cast<long>(::getpid()));
    line += rest;
    line += log_level_name(level);
    line += ": ";
  }
  append_flattened(line, message);
  line += '\n';
  return line;
}

void Logger::log(LogLevel level, std::string_view message) {
  if (!enabled(level)) return;
  const std::lock_guard lock(write_mutex_);
  if (syslog_) {
    std::string flat;
    append_flattened(flat, message);
    ::syslog(kSyslogPriority[static_cast<size_t>(level)], "%s", flat.c_str());
    return;
  }
  write_all(fd_, format_line(level, message, now_()));
}

}  // namespace ivrd::ivr::daemon
