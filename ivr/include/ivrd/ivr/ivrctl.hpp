#pragma once
// ivrctl: the technician's command for the running ivrd, over its control
// socket (ivrd/ivr/control.hpp; docs/ivrctl.md).
//
//   ivrctl [--socket PATH] [--json] [--timeout S] COMMAND ...
//
// Commands: status; show spans|lines|calls; show call ID; reload;
// check-config [FILE]; hangup CALL; monitor; tone LINE ZONE/TONE [SECONDS];
// sim call [--line L] [--caller-id N] [--name S] [--audio FILE]
// [--max-seconds N] SCRIPT. Global options may come before or after the
// command words.
//
// Output: tables for people (aligned columns under a header line; `monitor`
// one line per event), or with --json the reply's body as one JSON object on
// one line (`monitor --json`: the ok body, then one object per event and
// line). Errors go to the error stream, one line each starting "ivrctl: ";
// configuration errors follow as one "file:line:column: error: ..." line each.
//
// The socket is --socket, else the environment's IVRD_SOCKET, else
// /run/ivrd/control.sock. File names given to check-config and sim call
// --audio are made absolute, since the daemon runs elsewhere.

#include <iosfwd>
#include <span>
#include <string>

namespace ivrd::ivr::ctl {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailed = 1;       // the daemon refused or the request failed
inline constexpr int kExitUnreachable = 2;  // no daemon, no reply, or a broken reply
inline constexpr int kExitUsage = 64;       // EX_USAGE: unknown command or option
inline constexpr int kExitPermission = 77;  // EX_NOPERM: not root or in the admin group
inline constexpr int kExitConfig = 78;      // EX_CONFIG: reload/check-config found errors

// The whole program: args are argv[1..]; socket_from_environment is
// IVRD_SOCKET's value or nullptr.
int run_ivrctl(std::span<const std::string> args, std::ostream& out, std::ostream& err,
               const char* socket_from_environment);

}  // namespace ivrd::ivr::ctl
