#include "ivrd/driver/line_drain.hpp"

namespace ivrd::driver {

LineDrain::LineDrain() {
  events_.reserve(16);
  blocks_.reserve(4);
}

size_t LineDrain::take(Line& line) {
  events_.clear();
  blocks_.clear();
  while (auto event = line.next_event()) events_.push_back(*event);
  while (auto block = line.read()) blocks_.push_back(*block);
  return blocks_.size();
}

}  // namespace ivrd::driver
