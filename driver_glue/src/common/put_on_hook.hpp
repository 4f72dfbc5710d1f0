#pragma once
// The signalling machines leave a call this way, whatever state it was in.

#include "ivrd/driver/line.hpp"

namespace ivrd::driver::detail {

// Hangs the line up when it is off-hook. A backend that refuses (it has the
// line on-hook already, e.g. after a device failure) leaves nothing to undo.
inline void put_on_hook(Line& line) noexcept {
  if (!line.off_hook()) return;
  try {
    line.hang_up();
  } catch (const LineError&) {
    // Nothing to undo.
  }
}

}  // namespace ivrd::driver::detail
