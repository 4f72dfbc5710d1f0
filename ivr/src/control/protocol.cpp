#include "protocol.hpp"

#include <array>
#include <cmath>
#include <ctime>
#include <stdexcept>

namespace ivrd::ivr {
namespace {

using Type = ControlArgType;

constexpr std::array<ControlArgSpec, 1> kShowCallArgs{{{"call", Type::string, true}}};
constexpr std::array<ControlArgSpec, 1> kCheckConfigArgs{{{"file", Type::string, false}}};
constexpr std::array<ControlArgSpec, 1> kHangupArgs{{{"call", Type::string, true}}};
constexpr std::array<ControlArgSpec, 4> kToneArgs{{{"line", Type::string, true},
                                                   {"zone", Type::string, true},
                                                   {"tone", Type::string, true},
                                                   {"seconds", Type::positive_number, false}}};
constexpr std::array<ControlArgSpec, 6> kSimCallArgs{
    {{"line", Type::string, false},
     {"caller_id", Type::string, false},
     {"caller_name", Type::string, false},
     {"script", Type::string, true},
     {"audio", Type::string, false},
     {"max_seconds", Type::positive_number, false}}};

constexpr std::array<ControlCommandSpec, 11> kCommands{{
    {"status", {}},
    {"show spans", {}},
    {"show lines", {}},
    {"show calls", {}},
    {"show call", kShowCallArgs},
    {"reload", {}},
    {"check-config", kCheckConfigArgs},
    {"hangup", kHangupArgs},
    {"monitor", {}},
    {"tone", kToneArgs},
    {"sim call", kSimCallArgs},
}};

constexpr std::array<std::string_view, 5> kCodeNames{"refused", "bad_request", "not_found",
                                                     "failed", "config"};

std::string command_list() {
  std::string names;
  for (const ControlCommandSpec& spec : kCommands) {
    if (!names.empty()) names += ", ";
    names += spec.name;
  }
  return names;
}

std::string_view type_name(const nlohmann::json& value) {
  switch (value.type()) {
    case nlohmann::json::value_t::null: return "null";
    case nlohmann::json::value_t::object: return "an object";
    case nlohmann::json::value_t::array: return "an array";
    case nlohmann::json::value_t::string: return "a string";
    case nlohmann::json::value_t::boolean: return "a boolean";
    case nlohmann::json::value_t::binary: return "binary";
    case nlohmann::json::value_t::discarded: return "nothing";
    default: return "a number";
  }
}

ControlReply bad_request(std::string message) {
  return ControlReply::failure(ControlErrorCode::bad_request, std::move(message));
}

}  // namespace

std::span<const ControlCommandSpec> control_commands() noexcept { return kCommands; }

const ControlCommandSpec* find_control_command(std::string_view name) noexcept {
  for (const ControlCommandSpec& spec : kCommands) {
    if (spec.name == name) return &spec;
  }
  return nullptr;
}

std::string control_timestamp(std::chrono::system_clock::time_point when) {
  const auto ms = std::chrono::floor<std::chrono::milliseconds>(when.time_since_epoch()).count();
  const auto seconds_since_epoch = std::chrono::floor<std::chrono::seconds>(when);
  const std::time_t seconds = std::chrono::system_clock::to_time_t(seconds_since_epoch);
  const int millis = static_cast<int>(((ms % 1000) + 1000) % 1000);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  std::array<char, 64> date{};
  std::strftime(date.data(), date.size(), "%Y-%m-%dT%H:%M:%S", &utc);
  std::string text = date.data();
  text += '.';
  text += static_cast<char>('0' + millis / 100);
  text += static_cast<char>('0' + millis / 10 % 10);
  text += static_cast<char>('0' + millis % 10);
  text += 'Z';
  return text;
}

std::string_view control_error_code_name(ControlErrorCode code) noexcept {
  return kCodeNames[static_cast<size_t>(code)];
}

std::optional<ControlErrorCode> parse_control_error_code(std::string_view name) noexcept {
  for (size_t i = 0; i < kCodeNames.size(); ++i) {
    if (kCodeNames[i] == name) return static_cast<ControlErrorCode>(i);
  }
  return std::nullopt;
}

ControlReply ControlReply::success(nlohmann::json body) {
  ControlReply reply;
  reply.body = std::move(body);
  return reply;
}

ControlReply ControlReply::failure(ControlErrorCode code, std::string error) {
  ControlReply reply;
  reply.ok = false;
  reply.body = nullptr;
  reply.code = code;
  reply.error = std::move(error);
  return reply;
}

ControlReply ControlReply::config_errors(std::string error, std::vector<std::string> errors) {
  ControlReply reply = failure(ControlErrorCode::config, std::move(error));
  reply.errors = std::move(errors);
  return reply;
}

std::string ControlReply::to_line() const {
  nlohmann::json line;
  line["ok"] = ok;
  if (ok) {
    line["body"] = body.is_null() ? nlohmann::json::object() : body;
  } else {
    line["error"] = control_detail::one_line(error);
    line["code"] = control_error_code_name(code);
    if (!errors.empty()) {
      nlohmann::json list = nlohmann::json::array();
      for (const std::string& e : errors) list.push_back(control_detail::one_line(e));
      line["errors"] = std::move(list);
    }
  }
  return control_detail::dump_line(line);
}

ControlReply ControlReply::from_line(std::string_view line) {
  nlohmann::json value;
  try {
    value = nlohmann::json::parse(line);
  } catch (const nlohmann::json::exception&) {
    throw std::invalid_argument("reply is not JSON: " +
                                control_detail::one_line(line.substr(0, 80)));
  }
  if (!value.is_object()) throw std::invalid_argument("reply is not a JSON object");
  const auto ok = value.find("ok");
  if (ok == value.end() || !ok->is_boolean()) {
    throw std::invalid_argument("reply has no boolean \"ok\"");
  }
  if (ok->get<bool>()) {
    const auto body = value.find("body");
    return success(body == value.end() ? nlohmann::json::object() : *body);
  }
  const auto error = value.find("error");
  const auto code = value.find("code");
  if (error == value.end() || !error->is_string()) {
    throw std::invalid_argument("failed reply has no \"error\" string");
  }
  std::optional<ControlErrorCode> parsed;
  if (code != value.end() && code->is_string()) {
    parsed = parse_control_error_code(code->get<std::string>());
  }
  ControlReply reply =
      failure(parsed.value_or(ControlErrorCode::failed), error->get<std::string>());
  if (const auto errors = value.find("errors"); errors != value.end() && errors->is_array()) {
    for (const nlohmann::json& e : *errors) {
      reply.errors.push_back(e.is_string() ? e.get<std::string>() : e.dump());
    }
  }
  return reply;
}

namespace control_detail {

std::string one_line(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte == 0x7F) c = ' ';
  }
  return out;
}

