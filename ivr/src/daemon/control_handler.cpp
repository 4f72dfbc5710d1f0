#include "daemon/control_handler.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <sstream>
#include <stdexcept>

#include "ivrd/driver/audio_file.hpp"
#include "ivrd/ivr/config_loader.hpp"
#include "ivrd/ivr/sim_calls.hpp"

namespace ivrd::ivr::daemon {
namespace {

using nlohmann::json;

json string_or_null(const std::string& text) { return text.empty() ? json(nullptr) : json(text); }

std::string lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

json call_json(const CallInfo& call) {
  return json{{"id", call.id},
              {"line", call.line},
              {"direction", "inbound"},
              {"caller_id", string_or_null(call.caller_id)},
              {"caller_name", string_or_null(call.caller_name)},
              {"duration_s", static_cast<double>(call.duration_ms) / 1000.0},
              {"menu", string_or_null(call.menu)},
              {"state", std::string(call_state_name(call.state))},
              {"route", string_or_null(call.route)}};
}

std::string trim(std::string_view text) {
  const size_t begin = text.find_first_not_of(" \t");
  if (begin == std::string_view::npos) return "";
  const size_t end = text.find_last_not_of(" \t");
  return std::string(text.substr(begin, end - begin + 1));
}

uint32_t parse_duration_ms(const std::string& word, const std::string& step) {
  const bool ms = word.ends_with("ms");
  const bool s = !ms && word.ends_with("s");
  if (!ms && !s) throw std::invalid_argument("'" + step + "': a time is <n>s or <n>ms");
  const std::string number = word.substr(0, word.size() - (ms ? 2 : 1));
  double value = 0.0;
  const auto [end, error] = std::from_chars(number.data(), number.data() + number.size(), value);
  if (number.empty() || error != std::errc() || end != number.data() + number.size() ||
      value < 0.0 || value > 3600.0 * (ms ? 1000.0 : 1.0)) {
    throw std::invalid_argument("'" + step + "': bad time '" + word + "'");
  }
  return static_cast<uint32_t>(ms ? value : value * 1000.0);
}

std::string ended_word(const CallInfo& call, bool cut_off) {
  if (cut_off) return "max_seconds";
  if (call.end_reason.starts_with("caller hung up")) return "caller_hangup";
  return "ivr_hangup";
}

}  // namespace

void script_sim_caller(driver::SimCaller& caller, const std::string& script) {
  std::stringstream steps(script);
  std::string raw;
  while (std::getline(steps, raw, ';')) {
    const std::string step = trim(raw);
    if (step.empty()) continue;
    const size_t space = step.find(' ');
    const std::string verb = step.substr(0, space);
    const std::string rest = space == std::string::npos ? "" : trim(step.substr(space + 1));
    if (verb == "wait") {
      caller.wait_ms(parse_duration_ms(rest, step));
    } else if (verb == "press") {
      if (rest.empty() || rest.find_first_not_of("0123456789*#ABCD") != std::string::npos) {
        throw std::invalid_argument("'" + step + "': press takes digits 0-9, *, #, A-D");
      }
      dsp::DtmfToneSpec tone;
      tone.on_ms = 100.0f;
      tone.off_ms = 100.0f;
      caller.press(rest, tone);
    } else if (verb == "say") {
      if (rest.empty()) throw std::invalid_argument("'" + step + "': say takes a file");
      try {
        caller.play(driver::read_capture(rest).samples);
      } catch (const std::exception& error) {
        throw std::invalid_argument("'" + step + "': " + error.what());
      }
    } else if (verb == "hangup" && rest.empty()) {
      caller.hang_up(driver::Supervision::loop_current_drop);
    } else {
      throw std::invalid_argument("'" + step +
                                  "': unknown step (wait <n>s|<n>ms, press <digits>, say <file>, "
                                  "hangup)");
    }
  }
}

ApplianceControl::ApplianceControl(Appliance& appliance, std::filesystem::path config_file,
                                   std::function<ReloadOutcome()> reload)
    : appliance_(appliance),
      config_file_(std::move(config_file)),
      reload_(std::move(reload)),
      loaded_generation_(appliance.generation()) {}

json ApplianceControl::monitor_event(const ApplianceEvent& event) {
  std::string name = event.event;
  if (name == "key") name = "digit";
  if (name == "hung_up") name = "hangup";
  return json{{"t", control_timestamp(std::chrono::system_clock::now())},
              {"event", name},
              {"line", string_or_null(event.line)},
              {"call", string_or_null(event.call)},
              {"detail", event.detail}};
}

void ApplianceControl::handle(const ControlRequest& request, ControlResponder responder) {
  const std::string& command = request.command;
  const json& args = request.args;
  const auto arg = [&](const char* name) {
    return args.contains(name) ? args[name].get<std::string>() : std::string();
  };
  if (command == "status") return responder.reply(status());
  if (command == "show spans") return responder.reply(show_spans());
  if (command == "show lines") return responder.reply(show_lines());
  if (command == "show calls") return responder.reply(show_calls());
  if (command == "show call") return responder.reply(show_call(arg("call")));
  if (command == "hangup") return responder.reply(hangup(arg("call")));
  if (command == "check-config") {
    const std::string file = arg("file");
    return responder.reply(check_config(file.empty() ? config_file_ : std::filesystem::path(file)));
  }
  if (command == "reload") {
    const ReloadOutcome outcome = reload_();
    if (!outcome.ok)
      return responder.reply(ControlReply::config_errors(outcome.error, outcome.errors));
    return responder.reply(ControlReply::success(json{{"generation", appliance_.generation()}}));
  }
  if (command == "sim call") return sim_call(args, std::move(responder));
  if (command == "tone") return tone(args, std::move(responder));
  responder.reply(
      ControlReply::failure(ControlErrorCode::bad_request, "unknown command '" + command + "'"));
}

ControlReply ApplianceControl::status() const {
  if (appliance_.generation() != loaded_generation_) {
    loaded_generation_ = appliance_.generation();
    loaded_at_ = std::chrono::system_clock::now();
  }
  size_t lines = 0;
  bool dahdi = false;
  const auto spans = appliance_.spans();
  for (const SpanInfo& span : spans) {
    lines += span.lines;
    dahdi = dahdi || span.backend == LineBackend::dahdi;
  }
  const double uptime =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
  return ControlReply::success(json{{"name", appliance_.config().appliance.name},
                                    {"version", IVRD_VERSION},
                                    {"uptime_s", uptime},
                                    {"backend", dahdi ? "dahdi" : "sim"},
                                    {"config",
                                     {{"file", config_file_.string()},
                                      {"generation", appliance_.generation()},
                                      {"loaded_at", control_timestamp(loaded_at_)}}},
                                    {"spans", spans.size()},
                                    {"lines", lines},
                                    {"calls", appliance_.call_count()}});
}

ControlReply ApplianceControl::show_spans() const {
  json spans = json::array();
  for (const SpanInfo& span : appliance_.spans()) {
    json alarms = json::array();
    for (const std::string& alarm : span.alarms)
      alarms.push_back(alarm == "recover" ? "recovering" : alarm);
    spans.push_back(json{{"name", span.name},
                         {"backend", span.backend == LineBackend::dahdi ? "dahdi" : "sim"},
                         {"type", lower(span.type)},
                         {"alarms", alarms},
                         {"lines", span.lines},
                         {"counters",
                          {{"framing_errors", span.counters.framing_errors},
                           {"crc4_errors", span.counters.crc4_errors},
                           {"code_violations", span.counters.code_violations},
                           {"ebit_errors", span.counters.ebit_errors},
                           {"bipolar_violations", span.counters.bipolar_violations},
                           {"errored_seconds", span.counters.errored_seconds}}}});
  }
  return ControlReply::success(json{{"spans", spans}});
}

ControlReply ApplianceControl::show_lines() const {
  json lines = json::array();
  for (const PortInfo& port : appliance_.ports()) {
    lines.push_back(json{{"name", port.name},
                         {"span", port.span},
                         {"role", port.role == PortRole::trunk ? "trunk" : "extension"},
                         {"label", port.label},
                         {"state", port.state},
                         {"call", string_or_null(port.call)}});
  }
  return ControlReply::success(json{{"lines", lines}});
}

ControlReply ApplianceControl::show_calls() const {
  json calls = json::array();
  for (const CallInfo& call : appliance_.calls()) calls.push_back(call_json(call));
  return ControlReply::success(json{{"calls", calls}});
}

ControlReply ApplianceControl::show_call(const std::string& id) const {
  const auto call = appliance_.call(id);
  if (!call) return ControlReply::failure(ControlErrorCode::not_found, "no call '" + id + "'");
  json body = call_json(*call);
  body["language"] = call->language;
  body["digits"] = call->keys;
  json variables = json::object();
  for (const auto& [name, value] : call->variables) variables[name] = value;
  body["variables"] = variables;
  json history = json::array();
  for (const CallNote& note : call->history) {
    history.push_back(json{{"t_ms", note.ms}, {"event", note.what}, {"detail", note.detail}});
  }
  body["history"] = history;
  body["dsp"] = json{{"echo",
                      {{"erle_db", call->echo.erle_db},
                       {"erl_db", call->echo.erl_db},
                       {"residual_dbm0", call->echo.residual_dbm0},
                       {"delay_ms", call->echo.delay_ms},
                       {"talk", call->echo.talk},
                       {"nlp", call->echo.nlp}}},
                     {"dtmf_detected", call->digits_detected}};
  return ControlReply::success(json{{"call", body}});
}

ControlReply ApplianceControl::check_config(const std::filesystem::path& file) const {
  std::ostringstream out, err;
  if (ivr::check_config(file, out, err) == 0) {
    std::string summary = out.str();
    while (!summary.empty() && summary.back() == '\n') summary.pop_back();
    return ControlReply::success(json{{"summary", summary}});
  }
  std::vector<std::string> errors;
  std::istringstream lines(err.str());
  for (std::string line; std::getline(lines, line);) {
    if (!line.empty()) errors.push_back(line);
  }
  return ControlReply::config_errors(
      file.string() + ": " + std::to_string(errors.size()) + " error(s)", std::move(errors));
}

ControlReply ApplianceControl::hangup(const std::string& id) {
  if (!appliance_.hang_up(id)) {
    return ControlReply::failure(ControlErrorCode::not_found, "no call '" + id + "'");
  }
  return ControlReply::success(json{{"call", id}});
}

void ApplianceControl::tone(const json& args, ControlResponder responder) {
  const std::string line = args["line"].get<std::string>();
  const std::string zone = args["zone"].get<std::string>();
  const std::string name = args["tone"].get<std::string>();
  const double seconds = args.contains("seconds") ? args["seconds"].get<double>() : 5.0;
  // The reply waits for the tone to start (an extension's phone must be
  // lifted first); std::function needs a copyable callback.
  auto shared = std::make_shared<ControlResponder>(std::move(responder));
  const json body{{"line", line}, {"zone", zone}, {"tone", name}, {"seconds", seconds}};
  try {
    appliance_.play_test_tone(
        line, zone, name, seconds, [shared, body](std::optional<std::string> problem) {
          shared->reply(problem ? ControlReply::failure(ControlErrorCode::failed, *problem)
                                : ControlReply::success(body));
        });
  } catch (const ApplianceError& error) {
    const std::string what = error.what();
    shared->reply(ControlReply::failure(
        what.starts_with("unknown") ? ControlErrorCode::not_found : ControlErrorCode::failed,
        what));
  }
}

void ApplianceControl::sim_call(const json& args, ControlResponder responder) {
  if (!appliance_.sim_card()) {
    return responder.reply(
        ControlReply::failure(ControlErrorCode::failed,
                              "no simulated card: ivrd runs on DAHDI lines (start it with --sim)"));
  }
  const auto text = [&](const char* name) {
    return args.contains(name) ? args[name].get<std::string>() : std::string();
  };
  std::string line = text("line");
  const auto ports = appliance_.ports();
  const auto busy = [&](const std::string& name) {
    if (std::any_of(sim_calls_.begin(), sim_calls_.end(),
                    [&](const PendingSimCall& p) { return p.line == name; })) {
      return true;
    }
    for (const PortInfo& port : ports) {
      if (port.name == name) return !port.call.empty() || port.state != "idle";
    }
    return true;
  };
  if (line.empty()) {
    for (const PortInfo& port : ports) {
      if (port.role == PortRole::trunk && appliance_.sim_port(port.name) && !busy(port.name)) {
        line = port.name;
        break;
      }
    }
    if (line.empty()) {
      return responder.reply(
          ControlReply::failure(ControlErrorCode::failed, "every simulated trunk port is busy"));
    }
  } else {
    driver::SimPort* port = appliance_.sim_port(line);
    if (!port || port->kind() != driver::PortKind::trunk) {
      return responder.reply(ControlReply::failure(ControlErrorCode::not_found,
                                                   "no simulated trunk port '" + line + "'"));
    }
    if (busy(line)) {
      return responder.reply(
          ControlReply::failure(ControlErrorCode::failed, "trunk port '" + line + "' is busy"));
    }
  }
  const std::string caller_id = text("caller_id");
  if (caller_id.size() > 20 || caller_id.find_first_not_of("0123456789+*#") != std::string::npos) {
    return responder.reply(
        ControlReply::failure(ControlErrorCode::bad_request,
                              "caller_id '" + caller_id + "': up to 20 of 0-9, +, * and #"));
  }
  double max_seconds = 120.0;
  if (args.contains("max_seconds")) max_seconds = args["max_seconds"].get<double>();
  if (max_seconds > 3600.0) max_seconds = 3600.0;

  // The whole script is checked on a scratch caller before the line is touched.
  try {
    driver::SimCard scratch;
    script_sim_caller(scratch.add_span("check", driver::SpanType::analog, {driver::PortKind::trunk})
                          .port(0)
                          .caller(),
                      text("script"));
  } catch (const std::exception& error) {
    return responder.reply(ControlReply::failure(ControlErrorCode::bad_request,
                                                 std::string("script: ") + error.what()));
  }
  std::vector<int16_t> audio;
  if (!text("audio").empty()) {
    try {
      audio = driver::read_capture(text("audio")).samples;
    } catch (const std::exception& error) {
      return responder.reply(ControlReply::failure(ControlErrorCode::not_found,
                                                   "audio " + text("audio") + ": " + error.what()));
    }
  }

  driver::SimCaller& caller = appliance_.sim_port(line)->caller();
  ring_like_exchange(caller, *dsp::find_tone_zone(appliance_.config().appliance.tone_zone),
                     caller_id, text("caller_name"));
  if (!audio.empty()) caller.play(audio);
  script_sim_caller(caller, text("script"));

  PendingSimCall pending;
  pending.responder = std::move(responder);
  pending.line = line;
  pending.placed_ms = appliance_.now_ms();
  pending.deadline_ms = pending.placed_ms + static_cast<uint64_t>(max_seconds * 1000.0);
  sim_calls_.push_back(std::move(pending));
}

void ApplianceControl::poll() {
  const uint64_t now = appliance_.now_ms();
  for (auto it = sim_calls_.begin(); it != sim_calls_.end();) {
    PendingSimCall& pending = *it;
    std::optional<CallInfo> ended;
    for (auto call = appliance_.ended_calls().rbegin(); call != appliance_.ended_calls().rend();
         ++call) {
      if (call->line == pending.line && call->answered_ms >= pending.placed_ms) {
        ended = *call;
        break;
      }
    }
    if (ended) {
      json transcript = json::array();
      for (const CallNote& note : ended->history) {
        transcript.push_back(json{{"t_ms", note.ms}, {"what", note.what}, {"detail", note.detail}});
      }
      pending.responder.reply(
          ControlReply::success(json{{"call", ended->id},
                                     {"route", string_or_null(ended->route)},
                                     {"ended", ended_word(*ended, pending.cut_off)},
                                     {"reason", ended->end_reason},
                                     {"transcript", transcript}}));
      it = sim_calls_.erase(it);
      continue;
    }
    if (now >= pending.deadline_ms && !pending.cut_off) {
      pending.cut_off = true;
      bool in_call = false;
      for (const CallInfo& call : appliance_.calls()) {
        if (call.line == pending.line) {
          appliance_.hang_up(call.id);
          in_call = true;
        }
      }
      if (!in_call) {
        pending.responder.reply(ControlReply::failure(
            ControlErrorCode::failed,
            "the call on '" + pending.line + "' was not answered within max_seconds"));
        it = sim_calls_.erase(it);
        continue;
      }
    }
    ++it;
  }
}

}  // namespace ivrd::ivr::daemon
