#pragma once
// How a call begins: which caller rule applies, which menu answers at this
// time, and the variables every call has. Pure functions over the Config.

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "ivrd/ivr/config.hpp"
#include "ivrd/ivr/tts.hpp"

namespace ivrd::ivr::engine {

// Looks a number up in a directory of the store: the entry's fields, or
// nothing (no entry, or no store).
using DirectoryLookup = std::function<std::optional<PromptVariables>(std::string_view directory,
                                                                     std::string_view number)>;

struct RuleMatch {
  const CallerRule* rule = nullptr;
  PromptVariables variables;  // the rule's `set`, and a lookup's fields
};

// The first rule that matches `caller_id` (an empty caller ID matches only
// a pattern that accepts it), or nothing.
std::optional<RuleMatch> match_caller_rule(const Config& config, std::string_view caller_id,
                                           const DirectoryLookup& lookup);

// The menu that answers at local time `when`: incoming.menu, or with a
// calendar its closed_menu outside the opening hours and holiday_menu on a
// holiday.
const std::string& answering_menu(const Config& config, std::chrono::local_seconds when);

// Whether the calendar says open at `when`.
bool calendar_open(const CalendarConfig& calendar, std::chrono::local_seconds when);

// caller_id, caller_name, language (the default), vip_level "0", digits "",
// queue_position "0", now "HH:MM", today "YYYY-MM-DD", menu "".
PromptVariables builtin_variables(const Config& config, std::string_view caller_id,
                                  std::string_view caller_name, std::chrono::local_seconds when);

// The system clock in the process's time zone.
std::chrono::local_seconds system_local_time();

}  // namespace ivrd::ivr::engine
