#pragma once
// What loading collects between reading the sections of the file and
// checking them against each other: the model so far, the errors, and every
// name a value refers to, with its position.

#include <set>
#include <string>
#include <vector>

#include <toml++/toml.h>

#include "ivrd/ivr/config.hpp"

#include "config/toml_reader.hpp"

namespace ivrd::ivr::config_detail {

enum class ReferenceKind {
  menu,
  route,
  prompt,
  calendar,
  language,
  variable,
  extension_port,
  trunk_port
};

struct Reference {
  ReferenceKind kind;
  std::string name;
  SourcePosition where;
};

// A spoken text, checked for variables once every variable's source is known.
struct SpokenText {
  std::string text;
  SourcePosition where;
};

struct LoadState {
  explicit LoadState(std::string file) : diag(std::move(file)) {}

  Config config;
  Diagnostics diag;
  std::vector<Reference> references;
  std::vector<SpokenText> spoken_texts;
  // Variables the file itself defines (caller rules' `set` and `provides`,
  // digit entries' `variable`), beside the built-in ones.
  std::set<std::string> defined_variables;
  // Each route name's first mention, for messages about the route itself.
  std::vector<std::pair<std::string, SourcePosition>> route_mentions;

  void refer(ReferenceKind kind, std::string name, SourcePosition where) {
    references.push_back({kind, std::move(name), where});
  }
};

// Reading the sections (sections.cpp; [menus] in menus.cpp, [routes] in routes.cpp). Each reads its
// part of `root` into state.config, records references, and reports what is wrong locally.
void read_appliance(const toml::table& root, LoadState& state);
void read_spans(const toml::table& root, LoadState& state);
void read_speech(const toml::table& root, LoadState& state);
void read_prompts(const toml::table& root, LoadState& state);
void read_calendars(const toml::table& root, LoadState& state);
void read_incoming(const toml::table& root, LoadState& state);
void read_callers(const toml::table& root, LoadState& state);
void read_routes(const toml::table& root, LoadState& state);
void read_menus(const toml::table& root, LoadState& state);
void read_loop_guard(const toml::table& root, LoadState& state);

// The prompt name at `key` (recorded as a reference to check), or "".
std::string prompt_at(const toml::table& table, std::string_view key, LoadState& state);
// The route string at `key` as a route name; nothing when absent or wrong.
std::optional<std::string> route_at(const toml::table& table, std::string_view key,
                                    LoadState& state);

// Route strings ("menu:sales", "hang_up", "route:desk", ...) and menu
// actions (those plus "back", "top", "repeat", "operator", "language:fr"),
// from the string value `node` (routes.cpp). Return nothing after an error.
std::optional<std::string> route_from_string(const toml::node& node, LoadState& state);
std::optional<Action> action_from_string(const toml::node& node, LoadState& state);
// The route "hang_up", created on first use.
std::string hang_up_route(LoadState& state, SourcePosition where);

// Checks across sections (checks.cpp): references, prompt files,
// variables in spoken text, and menus without a way out.
void check_references(LoadState& state);
void check_prompt_files(LoadState& state);
void check_spoken_variables(LoadState& state);
void check_menu_exits(LoadState& state);

// The variables every call has.
const std::vector<std::string>& builtin_variables();

}  // namespace ivrd::ivr::config_detail
