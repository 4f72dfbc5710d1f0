#include "daemon/event_loop.hpp"

#include <unistd.h>

#include <cerrno>
#include <string>
#include <system_error>

#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>

namespace ivrd::ivr::daemon {

namespace {

[[noreturn]] void throw_errno(const std::string& what) {
  throw std::system_error(errno, std::generic_category(), what);
}

void close_fd(int& fd) noexcept {
  if (fd >= 0) ::close(fd);
  fd = -1;
}

constexpr size_t kMaxEventsPerRound = 64;

}  // namespace

EventLoop::EventLoop() : ready_(kMaxEventsPerRound) {
  sigemptyset(&signals_);
  sigemptyset(&blocked_by_us_);
  epoll_fd_ = ::epoll_create1(EPOLL_CLOEXEC);
  if (epoll_fd_ < 0) throw_errno("epoll_create1");
  wakeup_fd_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (wakeup_fd_ < 0) {
    close_fd(epoll_fd_);
    throw_errno("eventfd");
  }
  try {
    register_fd(wakeup_fd_, EPOLLIN, [this](uint32_t) { consume_wakeup(); });
  } catch (...) {
    close_fd(wakeup_fd_);
    close_fd(epoll_fd_);
    throw;
  }
}

EventLoop::~EventLoop() {
  stop_tick();
  close_fd(signal_fd_);
  close_fd(wakeup_fd_);
  close_fd(epoll_fd_);
  // Signals that arrived since the last round stay pending and are handled
  // by their default action once unblocked, as they would be without a loop.
  pthread_sigmask(SIG_UNBLOCK, &blocked_by_us_, nullptr);
}

void EventLoop::register_fd(int fd, uint32_t events, FdCallback callback) {
  auto watch = std::make_shared<Watch>(Watch{fd, next_id_++, std::move(callback)});
  epoll_event event{};
  event.events = events;
  event.data.u64 = watch->id;
  if (::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &event) != 0) {
    throw_errno("epoll_ctl(ADD) on descriptor " + std::to_string(fd));
  }
  by_id_.emplace(watch->id, watch);
  fds_.emplace(fd, std::move(watch));
}

void EventLoop::add(int fd, uint32_t events, FdCallback callback) {
  register_fd(fd, events, std::move(callback));
}

void EventLoop::modify(int fd, uint32_t events) {
  const auto found = fds_.find(fd);
  if (found == fds_.end()) {
    throw std::system_error(ENOENT, std::generic_category(),
                            "epoll_ctl(MOD) on descriptor " + std::to_string(fd));
  }
  epoll_event event{};
  event.events = events;
  event.data.u64 = found->second->id;
  if (::epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, fd, &event) != 0) {
    throw_errno("epoll_ctl(MOD) on descriptor " + std::to_string(fd));
  }
}

void EventLoop::remove(int fd) noexcept {
  const auto found = fds_.find(fd);
  if (found == fds_.end()) return;
  // The descriptor may already be closed; the watch goes either way.
  ::epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, fd, nullptr);
  by_id_.erase(found->second->id);
  fds_.erase(found);
}

