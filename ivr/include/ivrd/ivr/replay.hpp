#pragma once
// ivr-replay: run the appliance's receive-side DSP over capture files.
//
//   ivr-replay <command> [options] FILE...
//
// Commands are entries of a table (replay_commands()); each takes its own
// arguments and the output streams and returns the process exit code, so the
// program's main() only forwards argv and the tests call the same code.
//
// Exit codes: 0 success (also when nothing was found), 2 usage errors and
// unusable input files (after the usable ones were processed), 1 anything
// unexpected. Each problem is one line on the error stream, starting with
// "ivr-replay: "; a usage error adds a line pointing at --help.
//
// Nothing here is thread-safe against concurrent use of the same streams;
// the functions keep no other state.

#include <iosfwd>
#include <span>
#include <string>
#include <string_view>

namespace ivrd::ivr::replay {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;
inline constexpr int kExitUsage = 2;  // also: some input file was unusable

using CommandArgs = std::span<const std::string>;
using CommandFunction = int (*)(CommandArgs args, std::ostream& out, std::ostream& err);

struct Command {
  std::string_view name;
  std::string_view synopsis;  // after "ivr-replay ", e.g. "dtmf [--json] FILE..."
  std::string_view summary;   // one line for the command list
  CommandFunction run;        // called with the arguments after the name
};

// Every command, in the order --help lists them.
std::span<const Command> replay_commands() noexcept;

// The whole program: args are argv[1..].
int run_replay(CommandArgs args, std::ostream& out, std::ostream& err);

// `ivr-replay dtmf [--json] [--format F] [--isa I] [--administration NAME]
//                  [--min-level DBM0] FILE...`
//
// Reads every file first (see ivrd/driver/audio_file.hpp for formats), then
// runs them as concurrent channels through one DtmfDetectorBank, 160 samples
// (one 20 ms tick) per channel per step; shorter files simply end early, and
// the bank is flushed at the end. Only the end of each digit is reported.
//   plain:  per file, in the order the files were given:
//           "<file>: <digit>  at <start> ms (<duration> ms)" per digit, then
//           "<file>: <digits> (<n> digits)" or "<file>: no digits"
//   --json: one object per digit and line, in the order the digits occur
//           (by start time; files in the order given on a tie),
//           {"file": "<file>", "digit": "5", "start_ms": 1234.5, "end_ms": 1290.0}
//           with the file name as given, JSON-escaped, and the times exact
//           (samples / 8, one to three decimals).
// An unusable file gets one line "ivr-replay: <file>: <problem>" on err; the
// other files are still processed and the exit code is then 2.
int run_dtmf_command(CommandArgs args, std::ostream& out, std::ostream& err);

}  // namespace ivrd::ivr::replay
