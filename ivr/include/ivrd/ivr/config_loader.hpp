#pragma once
// Loading and checking ivrd's configuration file (TOML, read with toml++).
//
//   auto result = ivrd::ivr::load_config("/etc/ivrd/ivrd.toml");
//   if (!result.ok()) {
//     for (const auto& e : result.errors) std::cerr << e.to_string() << '\n';
//     return ivrd::ivr::kExitConfig;  // 78, EX_CONFIG
//   }
//   use(*result.config);
//
// Every problem is reported, not only the first, each as one line the way a
// compiler reports them, naming the file, line and column of the offending
// key or value:
//
//   /etc/ivrd/ivrd.toml:42:7: error: unknown key 'greting' (did you mean 'greeting'?)
//
// Checked: TOML syntax (toml++ stops at the first syntax error, so a file
// that is not valid TOML gives exactly that one line); unknown keys and
// tables; wrong types; values out of range or badly formed (times, dates,
// digits, regular expressions); references to menus, routes, ports,
// calendars, prompts, languages and variables that do not exist (with "did
// you mean" when a defined name is close); ports of the wrong role; prompt
// files missing below the prompts directory; the same key, channel or
// extension number given twice; and menus the caller can never leave (a set
// of menus with no path to a route out of the menus or a hang-up). A file
// that cannot be read gives one line "<file>: error: cannot read: <reason>".
//
// Errors come sorted by line and column. The loader never throws for
// anything in the file; it only reads the file and stats prompt files.
// docs/configuration.md documents the schema and the messages.

#include <filesystem>
#include <iosfwd>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ivrd/ivr/config.hpp"

namespace ivrd::ivr {

// The exit code for a configuration that cannot be used (sysexits.h's
// EX_CONFIG). ivrd exits with it at start-up and for --check-config, so that
// systemd does not restart it in a loop (RestartPreventExitStatus=78).
inline constexpr int kExitConfig = 78;

struct ConfigError {
  std::string file;
  uint32_t line = 0;  // 0: the error concerns the whole file
  uint32_t column = 0;
  std::string message;  // "unknown key 'x' (did you mean 'y'?)"

  // "file:line:column: error: message", or "file: error: message" for line 0.
  std::string to_string() const;
};

struct ConfigLoadResult {
  std::optional<Config> config;     // set exactly when errors is empty
  std::vector<ConfigError> errors;  // sorted by position

  bool ok() const noexcept { return errors.empty(); }
};

// Reads and checks the file at `path`.
ConfigLoadResult load_config(const std::filesystem::path& path);

// Checks `text` as if it were the file `path` (which need not exist): errors
// name `path`, and a relative prompts directory is resolved against its folder.
ConfigLoadResult load_config_text(std::string_view text, const std::filesystem::path& path);

// `ivrd --check-config`: loads `path`, writes each error as one line to
// `err`, or on success one summary line to `out` ("<file>: configuration OK:
// 2 spans, 12 ports, 5 menus, 9 routes"). Returns 0, or kExitConfig.
int check_config(const std::filesystem::path& path, std::ostream& out, std::ostream& err);

}  // namespace ivrd::ivr