std::string dump_line(const nlohmann::json& value) {
  return value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::variant<ParsedRequest, ControlReply> parse_request_line(std::string_view line) {
  nlohmann::json request;
  try {
    request = nlohmann::json::parse(line);
  } catch (const nlohmann::json::exception& error) {
    // nlohmann's text names the position and what it expected (or, for
    // 1e999, the overflow); its "last read" part may quote the offending
    // bytes, which one_line() tames.
    std::string what = error.what();
    if (const size_t end = what.find("] ");
        what.starts_with("[json.exception") && end != std::string::npos) {
      what.erase(0, end + 2);
    }
    return bad_request("invalid JSON: " + one_line(what));
  }
  if (!request.is_object()) {
    return bad_request("request must be a JSON object, not " + std::string(type_name(request)));
  }
  for (const auto& [key, value] : request.items()) {
    if (key != "command" && key != "args") {
      return bad_request("unknown key '" + one_line(key) +
                         "' in request (use \"command\" and \"args\")");
    }
  }
  const auto command = request.find("command");
  if (command == request.end()) return bad_request("request has no \"command\"");
  if (!command->is_string()) {
    return bad_request("\"command\" must be a string, not " + std::string(type_name(*command)));
  }
  const std::string name = command->get<std::string>();
  const ControlCommandSpec* spec = find_control_command(name);
  if (spec == nullptr) {
    return bad_request("unknown command '" + one_line(name) + "' (commands: " + command_list() +
                       ")");
  }
  nlohmann::json args = nlohmann::json::object();
  if (const auto given = request.find("args"); given != request.end() && !given->is_null()) {
    if (!given->is_object()) {
      return bad_request("\"args\" of '" + name + "' must be an object, not " +
                         std::string(type_name(*given)));
    }
    args = *given;
  }
  for (const auto& [key, value] : args.items()) {
    const ControlArgSpec* arg = nullptr;
    for (const ControlArgSpec& candidate : spec->args) {
      if (candidate.name == key) arg = &candidate;
    }
    if (arg == nullptr) {
      std::string known;
      for (const ControlArgSpec& candidate : spec->args) {
        known += known.empty() ? "" : ", ";
        known += candidate.name;
      }
      return bad_request("unknown argument '" + one_line(key) + "' for '" + name + "'" +
                         (known.empty() ? " (it takes none)" : " (arguments: " + known + ")"));
    }
    if (arg->type == ControlArgType::string && !value.is_string()) {
      return bad_request("argument '" + key + "' of '" + name + "' must be a string, not " +
                         std::string(type_name(value)));
    }
    if (arg->type == ControlArgType::positive_number) {
      if (!value.is_number() || !(value.get<double>() > 0.0) ||
          !std::isfinite(value.get<double>())) {
        return bad_request(
            "argument '" + key + "' of '" + name + "' must be a positive number, not " +
            (value.is_number() ? one_line(value.dump()) : std::string(type_name(value))));
      }
    }
  }
  for (const ControlArgSpec& arg : spec->args) {
    if (arg.required && !args.contains(arg.name)) {
      return bad_request("'" + name + "' needs the argument '" + std::string(arg.name) + "'");
    }
  }
  return ParsedRequest{name, std::move(args)};
}

}  // namespace control_detail
}  // namespace ivrd::ivr
