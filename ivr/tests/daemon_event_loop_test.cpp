// The daemon's event loop driven by real descriptors (pipes, eventfds, a
// timerfd, signalfd): callbacks, removal during a round, ticks with the
// periods that elapsed, signals, stop(). Assertions are on order and
// counts, never on durations.
#include <fcntl.h>
#include <unistd.h>

#include <csignal>
#include <stdexcept>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>
#include <sys/eventfd.h>

#include "ivrd/test_support/rng.hpp"
#include "ivrd/test_support/seed.hpp"

#include "daemon/event_loop.hpp"

using namespace ivrd::ivr::daemon;
using std::chrono::milliseconds;

namespace {

struct Pipe {
  int read_end = -1;
  int write_end = -1;
  Pipe() {
    int fds[2];
    REQUIRE(::pipe2(fds, O_CLOEXEC | O_NONBLOCK) == 0);
    read_end = fds[0];
    write_end = fds[1];
  }
  ~Pipe() {
    if (read_end >= 0) ::close(read_end);
    if (write_end >= 0) ::close(write_end);
  }
  Pipe(const Pipe&) = delete;
  Pipe& operator=(const Pipe&) = delete;
  void write(const std::string& text) const {
    REQUIRE(::write(write_end, text.data(), text.size()) == static_cast<ssize_t>(text.size()));
  }
  std::string drain() const {
    std::string all;
    char buffer[4096];
    for (;;) {
      const ssize_t n = ::read(read_end, buffer, sizeof buffer);
      if (n <= 0) break;
      all.append(buffer, static_cast<size_t>(n));
    }
    return all;
  }
};

struct EventFd {
  int fd = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  EventFd() { REQUIRE(fd >= 0); }
  ~EventFd() { ::close(fd); }
  void add(uint64_t n) const { REQUIRE(::write(fd, &n, sizeof n) == sizeof n); }
};

bool signal_blocked(int signo) {
  sigset_t mask;
  pthread_sigmask(SIG_BLOCK, nullptr, &mask);
  return sigismember(&mask, signo) == 1;
}

}  // namespace

TEST_CASE("a readable pipe calls its callback with EPOLLIN until stop()", "[daemon][event_loop]") {
  EventLoop loop;
  Pipe pipe;
  std::string received;
  loop.add(pipe.read_end, EPOLLIN, [&](uint32_t events) {
    CHECK((events & EPOLLIN) != 0);
    received += pipe.drain();
    if (received == "hello") loop.stop();
  });
  pipe.write("hello");
  loop.run();
  CHECK(received == "hello");
  CHECK(loop.watching(pipe.read_end));
}

TEST_CASE("every ready descriptor is called back once per round", "[daemon][event_loop]") {
  EventLoop loop;
  Pipe a;
  Pipe b;
  Pipe c;
  int calls[3] = {0, 0, 0};
  loop.add(a.read_end, EPOLLIN, [&](uint32_t) { ++calls[0], a.drain(); });
  loop.add(b.read_end, EPOLLIN, [&](uint32_t) { ++calls[1], b.drain(); });
  loop.add(c.read_end, EPOLLIN, [&](uint32_t) { ++calls[2]; });  // never drained: level-triggered
  a.write("1");
  b.write("2");
  c.write("3");
  CHECK(loop.run_once(milliseconds(0)) == 3);
  CHECK(calls[0] == 1);
  CHECK(calls[1] == 1);
  CHECK(calls[2] == 1);
  CHECK(loop.run_once(milliseconds(0)) == 1);  // only c, still readable
  CHECK(calls[2] == 2);
  loop.remove(c.read_end);
  CHECK(loop.run_once(milliseconds(0)) == 0);
}

TEST_CASE("a descriptor removed earlier in the same round is not called back",
          "[daemon][event_loop]") {
  EventLoop loop;
  Pipe a;
  Pipe b;
  int called = 0;
  // Both are ready; whichever runs first removes the other.
  loop.add(a.read_end, EPOLLIN, [&](uint32_t) { ++called, loop.remove(b.read_end); });
  loop.add(b.read_end, EPOLLIN, [&](uint32_t) { ++called, loop.remove(a.read_end); });
  a.write("x");
  b.write("y");
  CHECK(loop.run_once(milliseconds(0)) == 1);
  CHECK(called == 1);
  CHECK(loop.watching(a.read_end) != loop.watching(b.read_end));
}

TEST_CASE("a callback may remove itself and add another descriptor", "[daemon][event_loop]") {
  EventLoop loop;
  Pipe first;
  Pipe second;
  std::vector<std::string> order;
  loop.add(first.read_end, EPOLLIN, [&](uint32_t) {
    order.push_back("first:" + first.drain());
    loop.remove(first.read_end);  // destroys this callback's watch while it runs
    loop.add(second.read_end, EPOLLIN, [&](uint32_t) {
      order.push_back("second:" + second.drain());
      loop.stop();
    });
    second.write("b");
  });
  first.write("a");
  first.write("a");
  loop.run();
  CHECK(order == std::vector<std::string>{"first:aa", "second:b"});
  CHECK_FALSE(loop.watching(first.read_end));
}

