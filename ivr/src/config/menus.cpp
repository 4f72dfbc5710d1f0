// Reading [menus]: greetings, keys, digit entry, and the no-input and
// invalid-input policies.
#include <cctype>

#include "config/load_state.hpp"

namespace ivrd::ivr::config_detail {
namespace {

// A DTMF key as a menu names it: one of 0-9 * #.
bool is_dtmf_key(std::string_view text) {
  return text.size() == 1 &&
         (std::isdigit(static_cast<unsigned char>(text[0])) || text[0] == '*' || text[0] == '#');
}

void read_retry(const toml::table& menu, std::string_view key, const std::string& context,
                RetryPolicy& policy, std::chrono::milliseconds* timeout, LoadState& state) {
  policy.where = position_of(menu);
  const toml::table* table = table_at(menu, key, state.diag);
  if (table != nullptr) {
    policy.where = position_of(*table);
    const std::string inner = context.substr(0, context.size() - 1) + "." + std::string(key) + "]";
    if (timeout != nullptr) {
      check_keys(*table, {"timeout", "tries", "prompt", "then"}, inner, state.diag);
      if (auto t = seconds_at(*table, "timeout", 1, 60, state.diag)) *timeout = *t;
    } else {
      check_keys(*table, {"tries", "prompt", "then"}, inner, state.diag);
    }
    if (auto tries = integer_at(*table, "tries", 1, 10, state.diag))
      policy.tries = static_cast<int>(*tries);
    policy.prompt = prompt_at(*table, "prompt", state);
    if (auto then = route_at(*table, "then", state)) policy.then = *then;
  }
  if (policy.then.empty()) policy.then = hang_up_route(state, policy.where);
}

}  // namespace

void read_menus(const toml::table& root, LoadState& state) {
  const toml::table* menus = table_at(root, "menus", state.diag);
  if (menus == nullptr) {
    if (!root.contains("menus"))
      state.diag.error(SourcePosition{}, "no menus: define at least [menus.main]");
    return;
  }
  for (const auto& [key, node] : *menus) {
    const std::string name(key.str());
    const std::string context = "[menus." + name + "]";
    const toml::table* table = node.as_table();
    if (table == nullptr) {
      state.diag.error(node, "'" + name + "' in [menus] must be a table, not " +
                                 std::string(type_phrase(node.type())));
      continue;
    }
    if (!is_name(name)) {
      state.diag.error(key, "'" + name + "' cannot name a menu: use letters, digits, _ and -");
    }
    MenuConfig menu;
    menu.name = name;
    menu.where = position_of(*table);
    check_keys(*table,
               {"greeting", "short_greeting", "barge_in", "keys", "entry", "operator_key",
                "no_input", "invalid"},
               context, state.diag);
    if (require(*table, "greeting", context, state.diag))
      menu.greeting = prompt_at(*table, "greeting", state);
    menu.short_greeting = table->contains("short_greeting")
                              ? prompt_at(*table, "short_greeting", state)
                              : menu.greeting;
    if (auto barge_in = bool_at(*table, "barge_in", state.diag)) menu.barge_in = *barge_in;

    if (const toml::table* keys = table_at(*table, "keys", state.diag)) {
      for (const auto& [key_name, action_node] : *keys) {
        if (!is_dtmf_key(key_name.str())) {
          state.diag.error(key_name, "'" + std::string(key_name.str()) +
                                         "' is not a key: use one of 0-9, \"*\" and \"#\"");
          continue;
        }
        if (auto action = action_from_string(action_node, state))
          menu.keys[key_name.str()[0]] = *action;
      }
    }
    if (auto key_text = string_at(*table, "operator_key", state.diag)) {
      const toml::node& where = *table->get("operator_key");
      if (!is_dtmf_key(*key_text)) {
        state.diag.error(
            where, "'operator_key' must be one of 0-9, \"*\" and \"#\", not '" + *key_text + "'");
      } else if (menu.keys.contains((*key_text)[0])) {
        state.diag.error(where, "key '" + *key_text +
                                    "' is both the operator key and an option in [menus." + name +
                                    ".keys]");
      } else {
        menu.operator_key = (*key_text)[0];
        if (state.config.appliance.operator_route.empty()) {
          state.diag.error(
              where, "an operator key needs 'operator' in [appliance] (where the operator is)");
        }
      }
    }
    for (const auto& [key_char, action] : menu.keys) {
      if (action.kind == ActionKind::operator_ && state.config.appliance.operator_route.empty()) {
        state.diag.error(action.where,
                         "'operator' needs 'operator' in [appliance] (where the operator is)");
      }
    }

    if (const toml::table* entry_table = table_at(*table, "entry", state.diag)) {
      const std::string inner = "[menus." + name + ".entry]";
      DigitEntry entry;
      entry.where = position_of(*entry_table);
      check_keys(
          *entry_table,
          {"min_digits", "max_digits", "terminator", "inter_digit_timeout", "variable", "then"},
          inner, state.diag);
      if (auto n = integer_at(*entry_table, "min_digits", 1, 32, state.diag))
        entry.min_digits = static_cast<int>(*n);
      if (require(*entry_table, "max_digits", inner, state.diag)) {
        if (auto n = integer_at(*entry_table, "max_digits", 1, 32, state.diag)) {
          entry.max_digits = static_cast<int>(*n);
          if (entry.max_digits < entry.min_digits) {
            state.diag.error(*entry_table->get("max_digits"),
                             "'max_digits' (" + std::to_string(*n) +
                                 ") is less than 'min_digits' (" +
                                 std::to_string(entry.min_digits) + ")");
          }
        }
      }
      if (auto terminator = string_at(*entry_table, "terminator", state.diag)) {
        const toml::node& where = *entry_table->get("terminator");
        if (terminator->empty()) {
          entry.terminator = '\0';
        } else if (*terminator != "#" && *terminator != "*") {
          state.diag.error(
              where, "'terminator' must be \"#\", \"*\" or \"\" (none), not '" + *terminator + "'");
        } else if (menu.keys.contains((*terminator)[0])) {
          state.diag.error(
              where, "key '" + *terminator + "' is both the entry's terminator and an option");
        } else {
          entry.terminator = (*terminator)[0];
        }
      } else if (menu.keys.contains('#')) {
        state.diag.error(*entry_table,
                         "key '#' is both an option and the entry's default terminator: "
                         "set 'terminator' to \"*\" or \"\"");
      }
      if (auto t = seconds_at(*entry_table, "inter_digit_timeout", 0.5, 30, state.diag))
        entry.inter_digit_timeout = *t;
      if (auto variable = string_at(*entry_table, "variable", state.diag)) {
        if (!is_name(*variable)) {
          state.diag.error(*entry_table->get("variable"),
                           "'" + *variable + "' cannot name a variable");
        }
        entry.variable = *variable;
      }
      state.defined_variables.insert(entry.variable);
      if (require(*entry_table, "then", inner, state.diag)) {
        if (auto then = route_at(*entry_table, "then", state)) entry.then = *then;
      }
      if (menu.operator_key != '\0' && menu.operator_key == entry.terminator) {
        state.diag.error(*entry_table, "the entry's terminator is also the operator key");
      }
      menu.entry = entry;
    }
    read_retry(*table, "no_input", context, menu.no_input, &menu.timeout, state);
    read_retry(*table, "invalid", context, menu.invalid, nullptr, state);
    state.config.menus.emplace(name, std::move(menu));
  }
}

}  // namespace ivrd::ivr::config_detail
