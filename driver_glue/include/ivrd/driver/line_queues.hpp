#pragma once
// The queues a backend keeps behind its Line (line.hpp): receive blocks
// waiting to be read, blocks written and waiting to be sent, and events
// waiting to be taken. The simulated card, the replay line and the ALSA port
// keep theirs in one of these; the DAHDI backend reads the kernel's own.
//
// Both block queues hold at most `capacity` blocks. A receive block that
// finds its queue full pushes out the oldest, which is counted as an overrun
// (the owner did not read in time); a written block that finds its queue full
// is refused (write() returns false), as Line says. Not thread-safe.

#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <span>

#include "ivrd/driver/line.hpp"

namespace ivrd::driver {

class LineQueues {
 public:
  explicit LineQueues(size_t capacity_blocks) : capacity_(capacity_blocks) {}

  // The Line side: what the appliance calls.
  std::optional<Block> read() noexcept;
  bool write(std::span<const int16_t, kBlockSamples> block) noexcept;
  std::optional<LineEvent> next_event() noexcept;

  // The backend side.
  void receive(const Block& block);
  // The oldest block written, or silence when none waits.
  Block take_transmit() noexcept;
  void clear_transmit() noexcept { transmit_.clear(); }
  void emit(LineEventKind kind, uint64_t sample) { events_.push_back({kind, sample}); }
  size_t rx_overruns() const noexcept { return rx_overruns_; }

 private:
  size_t capacity_;
  std::deque<Block> receive_, transmit_;
  std::deque<LineEvent> events_;
  size_t rx_overruns_ = 0;
};

}  // namespace ivrd::driver
