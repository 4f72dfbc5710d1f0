// Detaching ivrd started by hand: the starting command's exit status and
// message follow the daemon's report, the daemon is detached from the
// session, and its pid file is locked while it runs. Each start happens in a
// forked child, so the test process itself never detaches.
#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <functional>
#include <iostream>
#include <sstream>
#include <string>

#include <catch2/catch.hpp>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "ivrd/test_support/temp_dir.hpp"

#include "daemon/daemonize.hpp"
#include "daemon_fixtures.hpp"

using namespace ivrd::ivr::daemon;
using ivrd::ivr::daemon_test::ScopedEnv;

namespace {

struct Started {
  int exit_code = -1;  // of the starting process
  std::string stderr_text;
};

std::string read_all(int fd) {
  std::string text;
  char buffer[1024];
  for (;;) {
    const ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    text.append(buffer, static_cast<size_t>(n));
  }
  return text;
}

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

int exit_code_of(int status) {
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

// Starts ivrd the way a user would, each time in a forked child. While a
// Starter lives, orphaned descendants (the daemons) become children of the
// test process, so the test can wait for a daemon's exit; the destructor
// waits for those not waited for yet (each exits right after its report,
// or when its test releases it).
class Starter {
 public:
  Starter() { REQUIRE(::prctl(PR_SET_CHILD_SUBREAPER, 1) == 0); }
  ~Starter() {
    int status = 0;
    while (unwaited_ > 0 && (::waitpid(-1, &status, 0) > 0 || errno == EINTR)) --unwaited_;
    ::prctl(PR_SET_CHILD_SUBREAPER, 0);
  }
  Starter(const Starter&) = delete;
  Starter& operator=(const Starter&) = delete;

  // Forks a starting process that calls daemonize(pid_file); in the daemon,
  // runs `daemon_body` and exits with what it returns. `close_in_child` are
  // descriptors of the test the starting process closes first.
  Started start(const std::filesystem::path& pid_file,
                const std::function<int(Daemonized&)>& daemon_body,
                std::initializer_list<int> close_in_child = {}) {
    int err[2];
    REQUIRE(::pipe2(err, O_CLOEXEC) == 0);
    // The child would otherwise flush the test's buffered output a second time.
    std::cout.flush();
    std::fflush(nullptr);
    const pid_t starter = ::fork();
    REQUIRE(starter >= 0);
    if (starter == 0) {
      ::dup2(err[1], STDERR_FILENO);
      ::close(err[0]);
      ::close(err[1]);
      for (const int fd : close_in_child) ::close(fd);
      int code = 100;
      try {
        Daemonized daemon = daemonize(pid_file);
        code = daemon_body(daemon);
      } catch (...) {
      }
      ::_exit(code);  // after the daemon's objects are gone, as when ivrd returns from main
    }
    ::close(err[1]);
    Started started;
    int status = 0;
    while (::waitpid(starter, &status, 0) < 0 && errno == EINTR) {
    }
    started.exit_code = exit_code_of(status);
    started.stderr_text = read_all(err[0]);  // EOF once the daemon reported or died
    ::close(err[0]);
    ++unwaited_;  // every start that got past the first fork makes a daemon
    return started;
  }

  // The exit code of a daemon started here.
  int wait_for_daemon(pid_t pid) {
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0) {
      if (errno != EINTR) return -1;
    }
    --unwaited_;
    return exit_code_of(status);
  }

 private:
  int unwaited_ = 0;
};

bool is_dev_null(int fd) {
  struct stat st {};
  struct stat null {};
  return ::fstat(fd, &st) == 0 && ::stat("/dev/null", &null) == 0 && S_ISCHR(st.st_mode) &&
         st.st_rdev == null.st_rdev;
}

}  // namespace

TEST_CASE("a daemon that reports ready lets the starting command exit 0", "[daemon][daemonize]") {
  const ivrd::test_support::TempDir dir("ivrd-daemonize");
  const std::filesystem::path pid_file = dir.path() / "run" / "ivrd.pid";  // run/ not there yet
  const std::filesystem::path facts = dir.path() / "facts";
  Starter starter;
  int release[2];
  REQUIRE(::pipe2(release, O_CLOEXEC) == 0);

  const Started started = starter.start(pid_file,
                                        [&](Daemonized& daemon) {
                                          std::ofstream out(facts);
                                          char cwd[256] = {};
                                          out << "pid " << ::getpid() << "\nsid " << ::getsid(0)
                                              << "\nstdin_null " << is_dev_null(STDIN_FILENO)
                                              << "\ncwd " << ::getcwd(cwd, sizeof cwd) << "\n";
                                          daemon.report.ready();
                                          out << "stdout_null " << is_dev_null(STDOUT_FILENO)
                                              << "\nstderr_null " << is_dev_null(STDERR_FILENO)
                                              << "\n";
                                          out.close();
                                          read_all(release[0]);  // until the test closes its end
                                          return 0;
                                        },
                                        {release[1]});
  ::close(release[0]);
  CHECK(started.exit_code == kExitOk);
  CHECK(started.stderr_text.empty());

  // The daemon runs, holding the pid file with its pid.
  REQUIRE(std::filesystem::exists(pid_file));
  const pid_t daemon_pid = std::stoi(read_file(pid_file));
  CHECK(read_file(pid_file) == std::to_string(daemon_pid) + "\n");
  CHECK(::kill(daemon_pid, 0) == 0);

  // A second ivrd finds it running.
  const Started second = starter.start(pid_file, [](Daemonized&) { return 0; }, {release[1]});
  CHECK(second.exit_code == kExitFailure);
  CHECK(second.stderr_text == "ivrd: " + pid_file.string() + ": ivrd is already running (pid " +
                                  std::to_string(daemon_pid) + ")\n");

  ::close(release[1]);
  CHECK(starter.wait_for_daemon(daemon_pid) == 0);
  CHECK_FALSE(std::filesystem::exists(pid_file));  // removed on the way out

  const std::string text = read_file(facts);
  CHECK_THAT(text, Catch::Contains("pid " + std::to_string(daemon_pid) + "\n"));
  // In a session of its own, but not its leader (the second fork).
  CHECK_THAT(text, !Catch::Contains("sid " + std::to_string(::getsid(0)) + "\n"));
  CHECK_THAT(text, !Catch::Contains("sid " + std::to_string(daemon_pid) + "\n"));
  CHECK_THAT(text, Catch::Contains("stdin_null 1\ncwd /\n"));
  CHECK_THAT(text, Catch::Contains("stdout_null 1\nstderr_null 1\n"));
}

