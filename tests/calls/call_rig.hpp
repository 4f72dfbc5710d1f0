#pragma once
// A whole appliance on the simulated card, for call scenarios: the test
// configuration (call_rig.cpp, every prompt spoken by espeak-ng), a virtual
// clock, and helpers to script callers and read what happened.

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "ivrd/driver/sim_card.hpp"
#include "ivrd/ivr/appliance.hpp"
#include "ivrd/ivr/config.hpp"

namespace ivrd::test {

// The office used by the scenarios; docs of each piece are in call_rig.cpp.
extern const char* const kOfficeConfig;

// Monday 7 December 2026, 10:00 local time: the office is open.
std::chrono::local_seconds monday_10am();

std::shared_ptr<const ivr::Config> load_test_config(std::string_view toml);

class CallRig {
 public:
  explicit CallRig(std::string_view toml = kOfficeConfig,
                   std::chrono::local_seconds start = monday_10am(),
                   ivr::ApplianceOptions options = {});

  ivr::Appliance& appliance() { return *appliance_; }
  driver::SimCaller& caller(std::string_view port = "line1");
  driver::SimPhone& phone(std::string_view port);
  // A US caller with this caller ID rings until answered.
  driver::SimCaller& ring_in(std::string_view number, std::string_view port = "line1",
                             std::string_view name = "");

  // Ticks until `done` or `max_ms` of appliance time; true when done.
  bool run_until(const std::function<bool()>& done, uint64_t max_ms = 120000);
  void run_ms(uint64_t ms) { appliance_->run_ms(ms); }
  // Ticks until the call on `port` has been answered (caller in_call).
  // Returns the line sample the call was connected at.
  uint64_t run_until_answered(std::string_view port = "line1");
  // Ticks until no call is in progress and the last one ended.
  bool run_until_idle(uint64_t max_ms = 300000);

  // The last ended call (fails the test when none).
  const ivr::CallInfo& last_call() const;
  // The history of a call as "what detail" lines.
  static std::vector<std::string> steps(const ivr::CallInfo& call, std::string_view what);
  static std::string transcript(const ivr::CallInfo& call);

 private:
  std::chrono::local_seconds start_;
  std::unique_ptr<ivr::Appliance> appliance_;
};

}  // namespace ivrd::test