void EventLoop::start_tick(std::chrono::nanoseconds period, TickCallback callback) {
  if (period <= std::chrono::nanoseconds::zero()) {
    throw std::system_error(EINVAL, std::generic_category(), "tick period must be positive");
  }
  const int fd = ::timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
  if (fd < 0) throw_errno("timerfd_create");
  itimerspec spec{};
  spec.it_interval.tv_sec = static_cast<time_t>(period.count() / 1'000'000'000);
  spec.it_interval.tv_nsec = static_cast<long>(period.count() % 1'000'000'000);
  spec.it_value = spec.it_interval;
  if (::timerfd_settime(fd, 0, &spec, nullptr) != 0) {
    const int error = errno;
    ::close(fd);
    throw std::system_error(error, std::generic_category(), "timerfd_settime");
  }
  try {
    start_tick_from(fd, std::move(callback));
  } catch (...) {
    ::close(fd);
    throw;
  }
  timer_fd_ = fd;
}

void EventLoop::start_tick_from(int counter_fd, TickCallback callback) {
  stop_tick();
  register_fd(counter_fd, EPOLLIN, [this](uint32_t) { read_tick(); });
  tick_fd_ = counter_fd;
  tick_ = std::move(callback);
}

void EventLoop::stop_tick() noexcept {
  if (tick_fd_ >= 0) remove(tick_fd_);
  tick_fd_ = -1;
  close_fd(timer_fd_);
  tick_ = nullptr;
}

void EventLoop::read_tick() {
  uint64_t periods = 0;
  const ssize_t n = ::read(tick_fd_, &periods, sizeof periods);
  // EAGAIN: another reader took the count, or the timer was re-armed.
  if (n != static_cast<ssize_t>(sizeof periods) || periods == 0) return;
  // The callback may stop or replace the tick: call a copy.
  const TickCallback tick = tick_;
  if (tick) tick(periods);
}

void EventLoop::on_signal(int signo, SignalCallback callback) {
  sigset_t one;
  sigemptyset(&one);
  sigaddset(&one, signo);
  sigset_t previous;
  if (const int error = pthread_sigmask(SIG_BLOCK, &one, &previous); error != 0) {
    throw std::system_error(error, std::generic_category(),
                            "pthread_sigmask(SIG_BLOCK, " + std::to_string(signo) + ")");
  }
  if (sigismember(&previous, signo) == 0) sigaddset(&blocked_by_us_, signo);
  sigaddset(&signals_, signo);
  const int fd = ::signalfd(signal_fd_, &signals_, SFD_CLOEXEC | SFD_NONBLOCK);
  if (fd < 0) throw_errno("signalfd for signal " + std::to_string(signo));
  if (signal_fd_ < 0) {
    try {
      register_fd(fd, EPOLLIN, [this](uint32_t) { read_signals(); });
    } catch (...) {
      ::close(fd);
      throw;
    }
    signal_fd_ = fd;
  }
  signal_callbacks_[signo] = std::move(callback);
}

void EventLoop::read_signals() {
  signalfd_siginfo info{};
  while (::read(signal_fd_, &info, sizeof info) == static_cast<ssize_t>(sizeof info)) {
    const int signo = static_cast<int>(info.ssi_signo);
    const auto found = signal_callbacks_.find(signo);
    if (found == signal_callbacks_.end()) continue;
    const SignalCallback callback = found->second;
    callback(signo);
    if (stop_requested_.load(std::memory_order_relaxed)) return;
  }
}

void EventLoop::consume_wakeup() noexcept {
  uint64_t count = 0;
  [[maybe_unused]] const ssize_t n = ::read(wakeup_fd_, &count, sizeof count);
}

size_t EventLoop::dispatch(int timeout_ms, bool stoppable) {
  int n = 0;
  do {
    n = ::epoll_wait(epoll_fd_, ready_.data(), static_cast<int>(ready_.size()), timeout_ms);
  } while (n < 0 && errno == EINTR);
  if (n < 0) throw_errno("epoll_wait");
  size_t called = 0;
  for (int i = 0; i < n; ++i) {
    if (stoppable && stop_requested_.load(std::memory_order_relaxed)) break;
    const auto found = by_id_.find(ready_[i].data.u64);
    if (found == by_id_.end()) continue;  // removed earlier in this round
    // Held so that a callback can remove its own watch.
    const std::shared_ptr<Watch> watch = found->second;
    watch->callback(ready_[i].events);
    if (watch->fd != wakeup_fd_) ++called;
  }
  return called;
}

void EventLoop::run() {
  while (!stop_requested_.load(std::memory_order_relaxed)) dispatch(-1, true);
  stop_requested_.store(false, std::memory_order_relaxed);
}

size_t EventLoop::run_once(std::chrono::milliseconds timeout) {
  return dispatch(static_cast<int>(timeout.count()), false);
}

void EventLoop::stop() noexcept {
  stop_requested_.store(true, std::memory_order_relaxed);
  const uint64_t one = 1;
  [[maybe_unused]] const ssize_t n = ::write(wakeup_fd_, &one, sizeof one);
}

}  // namespace ivrd::ivr::daemon
