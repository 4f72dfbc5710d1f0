// sd_notify messages as systemd receives them: the test binds the datagram
// socket itself, points NOTIFY_SOCKET at it and reads each message back.
#include <time.h>
#include <unistd.h>

#include <cstdlib>
#include <optional>
#include <string>

#include <catch2/catch.hpp>
#include <sys/socket.h>
#include <sys/un.h>

#include "ivrd/test_support/temp_dir.hpp"

#include "daemon/systemd_notifier.hpp"
#include "daemon_fixtures.hpp"

using namespace ivrd::ivr::daemon;
using ivrd::ivr::daemon_test::ScopedEnv;
using std::chrono::microseconds;
using std::chrono::milliseconds;

namespace {

// systemd's end: a datagram socket bound in a temporary directory.
class NotifySocket {
 public:
  NotifySocket() : dir_("ivrd-notify"), path_(dir_ / "notify") {
    fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    REQUIRE(fd_ >= 0);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    REQUIRE(path_.size() < sizeof address.sun_path);
    path_.copy(address.sun_path, path_.size());
    REQUIRE(::bind(fd_, reinterpret_cast<const sockaddr*>(&address), sizeof address) == 0);
  }
  ~NotifySocket() { ::close(fd_); }
  const std::string& path() const { return path_; }
  // The next datagram, or nothing when none is waiting.
  std::optional<std::string> receive() const {
    char buffer[4096];
    const ssize_t n = ::recv(fd_, buffer, sizeof buffer, 0);
    if (n < 0) return std::nullopt;
    return std::string(buffer, static_cast<size_t>(n));
  }

 private:
  ivrd::test_support::TempDir dir_;
  std::string path_;
  int fd_ = -1;
};

uint64_t monotonic_usec() {
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1'000'000u + static_cast<uint64_t>(ts.tv_nsec) / 1000u;
}

}  // namespace

TEST_CASE("ready, status and stopping reach the notify socket", "[daemon][notifier]") {
  NotifySocket systemd;
  const ScopedEnv socket("NOTIFY_SOCKET", systemd.path());
  const ScopedEnv watchdog("WATCHDOG_USEC", std::nullopt);
  SystemdNotifier notifier;
  CHECK(notifier.active());
  CHECK(notifier.ready("4 lines, 0 calls"));
  CHECK(systemd.receive() == "READY=1\nSTATUS=4 lines, 0 calls");
  CHECK(notifier.status("4 lines, 2 calls\nREADY=1"));
  CHECK(systemd.receive() == "STATUS=4 lines, 2 calls READY=1");  // no second assignment
  CHECK(notifier.stopping());
  CHECK(systemd.receive() == "STOPPING=1");
  CHECK_FALSE(systemd.receive().has_value());
}

TEST_CASE("reloading carries the monotonic clock in microseconds", "[daemon][notifier]") {
  NotifySocket systemd;
  const ScopedEnv socket("NOTIFY_SOCKET", systemd.path());
  SystemdNotifier notifier;
  const uint64_t before = monotonic_usec();
  CHECK(notifier.reloading());
  const uint64_t after = monotonic_usec();
  const std::optional<std::string> message = systemd.receive();
  REQUIRE(message.has_value());
  const std::string prefix = "RELOADING=1\nMONOTONIC_USEC=";
  REQUIRE(message->rfind(prefix, 0) == 0);
  const uint64_t stamp = std::stoull(message->substr(prefix.size()));
  CHECK(stamp >= before);
  CHECK(stamp <= after);
  CHECK(notifier.ready("reloaded"));
  CHECK(systemd.receive() == "READY=1\nSTATUS=reloaded");
}

TEST_CASE("the watchdog is kicked at half its interval", "[daemon][notifier]") {
  NotifySocket systemd;
  const ScopedEnv socket("NOTIFY_SOCKET", systemd.path());
  const ScopedEnv usec("WATCHDOG_USEC", "30000000");
  const ScopedEnv pid("WATCHDOG_PID", std::to_string(::getpid()));
  const auto t0 = SystemdNotifier::Clock::time_point(std::chrono::seconds(1000));
  SystemdNotifier notifier(t0);
  REQUIRE(notifier.watchdog_interval() == microseconds(30'000'000));
  CHECK_FALSE(notifier.watchdog_due(t0));
  CHECK_FALSE(notifier.watchdog_due(t0 + milliseconds(14'999)));
  CHECK(notifier.watchdog_due(t0 + milliseconds(15'000)));
  CHECK(notifier.kick(t0 + milliseconds(15'020)));
  CHECK(systemd.receive() == "WATCHDOG=1");
  CHECK_FALSE(notifier.watchdog_due(t0 + milliseconds(30'000)));
  CHECK(notifier.watchdog_due(t0 + milliseconds(30'020)));
  // A loop that was stopped for long is still due once, not many times.
  CHECK(notifier.kick(t0 + milliseconds(120'000)));
  CHECK(systemd.receive() == "WATCHDOG=1");
  CHECK_FALSE(notifier.watchdog_due(t0 + milliseconds(120'020)));
  CHECK_FALSE(systemd.receive().has_value());
}

TEST_CASE("a watchdog meant for another process is not ours", "[daemon][notifier]") {
  NotifySocket systemd;
  const ScopedEnv socket("NOTIFY_SOCKET", systemd.path());
  const ScopedEnv usec("WATCHDOG_USEC", "30000000");
  const ScopedEnv pid("WATCHDOG_PID", std::to_string(::getpid() + 1));
  const auto t0 = SystemdNotifier::Clock::time_point(std::chrono::seconds(1000));
  SystemdNotifier notifier(t0);
  CHECK_FALSE(notifier.watchdog_interval().has_value());
  CHECK_FALSE(notifier.watchdog_due(t0 + std::chrono::hours(1)));
  CHECK_FALSE(notifier.kick(t0 + std::chrono::hours(1)));
  CHECK_FALSE(systemd.receive().has_value());
}

TEST_CASE("without NOTIFY_SOCKET every message is a no-op", "[daemon][notifier]") {
  NotifySocket systemd;  // bound, but nobody is told about it
  const ScopedEnv socket("NOTIFY_SOCKET", std::nullopt);
  const ScopedEnv usec("WATCHDOG_USEC", "30000000");
  const ScopedEnv pid("WATCHDOG_PID", std::to_string(::getpid()));
  const auto t0 = SystemdNotifier::Clock::time_point(std::chrono::seconds(1000));
  SystemdNotifier notifier(t0);
  CHECK_FALSE(notifier.active());
  CHECK_FALSE(notifier.watchdog_interval().has_value());
  CHECK_FALSE(notifier.ready("x"));
  CHECK_FALSE(notifier.status("x"));
  CHECK_FALSE(notifier.reloading());
  CHECK_FALSE(notifier.stopping());
  CHECK_FALSE(notifier.watchdog_due(t0 + std::chrono::hours(1)));
  CHECK_FALSE(notifier.kick(t0 + std::chrono::hours(1)));
  CHECK_FALSE(systemd.receive().has_value());
}

TEST_CASE("a notify socket nobody listens on drops messages without failing the daemon",
          "[daemon][notifier]") {
  const ivrd::test_support::TempDir dir("ivrd-notify");
  const ScopedEnv socket("NOTIFY_SOCKET", dir / "gone");
  SystemdNotifier notifier;
  CHECK(notifier.active());
  CHECK_FALSE(notifier.ready("x"));
  CHECK_FALSE(notifier.stopping());
}