TEST_CASE(
    "a descriptor added again under the same number in one round is not called with the "
    "old event",
    "[daemon][event_loop]") {
  EventLoop loop;
  Pipe a;
  Pipe b;
  int old_calls = 0;
  int new_calls = 0;
  const auto replace_b = [&] {
    loop.remove(b.read_end);
    loop.add(b.read_end, EPOLLOUT, [&](uint32_t) { ++new_calls; });  // never writable: a read end
  };
  loop.add(a.read_end, EPOLLIN, [&](uint32_t) {
    a.drain();
    if (old_calls == 0) replace_b();
  });
  loop.add(b.read_end, EPOLLIN, [&](uint32_t) {
    ++old_calls;
    b.drain();
  });
  a.write("x");
  b.write("y");
  loop.run_once(milliseconds(0));
  // Whichever ran first, b's old callback ran at most once and the new one never.
  CHECK(old_calls <= 1);
  CHECK(new_calls == 0);
}

TEST_CASE("the tick gets how many periods elapsed since it last ran", "[daemon][event_loop]") {
  EventLoop loop;
  EventFd counter;
  std::vector<uint64_t> ticks;
  loop.start_tick_from(counter.fd, [&](uint64_t periods) { ticks.push_back(periods); });
  counter.add(1);
  CHECK(loop.run_once(milliseconds(0)) == 1);
  // A late loop: three periods passed before it looked.
  counter.add(1);
  counter.add(2);
  CHECK(loop.run_once(milliseconds(0)) == 1);
  CHECK(loop.run_once(milliseconds(0)) == 0);
  CHECK(ticks == std::vector<uint64_t>{1, 3});
  loop.stop_tick();
  counter.add(1);
  CHECK(loop.run_once(milliseconds(0)) == 0);
  CHECK(ticks.size() == 2);
}

TEST_CASE("the timerfd tick counts every period", "[daemon][event_loop]") {
  EventLoop loop;
  uint64_t periods_seen = 0;
  int calls = 0;
  loop.start_tick(milliseconds(1), [&](uint64_t periods) {
    CHECK(periods >= 1);
    periods_seen += periods;
    ++calls;
    if (periods_seen >= 5) loop.stop();
  });
  loop.run();
  CHECK(periods_seen >= 5);
  CHECK(calls >= 1);
  CHECK(calls <= 5);
  loop.stop_tick();
  CHECK_THROWS_AS(loop.start_tick(milliseconds(0), [](uint64_t) {}), std::system_error);
}

TEST_CASE("the tick callback may replace the tick", "[daemon][event_loop]") {
  EventLoop loop;
  EventFd first;
  EventFd second;
  std::vector<std::string> order;
  loop.start_tick_from(first.fd, [&](uint64_t) {
    order.push_back("first");
    loop.start_tick_from(second.fd, [&](uint64_t n) {
      order.push_back("second " + std::to_string(n));
      loop.stop();
    });
    second.add(2);
  });
  first.add(1);
  loop.run();
  CHECK(order == std::vector<std::string>{"first", "second 2"});
}

TEST_CASE("SIGHUP, SIGTERM and SIGINT arrive as callbacks in the loop", "[daemon][event_loop]") {
  const bool hup_was_blocked = signal_blocked(SIGHUP);
  {
    EventLoop loop;
    std::vector<int> received;
    for (const int signo : {SIGHUP, SIGTERM, SIGINT}) {
      loop.on_signal(signo, [&](int s) { received.push_back(s); });
      CHECK(signal_blocked(signo));
    }
    // raise() signals this thread, which has them blocked: they wait for the loop.
    REQUIRE(::raise(SIGHUP) == 0);
    CHECK(loop.run_once(milliseconds(0)) == 1);
    CHECK(received == std::vector<int>{SIGHUP});
    REQUIRE(::raise(SIGTERM) == 0);
    REQUIRE(::raise(SIGINT) == 0);
    loop.run_once(milliseconds(0));
    REQUIRE(received.size() == 3);
    CHECK(((received[1] == SIGTERM && received[2] == SIGINT) ||
           (received[1] == SIGINT && received[2] == SIGTERM)));
    // Two of the same standard signal before the loop looks are one.
    REQUIRE(::raise(SIGHUP) == 0);
    REQUIRE(::raise(SIGHUP) == 0);
    loop.run_once(milliseconds(0));
    CHECK(received.size() == 4);
    CHECK(received.back() == SIGHUP);
  }
  // The loop unblocks what it blocked.
  CHECK(signal_blocked(SIGHUP) == hup_was_blocked);
}

