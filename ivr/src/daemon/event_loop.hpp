#pragma once
// The daemon's one event loop: file descriptors, a periodic tick and signals,
// over epoll; internal to the ivr library.
//
//   EventLoop loop;
//   loop.on_signal(SIGTERM, [&](int) { loop.stop(); });
//   loop.start_tick(std::chrono::milliseconds(20), [&](uint64_t periods) { ... });
//   loop.add(control_socket, EPOLLIN, [&](uint32_t events) { ... });
//   loop.run();  // until stop()
//
// File descriptors: add(fd, events, callback) watches `fd` level-triggered
// for `events` (EPOLLIN, EPOLLOUT, EPOLLPRI, ...); the callback gets the
// events that occurred (EPOLLHUP and EPOLLERR are always reported). The loop
// does not own the descriptor: remove() it before closing it. A callback may
// add and remove descriptors, its own included; a descriptor removed while
// its event is already gathered in the same round is not called back (nor is
// a descriptor added again under the same number in that round).
//
// Tick: a timerfd on CLOCK_MONOTONIC (20 ms for the daemon, the period of a
// DAHDI block). Its callback gets the number of periods that elapsed since
// the previous call: 1 normally, more when the loop was late (a long
// callback, a stopped process), so the caller can catch up or count the
// overrun instead of drifting. start_tick_from() takes any descriptor whose
// 8-byte read gives such a count (an eventfd in tests).
//
// Signals: on_signal(signo, callback) blocks the signal in the calling
// thread's mask and receives it through a signalfd, so the callback runs in
// the loop like any other event, never in a signal handler. The mask is
// inherited by threads created afterwards, so the daemon registers its
// signals (SIGHUP, SIGTERM, SIGINT) before it starts any thread; a signal
// delivered to a thread that has it unblocked would take its default action.
// The destructor unblocks the signals it blocked (those that were blocked
// before stay blocked).
//
// Errors while setting up (epoll_create1, timerfd_create, signalfd,
// epoll_ctl) throw std::system_error naming the call and the descriptor. An
// exception thrown by a callback leaves run() and the loop stays usable.
//
// Thread-safety: everything but stop() is for the thread that runs the loop.
// stop() may be called from any thread (it wakes the loop through an
// eventfd).
//
// Allocation: add(), on_signal() and start_tick() allocate; dispatching
// events does not (beyond what the callbacks do).

#include <signal.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <vector>

#include <sys/epoll.h>

namespace ivrd::ivr::daemon {

class EventLoop {
 public:
  using FdCallback = std::function<void(uint32_t events)>;
  using TickCallback = std::function<void(uint64_t periods)>;
  using SignalCallback = std::function<void(int signo)>;

  static constexpr std::chrono::milliseconds kDaemonTick{20};

  EventLoop();
  ~EventLoop();
  EventLoop(const EventLoop&) = delete;
  EventLoop& operator=(const EventLoop&) = delete;

  // Watches `fd`; std::system_error when epoll refuses it (already watched,
  // not pollable like a regular file, closed).
  void add(int fd, uint32_t events, FdCallback callback);
  // Changes the events watched on `fd`.
  void modify(int fd, uint32_t events);
  // Stops watching `fd`; nothing when it is not watched.
  void remove(int fd) noexcept;
  bool watching(int fd) const noexcept { return fds_.count(fd) != 0; }

  // A periodic tick every `period` (> 0) from now on a CLOCK_MONOTONIC
  // timerfd; replaces any tick already running.
  void start_tick(std::chrono::nanoseconds period, TickCallback callback);
  // The tick driven by `counter_fd` instead, which the loop does not own.
  void start_tick_from(int counter_fd, TickCallback callback);
  void stop_tick() noexcept;

  // Delivers `signo` to `callback` (replacing an earlier one for it).
  void on_signal(int signo, SignalCallback callback);

  // Waits for and dispatches events until stop(). Returns at once when
  // stop() was called since the previous run() returned.
  void run();
  // Dispatches what is ready, waiting at most `timeout` for something to
  // be (0: not at all); returns how many descriptors were called back (a
  // tick or a read of signals counts as one). Ignores stop(); for tests and
  // for draining events before exit.
  size_t run_once(std::chrono::milliseconds timeout);
  // Makes run() return once the callback in progress (if any) returns; the
  // events not yet dispatched wait for the next run().
  void stop() noexcept;

 private:
  struct Watch {
    int fd;
    uint64_t id;
    FdCallback callback;
  };

  void register_fd(int fd, uint32_t events, FdCallback callback);
  size_t dispatch(int timeout_ms, bool stoppable);
  void read_signals();
  void read_tick();
  void consume_wakeup() noexcept;

  int epoll_fd_ = -1;
  int wakeup_fd_ = -1;  // an eventfd that stop() writes
  int timer_fd_ = -1;   // owned when the tick is the loop's own timerfd
  int tick_fd_ = -1;    // the timerfd or a caller's counter
  int signal_fd_ = -1;
  TickCallback tick_;
  std::map<int, SignalCallback> signal_callbacks_;
  sigset_t signals_{};
  sigset_t blocked_by_us_{};
  std::map<int, std::shared_ptr<Watch>> fds_;
  std::map<uint64_t, std::shared_ptr<Watch>> by_id_;
  uint64_t next_id_ = 1;
  std::atomic<bool> stop_requested_{false};
  std::vector<epoll_event> ready_;
};

}  // namespace ivrd::ivr::daemon
