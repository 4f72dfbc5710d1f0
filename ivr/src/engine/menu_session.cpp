#include "ivrd/ivr/menu_session.hpp"

#include <stdexcept>
#include <utility>

namespace ivrd::ivr {

std::string_view menu_phase_name(MenuPhase phase) noexcept {
  switch (phase) {
    case MenuPhase::prompting: return "prompting";
    case MenuPhase::waiting: return "waiting";
    case MenuPhase::entry: return "entry";
    case MenuPhase::left: return "left";
  }
  return "?";
}

MenuSession::MenuSession(const Config& config, std::string first_menu, PromptVariables variables)
    : config_(config), first_menu_(std::move(first_menu)), variables_(std::move(variables)) {
  if (!config_.menus.contains(first_menu_)) {
    throw std::invalid_argument("no menu '" + first_menu_ + "' in " + config_.file.string());
  }
}

const MenuConfig& MenuSession::current() const { return config_.menus.at(menu_); }

void MenuSession::start(uint64_t now_ms) { enter(first_menu_, now_ms, false); }

void MenuSession::take_route(const std::string& route, uint64_t now_ms) {
  const auto found = config_.routes.find(route);
  if (found != config_.routes.end()) {
    if (const auto* menu = std::get_if<MenuRoute>(&found->second.target)) {
      note(now_ms, "route", route);
      enter(menu->menu, now_ms, !menu_.empty());
      return;
    }
  }
  leave(route, now_ms);
}

void MenuSession::enter(const std::string& menu, uint64_t now_ms, bool push) {
  if (push && menu != menu_) came_from_.push_back(menu_);
  menu_ = menu;
  variables_["menu"] = menu;
  no_input_ = 0;
  invalid_ = 0;
  entry_digits_.clear();
  held_key_.reset();
  note(now_ms, "menu", menu);
  const bool first_visit = visited_.insert(menu).second;
  play_greeting(first_visit, std::nullopt, now_ms);
}

void MenuSession::play_greeting(bool full, std::optional<std::string> before, uint64_t now_ms) {
  if (greetings_ >= config_.loop_guard.max_greetings) {
    note(now_ms, "loop_guard", std::to_string(greetings_) + " greetings");
    leave_or_enter_guard(now_ms);
    return;
  }
  const MenuConfig& menu = current();
  const std::string& greeting =
      full || menu.short_greeting.empty() ? menu.greeting : menu.short_greeting;
  ++greetings_;
  MenuAction play;
  play.kind = MenuActionKind::play;
  if (before && !before->empty()) play.prompts.push_back(*before);
  play.prompts.push_back(greeting);
  note(now_ms, "greeting", greeting);
  actions_.push_back(std::move(play));
  phase_ = MenuPhase::prompting;
  deadline_.reset();
}

void MenuSession::leave_or_enter_guard(uint64_t now_ms) {
  const std::string& then = config_.loop_guard.then;
  const auto found = config_.routes.find(then);
  // The guard's route may name a menu; entering it would play yet another
  // greeting, so a guard that fired ends the menus whatever it names.
  if (found != config_.routes.end() && std::holds_alternative<MenuRoute>(found->second.target)) {
    leave("hang_up", now_ms);
    return;
  }
  leave(then, now_ms);
}

void MenuSession::key(char digit, uint64_t now_ms) {
  switch (phase_) {
    case MenuPhase::left: return;
    case MenuPhase::prompting:
      if (!current().barge_in) {
        if (!held_key_) held_key_ = digit;
        note(now_ms, "key", std::string(1, digit) + " (held until the prompt ends)");
        return;
      }
      note(now_ms, "key", std::string(1, digit));
      act(digit, now_ms);
      return;
    case MenuPhase::waiting:
      note(now_ms, "key", std::string(1, digit));
      act(digit, now_ms);
      return;
    case MenuPhase::entry: {
      note(now_ms, "key", std::string(1, digit));
      const DigitEntry& entry = *current().entry;
      if (entry.terminator != '\0' && digit == entry.terminator) {
        finish_entry(now_ms);
        return;
      }
      if (digit < '0' || digit > '9') {
        wrong_key(std::string(1, digit) + " in the entry", now_ms);
        return;
      }
      entry_digits_.push_back(digit);
      if (static_cast<int>(entry_digits_.size()) >= entry.max_digits) {
        finish_entry(now_ms);
        return;
      }
      deadline_ = now_ms + static_cast<uint64_t>(entry.inter_digit_timeout.count());
      return;
    }
  }
}

void MenuSession::prompts_done(uint64_t now_ms) {
  if (phase_ != MenuPhase::prompting) return;
  phase_ = MenuPhase::waiting;
  deadline_ = now_ms + static_cast<uint64_t>(current().timeout.count());
  if (held_key_) {
    const char digit = *held_key_;
    held_key_.reset();
    act(digit, now_ms);
  }
}

void MenuSession::tick(uint64_t now_ms) {
  if (!deadline_ || now_ms < *deadline_) return;
  deadline_.reset();
  if (phase_ == MenuPhase::waiting) {
    silence(now_ms);
  } else if (phase_ == MenuPhase::entry) {
    finish_entry(now_ms);
  }
}

std::optional<MenuAction> MenuSession::next_action() {
  if (actions_.empty()) return std::nullopt;
  MenuAction action = std::move(actions_.front());
  actions_.pop_front();
  return action;
}

void MenuSession::act(char digit, uint64_t now_ms) {
  const MenuConfig& menu = current();
  if (menu.operator_key != '\0' && digit == menu.operator_key) {
    do_action(Action{ActionKind::operator_, {}, {}, menu.where}, now_ms);
    return;
  }
  if (const auto found = menu.keys.find(digit); found != menu.keys.end()) {
    do_action(found->second, now_ms);
    return;
  }
  if (menu.entry && digit >= '0' && digit <= '9') {
    start_entry(digit, now_ms);
    return;
  }
  wrong_key(std::string(1, digit), now_ms);
}

void MenuSession::do_action(const Action& action, uint64_t now_ms) {
  switch (action.kind) {
    case ActionKind::route: take_route(action.route, now_ms); return;
    case ActionKind::operator_:
      note(now_ms, "operator", config_.appliance.operator_route);
      take_route(config_.appliance.operator_route, now_ms);
      return;
    case ActionKind::back:
      if (came_from_.empty()) {
        play_greeting(false, std::nullopt, now_ms);
        return;
      } else {
        std::string previous = std::move(came_from_.back());
        came_from_.pop_back();
        enter(previous, now_ms, false);
      }
      return;
    case ActionKind::top:
      came_from_.clear();
      enter(first_menu_, now_ms, false);
      return;
    case ActionKind::repeat: play_greeting(false, std::nullopt, now_ms); return;
    case ActionKind::language:
      variables_["language"] = action.language;
      note(now_ms, "language", action.language);
      play_greeting(true, std::nullopt, now_ms);
      return;
  }
}

void MenuSession::start_entry(char digit, uint64_t now_ms) {
  const DigitEntry& entry = *current().entry;
  if (phase_ == MenuPhase::prompting) actions_.push_back(MenuAction{MenuActionKind::stop, {}, {}});
  phase_ = MenuPhase::entry;
  entry_digits_.assign(1, digit);
  if (static_cast<int>(entry_digits_.size()) >= entry.max_digits) {
    finish_entry(now_ms);
    return;
  }
  deadline_ = now_ms + static_cast<uint64_t>(entry.inter_digit_timeout.count());
}

void MenuSession::finish_entry(uint64_t now_ms) {
  const DigitEntry& entry = *current().entry;
  deadline_.reset();
  std::string digits = std::move(entry_digits_);
  entry_digits_.clear();
  if (static_cast<int>(digits.size()) < entry.min_digits) {
    wrong_key("entry '" + digits + "' (fewer than " + std::to_string(entry.min_digits) + " digits)",
              now_ms);
    return;
  }
  variables_[entry.variable] = digits;
  variables_["digits"] = digits;
  if (entry_names_no_port(entry.then)) {
    wrong_key("entry '" + digits + "' (no such extension)", now_ms);
    return;
  }
  note(now_ms, "entry", digits);
  take_route(entry.then, now_ms);
}

bool MenuSession::entry_names_no_port(const std::string& route) const {
  const auto found = config_.routes.find(route);
  if (found == config_.routes.end()) return false;
  const auto* extension = std::get_if<ExtensionRoute>(&found->second.target);
  if (!extension || extension->number_variable.empty()) return false;
  const auto value = variables_.find(extension->number_variable);
  if (value == variables_.end()) return true;
  for (const SpanConfig& span : config_.spans) {
    for (const PortConfig& port : span.ports) {
      if (port.role == PortRole::extension && !port.number.empty() &&
          port.number == value->second) {
        return false;
      }
    }
  }
  return true;
}

void MenuSession::wrong_key(std::string detail, uint64_t now_ms) {
  const RetryPolicy& policy = current().invalid;
  ++invalid_;
  note(now_ms, "invalid",
       detail + ", " + std::to_string(invalid_) + " of " + std::to_string(policy.tries));
  if (invalid_ >= policy.tries) {
    take_route(policy.then, now_ms);
    return;
  }
  play_greeting(false, policy.prompt, now_ms);
}

void MenuSession::silence(uint64_t now_ms) {
  const RetryPolicy& policy = current().no_input;
  ++no_input_;
  note(now_ms, "no_input", std::to_string(no_input_) + " of " + std::to_string(policy.tries));
  if (no_input_ >= policy.tries) {
    take_route(policy.then, now_ms);
    return;
  }
  play_greeting(false, policy.prompt, now_ms);
}

void MenuSession::leave(const std::string& route, uint64_t now_ms) {
  note(now_ms, "route", route);
  phase_ = MenuPhase::left;
  deadline_.reset();
  held_key_.reset();
  actions_.push_back(MenuAction{MenuActionKind::leave, {}, route});
}

void MenuSession::note(uint64_t now_ms, std::string what, std::string detail) {
  history_.push_back(MenuNote{now_ms, std::move(what), std::move(detail)});
}

}  // namespace ivrd::ivr
