#include <array>
#include <exception>
#include <ostream>
#include <string>

#include "ivrd/ivr/replay.hpp"

namespace ivrd::ivr::replay {
namespace {

constexpr std::array<Command, 5> kCommands{{
    {"dtmf", "dtmf [--json] [--format F] FILE...", "DTMF digits in captures, with their times",
     run_dtmf_command},
    {"echo", "echo --far FAR --near NEAR --out OUT [--tail-ms MS] [--nlp on|off] [--stats]",
     "NEAR with the line echo of FAR removed, and the canceller's figures", run_echo_command},
    {"callerid", "callerid [--json] [--format F] FILE...",
     "caller ID messages (Bell 202, V.23, DTMF) in captures", run_callerid_command},
    {"tones", "tones [--json] [--zone ZZ] [--format F] FILE...",
     "call-progress tones (dial, ringback, busy, ...) of a country in captures", run_tones_command},
    {"call", "call --config FILE --in CALLER_AUDIO [--caller-id N] --out APPLIANCE_AUDIO",
     "a captured caller through the configured menus: what the appliance played, and a JSON log",
     run_call_command},
}};

void print_usage(std::ostream& out) {
  out << "Usage: ivr-replay <command> [options] [FILE...]\n"
         "Runs the appliance's signal processing, and its menus, over capture files.\n"
         "\n"
         "Commands:\n";
  for (const Command& command : kCommands) {
    out << "  ivr-replay " << command.synopsis << "\n      " << command.summary << "\n";
  }
  out << "\n"
         "Audio formats by extension: .ul/.ulaw (G.711 mu-law), .al/.alaw (G.711 A-law),\n"
         ".raw/.sln (signed 16-bit little-endian, 8 kHz), .wav (any WAV, mixed to mono and\n"
         "resampled to 8 kHz); --format ulaw|alaw|s16|wav applies one format to every file.\n"
         "Run 'ivr-replay <command> --help' for a command's options.\n";
}

std::string command_names() {
  std::string names;
  for (const Command& command : kCommands) {
    if (!names.empty()) names += ", ";
    names += command.name;
  }
  return names;
}

int usage_error(std::ostream& err, const std::string& message) {
  err << "ivr-replay: " << message << "\nTry 'ivr-replay --help' for usage.\n";
  return kExitUsage;
}

}  // namespace

std::span<const Command> replay_commands() noexcept { return kCommands; }

int run_replay(CommandArgs args, std::ostream& out, std::ostream& err) {
  if (args.empty()) return usage_error(err, "missing command (" + command_names() + ")");
  const std::string& name = args.front();
  if (name == "--help" || name == "-h" || name == "help") {
    // "help dtmf" is "dtmf --help".
    if (name == "help" && args.size() > 1) {
      const std::array<std::string, 2> forwarded{args[1], "--help"};
      return run_replay(forwarded, out, err);
    }
    print_usage(out);
    return kExitOk;
  }
  if (name.starts_with("-")) return usage_error(err, "unknown option '" + name + "'");
  for (const Command& command : kCommands) {
    if (command.name != name) continue;
    try {
      return command.run(args.subspan(1), out, err);
    } catch (const std::exception& error) {
      err << "ivr-replay: " << name << ": internal error: " << error.what() << "\n";
      return kExitFailure;
    }
  }
  return usage_error(err, "unknown command '" + name + "' (commands: " + command_names() + ")");
}

}  // namespace ivrd::ivr::replay
