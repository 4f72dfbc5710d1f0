// Two lines bridged in user space.

#include "ivrd/driver/dahdi_card.hpp"

namespace ivrd::driver {

size_t DahdiBridge::step() noexcept {
  size_t moved = 0;
  auto pass = [&](Line& from, Line& to) {
    while (auto block = from.read()) {
      if (to.write(*block)) {
        ++moved;
      } else {
        ++dropped_;
      }
    }
  };
  pass(a_, b_);
  pass(b_, a_);
  return moved;
}

}  // namespace ivrd::driver
