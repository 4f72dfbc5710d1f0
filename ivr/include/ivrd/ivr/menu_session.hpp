#pragma once
// One caller's way through the menus of a Config: what to play, what a key
// does, when silence or a wrong key counts, and where the call leaves the
// menus. Pure logic on the call's clock (milliseconds); it never touches a
// line or audio. The call engine (call.hpp) feeds it keys, the end of each
// prompt sequence and the time, and carries out what it asks for.
//
//   MenuSession session(config, "main", variables);
//   session.start(now_ms);
//   ... session.key('1', now_ms);      // a DTMF digit recognised (its begin)
//   ... session.prompts_done(now_ms);  // the player played the sequence out
//   ... session.tick(now_ms);          // timers: no input, inter-digit pause
//   while (auto action = session.next_action()) carry_out(*action);
//
// Behaviour, as docs/configuration.md describes it to the people who write
// menus:
//   - Entering a menu plays its greeting the first time in this call and its
//     short greeting on every later visit (coming back, repeat, after a
//     silence or a wrong key).
//   - Keys: with barge_in (the default) a key stops the prompt at once and
//     counts; without it the key waits until the prompt has ended and counts
//     then (one key is kept; later ones during the same prompt are dropped).
//   - The operator key leads to [appliance] operator; a key of the menu does
//     what the key says; any other digit starts the digit entry when the menu
//     has one; anything else is a wrong key.
//   - Digit entry: digits are collected until the terminator, max_digits or
//     a pause of inter_digit_timeout; fewer than min_digits, or a number that
//     names no extension port when the entry leads to "extension:{var}", is a
//     wrong key. The digits are stored in the entry's variable, and in
//     "digits".
//   - No input: the menu waits `timeout` after its prompts end. Each silence
//     and each wrong key counts in its own counter; the counters restart in
//     every menu entered. After `tries` of one kind the call takes that
//     kind's `then`; before, it hears that kind's prompt (if any) and the
//     short greeting again.
//   - back: the menu the caller came from (at the first menu: repeat);
//     top: the menu that answered; repeat: the short greeting again;
//     language:CODE: the variable `language` changes and the menu's full
//     greeting is played again in the new language.
//   - Loop guard: a call that would hear its max_greetings + 1st greeting
//     takes loop_guard.then instead.
//   - A route of kind menu enters that menu; any other route (extension,
//     outside number, message, hang_up) is the end of the menus: the session
//     asks the engine to take it (MenuActionKind::leave) and waits. The
//     engine may later send the call back into the menus with take_route()
//     (e.g. an extension's on_no_answer that names a menu).
//
// History: every step is noted (menu entered, greeting, key, entry, silence,
// wrong key, route), for ivrctl's `show call`, transcripts and tests.
//
// The Config must outlive the session (the engine keeps the call's Config
// alive with a shared_ptr). Allocates; single-threaded; never throws after
// construction (the constructor throws std::invalid_argument for a menu the
// Config does not have).

#include <cstdint>
#include <deque>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "ivrd/ivr/config.hpp"
#include "ivrd/ivr/tts.hpp"

namespace ivrd::ivr {

enum class MenuActionKind : uint8_t {
  play,   // replace whatever plays with `prompts`, from the start
  stop,   // stop the prompt now (barge-in into a digit entry), play nothing
  leave,  // take `route` (a route out of the menus); the session waits
};

struct MenuAction {
  MenuActionKind kind = MenuActionKind::play;
  std::vector<std::string> prompts;  // play: prompt names, in order
  std::string route;                 // leave: a route name of Config::routes
};

struct MenuNote {
  uint64_t ms = 0;     // on the call's clock
  std::string what;    // "menu", "greeting", "key", "entry", "no_input", "invalid",
                       // "route", "language", "loop_guard"
  std::string detail;  // "main", "welcome_short", "1", "201", "2 of 3", ...
};

enum class MenuPhase : uint8_t {
  prompting,  // a prompt sequence is playing
  waiting,    // prompts done; waiting for a key until the no-input timeout
  entry,      // collecting digits of the entry
  left,       // the call has left the menus (a leave action was issued)
};
std::string_view menu_phase_name(MenuPhase phase) noexcept;

class MenuSession {
 public:
  // `variables` are the call's (caller rules' and built-in ones); the session
  // adds the entry's digits and `language`/`menu` as they change.
  MenuSession(const Config& config, std::string first_menu, PromptVariables variables);

  // Enters the first menu (the one that answered).
  void start(uint64_t now_ms);
  // Takes a route by name: a menu route enters that menu, anything else is
  // a leave action. For fallback routes decided outside the menus.
  void take_route(const std::string& route, uint64_t now_ms);

  void key(char digit, uint64_t now_ms);
  void prompts_done(uint64_t now_ms);
  void tick(uint64_t now_ms);

  std::optional<MenuAction> next_action();

  MenuPhase phase() const noexcept { return phase_; }
  const std::string& menu() const noexcept { return menu_; }
  const std::string& entered_digits() const noexcept { return entry_digits_; }
  const PromptVariables& variables() const noexcept { return variables_; }
  const std::vector<MenuNote>& history() const noexcept { return history_; }
  int greetings_played() const noexcept { return greetings_; }
  int no_input_count() const noexcept { return no_input_; }
  int invalid_count() const noexcept { return invalid_; }
  // When the running timer (no input, inter-digit) runs out, if one runs.
  std::optional<uint64_t> deadline_ms() const noexcept { return deadline_; }

 private:
  const MenuConfig& current() const;
  void enter(const std::string& menu, uint64_t now_ms, bool push);
  void play_greeting(bool full, std::optional<std::string> before, uint64_t now_ms);
  void act(char digit, uint64_t now_ms);
  void do_action(const Action& action, uint64_t now_ms);
  void start_entry(char digit, uint64_t now_ms);
  void finish_entry(uint64_t now_ms);
  bool entry_names_no_port(const std::string& route) const;
  void wrong_key(std::string detail, uint64_t now_ms);
  void silence(uint64_t now_ms);
  void leave(const std::string& route, uint64_t now_ms);
  void leave_or_enter_guard(uint64_t now_ms);
  void note(uint64_t now_ms, std::string what, std::string detail);

  const Config& config_;
  std::string first_menu_;
  PromptVariables variables_;

  std::string menu_;
  std::vector<std::string> came_from_;  // for back
  std::set<std::string> visited_;       // greeting once, short_greeting after
  MenuPhase phase_ = MenuPhase::prompting;
  int no_input_ = 0;
  int invalid_ = 0;
  int greetings_ = 0;
  std::optional<char> held_key_;  // a key during a prompt without barge-in
  std::string entry_digits_;
  std::optional<uint64_t> deadline_;

  std::deque<MenuAction> actions_;
  std::vector<MenuNote> history_;
};

}  // namespace ivrd::ivr
