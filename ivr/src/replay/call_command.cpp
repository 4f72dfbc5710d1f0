// ivr-replay call: a captured caller replayed through the real menus, offline,
// on the simulated card with the appliance's own engine and DSP.

#include <chrono>
#include <cstdio>
#include <fstream>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include <boost/program_options.hpp>

#include "ivrd/driver/audio_file.hpp"
#include "ivrd/ivr/appliance.hpp"
#include "ivrd/ivr/config_loader.hpp"
#include "ivrd/ivr/replay.hpp"
#include "ivrd/ivr/sim_calls.hpp"

#include "command_options.hpp"
#include "text_output.hpp"

namespace ivrd::ivr::replay {
namespace {

namespace po = boost::program_options;
using namespace std::chrono;

// After the capture ends the caller stays on the line this long, so a
// prompt started by the last key is heard out, then hangs up.
constexpr uint32_t kLingerMs = 5000;
// A call is cut off after this long whatever the capture holds.
constexpr uint64_t kMaxCallMs = 60ull * 60 * 1000;

enum class PhoneBehaviour { answer, no_answer, busy };

struct CallOptions {
  std::string config;
  std::string in;
  std::string out;
  std::string log;
  std::string caller_id;
  std::string caller_name;
  std::string line;
  std::optional<driver::AudioFormat> format;
  std::optional<local_seconds> time;
  PhoneBehaviour phones = PhoneBehaviour::answer;
};

po::options_description visible_options() {
  po::options_description options("Options");
  options.add_options()                       //
      ("help,h", "print this help and exit")  //
      ("config", po::value<std::string>()->value_name("FILE"),
       "the appliance's configuration (TOML); required")  //
      ("in", po::value<std::string>()->value_name("CALLER_AUDIO"),
       "what the caller said and keyed, from the moment the call was answered; required")  //
      ("out", po::value<std::string>()->value_name("APPLIANCE_AUDIO"),
       "where to write what the appliance played to the caller, from the answer on, "
       "in CALLER_AUDIO's format (or --format); required")  //
      ("caller-id", po::value<std::string>()->value_name("N"),
       "the caller's number, sent as caller ID between the first and second ring")  //
      ("caller-name", po::value<std::string>()->value_name("NAME"),
       "the caller's name, sent with the number")  //
      ("line", po::value<std::string>()->value_name("PORT"),
       "the trunk port the call comes in on (default: the first trunk port)")  //
      ("time", po::value<std::string>()->value_name("YYYY-MM-DDTHH:MM"),
       "the local time the call is answered at, for calendars (default: now)")  //
      ("phones", po::value<std::string>()->value_name("B"),
       "what the phones on extension ports do when rung: answer (after one ring), "
       "no-answer or busy (default answer)")  //
      ("log", po::value<std::string>()->value_name("FILE"),
       "write the JSON log to FILE instead of standard output")  //
      ("format", po::value<std::string>()->value_name("F"),
       "read CALLER_AUDIO and write APPLIANCE_AUDIO as F: ulaw, alaw, s16 (also sln, raw) "
       "or wav, whatever their extensions");
  return options;
}

void print_help(std::ostream& out) {
  out << "Usage: ivr-replay call --config FILE --in CALLER_AUDIO --out APPLIANCE_AUDIO [options]\n"
         "Replays a captured caller through the configured menus, offline: the call rings in\n"
         "on the simulated card (with --caller-id as caller ID), is answered, and the caller's\n"
         "audio is played into it from the answer on; keys are its DTMF, detected by the\n"
         "appliance's own detector. When the capture ends the caller listens 5 s more, then\n"
         "hangs up. Writes what the appliance played, and a JSON log: one object per line\n"
         "for each step of the call ({\"t_ms\":1234,\"event\":\"key\",\"detail\":\"1\"}), then "
         "one\n"
         "summary object ({\"summary\":true,\"route\":...,\"menu\":...,\"keys\":...,\n"
         "\"ended\":...,\"other_party\":...,\"variables\":{...}}).\n\n"
      << visible_options()
      << "\nExit status: 0 when the call ran (whatever route it reached), 2 on a usage\n"
         "error or when CALLER_AUDIO cannot be used or APPLIANCE_AUDIO cannot be written,\n"
         "78 when the configuration has errors (each printed as file:line:column).\n";
}

std::optional<local_seconds> parse_time(const std::string& text) {
  int y = 0, mo = 0, d = 0, h = 0, mi = 0;
  char tail = 0;
  if (std::sscanf(text.c_str(), "%4d-%2d-%2dT%2d:%2d%c", &y, &mo, &d, &h, &mi, &tail) != 5) {
    return std::nullopt;
  }
  const year_month_day date{year{y}, month{static_cast<unsigned>(mo)},
                            day{static_cast<unsigned>(d)}};
  if (!date.ok() || h < 0 || h > 23 || mi < 0 || mi > 59) return std::nullopt;
  return local_seconds{local_days{date}} + hours{h} + minutes{mi};
}

std::optional<CallOptions> parse_options(CommandArgs args) {
  const std::optional<po::variables_map> parsed =
      parse_command_line(args, visible_options(), "argument", {});
  if (!parsed) return std::nullopt;
  const po::variables_map& values = *parsed;
  if (values.count("argument") != 0) {
    throw UsageError("unexpected argument '" +
                     values["argument"].as<std::vector<std::string>>().front() +
                     "' (files are given with --config, --in and --out)");
  }
  std::vector<std::string> missing;
  for (const char* option : {"config", "in", "out"}) {
    if (values.count(option) == 0 || values[option].as<std::string>().empty()) {
      missing.push_back(std::string("--") + option);
    }
  }
  if (!missing.empty()) {
    std::string message = "missing";
    for (size_t i = 0; i < missing.size(); ++i) message += (i ? ", " : " ") + missing[i];
    throw UsageError(message);
  }
  CallOptions options;
  options.config = values["config"].as<std::string>();
  options.in = values["in"].as<std::string>();
  options.out = values["out"].as<std::string>();
  if (values.count("log")) options.log = values["log"].as<std::string>();
  if (values.count("caller-id")) {
    options.caller_id = values["caller-id"].as<std::string>();
    if (options.caller_id.empty() || options.caller_id.size() > 20 ||
        options.caller_id.find_first_not_of("0123456789+*#") != std::string::npos) {
      throw UsageError("invalid --caller-id '" + options.caller_id +
                       "' (up to 20 of 0-9, +, * and #)");
    }
  }
  if (values.count("caller-name")) options.caller_name = values["caller-name"].as<std::string>();
  if (values.count("line")) options.line = values["line"].as<std::string>();
  if (values.count("format"))
    options.format = parse_format_option(values["format"].as<std::string>());
  if (values.count("time")) {
    const auto& text = values["time"].as<std::string>();
    options.time = parse_time(text);
    if (!options.time) throw UsageError("invalid --time '" + text + "' (YYYY-MM-DDTHH:MM)");
  }
  if (values.count("phones")) {
    const auto& text = values["phones"].as<std::string>();
    if (text == "answer") {
      options.phones = PhoneBehaviour::answer;
    } else if (text == "no-answer") {
      options.phones = PhoneBehaviour::no_answer;
    } else if (text == "busy") {
      options.phones = PhoneBehaviour::busy;
    } else {
      throw UsageError("unknown --phones '" + text + "' (choose answer, no-answer or busy)");
    }
  }
  return options;
}

std::string json_variables(const PromptVariables& variables) {
  std::string out = "{";
  for (const auto& [name, value] : variables) {
    if (out.size() > 1) out += ",";
    out += json_quote(name) + ":" + json_quote(value);
  }
  return out + "}";
}

void write_log(const CallInfo& call, std::ostream& out) {
  for (const CallNote& note : call.history) {
    out << "{\"t_ms\":" << note.ms << ",\"event\":" << json_quote(note.what)
        << ",\"detail\":" << json_quote(note.detail) << "}\n";
  }
  out << "{\"summary\":true,\"call\":" << json_quote(call.id)
      << ",\"line\":" << json_quote(call.line) << ",\"caller_id\":" << json_quote(call.caller_id)
      << ",\"caller_name\":" << json_quote(call.caller_name)
      << ",\"route\":" << json_quote(call.route) << ",\"menu\":" << json_quote(call.menu)
      << ",\"other_party\":" << json_quote(call.other_party)
      << ",\"keys\":" << json_quote(call.keys) << ",\"language\":" << json_quote(call.language)
      << ",\"ended\":" << json_quote(call.end_reason) << ",\"duration_ms\":" << call.duration_ms
      << ",\"variables\":" << json_variables(call.variables) << "}\n";
}

}  // namespace

int run_call_command(CommandArgs args, std::ostream& out, std::ostream& err) {
  std::optional<CallOptions> options;
  try {
    options = parse_options(args);
  } catch (const UsageError& error) {
    return report_usage_error(err, "call", error);
  }
  if (!options) {
    print_help(out);
    return kExitOk;
  }

  const ConfigLoadResult loaded = load_config(options->config);
  if (!loaded.ok()) {
    for (const ConfigError& error : loaded.errors) err << error.to_string() << "\n";
    return kExitConfig;
  }
  std::optional<driver::Capture> caller = read_capture_reporting(options->in, options->format, err);
  if (!caller) return kExitUsage;

  ApplianceOptions appliance_options;
  appliance_options.all_sim = true;
  const local_seconds start = options->time ? *options->time : local_seconds{};
  if (options->time) {
    appliance_options.local_time = [start](uint64_t now_ms) {
      return start + seconds(now_ms / 1000);
    };
  }
  std::optional<Appliance> appliance;
  try {
    appliance.emplace(std::make_shared<const Config>(*loaded.config), std::move(appliance_options));
  } catch (const std::exception& error) {
    err << "ivr-replay: " << error.what() << "\n";
    return kExitConfig;
  }

  std::string line = options->line;
  if (line.empty()) {
    for (const PortInfo& port : appliance->ports()) {
      if (port.role == PortRole::trunk) {
        line = port.name;
        break;
      }
    }
  }
  driver::SimPort* trunk = appliance->sim_port(line);
  if (!trunk || trunk->kind() != driver::PortKind::trunk) {
    err << "ivr-replay: call: no trunk port '" << line << "' in " << options->config << "\n";
    return kExitUsage;
  }
  for (const PortInfo& port : appliance->ports()) {
    if (port.role != PortRole::extension) continue;
    driver::SimPhone& phone = appliance->sim_port(port.name)->phone();
    if (options->phones == PhoneBehaviour::busy) phone.off_hook();
    if (options->phones == PhoneBehaviour::answer) {
      phone.wait_for_ring().wait_ms(1000).off_hook();
    }
  }

  driver::SimCaller& far = trunk->caller();
  ring_like_exchange(far, *dsp::find_tone_zone(appliance->config().appliance.tone_zone),
                     options->caller_id, options->caller_name);
  far.play(caller->samples).wait_ms(kLingerMs).hang_up(driver::Supervision::loop_current_drop);

  driver::SimCard& card = *appliance->sim_card();
  std::optional<uint64_t> answered_at;
  while (appliance->ended_calls().empty() && appliance->now_ms() < kMaxCallMs) {
    if (!answered_at && far.in_call()) answered_at = card.now_sample() - driver::kBlockSamples;
    if (!answered_at && far.gave_up()) break;
    appliance->tick();
  }
  appliance->run_ms(100);  // the far end takes the last blocks
  if (appliance->ended_calls().empty()) {
    err << "ivr-replay: call: the call was never answered (no ring reached the appliance on '"
        << line << "')\n";
    return kExitFailure;
  }

  // What the caller heard from the answer on.
  const auto& heard = far.heard();
  const uint64_t from = answered_at ? *answered_at : 0;
  std::vector<int16_t> played;
  if (from >= far.heard_start() && from - far.heard_start() < heard.size()) {
    played.assign(heard.begin() + static_cast<std::ptrdiff_t>(from - far.heard_start()),
                  heard.end());
  }
  if (!write_capture_reporting(options->out, played,
                               options->format ? options->format : caller->format, err)) {
    return kExitUsage;
  }

  const CallInfo& call = appliance->ended_calls().front();
  if (options->log.empty()) {
    write_log(call, out);
  } else {
    std::ofstream log(options->log);
    write_log(call, log);
    if (!log) {
      err << "ivr-replay: " << options->log << ": cannot write the log\n";
      return kExitUsage;
    }
  }
  return kExitOk;
}

}  // namespace ivrd::ivr::replay
