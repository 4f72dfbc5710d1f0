#pragma once
// Queues of events and blocks hand out their oldest entry this way.

#include <deque>
#include <optional>
#include <utility>

namespace ivrd::driver::detail {

// The oldest entry, removed; nothing when the queue is empty.
template <typename T>
std::optional<T> take_front(std::deque<T>& queue) {
  if (queue.empty()) return std::nullopt;
  std::optional<T> front(std::move(queue.front()));
  queue.pop_front();
  return front;
}

}  // namespace ivrd::driver::detail
