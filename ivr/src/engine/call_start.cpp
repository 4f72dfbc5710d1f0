#include "engine/call_start.hpp"

#include <cstdio>
#include <ctime>
#include <regex>

namespace ivrd::ivr::engine {
namespace {

using namespace std::chrono;

struct LocalParts {
  CalendarDate date;
  int weekday = 0;  // 0 = Monday
  minutes since_midnight{0};
};

LocalParts parts_of(local_seconds when) {
  const local_days day = floor<days>(when);
  const year_month_day ymd{day};
  LocalParts parts;
  parts.date = CalendarDate{static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                            static_cast<unsigned>(ymd.day())};
  parts.weekday = static_cast<int>(weekday{day}.iso_encoding()) - 1;
  parts.since_midnight = duration_cast<minutes>(when - day);
  return parts;
}

}  // namespace

std::optional<RuleMatch> match_caller_rule(const Config& config, std::string_view caller_id,
                                           const DirectoryLookup& lookup) {
  for (const CallerRule& rule : config.callers) {
    RuleMatch match;
    match.rule = &rule;
    bool matched = false;
    switch (rule.match) {
      case CallerMatch::exact: matched = !caller_id.empty() && caller_id == rule.value; break;
      case CallerMatch::prefix:
        matched = !caller_id.empty() && caller_id.starts_with(rule.value);
        break;
      case CallerMatch::pattern: {
        // The loader compiled the same expression already, so this cannot throw
        // for a Config that loaded.
        const std::regex expression(rule.value, std::regex::ECMAScript);
        matched = std::regex_match(caller_id.begin(), caller_id.end(), expression);
        break;
      }
      case CallerMatch::lookup:
        if (!caller_id.empty() && lookup) {
          if (auto fields = lookup(rule.value, caller_id)) {
            match.variables = std::move(*fields);
            matched = true;
          }
        }
        break;
    }
    if (!matched) continue;
    for (const auto& [name, value] : rule.variables) match.variables[name] = value;
    return match;
  }
  return std::nullopt;
}

bool calendar_open(const CalendarConfig& calendar, local_seconds when) {
  const LocalParts parts = parts_of(when);
  for (const CalendarDate& holiday : calendar.holidays) {
    if (holiday == parts.date) return false;
  }
  for (const TimeRange& range : calendar.hours[static_cast<size_t>(parts.weekday)]) {
    if (parts.since_midnight >= range.begin && parts.since_midnight < range.end) return true;
  }
  return false;
}

const std::string& answering_menu(const Config& config, local_seconds when) {
  const IncomingSettings& incoming = config.incoming;
  if (incoming.calendar.empty()) return incoming.menu;
  const CalendarConfig& calendar = config.calendars.at(incoming.calendar);
  const LocalParts parts = parts_of(when);
  for (const CalendarDate& holiday : calendar.holidays) {
    if (holiday == parts.date) {
      return incoming.holiday_menu.empty() ? incoming.closed_menu : incoming.holiday_menu;
    }
  }
  return calendar_open(calendar, when) ? incoming.menu : incoming.closed_menu;
}

PromptVariables builtin_variables(const Config& config, std::string_view caller_id,
                                  std::string_view caller_name, local_seconds when) {
  const LocalParts parts = parts_of(when);
  char now[8];
  char today[16];
  const auto minutes_of_day = parts.since_midnight.count();
  std::snprintf(now, sizeof now, "%02d:%02d", static_cast<int>(minutes_of_day / 60 % 24),
                static_cast<int>(minutes_of_day % 60));
  std::snprintf(today, sizeof today, "%04d-%02u-%02u", parts.date.year % 10000,
                parts.date.month % 100, parts.date.day % 100);
  PromptVariables variables;
  variables["caller_id"] = std::string(caller_id);
  variables["caller_name"] = std::string(caller_name);
  variables["language"] = config.speech.default_language;
  variables["vip_level"] = "0";
  variables["digits"] = "";
  variables["queue_position"] = "0";
  variables["now"] = now;
  variables["today"] = today;
  variables["menu"] = "";
  return variables;
}

local_seconds system_local_time() {
  const std::time_t now = system_clock::to_time_t(system_clock::now());
  std::tm local{};
  localtime_r(&now, &local);
  const local_days date{year{local.tm_year + 1900} /
                        month{static_cast<unsigned>(local.tm_mon + 1)} /
                        day{static_cast<unsigned>(local.tm_mday)}};
  return local_seconds{date} + hours{local.tm_hour} + minutes{local.tm_min} + seconds{local.tm_sec};
}

}  // namespace ivrd::ivr::engine
