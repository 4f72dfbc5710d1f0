// The two example configurations shipped in config/ load clean and mean what
// their comments say.
#include <sstream>

#include <catch2/catch.hpp>

#include "ivrd/ivr/config_loader.hpp"
#include "ivrd/test_support/temp_dir.hpp"

#include "config_fixtures.hpp"

using namespace ivrd::ivr;
using namespace ivrd::ivr::config_test;

namespace {

// office-analog.toml with its recordings, written into a temporary folder.
void install_office(const std::filesystem::path& dir) {
  std::filesystem::copy_file(example_config("office-analog.toml"), dir / "office-analog.toml");
  for (const char* language : {"en", "fr"}) {
    for (const char* name : {"welcome", "welcome-short", "closed", "holiday", "goodbye"}) {
      write_silent_wav(dir / "prompts" / language / (std::string(name) + ".wav"));
    }
  }
}

}  // namespace

TEST_CASE("the demo configuration loads clean", "[config]") {
  const auto result = load_config(example_config("demo.toml"));
  INFO(Catch::Detail::stringify(error_lines(result)));
  REQUIRE(result.ok());
  const Config& config = *result.config;
  CHECK(config.appliance.name == "Demo office");
  REQUIRE(config.spans.size() == 1);
  CHECK(config.spans[0].backend == SpanBackend::sim);
  CHECK(config.spans[0].ports.size() == 5);
  const PortConfig* sales = config.find_port("sales");
  REQUIRE(sales != nullptr);
  CHECK(sales->role == PortRole::extension);
  CHECK(sales->number == "201");
  CHECK_FALSE(sales->channel.has_value());

  CHECK(config.incoming.menu == "main");
  CHECK(config.incoming.closed_menu == "closed");
  CHECK(config.incoming.holiday_menu == "closed");
  const CalendarConfig& office = config.calendars.at("office");
  // The demo office is open around the clock, every day.
  for (const auto& day : office.hours) {
    REQUIRE(day.size() == 1);
    CHECK(day[0].begin == std::chrono::minutes(0));
    CHECK(day[0].end == std::chrono::hours(24));
  }

  const MenuConfig& main = config.menus.at("main");
  CHECK(main.greeting == "welcome");
  CHECK(main.short_greeting == "welcome_short");
  CHECK(main.operator_key == '0');
  CHECK(main.keys.at('1').route == "sales_desk");
  CHECK(main.keys.at('2').route == "menu:support");
  CHECK(main.no_input.tries == 3);
  CHECK(main.timeout == std::chrono::seconds(5));
  CHECK(main.no_input.then == "operator_desk");
  CHECK(main.invalid.then == "extension:reception");
  CHECK(config.menus.at("support").keys.at('*').kind == ActionKind::back);

  const MenuConfig& dial = config.menus.at("dial_extension");
  REQUIRE(dial.entry.has_value());
  CHECK(dial.entry->min_digits == 3);
  CHECK(dial.entry->max_digits == 3);
  CHECK(dial.entry->terminator == '#');
  CHECK(dial.entry->inter_digit_timeout == std::chrono::seconds(3));
  const Route& by_number = config.routes.at(dial.entry->then);
  REQUIRE(by_number.kind() == RouteKind::extension);
  CHECK(std::get<ExtensionRoute>(by_number.target).number_variable == "extension_number");

  const Route& operator_desk = config.routes.at("operator_desk");
  REQUIRE(operator_desk.kind() == RouteKind::extension);
  CHECK(std::get<ExtensionRoute>(operator_desk.target).port == "reception");
  CHECK(std::get<ExtensionRoute>(operator_desk.target).ring_timeout == std::chrono::seconds(30));
  CHECK(config.routes.at("message:no_answer").kind() == RouteKind::message_then_hang_up);
  CHECK(config.routes.at(config.appliance.operator_route).kind() == RouteKind::extension);
  CHECK(config.loop_guard.max_greetings == 12);
  // Every prompt of the demo is spoken, so it needs no recordings.
  for (const auto& [name, prompt] : config.prompts) CHECK_FALSE(prompt.is_file());
}

