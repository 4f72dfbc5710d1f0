#include "command_line.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <filesystem>
#include <ostream>
#include <string_view>
#include <vector>

#include <boost/program_options.hpp>

namespace ivrd::ivr::ctl {
namespace {

namespace po = boost::program_options;

// sim call's default limit, and how much longer than it ivrctl waits.
constexpr double kDefaultSimSeconds = 120.0;
constexpr double kSimReplyMargin = 15.0;

constexpr std::array<std::string_view, 9> kValueOptions{"--socket",      "--timeout", "--line",
                                                        "--caller-id",   "--name",    "--audio",
                                                        "--max-seconds", "-s",        "-t"};

po::options_description global_options() {
  po::options_description options("Options");
  options.add_options()("socket,s", po::value<std::string>(),
                        "the daemon's socket (default $IVRD_SOCKET, else /run/ivrd/control.sock)")(
      "json", "print the reply's body as JSON")("timeout,t", po::value<std::string>(),
                                                "seconds to wait for a reply (default 10)")(
      "help,h", "print this help")("version", "print ivrctl's version");
  return options;
}

po::options_description sim_options() {
  po::options_description options("sim call options");
  options.add_options()("line", po::value<std::string>(), "trunk port the call arrives on")(
      "caller-id", po::value<std::string>(), "the caller's number")(
      "name", po::value<std::string>(), "the caller's name")(
      "audio", po::value<std::string>(), "what the caller says, from a capture file")(
      "max-seconds", po::value<std::string>(), "end the call after this long (default 120)");
  return options;
}

// The words that are not options: the command and its operands.
std::vector<std::string> command_words(std::span<const std::string> args) {
  std::vector<std::string> words;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg == "--") {
      words.insert(words.end(), args.begin() + static_cast<ptrdiff_t>(i) + 1, args.end());
      break;
    }
    if (arg.size() > 1 && arg[0] == '-') {
      for (std::string_view option : kValueOptions) {
        if (arg == option) ++i;
      }
      continue;
    }
    words.push_back(arg);
  }
  return words;
}

double positive_number(const std::string& text, const std::string& what) {
  size_t used = 0;
  double value = 0;
  try {
    value = std::stod(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used != text.size() || text.empty() || !std::isfinite(value) || value <= 0) {
    throw UsageError(what + " must be a positive number of seconds, not '" + text + "'");
  }
  return value;
}

void no_more(const std::vector<std::string>& words, size_t used, const std::string& command) {
  if (words.size() > used) {
    throw UsageError("unexpected argument '" + words[used] + "' after '" + command + "'");
  }
}

std::string absolute(const std::string& file) {
  std::error_code error;
  const std::filesystem::path path = std::filesystem::absolute(file, error);
  return error ? file : path.lexically_normal().string();
}

std::string string_value(const po::variables_map& values, const char* name) {
  return values[name].as<std::string>();
}

}  // namespace

void print_help(std::ostream& out) {
  out << "Usage: ivrctl [--socket PATH] [--json] [--timeout S] COMMAND ...\n"
         "Talks to the running ivrd over its control socket.\n"
         "\n"
         "Commands:\n"
         "  status                        the daemon, its configuration and counts\n"
         "  show spans                    spans, their alarms and counters\n"
         "  show lines                    lines, their state and call\n"
         "  show calls                    calls in progress\n"
         "  show call ID                  one call in detail (history, DSP figures)\n"
         "  reload                        load the configuration again\n"
         "  check-config [FILE]           check a configuration without loading it\n"
         "  hangup CALL                   end a call\n"
         "  monitor                       print call events as they happen (Ctrl-C ends)\n"
         "  tone LINE ZONE/TONE [SECONDS] play a call-progress tone on a line (us/busy)\n"
         "  sim call [--line L] [--caller-id N] [--name S] [--audio FILE]\n"
         "           [--max-seconds N] SCRIPT\n"
         "                                a simulated caller, e.g. 'wait 2s; press 1; hangup'\n"
         "\n"
         "Options:\n"
         "  -s, --socket PATH   the daemon's socket (default $IVRD_SOCKET, else\n"
         "                      /run/ivrd/control.sock)\n"
         "      --json          print the reply's body as one JSON object (monitor: one\n"
         "                      per event and line)\n"
         "  -t, --timeout S     seconds to wait for a reply (default 10; sim call: its\n"
         "                      --max-seconds plus 15)\n"
         "  -h, --help          print this help\n"
         "      --version       print ivrctl's version\n"
         "\n"
         "Exit status: 0 ok; 1 the daemon refused or the request failed; 2 cannot reach\n"
         "the daemon (or no reply in time); 64 usage error; 77 permission denied (root or\n"
         "ivrd's admin group needed); 78 configuration errors (reload, check-config).\n";
}

