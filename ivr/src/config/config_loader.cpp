#include "ivrd/ivr/config_loader.hpp"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <ostream>
#include <sstream>

#include <toml++/toml.h>

#include "config/did_you_mean.hpp"
#include "config/load_state.hpp"

namespace ivrd::ivr {

std::string ConfigError::to_string() const {
  if (line == 0) return file + ": error: " + message;
  return file + ":" + std::to_string(line) + ":" + std::to_string(column) + ": error: " + message;
}

const PortConfig* Config::find_port(std::string_view name) const {
  for (const auto& span : spans) {
    for (const auto& port : span.ports) {
      if (port.name == name) return &port;
    }
  }
  return nullptr;
}

ConfigLoadResult load_config_text(std::string_view text, const std::filesystem::path& path) {
  using namespace config_detail;
  LoadState state(path.string());
  state.config.file = path;

  toml::table root;
  try {
    root = toml::parse(text, path.string());
  } catch (const toml::parse_error& e) {
    // toml++ stops at the first syntax error: the file is not TOML past it.
    state.diag.error(position_of(e.source()), std::string(e.description()));
    return {std::nullopt, state.diag.take()};
  }

  check_keys(root,
             {"appliance", "spans", "speech", "prompts", "calendars", "incoming", "callers",
              "menus", "routes", "loop_guard"},
             "the file", state.diag);
  // Order matters: prompts read the languages, menus the operator route.
  read_appliance(root, state);
  read_spans(root, state);
  read_speech(root, state);
  read_prompts(root, state);
  read_calendars(root, state);
  read_incoming(root, state);
  read_callers(root, state);
  read_routes(root, state);
  read_menus(root, state);
  read_loop_guard(root, state);

  check_spoken_variables(state);
  check_references(state);
  check_prompt_files(state);
  check_menu_exits(state);

  if (!state.diag.empty()) return {std::nullopt, state.diag.take()};
  return {std::move(state.config), {}};
}

ConfigLoadResult load_config(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  if (in) text << in.rdbuf();
  // A directory opens but does not read; bad() or fail() catch both.
  if (!in || in.bad() || std::filesystem::is_directory(path)) {
    const int code = errno;
    std::string reason = std::filesystem::is_directory(path) ? "is a directory"
                         : std::filesystem::exists(path) ? std::strerror(code != 0 ? code : EACCES)
                                                         : "no such file";
    return {std::nullopt, {ConfigError{path.string(), 0, 0, "cannot read: " + reason}}};
  }
  return load_config_text(text.str(), path);
}

int check_config(const std::filesystem::path& path, std::ostream& out, std::ostream& err) {
  const ConfigLoadResult result = load_config(path);
  if (!result.ok()) {
    for (const auto& error : result.errors) err << error.to_string() << '\n';
    err << path.string() << ": " << result.errors.size()
        << (result.errors.size() == 1 ? " error" : " errors") << ", configuration refused\n";
    return kExitConfig;
  }
  const Config& config = *result.config;
  size_t ports = 0;
  for (const auto& span : config.spans) ports += span.ports.size();
  out << path.string() << ": configuration OK: " << config.spans.size() << " spans, " << ports
      << " ports, " << config.menus.size() << " menus, " << config.routes.size() << " routes, "
      << config.prompts.size() << " prompts\n";
  return 0;
}

}  // namespace ivrd::ivr
