#include "daemon/log_level.hpp"

#include <array>

namespace ivrd::ivr::daemon {

namespace {

constexpr std::array<std::string_view, 5> kNames = {"error", "warning", "notice", "info", "debug"};

}  // namespace

std::optional<LogLevel> parse_log_level(std::string_view name) noexcept {
  for (size_t i = 0; i < kNames.size(); ++i) {
    if (kNames[i] == name) return static_cast<LogLevel>(i);
  }
  return std::nullopt;
}

std::string_view log_level_name(LogLevel level) noexcept {
  return kNames[static_cast<size_t>(level)];
}

}  // namespace ivrd::ivr::daemon
