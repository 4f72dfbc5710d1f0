#pragma once
// Inbound and outbound trunk calls are supervised alike; each machine's
// configuration carries the same supervision settings.

#include "ivrd/driver/disconnect_supervisor.hpp"

namespace ivrd::driver::detail {

template <typename MachineConfig>
DisconnectSupervisionConfig supervision_of(const MachineConfig& config) {
  DisconnectSupervisionConfig out;
  out.polarity_guard_ms = config.polarity_guard_ms;
  out.silence_timeout_ms = config.silence_timeout_ms;
  out.silence_level_dbm0 = config.silence_level_dbm0;
  out.call_progress = config.call_progress;
  return out;
}

}  // namespace ivrd::driver::detail
