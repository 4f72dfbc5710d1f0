// Durability: a process recording calls is killed (SIGKILL) at a random
// moment; every call it was told was recorded is in the store afterwards,
// the file is sound, and the calls are exactly a prefix of what it wrote.
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include <catch2/catch.hpp>
#include <sys/types.h>
#include <sys/wait.h>

#include "ivrd/ivr/store.hpp"
#include "ivrd/test_support/rng.hpp"
#include "ivrd/test_support/seed.hpp"
#include "ivrd/test_support/temp_dir.hpp"

#include "store_test_support.hpp"

using namespace ivrd::ivr;
using namespace ivrd::ivr::testing;
namespace ts = ivrd::test_support;

namespace {

// The child: opens the store, records calls from `first` on, and after each
// record_call returns writes the call's number (4 bytes) to `report`. Never
// returns: it is killed, or exits with 2 on a failure.
[[noreturn]] void record_until_killed(const std::filesystem::path& file, int first, int report) {
  try {
    Store store = Store::open(file);
    for (int i = first;; ++i) {
      store.record_call(numbered_call(i));
      const int32_t done = i;
      if (write(report, &done, sizeof done) != sizeof done) _exit(2);
    }
  } catch (...) {
    _exit(2);
  }
}

// Reads every report until the pipe is closed; `until` stops early after
// that many.
std::vector<int32_t> read_reports(int fd, size_t until) {
  std::vector<int32_t> reports;
  while (reports.size() < until) {
    int32_t value = 0;
    size_t got = 0;
    while (got < sizeof value) {
      const ssize_t n = read(fd, reinterpret_cast<char*>(&value) + got, sizeof value - got);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return reports;
      got += static_cast<size_t>(n);
    }
    reports.push_back(value);
  }
  return reports;
}

}  // namespace

TEST_CASE("calls confirmed before a SIGKILL are all in the store, and the store is sound",
          "[store]") {
  const ts::Seed seed("store: durability");
  ts::Rng rng(seed.derive("kills"));
  const ts::TempDir dir("ivrd-store");
  const auto file = dir.path() / "ivrd.db";
  Store::open(file);  // created here; the children only open it

  int next = 0;  // the number of the next call to record
  for (int round = 0; round < 6; ++round) {
    const size_t kill_after = static_cast<size_t>(rng.uniform_int(1, 120));
    INFO("seed " << seed.value() << " round " << round << ": killed after " << kill_after
                 << " confirmed calls");
    int fds[2];
    REQUIRE(pipe(fds) == 0);
    const pid_t child = fork();
    REQUIRE(child >= 0);
    if (child == 0) {
      close(fds[0]);
      record_until_killed(file, next, fds[1]);
    }
    close(fds[1]);
    std::vector<int32_t> confirmed = read_reports(fds[0], kill_after);
    kill(child, SIGKILL);
    int status = 0;
    REQUIRE(waitpid(child, &status, 0) == child);
    // Reports written before the kill are confirmations too.
    for (const int32_t late : read_reports(fds[0], SIZE_MAX)) confirmed.push_back(late);
    close(fds[0]);
    REQUIRE(WIFSIGNALED(status));  // not a failure exit of the child
    REQUIRE(confirmed.size() >= kill_after);

    Store store = Store::open(file);
    CHECK(store.check_integrity().empty());
    const auto calls = store.calls_between(std::chrono::system_clock::time_point::min(),
                                           std::chrono::system_clock::time_point::max());
    // All calls so far, in order, with no gap: earlier rounds' and this one's.
    REQUIRE(calls.size() >= static_cast<size_t>(confirmed.back()) + 1);
    // At most the one call in flight at the kill was stored unconfirmed.
    CHECK(calls.size() <= static_cast<size_t>(confirmed.back()) + 2);
    for (size_t i = 0; i < calls.size(); ++i) {
      if (calls[i] != numbered_call(static_cast<int>(i))) {
        FAIL("call " << i << " is " << calls[i].call_id);
      }
    }
    next = static_cast<int>(calls.size());
  }
}
