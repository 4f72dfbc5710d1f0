#include "daemon/demo_call.hpp"

#include <cmath>
#include <cstdio>
#include <stdexcept>
#include <vector>

#include "ivrd/ivr/sim_calls.hpp"

namespace ivrd::ivr::daemon {
namespace {

constexpr const char* kDemoNumber = "5550100";
constexpr const char* kDemoName = "Demo Caller";

// What the phone says when it answers: a 440 Hz tone at about -16 dBm0.
std::vector<int16_t> phone_voice(uint32_t ms) {
  std::vector<int16_t> pcm(static_cast<size_t>(ms) * 8);
  constexpr double kTwoPi = 6.283185307179586;
  for (size_t i = 0; i < pcm.size(); ++i) {
    pcm[i] =
        static_cast<int16_t>(2300.0 * std::sin(kTwoPi * 440.0 * static_cast<double>(i) / 8000.0));
  }
  return pcm;
}

std::string label_of(const std::string& what) {
  if (what == "prompt") return "heard";
  if (what == "hung_up") return "hung up";
  return what;
}

}  // namespace

DemoCall::DemoCall(Appliance& appliance) : appliance_(appliance) {
  for (const PortInfo& port : appliance.ports()) {
    if (port.role == PortRole::trunk && appliance.sim_port(port.name) && trunk_.empty()) {
      trunk_ = port.name;
    }
    if (port.role == PortRole::extension && appliance.sim_port(port.name)) {
      appliance.sim_port(port.name)
          ->phone()
          .wait_for_ring()
          .wait_ms(2000)
          .off_hook()
          .play(phone_voice(3000))
          .hang_up();
    }
  }
  if (trunk_.empty()) throw std::runtime_error("--demo-call: no simulated trunk port to call on");

  ring_like_exchange(appliance.sim_port(trunk_)->caller(),
                     *dsp::find_tone_zone(appliance.config().appliance.tone_zone), kDemoNumber,
                     kDemoName)
      .wait_ms(2500)
      .press("2")
      .wait_ms(3000)
      .press("1")
      .wait_ms(30000)
      .hang_up(driver::Supervision::loop_current_drop);
}

void DemoCall::poll() {
  if (call_) return;
  for (const CallInfo& ended : appliance_.ended_calls()) {
    if (ended.line == trunk_ && ended.caller_id == kDemoNumber) {
      call_ = ended;
      return;
    }
  }
}

std::string DemoCall::transcript() const { return call_ ? format_transcript(*call_) : ""; }

std::string format_transcript(const CallInfo& call) {
  std::string out = "Call " + call.id + " on " + call.line + " from " +
                    (call.caller_id.empty() ? std::string("an unknown number") : call.caller_id) +
                    (call.caller_name.empty() ? "" : " (" + call.caller_name + ")") + "\n";
  for (const CallNote& note : call.history) {
    char time[16];
    std::snprintf(time, sizeof time, "%7.2f s", static_cast<double>(note.ms) / 1000.0);
    std::string what = label_of(note.what);
    what.resize(std::max<size_t>(what.size(), 12), ' ');
    out += std::string(time) + "  " + what + "  " + note.detail + "\n";
  }
  out += "Route reached: " +
         (call.route.empty() ? std::string("none (stayed in the menus)") : call.route);
  if (!call.other_party.empty()) out += " (" + call.other_party + ")";
  out += "\nEnded: " + call.end_reason + "\n";
  return out;
}

}  // namespace ivrd::ivr::daemon
