// Calls shaped by who calls and when: caller rules (exact, prefix, pattern,
// a directory lookup), languages, business hours and holidays, and a
// configuration reloaded while a call is in progress.

#include <catch2/catch.hpp>

#include "call_rig.hpp"

namespace ivrd::test {
namespace {

using driver::Supervision;
using Steps = std::vector<std::string>;
using namespace std::chrono;

TEST_CASE("caller rules: an exact number sets the caller's name and language", "[calls][callers]") {
  CallRig rig;
  rig.ring_in("5550001").wait_ms(3000).hang_up(Supervision::loop_current_drop);
  REQUIRE(rig.run_until_idle());
  const ivr::CallInfo& call = rig.last_call();
  INFO(CallRig::transcript(call));
  CHECK(call.caller_name == "Alice");
  CHECK(call.language == "fr");
  CHECK(CallRig::steps(call, "prompt").front() == "Bienvenue au bureau.");
  CHECK(CallRig::steps(call, "caller_rule").size() == 1);
}

TEST_CASE("caller rules: a prefix rule sends the caller straight to a route", "[calls][callers]") {
  CallRig rig;
  rig.ring_in("5559991234");
  rig.phone("reception").wait_for_ring().off_hook().wait_ms(1000).hang_up();
  REQUIRE(rig.run_until_idle());
  const ivr::CallInfo& call = rig.last_call();
  INFO(CallRig::transcript(call));
  CHECK(CallRig::steps(call, "greeting").empty());
  CHECK(CallRig::steps(call, "ring") == Steps{"reception (200)"});
  CHECK(CallRig::steps(call, "bridged") == Steps{"reception"});
}

TEST_CASE("caller rules: a pattern sets a variable; no rule leaves the built-in ones",
          "[calls][callers]") {
  CallRig rig;
  rig.ring_in("0612345678", "line1").wait_ms(1000).hang_up(Supervision::loop_current_drop);
  rig.ring_in("0512345678", "line2").wait_ms(1000).hang_up(Supervision::loop_current_drop);
  REQUIRE(rig.run_until([&] { return rig.appliance().ended_calls().size() == 2; }));
  for (const auto& call : rig.appliance().ended_calls()) {
    INFO(CallRig::transcript(call));
    CHECK(call.variables.at("vip_level") == (call.caller_id == "0612345678" ? "2" : "0"));
    CHECK(call.variables.at("today") == "2026-12-07");
    CHECK(call.variables.at("language") == "en");
  }
}

TEST_CASE("caller rules: a directory lookup gives the caller's fields to the prompts",
          "[calls][callers]") {
  const std::string config = std::string(kOfficeConfig) + R"toml(
[prompts.account_greeting]
say = "Hello {caller_name}, your account is {account:digits}."

[menus.customer]
greeting = "account_greeting"
keys = { 1 = "menu:main" }
)toml";
  // Rules come first in file order; this one is placed before the others.
  std::string with_rule = config;
  with_rule.insert(with_rule.find("[[callers]]"),
                   "[[callers]]\nlookup = \"customers\"\nprovides = [\"account\"]\n"
                   "route = \"menu:customer\"\n\n");
  ivr::ApplianceOptions options;
  options.directory_lookup = [](std::string_view directory,
                                std::string_view number) -> std::optional<ivr::PromptVariables> {
    if (directory == "customers" && number == "5557777") {
      return ivr::PromptVariables{{"caller_name", "Carol"}, {"account", "4711"}};
    }
    return std::nullopt;
  };
  CallRig rig(with_rule, monday_10am(), options);
  rig.ring_in("5557777").wait_ms(6000).hang_up(Supervision::loop_current_drop);
  REQUIRE(rig.run_until_idle());
  const ivr::CallInfo& call = rig.last_call();
  INFO(CallRig::transcript(call));
  CHECK(CallRig::steps(call, "menu") == Steps{"customer"});
  CHECK(CallRig::steps(call, "prompt").front() == "Hello Carol, your account is 4711.");
  CHECK(call.caller_name == "Carol");
}

TEST_CASE("languages: a key switches the caller's language and replays the greeting",
          "[calls][languages]") {
  CallRig rig;
  rig.ring_in("5551111").wait_ms(800).press("9").wait_ms(3000).hang_up(
      Supervision::loop_current_drop);
  REQUIRE(rig.run_until_idle());
  const ivr::CallInfo& call = rig.last_call();
  INFO(CallRig::transcript(call));
  CHECK(CallRig::steps(call, "language") == Steps{"fr"});
  CHECK(CallRig::steps(call, "prompt") ==
        Steps{"Welcome to the office. For sales press one.", "Bienvenue au bureau."});
  CHECK(call.language == "fr");
}

TEST_CASE("business hours: open, closed, and a holiday pick the answering menu",
          "[calls][calendar]") {
  struct Case {
    local_seconds when;
    const char* menu;
  };
  const Case cases[] = {
      {local_days{year{2026} / December / 7} + hours{9}, "main"},                 // Monday 09:00
      {local_days{year{2026} / December / 7} + hours{16} + minutes{59}, "main"},  // 16:59
      {local_days{year{2026} / December / 7} + hours{17}, "closed"},              // 17:00
      {local_days{year{2026} / December / 7} + hours{8} + minutes{59}, "closed"},
      {local_days{year{2026} / December / 12} + hours{11}, "closed"},   // Saturday
      {local_days{year{2026} / December / 25} + hours{11}, "holiday"},  // Friday, Christmas
  };
  for (const Case& c : cases) {
    CAPTURE(c.menu);
    CallRig rig(kOfficeConfig, c.when);
    rig.ring_in("5551111");
    REQUIRE(rig.run_until_idle());
    const ivr::CallInfo& call = rig.last_call();
    INFO(CallRig::transcript(call));
    // The rig's clock starts at c.when; the call is answered ~7 s later.
    CHECK(CallRig::steps(call, "menu").front() == c.menu);
  }
}

TEST_CASE("reload: a call in progress keeps its configuration, the next call gets the new one",
          "[calls][reload]") {
  CallRig rig;
  rig.ring_in("5551111", "line1")
      .wait_ms(800)
      .press("2")
      .wait_ms(12000)
      .press("*")
      .wait_ms(2000)
      .hang_up(Supervision::loop_current_drop);
  REQUIRE(rig.run_until([&] { return !rig.appliance().calls().empty(); }));
  rig.run_ms(2000);

  std::string changed = kOfficeConfig;
  const std::string old_text = "Main menu.";
  changed.replace(changed.find(old_text), old_text.size(), "This is the new main menu.");
  CHECK(rig.appliance().reload(load_test_config(changed)).empty());
  CHECK(rig.appliance().generation() == 2);

  rig.ring_in("5552222", "line2")
      .wait_ms(800)
      .press("2")
      .wait_ms(1000)
      .press("*")
      .wait_ms(2500)
      .hang_up(Supervision::loop_current_drop);
  REQUIRE(rig.run_until([&] { return rig.appliance().ended_calls().size() == 2; }));
  for (const auto& call : rig.appliance().ended_calls()) {
    INFO(CallRig::transcript(call));
    const Steps prompts = CallRig::steps(call, "prompt");
    if (call.caller_id == "5551111") {
      CHECK(call.generation == 1);
      CHECK(prompts.back() == "Main menu.");
    } else {
      CHECK(call.generation == 2);
      CHECK(prompts.back() == "This is the new main menu.");
    }
  }
}

TEST_CASE("reload: a configuration with other ports is refused and the old one keeps running",
          "[calls][reload]") {
  CallRig rig;
  std::string changed = kOfficeConfig;
  const std::string port = "line3 = { role = \"trunk\" }\n";
  changed.erase(changed.find(port), port.size());
  changed.replace(changed.find("trunks = [\"line3\"]"), 18, "trunks = [\"line2\"]");
  const auto problems = rig.appliance().reload(load_test_config(changed));
  REQUIRE(problems.size() == 1);
  CHECK_THAT(problems[0], Catch::Contains("spans, ports or the tone zone differ"));
  CHECK(rig.appliance().generation() == 1);
  rig.ring_in("5551111").wait_ms(800).press("2").wait_ms(1500).hang_up(
      Supervision::loop_current_drop);
  REQUIRE(rig.run_until_idle());
  CHECK(rig.last_call().generation == 1);
}

}  // namespace
}  // namespace ivrd::test
