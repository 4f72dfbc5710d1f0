// Damaged configurations never crash the loader: random edits of the demo
// configuration give either a clean load or well-formed errors inside the
// file, and a misspelt key is always answered with the key meant.
#include <regex>

#include <catch2/catch.hpp>

#include "ivrd/ivr/config_loader.hpp"
#include "ivrd/test_support/rng.hpp"
#include "ivrd/test_support/seed.hpp"

#include "config_fixtures.hpp"

using namespace ivrd::ivr;
using namespace ivrd::ivr::config_test;
namespace ts = ivrd::test_support;

TEST_CASE("random edits of the demo configuration give well-formed errors", "[config]") {
  const ts::Seed seed("config: random edits");
  ts::Rng rng(seed.derive("edits"));
  const std::string original = read_text(example_config("demo.toml"));
  const size_t lines = static_cast<size_t>(std::count(original.begin(), original.end(), '\n')) + 2;
  const std::string alphabet = "abcdefghijklmnopqrstuvwxyz0123456789_-.:=\"'[]{},# \n\t\\";
  const std::regex shape(
      R"(^demo\.toml:([0-9]+):([0-9]+): error: [^\n]+$|^demo\.toml: error: [^\n]+$)");
  int refused = 0;
  for (int round = 0; round < 200; ++round) {
    std::string text = original;
    const int edits = rng.uniform_int(1, 4);
    for (int e = 0; e < edits; ++e) {
      const size_t at = static_cast<size_t>(rng.uniform_int(0, static_cast<int>(text.size()) - 1));
      const char c =
          alphabet[static_cast<size_t>(rng.uniform_int(0, static_cast<int>(alphabet.size()) - 1))];
      switch (rng.uniform_int(0, 2)) {
        case 0: text[at] = c; break;
        case 1: text.erase(at, 1); break;
        default: text.insert(text.begin() + static_cast<ptrdiff_t>(at), c); break;
      }
    }
    ConfigLoadResult result;
    REQUIRE_NOTHROW(result = load_config_text(text, "demo.toml"));
    CHECK(result.ok() == result.config.has_value());
    if (!result.ok()) ++refused;
    uint32_t previous_line = 0;
    for (const auto& error : result.errors) {
      INFO("seed " << seed.value() << " round " << round << ": " << error.to_string());
      std::smatch match;
      const std::string line = error.to_string();
      REQUIRE(std::regex_match(line, match, shape));
      CHECK(error.line <= lines);
      CHECK(error.line >= previous_line);  // sorted by position
      previous_line = error.line;
    }
  }
  // Most random damage is caught; some (inside a comment or a spoken text) is harmless.
  CHECK(refused > 100);
}

TEST_CASE("a key with one typo is answered with the key meant", "[config]") {
  const ts::Seed seed("config: typos");
  ts::Rng rng(seed.derive("typos"));
  const std::string original = read_text(example_config("demo.toml"));
  // Keys of [menus.main] and of [routes.sales_desk] that the demo uses.
  const std::vector<std::pair<std::string, std::string>> keys = {
      {"short_greeting = ", "[menus.main]"},
      {"operator_key = ", "[menus.main]"},
      {"ring_timeout = ", "[routes.sales_desk]"},
      {"on_no_answer = ", "[routes.sales_desk]"},
      {"greeting = ", "[menus.main]"}};
  for (int round = 0; round < 50; ++round) {
    const auto& [needle, table] =
        keys[static_cast<size_t>(rng.uniform_int(0, static_cast<int>(keys.size()) - 1))];
    const size_t at = original.find(needle, original.find(table));
    std::string key = needle.substr(0, needle.size() - 3);
    std::string typo = key;
    const size_t i = static_cast<size_t>(rng.uniform_int(1, static_cast<int>(key.size()) - 2));
    switch (rng.uniform_int(0, 3)) {
      case 0: typo.erase(i, 1); break;
      case 1: typo.insert(i, 1, static_cast<char>('a' + rng.uniform_int(0, 25))); break;
      case 2: std::swap(typo[i], typo[i + 1]); break;
      default: typo[i] = static_cast<char>('a' + rng.uniform_int(0, 25)); break;
    }
    if (typo == key) continue;
    std::string text = original;
    text.replace(at, key.size(), typo);
    const auto result = load_config_text(text, "demo.toml");
    INFO("seed " << seed.value() << " round " << round << ": " << key << " -> " << typo);
    bool found = false;
    for (const auto& error : result.errors) {
      found = found || (error.message.starts_with("unknown key '" + typo + "'") &&
                        error.message.ends_with("(did you mean '" + key + "'?)") &&
                        error.to_string() ==
                            position("demo.toml", text, typo + " =") + ": error: " + error.message);
    }
    CHECK(found);
  }
}
