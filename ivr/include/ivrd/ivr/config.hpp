#pragma once
// ivrd's configuration model: what one TOML file describes (the appliance,
// its spans and ports, speech, prompts, calendars, caller rules, menus and
// routes), as plain structs the call engine reads.
//
// A Config comes from load_config() (config_loader.hpp), which has checked
// every cross-reference: every menu, route, port, calendar, prompt, language
// and variable a value names exists, every prompt file is on disk, and every
// menu has a way out (a route that leaves the menus, or a hang-up). Code that
// receives a Config may therefore look names up without checking again.
// docs/configuration.md is the schema, key by key.
//
// Every item remembers where it was written (SourcePosition), so the engine
// can name the line of the configuration in its own run-time messages.
//
// Plain values: copyable, no hidden state, safe to read from any number of
// threads once built.

#include <array>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace ivrd::ivr {

// Where an item stands in its file: 1-based line and column, as a text
// editor counts them (column in characters).
struct SourcePosition {
  uint32_t line = 0;
  uint32_t column = 0;
};

// ---- Appliance ----------------------------------------------------------

struct ApplianceSettings {
  std::string name = "ivrd";          // shown by ivrctl and in logs
  std::string tone_zone = "us";       // libtonezone code (dsp/tone_zone.hpp)
  std::filesystem::path prompts_dir;  // absolute; relative ones are resolved
                                      // against the configuration file's folder
  std::string admin_group = "ivrd";   // may use the control socket (besides root)
  std::string operator_route;         // route name the operator key leads to; empty: none
  SourcePosition where;
  SourcePosition prompts_dir_where;  // of the prompts_dir value (else of [appliance])
};

// ---- Spans and ports ----------------------------------------------------

enum class SpanBackend { sim, dahdi };

// Named after what the port connects to (see docs/lines.md): a trunk port is
// the phone company's line (FXO hardware), an extension port a phone (FXS).
enum class PortRole { trunk, extension };

struct PortConfig {
  std::string name;  // unique over all spans; routes name ports by it
  PortRole role = PortRole::trunk;
  std::optional<int> channel;  // DAHDI channel number; set exactly for dahdi spans
  std::string number;          // extension ports: the extension number callers dial
                               // (digits only); empty: not reachable by number
  std::string label;           // for people: "Reception", "Line 2"
  SourcePosition where;
};

struct SpanConfig {
  std::string name;
  SpanBackend backend = SpanBackend::sim;
  std::vector<PortConfig> ports;  // in file order
  SourcePosition where;
};

// ---- Speech and prompts -------------------------------------------------

struct SpeechSettings {
  // language code -> espeak-ng voice, e.g. "en" -> "en-us". At least one.
  std::map<std::string, std::string> voices;
  std::string default_language;  // a key of voices
  int rate_wpm = 160;            // espeak-ng speaking rate, words per minute
  SourcePosition where;
};

// A recorded prompt: a WAV file below the prompts directory. When file names
// the placeholder "{language}", there is one file per configured language.
struct PromptFile {
  std::string file;  // as written, relative to the prompts directory
};

// A spoken prompt: text for espeak-ng, per language (a text given for every
// language is stored under each). Text may hold variables, "{caller_name}",
// with an optional way to say them: "{queue_position:number}",
// "{account:digits}", "{now:time}", "{today:date}".
struct PromptSpeech {
  std::map<std::string, std::string> text;  // language -> text; has the default language
};

struct Prompt {
  std::string name;
  std::variant<PromptFile, PromptSpeech> content;
  SourcePosition where;

  bool is_file() const noexcept { return std::holds_alternative<PromptFile>(content); }
};

// ---- Calendars ----------------------------------------------------------

struct TimeRange {
  std::chrono::minutes begin{0};  // since midnight
  std::chrono::minutes end{0};    // exclusive; > begin
};

struct CalendarDate {
  int year = 0;
  unsigned month = 0;
  unsigned day = 0;
  auto operator<=>(const CalendarDate&) const = default;
};

struct CalendarConfig {
  std::string name;
  // Opening hours per weekday, index 0 = Monday ... 6 = Sunday; an empty day
  // is closed all day.
  std::array<std::vector<TimeRange>, 7> hours;
  std::vector<CalendarDate> holidays;  // closed all day, sorted
  SourcePosition where;
};

// Which menu answers a call: `menu` while the calendar says open,
// `closed_menu` outside the opening hours, `holiday_menu` on holidays.
// Without a calendar, `menu` always.
struct IncomingSettings {
  std::string menu;
  std::string calendar;      // empty: always open
  std::string closed_menu;   // required with a calendar
  std::string holiday_menu;  // defaults to closed_menu
  SourcePosition where;
};

// ---- Caller rules -------------------------------------------------------

enum class CallerMatch {
  exact,    // the caller ID equals `value`
  prefix,   // the caller ID starts with `value`
  pattern,  // the whole caller ID matches the regular expression `value` (ECMAScript)
  lookup,   // the caller ID is found in the store's directory named `value`;
            // the directory entry's fields become variables
};