TEST_CASE("the analog office configuration loads clean with its recordings", "[config]") {
  ivrd::test_support::TempDir dir("ivrd-config");
  install_office(dir.path());
  const auto result = load_config(dir.path() / "office-analog.toml");
  INFO(Catch::Detail::stringify(error_lines(result)));
  REQUIRE(result.ok());
  const Config& config = *result.config;
  REQUIRE(config.spans.size() == 1);
  CHECK(config.spans[0].backend == SpanBackend::dahdi);
  int trunks = 0, extensions = 0;
  for (const auto& port : config.spans[0].ports) {
    REQUIRE(port.channel.has_value());
    (port.role == PortRole::trunk ? trunks : extensions)++;
  }
  CHECK(trunks == 4);
  CHECK(extensions == 8);
  CHECK(config.find_port("manager")->channel == 11);
  CHECK(config.appliance.tone_zone == "fr");
  CHECK(config.appliance.prompts_dir == dir.path() / "prompts");
  CHECK(config.speech.default_language == "fr");
  CHECK(config.speech.voices.at("en") == "en-gb");
  const auto& thanks = std::get<PromptSpeech>(config.prompts.at("account_thanks").content);
  CHECK(thanks.text.at("fr").starts_with("Client {account:digits}."));
  CHECK(std::get<PromptFile>(config.prompts.at("welcome").content).file ==
        "{language}/welcome.wav");

  REQUIRE(config.callers.size() == 4);
  CHECK(config.callers[0].match == CallerMatch::exact);
  CHECK(config.callers[0].variables.at("vip_level") == "3");
  CHECK(config.callers[0].route == "extension:manager");
  CHECK(config.callers[1].match == CallerMatch::prefix);
  CHECK(config.callers[1].variables.at("language") == "en");
  CHECK(config.callers[2].match == CallerMatch::pattern);
  CHECK(config.callers[3].match == CallerMatch::lookup);

  const CalendarConfig& office = config.calendars.at("office");
  CHECK(office.hours[0].size() == 2);
  CHECK(office.hours[5].size() == 1);
  CHECK(office.holidays.size() == 12);
  CHECK(office.holidays.front() == CalendarDate{2026, 12, 25});
  CHECK(config.incoming.holiday_menu == "holiday");

  CHECK(config.menus.at("main").keys.at('9').kind == ActionKind::language);
  CHECK(config.menus.at("main").keys.at('9').language == "en");
  CHECK(config.menus.at("account").entry->variable == "account");
  const auto& mobile = std::get<OutsideNumberRoute>(config.routes.at("after_hours_mobile").target);
  CHECK(mobile.trunks == std::vector<std::string>{"line4", "line3"});
  CHECK(mobile.on_busy == "all_busy");
  const auto& reception = std::get<ExtensionRoute>(config.routes.at("reception").target);
  CHECK(reception.on_no_answer == "outside:0612345678");
  CHECK(reception.on_busy == "sales_desk");
  CHECK(config.routes.at("outside:0612345678").kind() == RouteKind::outside_number);
}

TEST_CASE("the analog office without its recordings lists every missing file", "[config]") {
  ivrd::test_support::TempDir dir("ivrd-config");
  install_office(dir.path());
  std::filesystem::remove(dir.path() / "prompts" / "fr" / "closed.wav");
  std::filesystem::remove(dir.path() / "prompts" / "en" / "goodbye.wav");
  const auto file = dir.path() / "office-analog.toml";
  const auto result = load_config(file);
  const std::string text = read_text(file);
  const auto prompts = dir.path() / "prompts";
  CHECK(error_lines(result) ==
        std::vector<std::string>{
            position(file, text, "\"{language}/closed.wav\"") + ": error: prompt file " +
                (prompts / "fr/closed.wav").string() + " not found (prompt 'closed')",
            position(file, text, "\"{language}/goodbye.wav\"") + ": error: prompt file " +
                (prompts / "en/goodbye.wav").string() + " not found (prompt 'goodbye')",
        });
}

TEST_CASE("check_config prints a summary, or every error and exits 78", "[config]") {
  std::ostringstream out, err;
  const auto demo = example_config("demo.toml");
  CHECK(check_config(demo, out, err) == 0);
  CHECK(out.str() ==
        demo.string() + ": configuration OK: 1 spans, 5 ports, 4 menus, 10 routes, 8 prompts\n");
  CHECK(err.str().empty());

  ivrd::test_support::TempDir dir("ivrd-config");
  const auto broken = dir.path() / "broken.toml";
  write_text(broken, read_text(demo) + "\n[menus.extra]\ngreting = \"welcome\"\n");
  std::ostringstream out2, err2;
  CHECK(check_config(broken, out2, err2) == kExitConfig);
  CHECK(kExitConfig == 78);
  CHECK(out2.str().empty());
  const std::string text = read_text(broken);
  CHECK(err2.str() ==
        position(broken, text, "[menus.extra]") +
            ": error: missing key 'greeting' in [menus.extra]\n" +
            position(broken, text, "greting") +
            ": error: unknown key 'greting' in [menus.extra] (did you mean 'greeting'?)\n" +
            broken.string() + ": 2 errors, configuration refused\n");
}