Invocation parse_command_line(std::span<const std::string> args) {
  const std::vector<std::string> words = command_words(args);
  const bool sim = words.size() >= 2 && words[0] == "sim" && words[1] == "call";

  po::options_description all = global_options();
  if (sim) all.add(sim_options());
  all.add_options()("words", po::value<std::vector<std::string>>());
  po::positional_options_description positional;
  positional.add("words", -1);
  po::variables_map values;
  try {
    po::store(
        po::command_line_parser(std::vector<std::string>(args.begin(), args.end()))
            .options(all)
            .positional(positional)
            .style(po::command_line_style::default_style & ~po::command_line_style::allow_guessing)
            .run(),
        values);
    po::notify(values);
  } catch (const po::error& error) {
    throw UsageError(error.what());
  }

  Invocation invocation;
  if (values.count("help") != 0) {
    invocation.help = true;
    return invocation;
  }
  if (values.count("version") != 0) {
    invocation.version = true;
    return invocation;
  }
  if (values.count("socket") != 0) {
    invocation.socket = string_value(values, "socket");
    if (invocation.socket.empty()) throw UsageError("--socket needs a path");
  }
  invocation.json = values.count("json") != 0;
  std::optional<double> timeout;
  if (values.count("timeout") != 0) {
    timeout = positive_number(string_value(values, "timeout"), "--timeout");
  }

  if (words.empty()) throw UsageError("missing command");
  const std::string& first = words[0];
  nlohmann::json& a = invocation.args;
  if (first == "status" || first == "reload" || first == "monitor") {
    invocation.command = first;
    no_more(words, 1, first);
  } else if (first == "show") {
    if (words.size() < 2)
      throw UsageError("'show' needs what to show: spans, lines, calls or call ID");
    const std::string& what = words[1];
    if (what == "spans" || what == "lines" || what == "calls") {
      invocation.command = "show " + what;
      no_more(words, 2, invocation.command);
    } else if (what == "call") {
      if (words.size() < 3) throw UsageError("'show call' needs a call ID");
      invocation.command = "show call";
      a["call"] = words[2];
      no_more(words, 3, "show call " + words[2]);
    } else {
      throw UsageError("unknown 'show " + what + "' (show spans, lines, calls or call ID)");
    }
  } else if (first == "check-config") {
    invocation.command = first;
    if (words.size() >= 2) a["file"] = absolute(words[1]);
    no_more(words, 2, first);
  } else if (first == "hangup") {
    if (words.size() < 2) throw UsageError("'hangup' needs a call ID");
    invocation.command = first;
    a["call"] = words[1];
    no_more(words, 2, "hangup " + words[1]);
  } else if (first == "tone") {
    if (words.size() < 3)
      throw UsageError("'tone' needs LINE and ZONE/TONE (e.g. tone trunk-1 us/busy)");
    const std::string& zone_tone = words[2];
    const size_t slash = zone_tone.find('/');
    if (slash == std::string::npos || slash == 0 || slash + 1 == zone_tone.size()) {
      throw UsageError("'" + zone_tone + "' is not ZONE/TONE (e.g. us/busy)");
    }
    invocation.command = first;
    a["line"] = words[1];
    a["zone"] = zone_tone.substr(0, slash);
    a["tone"] = zone_tone.substr(slash + 1);
    if (words.size() >= 4) a["seconds"] = positive_number(words[3], "SECONDS");
    no_more(words, 4, "tone");
  } else if (first == "sim") {
    if (!sim) {
      throw UsageError(words.size() < 2 ? "'sim' needs 'call'"
                                        : "unknown 'sim " + words[1] + "' (sim call)");
    }
    invocation.command = "sim call";
    if (words.size() < 3)
      throw UsageError("'sim call' needs a SCRIPT (e.g. 'wait 2s; press 1; hangup')");
    std::string script;
    for (size_t i = 2; i < words.size(); ++i) script += (i > 2 ? " " : "") + words[i];
    if (values.count("line") != 0) a["line"] = string_value(values, "line");
    if (values.count("caller-id") != 0) a["caller_id"] = string_value(values, "caller-id");
    if (values.count("name") != 0) a["caller_name"] = string_value(values, "name");
    a["script"] = script;
    if (values.count("audio") != 0) a["audio"] = absolute(string_value(values, "audio"));
    double max_seconds = kDefaultSimSeconds;
    if (values.count("max-seconds") != 0) {
      max_seconds = positive_number(string_value(values, "max-seconds"), "--max-seconds");
      a["max_seconds"] = max_seconds;
    }
    if (!timeout) timeout = max_seconds + kSimReplyMargin;
  } else {
    throw UsageError(
        "unknown command '" + first +
        "' (commands: status, show, reload, check-config, hangup, monitor, tone, sim)");
  }
  if (timeout) {
    // A week is as good as forever, and keeps the milliseconds in range.
    invocation.timeout = std::chrono::milliseconds(
        static_cast<long long>(std::ceil(std::min(*timeout, 604800.0) * 1000.0)));
  }
  return invocation;
}

}  // namespace ivrd::ivr::ctl
