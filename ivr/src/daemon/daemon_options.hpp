#pragma once
// ivrd's command line and its options file; internal to the ivr library.
//
//   ivrd [--config FILE] [--foreground] [--sim] [--check-config]
//        [--log-level LEVEL] [--socket PATH] [--state-dir DIR] [--demo-call]
//        [--options-file FILE] [--help] [--version]
//
// The options file (ivrd.conf) holds the same long options, one
// "name = value" line each, read with Boost.Program_options'
// parse_config_file: "config = /srv/ivrd.toml", "log-level = debug",
// "foreground = true" (a switch takes true/false, yes/no, on/off or 1/0; a
// bare "foreground =" means true); "#" starts a comment. help, version and
// options-file itself are command-line only. An option given on the command
// line wins over the same option in the file. Without --options-file the
// default file (/etc/ivrd/ivrd.conf) is read when it exists, and silently
// skipped when it does not; a file named with --options-file must exist.
//
// Exit codes of the daemon (sysexits.h's values where there is one, so that
// systemd's RestartPreventExitStatus= can tell a fault that a restart will
// not cure): kExitOk, kExitFailure, kExitUsage, kExitConfig.
//
// Nothing here keeps state; thread-safe.

#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>

#include "daemon/log_level.hpp"

namespace ivrd::ivr::daemon {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;  // anything else: a system call failed, a bug
inline constexpr int kExitUsage = 64;   // EX_USAGE: a bad command line or options file
inline constexpr int kExitConfig = 78;  // EX_CONFIG: the configuration file is unusable

inline constexpr const char* kDefaultConfigFile = "/etc/ivrd/ivrd.toml";
inline constexpr const char* kDefaultOptionsFile = "/etc/ivrd/ivrd.conf";
inline constexpr const char* kDefaultSocket = "/run/ivrd/control.sock";
inline constexpr const char* kDefaultStateDir = "/var/lib/ivrd";

struct DaemonOptions {
  std::filesystem::path config = kDefaultConfigFile;  // the TOML configuration
  bool foreground = false;    // stay attached to the terminal (and never daemonize)
  bool sim = false;           // run on the simulated card even when DAHDI is present
  bool check_config = false;  // validate the configuration, print its errors, exit
  LogLevel log_level = LogLevel::info;
  std::filesystem::path socket = kDefaultSocket;  // the control socket ivrctl talks to
  std::filesystem::path state_dir = kDefaultStateDir;
  bool demo_call = false;  // place one demo call on the simulated card at start
  // The options file that was read; nothing when none was (the default file
  // did not exist).
  std::optional<std::filesystem::path> options_file;
  bool help = false;     // print daemon_help_text() and exit kExitOk
  bool version = false;  // print daemon_version_text() and exit kExitOk
};

// A bad command line or options file. what() is one line without "ivrd: ",
// e.g. "unrecognised option '--colour'" or
// "/etc/ivrd/ivrd.conf:3: the argument ('loud') for option 'log-level' is
// invalid (choose error, warning, notice, info or debug)". The main prints
// "ivrd: <what>", then "Try 'ivrd --help' for usage." and exits kExitUsage.
class DaemonUsageError : public std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Parses argv[1..argc-1], then the options file (--options-file, else
// `default_options_file` when it exists). Throws DaemonUsageError for an
// unknown option, a missing or repeated value, a bad log level, a positional
// argument, an unreadable options file, or a bad line in it (named
// "FILE:LINE: ..."). With --help or --version the other options are still
// checked but the options file is not read.
DaemonOptions parse_daemon_options(
    int argc, const char* const argv[],
    const std::filesystem::path& default_options_file = kDefaultOptionsFile);

// The text of --help: the synopsis, each option with its default, the
// options file and the exit codes. Ends with a newline.
std::string daemon_help_text();

// "ivrd <version>\n".
std::string daemon_version_text();

// Makes config, socket and state_dir absolute against the current directory
// (daemonize() changes it to "/"), leaving their spelling alone otherwise.
void make_paths_absolute(DaemonOptions& options);

// The usage error as the main prints it: "ivrd: <what>\nTry 'ivrd --help'
// for usage.\n".
std::string usage_error_text(const DaemonUsageError& error);

}  // namespace ivrd::ivr::daemon
