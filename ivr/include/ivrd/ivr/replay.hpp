#pragma once
// ivr-replay: run the appliance's receive-side DSP over capture files.
//
//   ivr-replay <command> [options] [FILE...]
//
// Commands are entries of a table (replay_commands()); each takes its own
// arguments and the output streams and returns the process exit code, so the
// program's main() only forwards argv and the tests call the same code.
//
// Exit codes: 0 success (also when nothing was found), 2 usage errors and
// unusable files (dtmf: after the usable ones were processed; echo: unusable
// inputs or an unwritable output), 1 anything unexpected. Each problem is one line on the error
// stream, starting with "ivr-replay: "; a usage error adds a line pointing at --help.
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

// `ivr-replay tones [--json] [--zone ZZ] [--format F] [--in-call] [--min-level DBM0] FILE...`
//
// Reads every file first (formats as for dtmf), then runs one
// dsp::CallProgressDetector per file for the tone zone ZZ (libtonezone's
// code, default "us"), 160 samples at a time, and flushes it at the end.
//   plain:  per file, one line per tone "<file>: <tone>  at <start> ms
//           (<duration> ms)", then "<file>: <n> tone(s)" or "<file>: no tones"
//   --json: one object per tone and line, by start (files in the order given
//           on a tie): {"file": "<file>", "tone": "busy", "start_ms": 1000.0,
//           "end_ms": 4500.0}; tone is dial, ringback, busy, congestion, sit or
//           disconnect (busy and congestion with --in-call).
// An unknown zone is a usage error naming it (with "did you mean" or the
// list). Unusable files as for dtmf: one line on err each, exit code 2.
int run_tones_command(CommandArgs args, std::ostream& out, std::ostream& err);

// `ivr-replay callerid [--json] [--format F] [--isa I] [--min-level DBM0] FILE...`
//
// Reads every file first (formats as for dtmf), then runs one
// dsp::CallerIdReceiver per file (Bell 202 and V.23 FSK, SDMF and MDMF, and
// DTMF caller ID), 160 samples (one 20 ms tick) at a time, and flushes it at
// the end. --min-level sets the weakest FSK signal decoded (default -45).
//   plain:  per file, in the order the files were given, one line per message
//           "<file>: <format>  at <start> ms: number <number>, name "<name>",
//           date <MMDDhhmm>" (each part only when sent; "number private" or
//           "number out of area" for an absent number; "not valid (checksum
//           or message error)" for a message that failed its checksum), then
//           "<file>: <n> caller ID message(s)" or "<file>: no caller ID"
//   --json: one object per message and line, in the order the messages occur
//           (by start; files in the order given on a tie):
//           {"file": "<file>", "start_ms": 1234.5, "format": "bell202_mdmf",
//            "number": "5551234", "name": "JOHN DOE", "datetime": "12251030",
//            "absence": null, "valid": true}
//           format: bell202_sdmf, bell202_mdmf, v23_sdmf (type 0x04 sent with
//           V.23), v23_mdmf or dtmf; number, name and datetime are null when
//           not sent (always when valid is false); absence is "private",
//           "out_of_area" or null; start_ms is exact (samples / 8).
// Unusable files as for dtmf: one line on err each, the others processed,
// exit code 2.
int run_callerid_command(CommandArgs args, std::ostream& out, std::ostream& err);

// `ivr-replay echo --far FAR --near NEAR --out OUT [--tail-ms MS] [--nlp on|off]
//                  [--tone-disabler off|reversal|any] [--high-pass HZ]
//                  [--format F] [--isa I] [--stats] [--json]`
//
// Reads FAR (what was sent to the line: the canceller's reference) and NEAR
// (what came back: the echo plus the caller) whole, in their formats or
// --format's (see ivrd/driver/audio_file.hpp), then runs one
// dsp::EchoCanceller over them, 160 samples (one 20 ms tick) at a time, the
// last tick possibly shorter, and writes NEAR with the echo removed to OUT in
// the format NEAR was read as, whatever OUT's name (a WAV NEAR gives an 8 kHz
// mono 16-bit WAV). Options map to dsp::EchoCancellerConfig: --tail-ms
// 16..256 (default 128), --nlp on|off (default on), --tone-disabler
// off|reversal|any (ToneDisablerMode off, phase_reversal, any_2100; default
// reversal), --high-pass HZ (0 = off, the default).
// Without --stats nothing is printed on success. With --stats, out gets the
// canceller's metrics after every tick that ends a whole second of audio, one
// line each, then a summary line of the metrics at the end (echo_stats.hpp has
// the exact shapes):
//   plain:  "t=1.00s erle=27.4dB erl=6.1dB residual=-48.2dBm0 delay=10.0ms
//            far=-16.0dBm0 near=-22.1dBm0 background=-70.0dBm0 talk=far_end
//            nlp=suppressing tone_disabled=no converged=yes" (one line), and
//           "summary: t=... converged=yes samples=<n> filter_updates=<n>"
//   --json: {"t":1.0,"erle_db":27.4,...} (keys named after the
//           EchoCancellerMetrics fields) and {"summary":true,"t":...,
//           "samples":<n>,"filter_updates":<n>}
// Errors, each one line on err and exit code 2, OUT not written unless said:
// a usage error (with the hint to --help; also a missing --far, --near or
// --out, a --tail-ms that is not an integer in range, naming option and
// value); FAR or NEAR unusable ("ivr-replay: <file>: <problem>", FAR checked
// first); FAR and NEAR of different lengths after reading ("ivr-replay: echo:
// FAR (<far>) has <n> samples but NEAR (<near>) has <m>"); OUT not writable
// ("ivr-replay: <out>: <problem>"; a file left incomplete by a failed write is
// not removed, and nothing is printed on out).
int run_echo_command(CommandArgs args, std::ostream& out, std::ostream& err);

// ivr-replay call --config FILE --in CALLER_AUDIO --out APPLIANCE_AUDIO
// [--caller-id N] ...: a captured caller through the configured menus,
// offline on the simulated card (docs/replay.md).
int run_call_command(CommandArgs args, std::ostream& out, std::ostream& err);

}  // namespace ivrd::ivr::replay