// Rules are tried in file order; the first that matches applies.
struct CallerRule {
  CallerMatch match = CallerMatch::exact;
  std::string value;
  std::map<std::string, std::string>
      variables;      // set on the call: caller_name, language, vip_level, ...
  std::string route;  // route name: straight past the menu; empty: the usual menu
  SourcePosition where;
};

// ---- Routes -------------------------------------------------------------

// Where a call ends up. Every route string in the file ("menu:sales",
// "extension:reception", "outside:5551234", "message:closed", "hang_up") and
// every [routes.NAME] table becomes one Route in Config::routes, named by its
// canonical spelling or by NAME; everything else refers to routes by name.
enum class RouteKind { extension, outside_number, message_then_hang_up, menu };

// Ring one extension port with the caller's ID, bridge when answered.
struct ExtensionRoute {
  std::string port;             // an extension port's name; empty when by number
  std::string number_variable;  // set instead of port: the port whose extension
                                // number is this variable's value at call time
  std::chrono::seconds ring_timeout{20};
  std::string on_no_answer;  // route name; "hang_up" by default
  std::string on_busy;       // route name; on_no_answer by default
};

// Dial out on a free trunk port, follow the call progress, bridge on answer.
struct OutsideNumberRoute {
  std::string number;               // digits, '*', '#', ',' (a 2 s pause)
  std::vector<std::string> trunks;  // trunk port names to try in order; empty: every trunk
  std::chrono::seconds ring_timeout{30};
  std::string on_no_answer;  // also: no free trunk, failed call; "hang_up" by default
  std::string on_busy;       // on_no_answer by default
};

struct MessageThenHangUpRoute {
  std::string message;  // prompt name; empty: hang up at once
};

struct MenuRoute {
  std::string menu;
};

struct Route {
  std::string name;
  std::variant<ExtensionRoute, OutsideNumberRoute, MessageThenHangUpRoute, MenuRoute> target;
  SourcePosition where;

  RouteKind kind() const noexcept { return static_cast<RouteKind>(target.index()); }
};

// ---- Menus --------------------------------------------------------------

// What a key (or a fallback) does inside the menus.
enum class ActionKind {
  route,      // go to Action::route
  back,       // the menu the caller came from (at the top menu: repeat)
  top,        // the menu that answered the call
  repeat,     // play the greeting again
  operator_,  // the appliance's operator route
  language,   // switch the call to Action::language, then repeat
};

struct Action {
  ActionKind kind = ActionKind::route;
  std::string route;     // for ActionKind::route
  std::string language;  // for ActionKind::language
  SourcePosition where;
};

// Several digits collected in one go: an account or extension number.
struct DigitEntry {
  int min_digits = 1;
  int max_digits = 1;
  char terminator = '#';  // ends the entry early; '\0': none
  std::chrono::milliseconds inter_digit_timeout{3000};
  std::string variable = "digits";  // the digits are stored in this variable
  std::string then;                 // route name, taken with the digits stored
  SourcePosition where;
};

// When the caller does nothing (no_input) or presses something that leads
// nowhere (invalid). Each has its own counter, reset when the menu is left:
// after `tries` such turns in a row the call takes `then`; before that the
// menu plays `prompt` (if any) and its short greeting again.
struct RetryPolicy {
  int tries = 3;
  std::string prompt;  // prompt name; empty: none
  std::string then;    // route name
  SourcePosition where;
};

struct MenuConfig {
  std::string name;
  std::string greeting;                     // prompt name, played on the first visit
  std::string short_greeting;               // prompt name, on repeats; greeting by default
  bool barge_in = true;                     // a key press stops the prompt
  std::chrono::milliseconds timeout{5000};  // waited for a key after the greeting
                                            // (written as no_input.timeout)
  std::map<char, Action> keys;              // '0'-'9', '*', '#'
  std::optional<DigitEntry> entry;          // digits that are no key start it
  char operator_key = '\0';                 // '\0': none
  RetryPolicy no_input;
  RetryPolicy invalid;
  SourcePosition where;
};

// Ends a call that has heard `max_greetings` menu greetings without reaching
// a route (a caller who has gone, or lost): it takes route `then`.
struct LoopGuard {
  int max_greetings = 20;
  std::string then = "hang_up";
  SourcePosition where;
};

// ---- The whole file -----------------------------------------------------

struct Config {
  std::filesystem::path file;  // where it was loaded from
  ApplianceSettings appliance;
  std::vector<SpanConfig> spans;
  SpeechSettings speech;
  std::map<std::string, Prompt> prompts;
  std::map<std::string, CalendarConfig> calendars;
  IncomingSettings incoming;
  std::vector<CallerRule> callers;
  std::map<std::string, MenuConfig> menus;
  std::map<std::string, Route> routes;
  LoopGuard loop_guard;

  // The port with this name in any span, or nullptr.
  const PortConfig* find_port(std::string_view name) const;
};

}  // namespace ivrd::ivr
