#pragma once
// What a signalling machine takes from its line each tick, in the order it
// happened.
//
// A backend queues receive blocks and events separately; the signalling
// machines (trunk_inbound.hpp, trunk_outbound.hpp, extension_port.hpp) need
// them interleaved, each event before the block it fell in, so that the
// audio after an answer, a ring or a hang-up is handled by the state it led
// to. LineDrain takes everything a line has ready and hands it on that way.
//
// Events carry line samples; the blocks taken in one tick are numbered on
// from the sample the owner gives (its count of samples read so far). Events
// later than the last block are handed on after it. The buffers are kept and
// reused: after the first ticks nothing is allocated. Not thread-safe.

#include <cstddef>
#include <cstdint>
#include <vector>

#include "ivrd/driver/line.hpp"

namespace ivrd::driver {

class LineDrain {
 public:
  LineDrain();

  // Takes every event and block `line` has ready; returns the number of
  // blocks taken.
  size_t take(Line& line);

  // Hands on what the last take() got: on_event(const LineEvent&) and
  // on_block(const Block&), in the order they happened, the first block
  // starting at first_sample.
  template <typename OnEvent, typename OnBlock>
  void hand_on(uint64_t first_sample, OnEvent&& on_event, OnBlock&& on_block) const {
    size_t next = 0;
    uint64_t end = first_sample;
    for (const Block& block : blocks_) {
      end += kBlockSamples;
      while (next < events_.size() && events_[next].sample < end) on_event(events_[next++]);
      on_block(block);
    }
    while (next < events_.size()) on_event(events_[next++]);
  }

 private:
  std::vector<LineEvent> events_;
  std::vector<Block> blocks_;
};

}  // namespace ivrd::driver
