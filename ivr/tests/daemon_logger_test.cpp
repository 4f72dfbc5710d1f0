// ivrd's log: the plain and journal line formats, the journal detected from
// JOURNAL_STREAM, levels, and whole lines from many threads.
#include <unistd.h>

#include <cstdlib>
#include <ctime>
#include <optional>
#include <regex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>
#include <sys/mman.h>
#include <sys/stat.h>

#include "daemon/logger.hpp"
#include "daemon_fixtures.hpp"

using namespace ivrd::ivr::daemon;
using ivrd::ivr::daemon_test::ScopedEnv;

namespace {

// An in-memory file that the logger writes to and the test reads back.
class CapturedFd {
 public:
  CapturedFd() : fd_(::memfd_create("ivrd-log-test", MFD_CLOEXEC)) { REQUIRE(fd_ >= 0); }
  ~CapturedFd() { ::close(fd_); }
  int fd() const { return fd_; }
  std::string text() const {
    std::string all;
    char buffer[4096];
    off_t at = 0;
    for (;;) {
      const ssize_t n = ::pread(fd_, buffer, sizeof buffer, at);
      if (n <= 0) break;
      all.append(buffer, static_cast<size_t>(n));
      at += n;
    }
    return all;
  }
  std::vector<std::string> lines() const {
    std::vector<std::string> result;
    std::istringstream in(text());
    for (std::string line; std::getline(in, line);) result.push_back(line);
    return result;
  }

 private:
  int fd_;
};

// Sets an environment variable for one test and restores it afterwards.
std::string device_inode(int fd) {
  struct stat st {};
  REQUIRE(::fstat(fd, &st) == 0);
  return std::to_string(st.st_dev) + ":" + std::to_string(st.st_ino);
}

// 2026-12-07 21:00:00.123 UTC
const std::chrono::system_clock::time_point kAt =
    std::chrono::system_clock::time_point(std::chrono::seconds(1796677200)) +
    std::chrono::milliseconds(123);

std::string local_stamp(std::chrono::system_clock::time_point at) {
  const time_t t = std::chrono::system_clock::to_time_t(at);
  struct tm local {};
  ::localtime_r(&t, &local);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%d %H:%M:%S", &local);
  return text;
}

}  // namespace

TEST_CASE("a plain log line carries local time to the millisecond, pid and level",
          "[daemon][logger]") {
  CapturedFd out;
  Logger logger(LogLevel::debug, out.fd(), LogFormat::plain, [] { return kAt; });
  logger.warning("line3: no loop current");
  const std::string expected = local_stamp(kAt) + ".123 ivrd[" + std::to_string(::getpid()) +
                               "] warning: line3: no loop current\n";
  CHECK(out.text() == expected);
  CHECK(
      std::regex_match(out.text(), std::regex(R"(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.123 )"
                                              R"(ivrd\[\d+\] warning: line3: no loop current\n)")));
}

TEST_CASE("the milliseconds are zero-padded and never rounded up", "[daemon][logger]") {
  CapturedFd out;
  const auto at = kAt - std::chrono::milliseconds(123) + std::chrono::microseconds(7999);
  Logger logger(LogLevel::info, out.fd(), LogFormat::plain, [at] { return at; });
  logger.info("x");
  CHECK_THAT(out.text(), Catch::StartsWith(local_stamp(at) + ".007 ivrd["));
}

TEST_CASE("a journal line is the sd-daemon priority prefix and the message only",
          "[daemon][logger]") {
  CapturedFd out;
  Logger logger(LogLevel::debug, out.fd(), LogFormat::journal);
  logger.error("e");
  logger.warning("w");
  logger.notice("n");
  logger.info("i");
  logger.debug("d");
  CHECK(out.lines() == std::vector<std::string>{"<3>e", "<4>w", "<5>n", "<6>i", "<7>d"});
}

TEST_CASE("messages less severe than the level are dropped", "[daemon][logger]") {
  CapturedFd out;
  Logger logger(LogLevel::notice, out.fd(), LogFormat::journal);
  logger.error("e");
  logger.warning("w");
  logger.notice("n");
  logger.info("i");
  logger.debug("d");
  CHECK(out.lines() == std::vector<std::string>{"<3>e", "<4>w", "<5>n"});
  logger.set_level(LogLevel::error);
  logger.warning("w2");
  logger.set_level(LogLevel::debug);
  logger.debug("d2");
  CHECK(out.lines() == std::vector<std::string>{"<3>e", "<4>w", "<5>n", "<7>d2"});
  CHECK(logger.enabled(LogLevel::debug));
}

TEST_CASE("a message with line breaks stays one line", "[daemon][logger]") {
  CapturedFd out;
  Logger logger(LogLevel::info, out.fd(), LogFormat::journal);
  logger.info("first\nsecond\r\nthird");
  CHECK(out.text() == "<6>first second  third\n");
}

TEST_CASE("the journal is recognised by JOURNAL_STREAM matching the descriptor",
          "[daemon][logger]") {
  CapturedFd journal;
  CapturedFd other;
  {
    const ScopedEnv env("JOURNAL_STREAM", device_inode(journal.fd()));
    CHECK(detect_log_format(journal.fd()) == LogFormat::journal);
    // Another file (standard error redirected by the service) is not the journal.
    CHECK(detect_log_format(other.fd()) == LogFormat::plain);
  }
  {
    const ScopedEnv env("JOURNAL_STREAM", std::nullopt);
    CHECK(detect_log_format(journal.fd()) == LogFormat::plain);
  }
  for (const std::string& bad :
       std::vector<std::string>{"", "12", "12:", ":34", "x:y", device_inode(journal.fd()) + "x",
                                device_inode(journal.fd()) + ":1"}) {
    const ScopedEnv env("JOURNAL_STREAM", bad);
    CHECK(detect_log_format(journal.fd()) == LogFormat::plain);
  }
  CHECK(detect_log_format(-1) == LogFormat::plain);
}

TEST_CASE("lines logged from many threads at once never interleave", "[daemon][logger]") {
  CapturedFd out;
  Logger logger(LogLevel::info, out.fd(), LogFormat::plain);
  constexpr int kThreads = 8;
  constexpr int kLines = 200;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&logger, t] {
      const std::string filler(100 + 10 * t, static_cast<char>('a' + t));
      for (int i = 0; i < kLines; ++i) {
        logger.info("thread " + std::to_string(t) + " line " + std::to_string(i) + " " + filler);
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  const std::vector<std::string> lines = out.lines();
  REQUIRE(lines.size() == static_cast<size_t>(kThreads * kLines));
  std::vector<int> next(kThreads, 0);
  const std::regex shape(R"(.* ivrd\[\d+\] info: thread (\d) line (\d+) ([a-z]+))");
  for (const std::string& line : lines) {
    std::smatch m;
    REQUIRE(std::regex_match(line, m, shape));
    const int t = std::stoi(m[1]);
    CHECK(std::stoi(m[2]) == next[static_cast<size_t>(t)]++);  // each thread's lines in order
    CHECK(m[3] == std::string(static_cast<size_t>(100 + 10 * t), static_cast<char>('a' + t)));
  }
}
