#pragma once
// The severities of ivrd's log; internal to the ivr library.
//
// From most to least severe: error, warning, notice, info, debug (syslog's
// names and order, without emerg, alert and crit). A logger set to a level
// writes the messages of that level and every more severe one.

#include <cstdint>
#include <optional>
#include <string_view>

namespace ivrd::ivr::daemon {

enum class LogLevel : uint8_t { error, warning, notice, info, debug };

// "error", "warning", "notice", "info", "debug"; nothing for any other text
// (the names are matched exactly, in lower case).
std::optional<LogLevel> parse_log_level(std::string_view name) noexcept;

// The name parse_log_level reads back.
std::string_view log_level_name(LogLevel level) noexcept;

// The names in order, for messages: "error, warning, notice, info or debug".
inline constexpr std::string_view kLogLevelChoices = "error, warning, notice, info or debug";

}  // namespace ivrd::ivr::daemon