TEST_CASE("a signal callback can stop the loop", "[daemon][event_loop]") {
  EventLoop loop;
  int stops = 0;
  loop.on_signal(SIGTERM, [&](int) {
    ++stops;
    loop.stop();
  });
  REQUIRE(::raise(SIGTERM) == 0);
  loop.run();
  CHECK(stops == 1);
}

TEST_CASE("stop() from another thread ends run()", "[daemon][event_loop]") {
  EventLoop loop;
  EventFd never;
  loop.add(never.fd, EPOLLIN, [](uint32_t) { FAIL("nothing was written"); });
  std::thread stopper([&loop] { loop.stop(); });
  loop.run();  // returns whether stop() came before or during the wait
  stopper.join();
  SUCCEED("run() returned");
}

TEST_CASE("stop() leaves the rest of the round for the next run", "[daemon][event_loop]") {
  EventLoop loop;
  Pipe a;
  Pipe b;
  int calls = 0;
  loop.add(a.read_end, EPOLLIN, [&](uint32_t) { ++calls, a.drain(), loop.stop(); });
  loop.add(b.read_end, EPOLLIN, [&](uint32_t) { ++calls, b.drain(), loop.stop(); });
  a.write("x");
  b.write("y");
  loop.run();
  CHECK(calls == 1);
  loop.run();
  CHECK(calls == 2);
  // stop() before run(): run() returns at once.
  loop.stop();
  loop.run();
  CHECK(calls == 2);
}

TEST_CASE("an exception from a callback leaves run() and the loop stays usable",
          "[daemon][event_loop]") {
  EventLoop loop;
  Pipe pipe;
  int calls = 0;
  loop.add(pipe.read_end, EPOLLIN, [&](uint32_t) {
    pipe.drain();
    if (++calls == 1) throw std::runtime_error("broken call");
    loop.stop();
  });
  pipe.write("1");
  CHECK_THROWS_WITH(loop.run(), "broken call");
  pipe.write("2");
  loop.run();
  CHECK(calls == 2);
}

TEST_CASE("descriptors epoll refuses are errors naming them", "[daemon][event_loop]") {
  EventLoop loop;
  Pipe pipe;
  loop.add(pipe.read_end, EPOLLIN, [](uint32_t) {});
  CHECK_THROWS_WITH(loop.add(pipe.read_end, EPOLLIN, [](uint32_t) {}),
                    Catch::Contains("descriptor " + std::to_string(pipe.read_end)) &&
                        Catch::Contains("File exists"));
  const int regular = ::open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
  REQUIRE(regular >= 0);
  CHECK_THROWS_AS(loop.add(regular, EPOLLIN, [](uint32_t) {}), std::system_error);
  ::close(regular);
  CHECK_THROWS_AS(loop.modify(12345, EPOLLIN), std::system_error);
  loop.remove(12345);  // not watched: nothing
  loop.modify(pipe.read_end, EPOLLIN | EPOLLPRI);
}

TEST_CASE("random writes to many pipes all arrive, whatever the rounds",
          "[daemon][event_loop][random]") {
  const ivrd::test_support::Seed seed("event loop pipes");
  ivrd::test_support::Rng rng(seed);
  EventLoop loop;
  const int count = rng.uniform_int(1, 24);
  std::vector<std::unique_ptr<Pipe>> pipes;
  std::vector<std::string> sent(static_cast<size_t>(count));
  std::vector<std::string> received(static_cast<size_t>(count));
  std::vector<bool> removed(static_cast<size_t>(count), false);
  for (int i = 0; i < count; ++i) {
    pipes.push_back(std::make_unique<Pipe>());
    const Pipe& pipe = *pipes.back();
    loop.add(pipe.read_end, EPOLLIN,
             [&received, &pipe, i](uint32_t) { received[static_cast<size_t>(i)] += pipe.drain(); });
  }
  for (int round = 0; round < 200; ++round) {
    const int writes = rng.uniform_int(0, 2 * count);
    for (int w = 0; w < writes; ++w) {
      const auto i = static_cast<size_t>(rng.uniform_int(0, count - 1));
      std::string text(static_cast<size_t>(rng.uniform_int(1, 64)),
                       static_cast<char>('a' + rng.uniform_int(0, 25)));
      if (removed[i]) continue;
      pipes[i]->write(text);
      sent[i] += text;
    }
    if (rng.chance(0.05)) {
      const auto i = static_cast<size_t>(rng.uniform_int(0, count - 1));
      if (!removed[i]) {
        // What was written before removal must still arrive: read it first.
        loop.run_once(milliseconds(0));
        loop.remove(pipes[i]->read_end);
        removed[i] = true;
      }
    }
    loop.run_once(milliseconds(0));
  }
  loop.run_once(milliseconds(0));
  for (size_t i = 0; i < sent.size(); ++i) {
    INFO("pipe " << i << (removed[i] ? " (removed)" : ""));
    CHECK(received[i] == sent[i]);
  }
}
