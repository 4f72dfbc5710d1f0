#pragma once
// A phone's hook on an extension port, turned into DAHDI's events (line.hpp)
// by a backend that watches the hook itself (the simulated card, the ALSA
// port): lifting the handset is ring_off_hook at once; putting it down is
// on_hook when it has stayed down for the flash time, reported then; lifting
// it again sooner is wink_flash (a hook flash), and no on_hook follows.

#include <cstdint>
#include <optional>

#include "ivrd/driver/line.hpp"

namespace ivrd::driver {

class PhoneHookEvents {
 public:
  explicit PhoneHookEvents(uint64_t flash_samples) : flash_samples_(flash_samples) {}

  // The hook moved at `sample`: the event it makes at once, if any.
  std::optional<LineEventKind> moved(bool off_hook, uint64_t sample) noexcept {
    if (!off_hook) {
      on_hook_at_ = sample + flash_samples_;
      return std::nullopt;
    }
    if (on_hook_at_) {
      on_hook_at_.reset();
      return LineEventKind::wink_flash;
    }
    return LineEventKind::ring_off_hook;
  }
  // Called for every sample: true at the sample on_hook is due.
  bool on_hook_due(uint64_t sample) noexcept {
    if (!on_hook_at_ || *on_hook_at_ != sample) return false;
    on_hook_at_.reset();
    return true;
  }

 private:
  uint64_t flash_samples_;
  std::optional<uint64_t> on_hook_at_;
};

}  // namespace ivrd::driver
