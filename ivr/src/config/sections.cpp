#include <algorithm>
#include <cctype>
#include <regex>
#include <set>
#include <tuple>

#include "ivrd/dsp/tone_zone.hpp"

#include "config/did_you_mean.hpp"
#include "config/load_state.hpp"

namespace ivrd::ivr::config_detail {
namespace {

const std::vector<std::string> kWeekdays = {"monday", "tuesday",  "wednesday", "thursday",
                                            "friday", "saturday", "sunday"};

bool is_digits(std::string_view text) {
  return !text.empty() && std::all_of(text.begin(), text.end(), [](char c) {
    return std::isdigit(static_cast<unsigned char>(c));
  });
}

// "HH:MM-HH:MM", minutes since midnight; "24:00" is allowed as an end.
std::optional<TimeRange> parse_time_range(std::string_view text) {
  auto parse_clock = [](std::string_view hhmm) -> std::optional<int> {
    if (hhmm.size() != 5 || hhmm[2] != ':' || !is_digits(hhmm.substr(0, 2)) ||
        !is_digits(hhmm.substr(3, 2))) {
      return std::nullopt;
    }
    const int hours = (hhmm[0] - '0') * 10 + (hhmm[1] - '0');
    const int minutes = (hhmm[3] - '0') * 10 + (hhmm[4] - '0');
    if (minutes > 59 || hours > 24 || (hours == 24 && minutes != 0)) return std::nullopt;
    return hours * 60 + minutes;
  };
  const size_t dash = text.find('-');
  if (dash == std::string_view::npos) return std::nullopt;
  const auto begin = parse_clock(text.substr(0, dash));
  const auto end = parse_clock(text.substr(dash + 1));
  if (!begin || !end || *begin >= *end) return std::nullopt;
  return TimeRange{std::chrono::minutes(*begin), std::chrono::minutes(*end)};
}

// toml++ keeps a table's entries sorted by key; messages such as "defined
// twice (first at line 6)" and the order of ports need the order of the file.
std::vector<std::pair<const toml::key*, const toml::node*>> in_file_order(
    const toml::table& table) {
  std::vector<std::pair<const toml::key*, const toml::node*>> entries;
  for (const auto& [key, node] : table) entries.emplace_back(&key, &node);
  std::stable_sort(entries.begin(), entries.end(), [](const auto& a, const auto& b) {
    const SourcePosition pa = position_of(*a.first), pb = position_of(*b.first);
    return std::tie(pa.line, pa.column) < std::tie(pb.line, pb.column);
  });
  return entries;
}

}  // namespace

// Reads a prompt reference (the name of a [prompts] entry) at `key`.
std::string prompt_at(const toml::table& table, std::string_view key, LoadState& state) {
  const auto name = string_at(table, key, state.diag);
  if (!name) return {};
  state.refer(ReferenceKind::prompt, *name, position_of(*table.get(key)));
  return *name;
}

std::optional<std::string> route_at(const toml::table& table, std::string_view key,
                                    LoadState& state) {
  const toml::node* node = table.get(key);
  if (node == nullptr) return std::nullopt;
  return route_from_string(*node, state);
}

void read_appliance(const toml::table& root, LoadState& state) {
  ApplianceSettings& appliance = state.config.appliance;
  // Relative to the file's folder, made absolute so that messages and the
  // daemon do not depend on the working directory.
  std::error_code ignored;
  const std::filesystem::path folder =
      std::filesystem::absolute(state.config.file, ignored).parent_path();
  appliance.prompts_dir = folder / "prompts";
  const toml::table* table = table_at(root, "appliance", state.diag);
  if (table == nullptr) return;
  appliance.where = position_of(*table);
  appliance.prompts_dir_where = appliance.where;
  check_keys(*table, {"name", "tone_zone", "prompts_dir", "admin_group", "operator"}, "[appliance]",
             state.diag);
  if (auto name = string_at(*table, "name", state.diag)) appliance.name = *name;
  if (auto zone = string_at(*table, "tone_zone", state.diag)) {
    if (dsp::find_tone_zone(*zone) == nullptr) {
      state.diag.error(*table->get("tone_zone"),
                       "unknown tone zone '" + *zone + "': " + dsp::tone_zone_hint(*zone));
    }
    appliance.tone_zone = *zone;
  }
  if (auto dir = string_at(*table, "prompts_dir", state.diag)) {
    std::filesystem::path path(*dir);
    appliance.prompts_dir = path.is_absolute() ? path : folder / path;
    appliance.prompts_dir_where = position_of(*table->get("prompts_dir"));
  }
  if (auto group = string_at(*table, "admin_group", state.diag)) {
    if (!is_name(*group)) {
      state.diag.error(*table->get("admin_group"),
                       "'admin_group' must be a group name, not '" + *group + "'");
    }
    appliance.admin_group = *group;
  }
  if (auto route = route_at(*table, "operator", state)) appliance.operator_route = *route;
}

void read_spans(const toml::table& root, LoadState& state) {
  const toml::table* spans = table_at(root, "spans", state.diag);
  if (spans == nullptr) return;
  std::map<std::string, SourcePosition> port_names;
  std::map<int64_t, std::string> channels;
  std::map<std::string, std::string> numbers;
  for (const auto& [key, node] : in_file_order(*spans)) {
    const std::string name(key->str());
    const std::string context = "[spans." + name + "]";
    const toml::table* table = node->as_table();
    if (table == nullptr) {
      state.diag.error(*node, "'" + name + "' in [spans] must be a table, not " +
                                  std::string(type_phrase(node->type())));
      continue;
    }
    SpanConfig span{name, SpanBackend::sim, {}, position_of(*table)};
    check_keys(*table, {"backend", "ports"}, context, state.diag);
    if (require(*table, "backend", context, state.diag)) {
      if (auto backend = string_at(*table, "backend", state.diag)) {
        if (*backend == "dahdi") {
          span.backend = SpanBackend::dahdi;
        } else if (*backend != "sim") {
          state.diag.error(*table->get("backend"), "unknown backend '" + *backend +
                                                       "': sim or dahdi" +
                                                       did_you_mean(*backend, {"sim", "dahdi"}));
        }
      }
    }
    const toml::table* ports = require(*table, "ports", context, state.diag)
                                   ? table_at(*table, "ports", state.diag)
                                   : nullptr;
    if (ports != nullptr) {
      for (const auto& [port_key_pointer, port_node_pointer] : in_file_order(*ports)) {
        const toml::key& port_key = *port_key_pointer;
        const toml::node& port_node = *port_node_pointer;
        const std::string port_name(port_key.str());
        const std::string port_context = "port '" + port_name + "'";
        const toml::table* port_table = port_node.as_table();
        if (port_table == nullptr) {
          state.diag.error(port_node, "port '" + port_name +
                                          "' must be a table such as { role = \"trunk\" }, not " +
                                          std::string(type_phrase(port_node.type())));
          continue;
        }
        PortConfig port{port_name, PortRole::trunk, std::nullopt, {}, {}, position_of(port_key)};
        if (!is_name(port_name)) {
          state.diag.error(port_key,
                           "'" + port_name + "' cannot name a port: use letters, digits, _ and -");
        }
        if (auto [it, fresh] = port_names.emplace(port_name, port.where); !fresh) {
          state.diag.error(port_key, "port '" + port_name + "' is defined twice (first at line " +
                                         std::to_string(it->second.line) + ")");
        }
        check_keys(*port_table, {"role", "channel", "number", "label"}, port_context, state.diag);
        if (require(*port_table, "role", port_context, state.diag)) {
          if (auto role = string_at(*port_table, "role", state.diag)) {
            if (*role == "extension") {
              port.role = PortRole::extension;
            } else if (*role != "trunk") {
              state.diag.error(*port_table->get("role"),
                               "unknown port role '" + *role + "': trunk or extension" +
                                   did_you_mean(*role, {"trunk", "extension"}));
            }
          }
        }
        if (span.backend == SpanBackend::dahdi) {
          if (require(*port_table, "channel", port_context, state.diag)) {
            if (auto channel = integer_at(*port_table, "channel", 1, 4095, state.diag)) {
              port.channel = static_cast<int>(*channel);
              if (auto [it, fresh] = channels.emplace(*channel, port_name); !fresh) {
                state.diag.error(*port_table->get("channel"),
                                 "DAHDI channel " + std::to_string(*channel) +
                                     " is already port '" + it->second + "'");
              }
            }
          }
        } else if (const toml::node* channel = port_table->get("channel")) {
          state.diag.error(*channel,
                           "'channel' is for ports of dahdi spans; span '" + name + "' is sim");
        }
        if (auto number = string_at(*port_table, "number", state.diag)) {
          const toml::node& where = *port_table->get("number");
          if (port.role != PortRole::extension) {
            state.diag.error(
                where, "'number' is for extension ports; '" + port_name + "' is a trunk port");
          } else if (!is_digits(*number)) {
            state.diag.error(where, "an extension number must be digits, not '" + *number + "'");
          } else if (auto [it, fresh] = numbers.emplace(*number, port_name); !fresh) {
            state.diag.error(
                where, "extension number " + *number + " is already port '" + it->second + "'");
          }
          port.number = *number;
        }
        if (auto label = string_at(*port_table, "label", state.diag)) port.label = *label;
        span.ports.push_back(std::move(port));
      }
    }
    state.config.spans.push_back(std::move(span));
  }
}

void read_speech(const toml::table& root, LoadState& state) {
  SpeechSettings& speech = state.config.speech;
  const toml::table* table = table_at(root, "speech", state.diag);
  if (table != nullptr) {
    speech.where = position_of(*table);
    check_keys(*table, {"voices", "default_language", "rate"}, "[speech]", state.diag);
    if (const toml::table* voices = table_at(*table, "voices", state.diag)) {
      for (const auto& [key, node] : *voices) {
        const std::string language(key.str());
        if (!is_name(language)) {
          state.diag.error(key,
                           "'" + language + "' is not a language code (such as en, fr, pt-br)");
        }
        if (const auto* voice = node.as_string(); voice != nullptr && !voice->get().empty()) {
          speech.voices[language] = voice->get();
        } else {
          state.diag.error(node, "the voice for '" + language +
                                     "' must be an espeak-ng voice name such as \"en-us\"");
        }
      }
    }
    if (auto rate = integer_at(*table, "rate", 80, 450, state.diag))
      speech.rate_wpm = static_cast<int>(*rate);
  }
  if (speech.voices.empty()) speech.voices["en"] = "en-us";
  if (table != nullptr && table->contains("default_language")) {
    if (auto language = string_at(*table, "default_language", state.diag)) {
      speech.default_language = *language;
      state.refer(ReferenceKind::language, *language, position_of(*table->get("default_language")));
    }
  } else if (speech.voices.size() == 1) {
    speech.default_language = speech.voices.begin()->first;
  } else {
    state.diag.error(speech.where,
                     "missing key 'default_language' in [speech] (there are several voices)");
  }
}

void read_prompts(const toml::table& root, LoadState& state) {
  const toml::table* prompts = table_at(root, "prompts", state.diag);
  if (prompts == nullptr) return;
  for (const auto& [key, node] : *prompts) {
    const std::string name(key.str());
    Prompt prompt{name, PromptFile{}, position_of(node)};
    if (!is_name(name)) {
      state.diag.error(key, "'" + name + "' cannot name a prompt: use letters, digits, _ and -");
    }
    if (const auto* file = node.as_string()) {
      prompt.content = PromptFile{file->get()};
    } else if (const auto* table = node.as_table()) {
      const std::string context = "prompt '" + name + "'";
      check_keys(*table, {"file", "say"}, context, state.diag);
      const toml::node* say = table->get("say");
      if (table->contains("file") == (say != nullptr)) {
        state.diag.error(node, "prompt '" + name +
                                   "' needs either 'file' (a WAV file) or 'say' (text to speak)");
        continue;
      }
      if (auto file_name = string_at(*table, "file", state.diag))
        prompt.content = PromptFile{*file_name};
      if (say != nullptr) {
        PromptSpeech speech;
        if (const auto* text = say->as_string()) {
          for (const auto& [language, voice] : state.config.speech.voices)
            speech.text[language] = text->get();
          state.spoken_texts.push_back({text->get(), position_of(*say)});
        } else if (const auto* texts = say->as_table()) {
          for (const auto& [language_key, text_node] : *texts) {
            const std::string language(language_key.str());
            state.refer(ReferenceKind::language, language, position_of(language_key));
            if (const auto* language_text = text_node.as_string()) {
              speech.text[language] = language_text->get();
              state.spoken_texts.push_back({language_text->get(), position_of(text_node)});
            } else {
              state.diag.error(text_node, "the text for '" + language + "' must be a string, not " +
                                              std::string(type_phrase(text_node.type())));
            }
          }
          if (!speech.text.contains(state.config.speech.default_language)) {
            state.diag.error(*say, "prompt '" + name + "' has no text in the default language '" +
                                       state.config.speech.default_language + "'");
          }
        } else {
          state.diag.error(*say, "'say' must be text, or a table of texts by language, not " +
                                     std::string(type_phrase(say->type())));
          continue;
        }
        prompt.content = std::move(speech);
      }
    } else {
      state.diag.error(
          node, "prompt '" + name +
                    "' must be a file name (a string) or a table such as { say = \"...\" }, not " +
                    std::string(type_phrase(node.type())));
      continue;
    }
    state.config.prompts.emplace(name, std::move(prompt));
  }
}

void read_calendars(const toml::table& root, LoadState& state) {
  const toml::table* calendars = table_at(root, "calendars", state.diag);
  if (calendars == nullptr) return;
  for (const auto& [key, node] : *calendars) {
    const std::string name(key.str());
    const std::string context = "[calendars." + name + "]";
    const toml::table* table = node.as_table();
    if (table == nullptr) {
      state.diag.error(node, "'" + name + "' in [calendars] must be a table, not " +
                                 std::string(type_phrase(node.type())));
      continue;
    }
    CalendarConfig calendar;
    calendar.name = name;
    calendar.where = position_of(*table);
    check_keys(
        *table,
        {"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "holidays"},
        context, state.diag);
    for (size_t day = 0; day < kWeekdays.size(); ++day) {
      const toml::node* hours = table->get(kWeekdays[day]);
      if (hours == nullptr) continue;
      const toml::array* list = hours->as_array();
      if (list == nullptr) {
        state.diag.error(*hours,
                         "'" + kWeekdays[day] +
                             "' must be an array of opening hours such as [\"08:30-17:00\"], not " +
                             std::string(type_phrase(hours->type())));
        continue;
      }
      for (const auto& item : *list) {
        const auto* text = item.as_string();
        const auto range = text != nullptr ? parse_time_range(text->get()) : std::nullopt;
        if (!range) {
          state.diag.error(
              item, "opening hours must be written \"HH:MM-HH:MM\" with the end after the start");
          continue;
        }
        for (const auto& other : calendar.hours[day]) {
          if (range->begin < other.end && other.begin < range->end) {
            state.diag.error(
                item, "opening hours '" + text->get() + "' overlap others on " + kWeekdays[day]);
          }
        }
        calendar.hours[day].push_back(*range);
      }
      std::sort(calendar.hours[day].begin(), calendar.hours[day].end(),
                [](const TimeRange& a, const TimeRange& b) { return a.begin < b.begin; });
    }
    if (const toml::node* holidays = table->get("holidays")) {
      if (const auto* list = holidays->as_array()) {
        for (const auto& item : *list) {
          if (const auto* date = item.as_date()) {
            const CalendarDate day{date->get().year, date->get().month, date->get().day};
            if (std::find(calendar.holidays.begin(), calendar.holidays.end(), day) !=
                calendar.holidays.end()) {
              state.diag.error(item, "holiday listed twice");
            }
            calendar.holidays.push_back(day);
          } else {
            state.diag.error(item, "a holiday must be a TOML date such as 2026-12-25, not " +
                                       std::string(type_phrase(item.type())));
          }
        }
        std::sort(calendar.holidays.begin(), calendar.holidays.end());
      } else {
        state.diag.error(*holidays, "'holidays' must be an array of dates, not " +
                                        std::string(type_phrase(holidays->type())));
      }
    }
    state.config.calendars.emplace(name, std::move(calendar));
  }
}

void read_incoming(const toml::table& root, LoadState& state) {
  IncomingSettings& incoming = state.config.incoming;
  const toml::table* table = table_at(root, "incoming", state.diag);
  if (table == nullptr) {
    if (!root.contains("incoming")) {
      state.diag.error(SourcePosition{}, "missing table [incoming] (which menu answers calls)");
    }
    return;
  }
  incoming.where = position_of(*table);
  check_keys(*table, {"menu", "calendar", "closed_menu", "holiday_menu"}, "[incoming]", state.diag);
  auto menu_at = [&](std::string_view key) -> std::string {
    const auto name = string_at(*table, key, state.diag);
    if (!name) return {};
    state.refer(ReferenceKind::menu, *name, position_of(*table->get(key)));
    return *name;
  };
  if (require(*table, "menu", "[incoming]", state.diag)) incoming.menu = menu_at("menu");
  if (auto calendar = string_at(*table, "calendar", state.diag)) {
    incoming.calendar = *calendar;
    state.refer(ReferenceKind::calendar, *calendar, position_of(*table->get("calendar")));
    if (require(*table, "closed_menu", "[incoming] (with a calendar)", state.diag)) {
      incoming.closed_menu = menu_at("closed_menu");
    }
  } else if (const toml::node* closed = table->get("closed_menu")) {
    state.diag.error(*closed,
                     "'closed_menu' needs a 'calendar' that says when the office is closed");
  }
  incoming.holiday_menu =
      table->contains("holiday_menu") ? menu_at("holiday_menu") : incoming.closed_menu;
}

void read_callers(const toml::table& root, LoadState& state) {
  const toml::node* node = root.get("callers");
  if (node == nullptr) return;
  const toml::array* rules = node->as_array();
  if (rules == nullptr || !rules->is_array_of_tables()) {
    state.diag.error(*node, "'callers' must be an array of tables: write each rule as [[callers]]");
    return;
  }
  for (const auto& item : *rules) {
    const toml::table& table = *item.as_table();
    CallerRule rule;
    rule.where = position_of(table);
    check_keys(table, {"exact", "prefix", "pattern", "lookup", "provides", "set", "route"},
               "[[callers]]", state.diag);
    int matches = 0;
    for (auto [key, kind] :
         {std::pair{"exact", CallerMatch::exact}, std::pair{"prefix", CallerMatch::prefix},
          std::pair{"pattern", CallerMatch::pattern}, std::pair{"lookup", CallerMatch::lookup}}) {
      if (auto value = string_at(table, key, state.diag)) {
        ++matches;
        rule.match = kind;
        rule.value = *value;
        const toml::node& where = *table.get(key);
        if ((kind == CallerMatch::exact || kind == CallerMatch::prefix) &&
            (value->empty() || value->find_first_not_of("+0123456789*#") != std::string::npos)) {
          state.diag.error(where,
                           "a caller ID holds digits (and '+', '*', '#'), not '" + *value + "'");
        } else if (kind == CallerMatch::pattern) {
          try {
            std::regex check(*value);
          } catch (const std::regex_error& e) {
            state.diag.error(where,
                             "'" + *value + "' is not a valid regular expression: " + e.what());
          }
        } else if (kind == CallerMatch::lookup && !is_name(*value)) {
          state.diag.error(where,
                           "'lookup' must name a directory of the store, not '" + *value + "'");
        }
      } else if (table.contains(key)) {
        ++matches;
      }
    }
    if (matches != 1) {
      state.diag.error(
          table, matches == 0
                     ? "a caller rule needs one of 'exact', 'prefix', 'pattern' or 'lookup'"
                     : "a caller rule takes only one of 'exact', 'prefix', 'pattern' and 'lookup'");
    }
    if (const toml::node* provides = table.get("provides")) {
      const auto* list = provides->as_array();
      if (rule.match != CallerMatch::lookup) {
        state.diag.error(*provides,
                         "'provides' is for 'lookup' rules (the fields the directory gives)");
      } else if (list == nullptr) {
        state.diag.error(*provides, "'provides' must be an array of variable names");
      } else {
        for (const auto& field : *list) {
          if (const auto* name = field.as_string(); name != nullptr && is_name(name->get())) {
            state.defined_variables.insert(name->get());
          } else {
            state.diag.error(field, "'provides' must list variable names");
          }
        }
      }
    }
    if (const toml::table* set = table_at(table, "set", state.diag)) {
      for (const auto& [key, value] : *set) {
        const std::string variable(key.str());
        if (!is_name(variable)) {
          state.diag.error(
              key, "'" + variable + "' cannot name a variable: use letters, digits, _ and -");
          continue;
        }
        if (const auto* text = value.as_string()) {
          rule.variables[variable] = text->get();
        } else if (const auto* number = value.as_integer()) {
          rule.variables[variable] = std::to_string(number->get());
        } else {
          state.diag.error(value, "variable '" + variable +
                                      "' must be set to a string or an integer, not " +
                                      std::string(type_phrase(value.type())));
          continue;
        }
        if (variable == "language")
          state.refer(ReferenceKind::language, rule.variables[variable], position_of(value));
        state.defined_variables.insert(variable);
      }
    }
    if (auto route = route_at(table, "route", state)) rule.route = *route;
    state.config.callers.push_back(std::move(rule));
  }
}

void read_loop_guard(const toml::table& root, LoadState& state) {
  LoopGuard& guard = state.config.loop_guard;
  const toml::table* table = table_at(root, "loop_guard", state.diag);
  if (table != nullptr) {
    guard.where = position_of(*table);
    check_keys(*table, {"max_greetings", "then"}, "[loop_guard]", state.diag);
    if (auto n = integer_at(*table, "max_greetings", 2, 1000, state.diag))
      guard.max_greetings = static_cast<int>(*n);
    if (auto then = route_at(*table, "then", state)) guard.then = *then;
  }
  if (guard.then == "hang_up") hang_up_route(state, guard.where);
}

}  // namespace ivrd::ivr::config_detail
