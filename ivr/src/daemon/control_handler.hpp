#pragma once
// The daemon's answers on the control socket (control.hpp has the protocol
// and every reply body): status and the show commands read the appliance,
// reload and check-config load configuration files, hangup ends a call, and
// `sim call` places a scripted call on the simulated card and answers when
// it has ended, with its transcript. Internal to the ivr library.
//
// Everything runs on the daemon's event loop thread: handle() from the
// server's service(), poll() once per tick.

#include <chrono>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "ivrd/ivr/appliance.hpp"
#include "ivrd/ivr/control.hpp"

namespace ivrd::ivr::daemon {

struct ReloadOutcome {
  bool ok = false;
  std::string error;                // one line, when not ok
  std::vector<std::string> errors;  // "file:line:column: error: ..." each
};

class ApplianceControl final : public ControlHandler {
 public:
  // `reload` loads the running configuration file again and swaps it in
  // (the daemon's SIGHUP path).
  ApplianceControl(Appliance& appliance, std::filesystem::path config_file,
                   std::function<ReloadOutcome()> reload);

  void handle(const ControlRequest& request, ControlResponder responder) override;
  // Answers the `sim call` requests whose call has ended; ends those past
  // their max_seconds.
  void poll();

  // The monitor event for an appliance event (control.hpp: monitor).
  static nlohmann::json monitor_event(const ApplianceEvent& event);

 private:
  struct PendingSimCall {
    ControlResponder responder;
    std::string line;
    uint64_t placed_ms = 0;
    uint64_t deadline_ms = 0;
    size_t ended_before = 0;  // appliance.ended_calls() size when placed
    bool cut_off = false;
  };

  ControlReply status() const;
  ControlReply show_spans() const;
  ControlReply show_lines() const;
  ControlReply show_calls() const;
  ControlReply show_call(const std::string& id) const;
  ControlReply check_config(const std::filesystem::path& file) const;
  ControlReply hangup(const std::string& id);
  void sim_call(const nlohmann::json& args, ControlResponder responder);
  void tone(const nlohmann::json& args, ControlResponder responder);

  Appliance& appliance_;
  std::filesystem::path config_file_;
  std::function<ReloadOutcome()> reload_;
  std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
  // When the running configuration was swapped in, as first seen by status.
  mutable std::chrono::system_clock::time_point loaded_at_ = std::chrono::system_clock::now();
  mutable uint32_t loaded_generation_ = 0;
  std::vector<PendingSimCall> sim_calls_;
};

// Parses a `sim call` script (control.hpp) onto `caller`, after its ring.
// Throws std::invalid_argument naming the step at fault.
void script_sim_caller(driver::SimCaller& caller, const std::string& script);

}  // namespace ivrd::ivr::daemon
