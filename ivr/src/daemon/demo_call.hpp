#pragma once
// `ivrd --demo-call`: one scripted call on the simulated card, so a fresh
// installation shows what the appliance does without a telephone line.
//
// The caller rings the first simulated trunk port with caller ID 5550100
// ("Demo Caller"), listens 2.5 s, presses 2, listens 3 s, presses 1, and
// stays on the line for at most 30 s more before hanging up. Every phone on
// a simulated extension port answers 2 s after it starts ringing, talks
// (a tone) for 3 s and hangs up. With config/demo.toml that is: the main
// menu, the support menu, and the support phone answering. The transcript
// lists each step the call took (greeting heard, keys pressed, menus,
// route, bridge, hang-up) with its time from the answer.

#include <memory>
#include <optional>
#include <string>

#include "ivrd/ivr/appliance.hpp"

namespace ivrd::ivr::daemon {

class DemoCall {
 public:
  // Scripts the caller and the phones. Throws std::runtime_error when the
  // appliance has no simulated trunk port.
  explicit DemoCall(Appliance& appliance);

  // Looks for the call's end; cheap, call it every tick.
  void poll();
  bool finished() const noexcept { return call_.has_value(); }
  // The transcript, once finished (empty before).
  std::string transcript() const;

 private:
  Appliance& appliance_;
  std::string trunk_;
  std::optional<CallInfo> call_;
};

// A call's history for people: one line per step, times in seconds from the
// answer, then the route it reached.
std::string format_transcript(const CallInfo& call);

}  // namespace ivrd::ivr::daemon
