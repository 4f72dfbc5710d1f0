#pragma once
// Detaching ivrd from the terminal it was started from; internal to the ivr
// library.
//
// Under systemd (Type=notify) the daemon never forks: systemd supervises the
// process it started and learns of readiness by sd_notify. Started by hand
// without --foreground, ivrd detaches itself the classic way, and the command
// the user typed still tells whether the start worked:
//
//   starting process ── fork ──▶ child: setsid() ── fork ──▶ the daemon
//        │                         (exits at once)              │ chdir("/"), stdin from /dev/null,
//        │                                                      │ pid file locked and written
//        ◀──────────────── one report over a socket pair ───────┘
//   exits 0 on "ready", or prints "ivrd: <line>" and exits with the
//   daemon's code (78 for a configuration error) on "failed"
//
// The second fork leaves the daemon outside the session leader's reach, so it
// can never acquire a controlling terminal again. Until it reports, the
// daemon's standard output and error are still the starting process's, so
// start-up messages (every configuration error, say) reach the terminal;
// ready() then points both at /dev/null, and the daemon logs through
// syslog from there on (Logger::use_syslog(), called before ready()). If
// the daemon dies before reporting, the starting process says so and exits 1.
// The starting process waits as long as start-up takes.
//
// The pid file (kDefaultPidFile unless the caller names another) is created
// with its directory, locked with flock(2) for as long as the daemon lives,
// and removed when the daemon's PidFile is destroyed; a second ivrd finds the
// lock held and fails with "<pid file>: ivrd is already running (pid N)".
// A file left behind by a daemon that was killed is not locked, and is
// simply taken over.
//
// Call it early: before any thread starts (only the calling thread survives
// a fork) and before the event loop is made (an epoll instance would be
// shared with the processes that exit). Paths given relative to the
// starting directory must be made absolute first (make_paths_absolute()),
// since the daemon runs in "/".
// The socket pair is close-on-exec; a process the daemon forks without
// exec'ing before it reports holds the report channel open too.

#include <filesystem>
#include <string_view>

#include "daemon/daemon_options.hpp"

namespace ivrd::ivr::daemon {

inline constexpr const char* kDefaultPidFile = "/run/ivrd/ivrd.pid";

// Whether systemd started this process: INVOCATION_ID (set for every unit's
// processes) or NOTIFY_SOCKET is in the environment.
bool started_by_systemd() noexcept;

// Whether ivrd should detach: not --foreground, not --check-config (which
// prints and exits), and not started by systemd.
bool should_daemonize(const DaemonOptions& options) noexcept;

// A locked pid file holding this process's pid; removed by the destructor.
class PidFile {
 public:
  // Creates `path` (and its directory, mode 0755), locks it and writes the
  // pid. Throws std::runtime_error, one line naming the file: locked by a
  // running ivrd (naming its pid), or a system call failed.
  explicit PidFile(std::filesystem::path path);
  ~PidFile();
  PidFile(PidFile&& other) noexcept;
  PidFile& operator=(PidFile&&) = delete;
  PidFile(const PidFile&) = delete;
  PidFile& operator=(const PidFile&) = delete;

  const std::filesystem::path& path() const noexcept { return path_; }

 private:
  std::filesystem::path path_;
  int fd_ = -1;
};

// The daemon's end of the report to the starting process. Exactly one of
// ready() or failed() should be called; destroying it without either tells
// the starting process that start-up failed without a reason.
class StartupReport {
 public:
  explicit StartupReport(int fd) noexcept : fd_(fd) {}
  ~StartupReport();
  StartupReport(StartupReport&& other) noexcept;
  StartupReport& operator=(StartupReport&&) = delete;
  StartupReport(const StartupReport&) = delete;
  StartupReport& operator=(const StartupReport&) = delete;

  // The starting process exits 0. Standard output and error then lead to
  // /dev/null.
  void ready();
  // The starting process prints "ivrd: <line>" on its standard error and
  // exits `exit_code` (1 when `exit_code` is 0). The caller then exits.
  void failed(int exit_code, std::string_view line);

 private:
  void send(std::string_view message) noexcept;
  int fd_;
};

struct Daemonized {
  StartupReport report;
  PidFile pid_file;
};

// Detaches as described above. Returns only in the daemon; the starting
// process exits (with _exit: it owns nothing that needs cleaning up) once
// the daemon reports, and the intermediate child exits at once. Throws
// std::system_error, in the starting process, when the first fork or the
// socket pair fails. When the pid file cannot be taken, the daemon reports
// that and exits 1.
Daemonized daemonize(const std::filesystem::path& pid_file = kDefaultPidFile);

}  // namespace ivrd::ivr::daemon
