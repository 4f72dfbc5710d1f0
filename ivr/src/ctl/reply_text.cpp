#include "reply_text.hpp"

#include <ostream>
#include <string_view>

#include "table.hpp"

namespace ivrd::ivr::ctl {
namespace {

using nlohmann::json;

const json& member(const json& object, const char* key) {
  static const json kNull;
  if (!object.is_object()) return kNull;
  const auto found = object.find(key);
  return found == object.end() ? kNull : *found;
}

const json& list(const json& body, const char* key) {
  static const json kEmpty = json::array();
  const json& value = member(body, key);
  return value.is_array() ? value : kEmpty;
}

double number(const json& object, const char* key) {
  const json& value = member(object, key);
  return value.is_number() ? value.get<double>() : -1.0;
}

void print_status(const json& body, std::ostream& out) {
  const json& config = member(body, "config");
  Table table({"ITEM", "VALUE"});
  table.add({"daemon", cell(body, "name") + " " + cell(body, "version")});
  table.add({"backend", cell(body, "backend")});
  table.add({"uptime", duration_text(number(body, "uptime_s"))});
  table.add({"config", cell(config, "file")});
  table.add({"generation", cell(config, "generation")});
  table.add({"loaded", cell(config, "loaded_at")});
  table.add({"spans", cell(body, "spans")});
  table.add({"lines", cell(body, "lines")});
  table.add({"calls", cell(body, "calls")});
  table.print(out);
}

void print_spans(const json& body, std::ostream& out) {
  Table table({"SPAN", "BACKEND", "TYPE", "ALARMS", "LINES", "COUNTERS"});
  for (const json& span : list(body, "spans")) {
    std::string alarms = cell(span, "alarms");
    if (alarms == "-") alarms = "none";
    table.add({cell(span, "name"), cell(span, "backend"), cell(span, "type"), alarms,
               cell(span, "lines"), cell(span, "counters")});
  }
  table.print(out);
}

void print_lines(const json& body, std::ostream& out) {
  Table table({"LINE", "SPAN", "ROLE", "LABEL", "STATE", "CALL"});
  for (const json& line : list(body, "lines")) {
    table.add({cell(line, "name"), cell(line, "span"), cell(line, "role"), cell(line, "label"),
               cell(line, "state"), cell(line, "call")});
  }
  table.print(out);
}

std::vector<std::string> call_row(const json& call) {
  return {
      cell(call, "id"),        cell(call, "line"),        cell(call, "direction"),
      cell(call, "caller_id"), cell(call, "caller_name"), duration_text(number(call, "duration_s")),
      cell(call, "menu"),      cell(call, "state"),       cell(call, "route")};
}

const std::vector<std::string> kCallHeader{"CALL", "LINE", "DIR",   "CALLER", "NAME",
                                           "TIME", "MENU", "STATE", "ROUTE"};

void print_calls(const json& body, std::ostream& out) {
  Table table(kCallHeader);
  for (const json& call : list(body, "calls")) table.add(call_row(call));
  table.print(out);
}

void print_call(const json& body, std::ostream& out) {
  const json& call = member(body, "call");
  Table summary({"FIELD", "VALUE"});
  const std::vector<std::string> row = call_row(call);
  const std::vector<std::string> names{"call",     "line", "direction", "caller id", "caller name",
                                       "duration", "menu", "state",     "route"};
  for (size_t i = 0; i < names.size(); ++i) summary.add({names[i], row[i]});
  summary.add({"language", cell(call, "language")});
  summary.add({"digits", cell(call, "digits")});
  const json& dsp = member(call, "dsp");
  const json& echo = member(dsp, "echo");
  if (echo.is_object()) {
    summary.add({"echo", "erle " + cell(echo, "erle_db") + " dB, erl " + cell(echo, "erl_db") +
                             " dB, residual " + cell(echo, "residual_dbm0") + " dBm0, delay " +
                             cell(echo, "delay_ms") + " ms, talk " + cell(echo, "talk") + ", nlp " +
                             cell(echo, "nlp")});
  } else {
    summary.add({"echo", "-"});
  }
  summary.add({"dtmf detected", cell(dsp, "dtmf_detected")});
  summary.print(out);

  const json& variables = member(call, "variables");
  if (variables.is_object() && !variables.empty()) {
    out << '\n';
    Table table({"VARIABLE", "VALUE"});
    for (const auto& [name, value] : variables.items()) table.add({cell(json(name)), cell(value)});
    table.print(out);
  }
  out << '\n';
  Table history({"T_MS", "EVENT", "DETAIL"});
  for (const json& entry : list(call, "history")) {
    history.add({cell(entry, "t_ms"), cell(entry, "event"), cell(entry, "detail")});
  }
  history.print(out);
}

void print_sim_call(const json& body, std::ostream& out) {
  out << "call " << cell(body, "call") << ": route " << cell(body, "route") << ", ended "
      << cell(body, "ended") << "\n\n";
  Table transcript({"T_MS", "WHAT", "DETAIL"});
  for (const json& entry : list(body, "transcript")) {
    transcript.add({cell(entry, "t_ms"), cell(entry, "what"), cell(entry, "detail")});
  }
  transcript.print(out);
}

}  // namespace

void print_reply_text(const std::string& command, const json& args, const json& body,
                      std::ostream& out) {
  if (command == "status") {
    print_status(body, out);
  } else if (command == "show spans") {
    print_spans(body, out);
  } else if (command == "show lines") {
    print_lines(body, out);
  } else if (command == "show calls") {
    print_calls(body, out);
  } else if (command == "show call") {
    print_call(body, out);
  } else if (command == "reload") {
    out << "configuration reloaded (generation " << cell(body, "generation") << ")\n";
  } else if (command == "check-config") {
    out << "configuration OK: " << cell(body, "summary") << '\n';
  } else if (command == "hangup") {
    out << "hung up " << cell(args, "call") << '\n';
  } else if (command == "tone") {
    out << "playing " << cell(args, "zone") << '/' << cell(args, "tone") << " on "
        << cell(args, "line");
    if (const json& seconds = member(body, "seconds"); seconds.is_number()) {
      out << " for " << cell(seconds) << " s";
    }
    out << '\n';
  } else if (command == "sim call") {
    print_sim_call(body, out);
  } else {
    out << cell(body) << '\n';
  }
}

std::string event_text(const json& event) {
  std::string time = cell(event, "t");
  // "2026-12-07T21:00:00.123Z" → "21:00:00.123": the date is today's, mostly.
  if (const size_t t = time.find('T'); t != std::string::npos && time.ends_with('Z')) {
    time = time.substr(t + 1, time.size() - t - 2);
  }
  std::string text = time + "  " + cell(event, "event");
  text += "  " + cell(event, "line") + "  " + cell(event, "call");
  if (event.is_object()) {
    for (const auto& [key, value] : event.items()) {
      if (key == "t" || key == "event" || key == "line" || key == "call") continue;
      std::string shown = cell(value);
      if (value.is_string() && shown.find(' ') != std::string::npos) shown = '"' + shown + '"';
      text += "  " + cell(json(key)) + "=" + shown;
    }
  }
  return text;
}

}  // namespace ivrd::ivr::ctl