TEST_CASE("a configuration error in the daemon is the starting command's exit 78 and line",
          "[daemon][daemonize]") {
  const ivrd::test_support::TempDir dir("ivrd-daemonize");
  Starter starter;
  const Started started = starter.start(dir.path() / "ivrd.pid", [](Daemonized& daemon) {
    // Start-up messages still reach the terminal the command was typed in.
    const std::string line = "/etc/ivrd/ivrd.toml:4:1: error: unknown key 'ringgroup'\n";
    [[maybe_unused]] const ssize_t n = ::write(STDERR_FILENO, line.data(), line.size());
    daemon.report.failed(kExitConfig, "/etc/ivrd/ivrd.toml: 1 error\n(more)");
    return kExitConfig;
  });
  CHECK(started.exit_code == kExitConfig);
  CHECK(started.stderr_text ==
        "/etc/ivrd/ivrd.toml:4:1: error: unknown key 'ringgroup'\n"
        "ivrd: /etc/ivrd/ivrd.toml: 1 error (more)\n");
}

TEST_CASE("a daemon that dies before reporting fails the starting command", "[daemon][daemonize]") {
  const ivrd::test_support::TempDir dir("ivrd-daemonize");
  Starter starter;
  const Started silent = starter.start(dir.path() / "ivrd.pid", [](Daemonized&) { return 3; });
  CHECK(silent.exit_code == kExitFailure);
  CHECK(silent.stderr_text == "ivrd: the daemon stopped during start-up without saying why\n");
  // A failure reported with code 0 is still a failure.
  const Started zero = starter.start(dir.path() / "ivrd.pid", [](Daemonized& daemon) {
    daemon.report.failed(0, "cannot open /dev/dahdi/ctl");
    return 0;
  });
  CHECK(zero.exit_code == kExitFailure);
  CHECK(zero.stderr_text == "ivrd: cannot open /dev/dahdi/ctl\n");
}

TEST_CASE("a pid file that cannot be created fails the start with its name",
          "[daemon][daemonize]") {
  const ivrd::test_support::TempDir dir("ivrd-daemonize");
  Starter starter;
  std::ofstream(dir.path() / "file") << "x";
  const std::filesystem::path pid_file = dir.path() / "file" / "ivrd.pid";  // under a file
  const Started started = starter.start(pid_file, [](Daemonized&) { return 0; });
  CHECK(started.exit_code == kExitFailure);
  CHECK_THAT(started.stderr_text,
             Catch::StartsWith("ivrd: " + (dir.path() / "file").string() + ": cannot create: "));
}

TEST_CASE("the pid file is locked, holds the pid, and is removed with its owner",
          "[daemon][daemonize]") {
  const ivrd::test_support::TempDir dir("ivrd-daemonize");
  const std::filesystem::path path = dir.path() / "ivrd.pid";
  std::ofstream(path) << "99999999\n";  // left behind by a killed daemon: not locked
  {
    PidFile pid(path);
    CHECK(read_file(path) == std::to_string(::getpid()) + "\n");
    CHECK_THROWS_WITH(PidFile(path), path.string() + ": ivrd is already running (pid " +
                                         std::to_string(::getpid()) + ")");
    const PidFile moved(std::move(pid));  // the lock and the removal move with it
    CHECK(std::filesystem::exists(path));
  }
  CHECK_FALSE(std::filesystem::exists(path));
}

TEST_CASE("ivrd detaches only when started by hand without --foreground", "[daemon][daemonize]") {
  const ScopedEnv invocation("INVOCATION_ID", std::nullopt);
  const ScopedEnv notify("NOTIFY_SOCKET", std::nullopt);
  DaemonOptions options;
  CHECK_FALSE(started_by_systemd());
  CHECK(should_daemonize(options));
  options.foreground = true;
  CHECK_FALSE(should_daemonize(options));
  options.foreground = false;
  options.check_config = true;
  CHECK_FALSE(should_daemonize(options));
  options.check_config = false;
  {
    const ScopedEnv id("INVOCATION_ID", "0123456789abcdef0123456789abcdef");
    CHECK(started_by_systemd());
    CHECK_FALSE(should_daemonize(options));
  }
  {
    const ScopedEnv socket("NOTIFY_SOCKET", "/run/systemd/notify");
    CHECK(started_by_systemd());
    CHECK_FALSE(should_daemonize(options));
  }
}
