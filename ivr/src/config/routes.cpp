#include <algorithm>
#include <cctype>

#include "config/did_you_mean.hpp"
#include "config/load_state.hpp"

namespace ivrd::ivr::config_detail {
namespace {

const std::vector<std::string> kRoutePrefixes = {"menu", "extension", "outside", "message",
                                                 "route"};
const std::vector<std::string> kRouteKinds = {"extension", "outside_number", "message_then_hang_up",
                                              "menu"};

bool is_dial_string(std::string_view number) {
  if (number.empty()) return false;
  for (size_t i = 0; i < number.size(); ++i) {
    const char c = number[i];
    const bool ok = std::isdigit(static_cast<unsigned char>(c)) || c == '*' || c == '#' ||
                    c == ',' || (c == '+' && i == 0);
    if (!ok) return false;
  }
  return true;
}

// "{name}" -> "name"; anything else -> "".
std::string braced_variable(std::string_view text) {
  if (text.size() < 3 || text.front() != '{' || text.back() != '}') return {};
  return std::string(text.substr(1, text.size() - 2));
}

void add_route(LoadState& state, Route route) {
  state.route_mentions.emplace_back(route.name, route.where);
  state.config.routes.emplace(route.name, std::move(route));
}

// An extension route's target, "reception" or "{extension_number}".
bool set_extension_target(ExtensionRoute& route, std::string_view target, SourcePosition where,
                          LoadState& state) {
  if (const std::string variable = braced_variable(target); !variable.empty()) {
    route.number_variable = variable;
    state.refer(ReferenceKind::variable, variable, where);
    return true;
  }
  if (!is_name(target)) return false;
  route.port = std::string(target);
  state.refer(ReferenceKind::extension_port, route.port, where);
  return true;
}

}  // namespace

std::string hang_up_route(LoadState& state, SourcePosition where) {
  if (!state.config.routes.contains("hang_up")) {
    add_route(state, Route{"hang_up", MessageThenHangUpRoute{}, where});
  }
  return "hang_up";
}

std::optional<std::string> route_from_string(const toml::node& node, LoadState& state) {
  const auto* value = node.as_string();
  if (value == nullptr) {
    state.diag.error(node, "a route must be a string such as \"menu:sales\", not " +
                               std::string(type_phrase(node.type())));
    return std::nullopt;
  }
  const std::string text = value->get();
  const SourcePosition where = position_of(node);
  if (text == "hang_up") return hang_up_route(state, where);

  const size_t colon = text.find(':');
  const std::string prefix = text.substr(0, colon);
  const std::string argument = colon == std::string::npos ? std::string() : text.substr(colon + 1);
  if (colon == std::string::npos ||
      std::find(kRoutePrefixes.begin(), kRoutePrefixes.end(), prefix) == kRoutePrefixes.end()) {
    std::vector<std::string> spellings = {"hang_up"};
    for (const auto& p : kRoutePrefixes) spellings.push_back(p + ":" + argument);
    std::string hint = did_you_mean(text, spellings);
    if (hint.empty() && colon != std::string::npos) {
      hint = did_you_mean(prefix, kRoutePrefixes);
      if (!hint.empty())
        hint = " (did you mean '" + closest_name(prefix, kRoutePrefixes) + ":" + argument + "'?)";
    }
    state.diag.error(node, "'" + text +
                               "' is not a route: write menu:NAME, extension:PORT, "
                               "outside:NUMBER, message:PROMPT, route:NAME or hang_up" +
                               hint);
    return std::nullopt;
  }
  if (prefix == "route") {
    if (!is_name(argument)) {
      state.diag.error(node,
                       "'" + text + "': a route name must be a name (letters, digits, _ and -)");
      return std::nullopt;
    }
    state.refer(ReferenceKind::route, argument, where);
    return argument;
  }
  if (state.config.routes.contains(text)) return text;

  Route route{text, MenuRoute{}, where};
  bool ok = true;
  if (prefix == "menu") {
    ok = is_name(argument);
    route.target = MenuRoute{argument};
    if (ok) state.refer(ReferenceKind::menu, argument, where);
  } else if (prefix == "message") {
    ok = is_name(argument);
    route.target = MessageThenHangUpRoute{argument};
    if (ok) state.refer(ReferenceKind::prompt, argument, where);
  } else if (prefix == "extension") {
    ExtensionRoute extension;
    ok = set_extension_target(extension, argument, where, state);
    extension.on_no_answer = hang_up_route(state, where);
    extension.on_busy = extension.on_no_answer;
    route.target = extension;
  } else {  // outside
    ok = is_dial_string(argument);
    OutsideNumberRoute outside;
    outside.number = argument;
    outside.on_no_answer = hang_up_route(state, where);
    outside.on_busy = outside.on_no_answer;
    route.target = outside;
  }
  if (!ok) {
    state.diag.error(
        node,
        prefix == "outside"
            ? "'" + text + "': a number may hold digits, '*', '#', ',' and a leading '+'"
            : "'" + text + "': after '" + prefix + ":' comes a name (letters, digits, _ and -)");
    return std::nullopt;
  }
  add_route(state, std::move(route));
  return text;
}

std::optional<Action> action_from_string(const toml::node& node, LoadState& state) {
  const SourcePosition where = position_of(node);
  if (const auto* value = node.as_string()) {
    const std::string& text = value->get();
    if (text == "back") return Action{ActionKind::back, {}, {}, where};
    if (text == "top") return Action{ActionKind::top, {}, {}, where};
    if (text == "repeat") return Action{ActionKind::repeat, {}, {}, where};
    if (text == "operator") return Action{ActionKind::operator_, {}, {}, where};
    if (text.starts_with("language:")) {
      const std::string language = text.substr(9);
      state.refer(ReferenceKind::language, language, where);
      return Action{ActionKind::language, {}, language, where};
    }
    if (text.find(':') == std::string::npos && text != "hang_up") {
      const std::vector<std::string> words = {"back", "top", "repeat", "operator", "hang_up"};
      state.diag.error(node, "'" + text +
                                 "' is not an action: write back, top, repeat, operator, "
                                 "language:CODE, or a route (menu:NAME, extension:PORT, "
                                 "outside:NUMBER, message:PROMPT, route:NAME, hang_up)" +
                                 did_you_mean(text, words));
      return std::nullopt;
    }
  }
  auto route = route_from_string(node, state);
  if (!route) return std::nullopt;
  return Action{ActionKind::route, *route, {}, where};
}

void read_routes(const toml::table& root, LoadState& state) {
  const toml::table* routes = table_at(root, "routes", state.diag);
  if (routes == nullptr) return;
  for (const auto& [key, node] : *routes) {
    const std::string name(key.str());
    const std::string context = "[routes." + name + "]";
    const toml::table* table = node.as_table();
    if (table == nullptr) {
      state.diag.error(node, "'" + name + "' in [routes] must be a table, not " +
                                 std::string(type_phrase(node.type())));
      continue;
    }
    if (!is_name(name) || name == "hang_up") {
      state.diag.error(key, "'" + name +
                                "' cannot name a route: use letters, digits, _ and - "
                                "(and not the word hang_up)");
      continue;
    }
    Route route{name, MenuRoute{}, position_of(*table)};
    if (!require(*table, "kind", context, state.diag)) continue;
    const auto kind = string_at(*table, "kind", state.diag);
    if (!kind) continue;
    const SourcePosition where = position_of(*table);

    auto fallback = [&](std::string_view field, std::string otherwise) -> std::string {
      const toml::node* value = table->get(field);
      if (value == nullptr) return otherwise;
      return route_from_string(*value, state).value_or(otherwise);
    };
    if (*kind == "extension") {
      check_keys(*table, {"kind", "port", "ring_timeout", "on_no_answer", "on_busy"}, context,
                 state.diag);
      ExtensionRoute extension;
      if (require(*table, "port", context, state.diag)) {
        if (const auto port = string_at(*table, "port", state.diag);
            port &&
            !set_extension_target(extension, *port, position_of(*table->get("port")), state)) {
          state.diag.error(
              *table->get("port"),
              "'port' must name an extension port, or hold a variable as \"{extension_number}\"");
        }
      }
      if (auto t = seconds_at(*table, "ring_timeout", 1, 600, state.diag)) {
        extension.ring_timeout = std::chrono::duration_cast<std::chrono::seconds>(*t);
      }
      extension.on_no_answer = fallback("on_no_answer", hang_up_route(state, where));
      extension.on_busy = fallback("on_busy", extension.on_no_answer);
      route.target = extension;
    } else if (*kind == "outside_number") {
      check_keys(*table, {"kind", "number", "trunks", "ring_timeout", "on_no_answer", "on_busy"},
                 context, state.diag);
      OutsideNumberRoute outside;
      if (require(*table, "number", context, state.diag)) {
        if (const auto number = string_at(*table, "number", state.diag)) {
          if (!is_dial_string(*number)) {
            state.diag.error(
                *table->get("number"),
                "'number' may hold digits, '*', '#', ',' and a leading '+', not '" + *number + "'");
          }
          outside.number = *number;
        }
      }
      if (const toml::node* trunks = table->get("trunks")) {
        if (const auto* list = trunks->as_array()) {
          for (const auto& item : *list) {
            if (const auto* port = item.as_string()) {
              outside.trunks.push_back(port->get());
              state.refer(ReferenceKind::trunk_port, port->get(), position_of(item));
            } else {
              state.diag.error(item, "'trunks' must list trunk port names (strings), not " +
                                         std::string(type_phrase(item.type())));
            }
          }
        } else {
          state.diag.error(*trunks, "'trunks' must be an array of trunk port names, not " +
                                        std::string(type_phrase(trunks->type())));
        }
      }
      if (auto t = seconds_at(*table, "ring_timeout", 1, 600, state.diag)) {
        outside.ring_timeout = std::chrono::duration_cast<std::chrono::seconds>(*t);
      }
      outside.on_no_answer = fallback("on_no_answer", hang_up_route(state, where));
      outside.on_busy = fallback("on_busy", outside.on_no_answer);
      route.target = outside;
    } else if (*kind == "message_then_hang_up") {
      check_keys(*table, {"kind", "message"}, context, state.diag);
      MessageThenHangUpRoute message;
      if (const auto prompt = string_at(*table, "message", state.diag)) {
        message.message = *prompt;
        state.refer(ReferenceKind::prompt, *prompt, position_of(*table->get("message")));
      }
      route.target = message;
    } else if (*kind == "menu") {
      check_keys(*table, {"kind", "menu"}, context, state.diag);
      if (require(*table, "menu", context, state.diag)) {
        if (const auto menu = string_at(*table, "menu", state.diag)) {
          route.target = MenuRoute{*menu};
          state.refer(ReferenceKind::menu, *menu, position_of(*table->get("menu")));
        }
      }
    } else {
      state.diag.error(*table->get("kind"), "unknown route kind '" + *kind +
                                                "': extension, outside_number, "
                                                "message_then_hang_up or menu" +
                                                did_you_mean(*kind, kRouteKinds));
      continue;
    }
    add_route(state, std::move(route));
  }
}

}  // namespace ivrd::ivr::config_detail
