#include "daemon/daemonize.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <stdexcept>
#include <string>
#include <system_error>
#include <utility>

#include <sys/file.h>
#include <sys/socket.h>
#include <sys/wait.h>

namespace ivrd::ivr::daemon {

namespace {

std::string errno_text(int error) { return std::generic_category().message(error); }

void write_all(int fd, std::string_view text) noexcept {
  while (!text.empty()) {
    const ssize_t n = ::write(fd, text.data(), text.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    text.remove_prefix(static_cast<size_t>(n));
  }
}

void point_at_dev_null(std::initializer_list<int> fds) noexcept {
  const int null = ::open("/dev/null", O_RDWR | O_CLOEXEC);
  if (null < 0) return;
  for (const int fd : fds) ::dup2(null, fd);
  ::close(null);
}

// The report is "<exit code> <line>": "0 ready" or "78 3 errors in ...".
[[noreturn]] void wait_for_report(int fd, pid_t child) {
  int status = 0;
  while (::waitpid(child, &status, 0) < 0 && errno == EINTR) {
  }
  std::string report;
  char buffer[512];
  for (;;) {
    const ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    report.append(buffer, static_cast<size_t>(n));
  }
  int code = kExitFailure;
  const char* end = report.data() + report.size();
  const auto [rest, error] = std::from_chars(report.data(), end, code);
  if (report.empty() || error != std::errc() || rest == end || *rest != ' ') {
    write_all(STDERR_FILENO, "ivrd: the daemon stopped during start-up without saying why\n");
    ::_exit(kExitFailure);
  }
  if (code == kExitOk) ::_exit(kExitOk);
  write_all(STDERR_FILENO, "ivrd: " + std::string(rest + 1, end) + "\n");
  ::_exit(code);
}

}  // namespace

bool started_by_systemd() noexcept {
  return std::getenv("INVOCATION_ID") != nullptr || std::getenv("NOTIFY_SOCKET") != nullptr;
}

bool should_daemonize(const DaemonOptions& options) noexcept {
  return !options.foreground && !options.check_config && !started_by_systemd();
}

PidFile::PidFile(std::filesystem::path path) : path_(std::move(path)) {
  std::error_code error;
  if (path_.has_parent_path()) std::filesystem::create_directories(path_.parent_path(), error);
  if (error) {
    throw std::runtime_error(path_.parent_path().string() + ": cannot create: " + error.message());
  }
  fd_ = ::open(path_.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd_ < 0) throw std::runtime_error(path_.string() + ": cannot open: " + errno_text(errno));
  if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
    const int lock_error = errno;
    char pid[32] = {};
    const ssize_t n = ::pread(fd_, pid, sizeof pid - 1, 0);
    ::close(fd_);
    fd_ = -1;
    if (lock_error == EWOULDBLOCK) {
      std::string holder = n > 0 ? std::string(pid, static_cast<size_t>(n)) : "unknown";
      while (!holder.empty() && (holder.back() == '\n' || holder.back() == ' ')) holder.pop_back();
      throw std::runtime_error(path_.string() + ": ivrd is already running (pid " + holder + ")");
    }
    throw std::runtime_error(path_.string() + ": cannot lock: " + errno_text(lock_error));
  }
  const std::string text = std::to_string(::getpid()) + "\n";
  if (::ftruncate(fd_, 0) != 0 ||
      ::pwrite(fd_, text.data(), text.size(), 0) != static_cast<ssize_t>(text.size())) {
    const int write_error = errno;
    ::close(fd_);
    fd_ = -1;
    throw std::runtime_error(path_.string() + ": cannot write: " + errno_text(write_error));
  }
}

PidFile::~PidFile() {
  if (fd_ < 0) return;
  // Removed while still locked, so a new daemon never sees the file
  // unlocked and half-gone.
  ::unlink(path_.c_str());
  ::close(fd_);
}

PidFile::PidFile(PidFile&& other) noexcept
    : path_(std::move(other.path_)), fd_(std::exchange(other.fd_, -1)) {}

StartupReport::~StartupReport() {
  if (fd_ >= 0) ::close(fd_);
}

StartupReport::StartupReport(StartupReport&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}

void StartupReport::send(std::string_view message) noexcept {
  if (fd_ < 0) return;
  std::string_view rest = message;
  while (!rest.empty()) {
    // MSG_NOSIGNAL: a starting process interrupted by the user must not take
    // the daemon down with SIGPIPE.
    const ssize_t n = ::send(fd_, rest.data(), rest.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    rest.remove_prefix(static_cast<size_t>(n));
  }
  ::close(fd_);
  fd_ = -1;
}

void StartupReport::ready() {
  send("0 ready");
  std::cout.flush();
  std::fflush(nullptr);
  point_at_dev_null({STDOUT_FILENO, STDERR_FILENO});
}

void StartupReport::failed(int exit_code, std::string_view line) {
  std::string message = std::to_string(exit_code == kExitOk ? kExitFailure : exit_code) + " ";
  for (const char c : line) message += (c == '\n' || c == '\r') ? ' ' : c;
  send(message);
}

Daemonized daemonize(const std::filesystem::path& pid_file) {
  int channel[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, channel) != 0) {
    throw std::system_error(errno, std::generic_category(), "socketpair");
  }
  // Buffered output would otherwise be written once by each process.
  std::cout.flush();
  std::fflush(nullptr);
  const pid_t child = ::fork();
  if (child < 0) {
    const int error = errno;
    ::close(channel[0]);
    ::close(channel[1]);
    throw std::system_error(error, std::generic_category(), "fork");
  }
  if (child > 0) {
    ::close(channel[1]);
    wait_for_report(channel[0], child);
  }

  ::close(channel[0]);
  StartupReport report(channel[1]);
  if (::setsid() < 0) {
    report.failed(kExitFailure, "setsid: " + errno_text(errno));
    ::_exit(kExitFailure);
  }
  const pid_t daemon = ::fork();
  if (daemon < 0) {
    report.failed(kExitFailure, "fork: " + errno_text(errno));
    ::_exit(kExitFailure);
  }
  if (daemon > 0) ::_exit(kExitOk);  // the report channel closes with it; the daemon holds its own

  if (::chdir("/") != 0) {
    report.failed(kExitFailure, "chdir /: " + errno_text(errno));
    ::_exit(kExitFailure);
  }
  point_at_dev_null({STDIN_FILENO});
  try {
    PidFile pid(pid_file);
    return Daemonized{std::move(report), std::move(pid)};
  } catch (const std::exception& error) {
    report.failed(kExitFailure, error.what());
    ::_exit(kExitFailure);
  }
}

}  // namespace ivrd::ivr::daemon
