#include <algorithm>
#include <set>

#include "config/did_you_mean.hpp"
#include "config/load_state.hpp"

namespace ivrd::ivr::config_detail {
namespace {

template <typename Map>
std::vector<std::string> names_of(const Map& map) {
  std::vector<std::string> names;
  for (const auto& [name, value] : map) names.push_back(name);
  return names;
}

std::string join(const std::vector<std::string>& names) {
  std::string text;
  for (const auto& name : names) text += (text.empty() ? "'" : ", '") + name + "'";
  return text;
}

std::string port_reference(const Config& config, const Reference& ref, PortRole wanted) {
  std::vector<std::string> candidates;
  for (const auto& span : config.spans) {
    for (const auto& port : span.ports) {
      if (port.role == wanted) candidates.push_back(port.name);
    }
  }
  const PortConfig* port = config.find_port(ref.name);
  const std::string role = wanted == PortRole::extension ? "an extension port" : "a trunk port";
  if (port == nullptr)
    return "unknown port '" + ref.name + "'" + did_you_mean(ref.name, candidates);
  if (port->role != wanted) {
    return "port '" + ref.name + "' is " +
           (port->role == PortRole::extension ? "an extension port" : "a trunk port") + ", not " +
           role;
  }
  return {};
}

}  // namespace

const std::vector<std::string>& builtin_variables() {
  static const std::vector<std::string> names = {"caller_id", "caller_name", "language",
                                                 "vip_level", "digits",      "queue_position",
                                                 "now",       "today",       "menu"};
  return names;
}

void check_references(LoadState& state) {
  const Config& config = state.config;
  for (const Reference& ref : state.references) {
    std::string problem;
    switch (ref.kind) {
      case ReferenceKind::menu:
        if (!config.menus.contains(ref.name)) {
          problem =
              "unknown menu '" + ref.name + "'" + did_you_mean(ref.name, names_of(config.menus));
        }
        break;
      case ReferenceKind::route:
        if (!config.routes.contains(ref.name)) {
          std::vector<std::string> named;
          for (const auto& [name, route] : config.routes) {
            if (name.find(':') == std::string::npos) named.push_back(name);
          }
          problem = "unknown route '" + ref.name + "'" + did_you_mean(ref.name, named);
        }
        break;
      case ReferenceKind::prompt:
        if (!config.prompts.contains(ref.name)) {
          problem = "unknown prompt '" + ref.name + "'" +
                    did_you_mean(ref.name, names_of(config.prompts));
        }
        break;
      case ReferenceKind::calendar:
        if (!config.calendars.contains(ref.name)) {
          problem = "unknown calendar '" + ref.name + "'" +
                    did_you_mean(ref.name, names_of(config.calendars));
        }
        break;
      case ReferenceKind::language:
        if (!config.speech.voices.contains(ref.name)) {
          problem = "unknown language '" + ref.name + "' (not in [speech.voices])" +
                    did_you_mean(ref.name, names_of(config.speech.voices));
        }
        break;
      case ReferenceKind::variable:
        if (!state.defined_variables.contains(ref.name) &&
            std::find(builtin_variables().begin(), builtin_variables().end(), ref.name) ==
                builtin_variables().end()) {
          std::vector<std::string> known = builtin_variables();
          known.insert(known.end(), state.defined_variables.begin(), state.defined_variables.end());
          problem = "unknown variable '" + ref.name + "'" + did_you_mean(ref.name, known);
        }
        break;
      case ReferenceKind::extension_port:
        problem = port_reference(config, ref, PortRole::extension);
        break;
      case ReferenceKind::trunk_port: problem = port_reference(config, ref, PortRole::trunk); break;
    }
    if (!problem.empty()) state.diag.error(ref.where, problem);
  }
}

void check_prompt_files(LoadState& state) {
  const Config& config = state.config;
  const auto& dir = config.appliance.prompts_dir;
  bool uses_files = false;
  for (const auto& [name, prompt] : config.prompts) uses_files = uses_files || prompt.is_file();
  if (!uses_files) return;
  std::error_code error;
  if (!std::filesystem::is_directory(dir, error)) {
    state.diag.error(
        config.appliance.prompts_dir_where,
        "the prompts directory " + dir.string() + " does not exist, or is not a directory");
    return;
  }
  for (const auto& [name, prompt] : config.prompts) {
    if (!prompt.is_file()) continue;
    const std::string& file = std::get<PromptFile>(prompt.content).file;
    if (file.empty() || std::filesystem::path(file).is_absolute() ||
        file.find("..") != std::string::npos) {
      state.diag.error(prompt.where, "prompt '" + name + "': '" + file +
                                         "' must be a path inside the prompts directory");
      continue;
    }
    if (!file.ends_with(".wav")) {
      state.diag.error(prompt.where, "prompt '" + name + "': '" + file + "' is not a .wav file");
      continue;
    }
    std::vector<std::string> paths;
    const std::string placeholder = "{language}";
    if (const size_t at = file.find(placeholder); at != std::string::npos) {
      for (const auto& [language, voice] : config.speech.voices) {
        paths.push_back(std::string(file).replace(at, placeholder.size(), language));
      }
    } else {
      paths.push_back(file);
    }
    for (const auto& relative : paths) {
      const auto path = dir / relative;
      if (!std::filesystem::is_regular_file(path, error)) {
        state.diag.error(prompt.where,
                         "prompt file " + path.string() + " not found (prompt '" + name + "')");
      }
    }
  }
}

void check_spoken_variables(LoadState& state) {
  static const std::vector<std::string> formats = {"number", "digits", "time", "date"};
  for (const SpokenText& spoken : state.spoken_texts) {
    const std::string& text = spoken.text;
    for (size_t open = text.find_first_of("{}"); open != std::string::npos;
         open = text.find_first_of("{}", open + 1)) {
      const size_t close = text[open] == '{' ? text.find('}', open) : std::string::npos;
      if (close == std::string::npos || text.find('{', open + 1) < close) {
        state.diag.error(spoken.where,
                         "unbalanced braces in spoken text: write variables as {name}");
        break;
      }
      const std::string inside = text.substr(open + 1, close - open - 1);
      const size_t colon = inside.find(':');
      const std::string variable = inside.substr(0, colon);
      if (colon != std::string::npos) {
        const std::string format = inside.substr(colon + 1);
        if (std::find(formats.begin(), formats.end(), format) == formats.end()) {
          state.diag.error(spoken.where, "unknown way to say {" + inside +
                                             "}: number, digits, time or date" +
                                             did_you_mean(format, formats));
        }
      }
      state.refer(ReferenceKind::variable, variable, spoken.where);
      open = close;
    }
  }
}

void check_menu_exits(LoadState& state) {
  const Config& config = state.config;
  // A menu's successors inside the menus, and whether any of its actions
  // leaves them (a route that is not a menu). back and top lead to menus
  // that led here and to the answering menus, repeat and language stay.
  std::map<std::string, std::set<std::string>> next;
  std::set<std::string> exits;
  auto follow_route = [&](const std::string& menu, const std::string& route_name) {
    const auto route = config.routes.find(route_name);
    const auto* target =
        route == config.routes.end() ? nullptr : std::get_if<MenuRoute>(&route->second.target);
    if (route == config.routes.end() ||
        (target != nullptr && !config.menus.contains(target->menu))) {
      exits.insert(menu);  // reported as unknown already; do not pile on
    } else if (target != nullptr) {
      next[menu].insert(target->menu);
    } else {
      exits.insert(menu);
    }
  };
  for (const auto& [name, menu] : config.menus) {
    next[name];
    for (const auto& [key, action] : menu.keys) {
      if (action.kind == ActionKind::route) follow_route(name, action.route);
      if (action.kind == ActionKind::operator_ && !config.appliance.operator_route.empty()) {
        follow_route(name, config.appliance.operator_route);
      }
    }
    if (menu.operator_key != '\0') follow_route(name, config.appliance.operator_route);
    if (menu.entry) follow_route(name, menu.entry->then);
    follow_route(name, menu.no_input.then);
    follow_route(name, menu.invalid.then);
  }
  std::set<std::string> tops = {config.incoming.menu, config.incoming.closed_menu,
                                config.incoming.holiday_menu};
  for (const auto& [name, menu] : config.menus) {
    for (const auto& [key, action] : menu.keys) {
      if (action.kind == ActionKind::top) next[name].insert(tops.begin(), tops.end());
      if (action.kind == ActionKind::back) {
        for (const auto& [from, targets] : next) {
          if (targets.contains(name)) next[name].insert(from);
        }
      }
    }
  }
  // Grow the set of menus that can reach an exit until it stops growing.
  for (bool grew = true; grew;) {
    grew = false;
    for (const auto& [name, targets] : next) {
      if (exits.contains(name)) continue;
      for (const auto& target : targets) {
        if (exits.contains(target)) {
          exits.insert(name);
          grew = true;
          break;
        }
      }
    }
  }
  for (const auto& [name, menu] : config.menus) {
    if (exits.contains(name)) continue;
    // The trapped menus this one leads to, itself included.
    std::set<std::string> trapped = {name};
    std::vector<std::string> todo = {name};
    while (!todo.empty()) {
      const std::string current = todo.back();
      todo.pop_back();
      for (const auto& target : next[current]) {
        if (config.menus.contains(target) && trapped.insert(target).second) todo.push_back(target);
      }
    }
    state.diag.error(menu.where, "menu '" + name +
                                     "' has no way out: every key and fallback leads only to " +
                                     join({trapped.begin(), trapped.end()}) +
                                     ", never to a route out of the menus or a hang-up");
  }
}

}  // namespace ivrd::ivr::config_detail
