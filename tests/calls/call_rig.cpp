#include "call_rig.hpp"

#include <filesystem>
#include <sstream>

#include <catch2/catch.hpp>

#include "ivrd/ivr/config_loader.hpp"

namespace ivrd::test {

// An office with every menu feature: a main menu (long and short greeting,
// operator key, a language key, silence and wrong-key handling), submenus
// with back and top, an extension-number entry, a closed and a holiday menu,
// caller rules of each kind, and routes to extensions and an outside number.
const char* const kOfficeConfig = R"toml(
[appliance]
name = "Test office"
tone_zone = "us"
operator = "extension:reception"

[spans.sim]
backend = "sim"

[spans.sim.ports]
line1 = { role = "trunk" }
line2 = { role = "trunk" }
line3 = { role = "trunk" }
reception = { role = "extension", number = "200" }
sales = { role = "extension", number = "201" }
support = { role = "extension", number = "202" }

[speech]
voices = { en = "en-us", fr = "fr" }
default_language = "en"

[prompts]
welcome = { say = { en = "Welcome to the office. For sales press one.", fr = "Bienvenue au bureau." } }
welcome_short = { say = { en = "Main menu.", fr = "Menu principal." } }
sorry = { say = "Sorry, that is not a choice." }
still_there = { say = "Are you still there?" }
sub = { say = "Submenu." }
deeper = { say = "Deeper menu." }
enter = { say = "Enter the extension." }
goodbye = { say = "Goodbye." }
closed = { say = "We are closed." }
holiday = { say = "Happy holidays." }
hello_vip = { say = "Hello {caller_name}." }

[calendars.office]
monday = ["09:00-17:00"]
tuesday = ["09:00-17:00"]
wednesday = ["09:00-17:00"]
thursday = ["09:00-17:00"]
friday = ["09:00-17:00"]
holidays = [2026-12-25]

[incoming]
menu = "main"
calendar = "office"
closed_menu = "closed"
holiday_menu = "holiday"

[[callers]]
exact = "5550001"
set = { caller_name = "Alice", language = "fr" }

[[callers]]
prefix = "555999"
route = "extension:reception"

[[callers]]
pattern = "^0[67][0-9]{8}$"
set = { vip_level = 2 }

[menus.main]
greeting = "welcome"
short_greeting = "welcome_short"
operator_key = "0"
no_input = { timeout = 3, tries = 2, prompt = "still_there", then = "message:goodbye" }
invalid = { tries = 2, prompt = "sorry", then = "extension:reception" }

[menus.main.keys]
1 = "route:sales_desk"
2 = "menu:sub"
3 = "menu:entry"
4 = "route:out"
5 = "route:support_desk"
9 = "language:fr"

[menus.sub]
greeting = "sub"
keys = { 1 = "menu:deeper", "*" = "back", "#" = "top", 2 = "repeat" }
invalid = { tries = 3, then = "hang_up" }

[menus.deeper]
greeting = "deeper"
barge_in = false
keys = { "*" = "back", "#" = "top", 1 = "message:goodbye" }

[menus.entry]
greeting = "enter"
keys = { "*" = "top" }
invalid = { tries = 2, prompt = "sorry", then = "hang_up" }

[menus.entry.entry]
min_digits = 3
max_digits = 3
terminator = "#"
inter_digit_timeout = 2
variable = "extension_number"
then = "extension:{extension_number}"

[menus.closed]
greeting = "closed"
no_input = { timeout = 1, tries = 1, then = "hang_up" }

[menus.holiday]
greeting = "holiday"
no_input = { timeout = 1, tries = 1, then = "hang_up" }

[routes.sales_desk]
kind = "extension"
port = "sales"
ring_timeout = 10
on_no_answer = "message:goodbye"
on_busy = "menu:sub"

[routes.support_desk]
kind = "extension"
port = "support"
ring_timeout = 8
on_no_answer = "menu:sub"

[routes.out]
kind = "outside_number"
number = "5551234"
trunks = ["line3"]
ring_timeout = 20
on_no_answer = "message:goodbye"
on_busy = "menu:sub"
)toml";

std::chrono::local_seconds monday_10am() {
  using namespace std::chrono;
  return local_days{year{2026} / December / 7} + hours{10};
}

std::shared_ptr<const ivr::Config> load_test_config(std::string_view toml) {
  const auto path = std::filesystem::temp_directory_path() / "ivrd-call-tests" / "office.toml";
  auto result = ivr::load_config_text(toml, path);
  std::string errors;
  for (const auto& error : result.errors) errors += error.to_string() + "\n";
  INFO(errors);
  REQUIRE(result.ok());
  return std::make_shared<const ivr::Config>(std::move(*result.config));
}

CallRig::CallRig(std::string_view toml, std::chrono::local_seconds start,
                 ivr::ApplianceOptions options)
    : start_(start) {
  if (!options.local_time) {
    options.local_time = [start](uint64_t now_ms) {
      return start + std::chrono::seconds(now_ms / 1000);
    };
  }
  appliance_ = std::make_unique<ivr::Appliance>(load_test_config(toml), std::move(options));
}

driver::SimCaller& CallRig::caller(std::string_view port) {
  driver::SimPort* sim = appliance_->sim_port(port);
  REQUIRE(sim != nullptr);
  return sim->caller();
}

driver::SimPhone& CallRig::phone(std::string_view port) {
  driver::SimPort* sim = appliance_->sim_port(port);
  REQUIRE(sim != nullptr);
  return sim->phone();
}

driver::SimCaller& CallRig::ring_in(std::string_view number, std::string_view port,
                                    std::string_view name) {
  dsp::CallerIdMessage id;
  id.format = dsp::CallerIdFormat::bell202_mdmf;
  id.number = number;
  if (!name.empty()) id.name = name;
  id.datetime = "12071000";
  return caller(port).ring(driver::RingCadence::us(), id,
                           driver::CallerIdTiming::between_first_and_second_ring);
}

bool CallRig::run_until(const std::function<bool()>& done, uint64_t max_ms) {
  const uint64_t end = appliance_->now_ms() + max_ms;
  while (appliance_->now_ms() < end) {
    if (done()) return true;
    appliance_->tick();
  }
  return done();
}

uint64_t CallRig::run_until_answered(std::string_view port) {
  driver::SimCaller& far = caller(port);
  uint64_t connected = 0;
  const bool answered = run_until([&] {
    if (far.in_call()) return true;
    connected = appliance_->sim_card()->now_sample();
    return false;
  });
  REQUIRE(answered);
  return connected;
}

bool CallRig::run_until_idle(uint64_t max_ms) {
  const bool idle = run_until(
      [&] { return appliance_->calls().empty() && !appliance_->ended_calls().empty(); }, max_ms);
  // A few more ticks, so the far ends see what the appliance did last.
  run_ms(100);
  return idle;
}

const ivr::CallInfo& CallRig::last_call() const {
  REQUIRE_FALSE(appliance_->ended_calls().empty());
  return appliance_->ended_calls().back();
}

std::vector<std::string> CallRig::steps(const ivr::CallInfo& call, std::string_view what) {
  std::vector<std::string> out;
  for (const auto& note : call.history) {
    if (what.empty() || note.what == what) out.push_back(note.detail);
  }
  return out;
}

std::string CallRig::transcript(const ivr::CallInfo& call) {
  std::ostringstream out;
  out << call.id << " on " << call.line << ":\n";
  for (const auto& note : call.history) {
    out << "  " << note.ms << " ms  " << note.what << "  " << note.detail << "\n";
  }
  return out.str();
}

}  // namespace ivrd::test
