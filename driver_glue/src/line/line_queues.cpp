#include "ivrd/driver/line_queues.hpp"

#include <algorithm>

#include "common/take_front.hpp"

namespace ivrd::driver {

std::optional<Block> LineQueues::read() noexcept { return detail::take_front(receive_); }

bool LineQueues::write(std::span<const int16_t, kBlockSamples> block) noexcept {
  if (transmit_.size() >= capacity_) return false;
  Block copy;
  std::copy(block.begin(), block.end(), copy.begin());
  transmit_.push_back(copy);
  return true;
}

std::optional<LineEvent> LineQueues::next_event() noexcept { return detail::take_front(events_); }

void LineQueues::receive(const Block& block) {
  if (receive_.size() >= capacity_) {
    receive_.pop_front();
    ++rx_overruns_;
  }
  receive_.push_back(block);
}

Block LineQueues::take_transmit() noexcept {
  return detail::take_front(transmit_).value_or(Block{});
}

}  // namespace ivrd::driver
