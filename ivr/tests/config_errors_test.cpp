// Every kind of configuration error, reported as file:line:column with the
// exact position of the offending key or value.
#include <unistd.h>

#include <catch2/catch.hpp>

#include "ivrd/ivr/config_loader.hpp"
#include "ivrd/test_support/temp_dir.hpp"

#include "config/did_you_mean.hpp"
#include "config_fixtures.hpp"

using namespace ivrd::ivr;
using namespace ivrd::ivr::config_test;

namespace {

// A small configuration that loads clean; the tests append to it or replace
// parts of it.
const std::string kMinimal = R"([appliance]
operator = "extension:desk"

[spans.sim]
backend = "sim"
ports = { line1 = { role = "trunk" }, desk = { role = "extension", number = "100" } }

[prompts]
hello = { say = "Hello {caller_name}." }

[incoming]
menu = "main"

[menus.main]
greeting = "hello"

[menus.main.keys]
1 = "extension:desk"
2 = "menu:sales"

[menus.sales]
greeting = "hello"
keys = { "*" = "back", 1 = "outside:5551234" }
)";

std::string replace(std::string text, std::string_view from, std::string_view to) {
  const size_t at = text.find(from);
  REQUIRE(at != std::string::npos);
  return text.replace(at, from.size(), to);
}

struct Checked {
  std::filesystem::path file;
  std::string text;
  std::vector<std::string> errors;
};

// Loads `text` as <dir>/ivrd.toml (written to disk, as the daemon reads it).
Checked check(const ivrd::test_support::TempDir& dir, const std::string& text) {
  const auto file = dir.path() / "ivrd.toml";
  write_text(file, text);
  return {file, text, error_lines(load_config(file))};
}

std::string at(const Checked& c, std::string_view needle, int occurrence = 0) {
  return position(c.file, c.text, needle, occurrence) + ": error: ";
}

}  // namespace

TEST_CASE("the minimal test configuration loads clean", "[config]") {
  ivrd::test_support::TempDir dir("ivrd-config");
  CHECK(check(dir, kMinimal).errors.empty());
}

TEST_CASE("a missing file is one line naming it", "[config]") {
  ivrd::test_support::TempDir dir("ivrd-config");
  const auto result = load_config(dir.path() / "nowhere.toml");
  CHECK(error_lines(result) == std::vector<std::string>{(dir.path() / "nowhere.toml").string() +
                                                        ": error: cannot read: no such file"});
  CHECK_FALSE(result.config.has_value());
}

TEST_CASE("an unreadable file is one line naming it", "[config]") {
  ivrd::test_support::TempDir dir("ivrd-config");
  CHECK(error_lines(load_config(dir.path())) ==
        std::vector<std::string>{dir.path().string() + ": error: cannot read: is a directory"});
  if (geteuid() != 0) {  // root reads any file whatever its mode
    const auto file = dir.path() / "secret.toml";
    write_text(file, kMinimal);
    std::filesystem::permissions(file, std::filesystem::perms::none);
    CHECK(error_lines(load_config(file)) ==
          std::vector<std::string>{file.string() + ": error: cannot read: Permission denied"});
  }
}

TEST_CASE("a file that is not TOML is one line at the syntax error", "[config]") {
  ivrd::test_support::TempDir dir("ivrd-config");
  const auto c = check(dir, kMinimal + "\nthis is not toml\n");
  REQUIRE(c.errors.size() == 1);
  // toml++ reports where the parse stopped: after the bare key "this".
  CHECK(c.errors[0] == position(c.file, c.text, "is not toml") +
                           ": error: Error while parsing key-value pair: expected '=', saw 'i'");
  const auto binary = check(dir, std::string("\x7f"
                                             "ELF\x02\x01\x01",
                                             7));
  REQUIRE(binary.errors.size() == 1);
  CHECK(binary.errors[0].starts_with(binary.file.string() + ":1:"));
}

TEST_CASE("a key given twice is a syntax error at the second one", "[config]") {
  ivrd::test_support::TempDir dir("ivrd-config");
  const auto c = check(dir, replace(kMinimal, "greeting = \"hello\"\n",
                                    "greeting = \"hello\"\ngreeting = \"hello\"\n"));
  REQUIRE(c.errors.size() == 1);
  // toml++ points at the second value.
  CHECK(c.errors[0] == position(c.file, c.text, "\"hello\"", 1) +
                           ": error: Error while parsing key-value pair: cannot redefine existing "
                           "string 'greeting'");
}

TEST_CASE("unknown keys are reported with the closest known key", "[config]") {
  ivrd::test_support::TempDir dir("ivrd-config");
  const auto c = check(dir, replace(kMinimal, "[menus.sales]\ngreeting", "[menus.sales]\ngreting"));
  CHECK(c.errors == std::vector<std::string>{
                        at(c, "[menus.sales]") + "missing key 'greeting' in [menus.sales]",
                        at(c, "greting") +
                            "unknown key 'greting' in [menus.sales] (did you mean 'greeting'?)"});

  const auto top = check(dir, kMinimal + "[menu.extra]\ngreeting = \"hello\"\n");
  CHECK(top.errors ==
        std::vector<std::string>{at(top, "menu.extra") +
                                 "unknown key 'menu' in the file (did you mean 'menus'?)"});

  const auto far = check(dir, replace(kMinimal, "[incoming]\n", "[incoming]\ncolour = \"blue\"\n"));
  CHECK(far.errors ==
        std::vector<std::string>{at(far, "colour") + "unknown key 'colour' in [incoming]"});
}

TEST_CASE("wrong types name the key, the type wanted and the type found", "[config]") {
  ivrd::test_support::TempDir dir("ivrd-config");
  const auto c =
      check(dir, replace(kMinimal, "[menus.sales]\n",
                         "[menus.sales]\nbarge_in = \"yes\"\nno_input = { timeout = \"5s\" }\n"));
  CHECK(c.errors ==
        std::vector<std::string>{
            at(c, "\"yes\"") + "'barge_in' must be a boolean (true or false), not a string",
            at(c, "\"5s\"") + "'timeout' must be a number of seconds, not a string"});
  const auto route = check(dir, replace(kMinimal, "2 = \"menu:sales\"", "2 = 7"));
  CHECK(route.errors == std::vector<std::string>{
                            at(route, "7\n\n[menus.sales]") +
                            "a route must be a string such as \"menu:sales\", not an integer"});
}

TEST_CASE("values out of range or badly formed are reported at the value", "[config]") {
  ivrd::test_support::TempDir dir("ivrd-config");
  const auto c =
      check(dir, replace(kMinimal, "[menus.sales]\n",
                         "[menus.sales]\ninvalid = { tries = 0 }\nno_input = { timeout = 90 }\n"
                         "operator_key = \"00\"\n") +
                     "[calendars.office]\nmonday = [\"17:00-09:00\"]\nholidays = [\"2026-12-25\"]\n"
                     "[speech]\nrate = 1000\n");
  CHECK(c.errors ==
        std::vector<std::string>{
            at(c, "0 }") + "'tries' must be between 1 and 10, not 0",
            at(c, "90") + "'timeout' must be between 1 and 60 seconds, not 90",
            at(c, "\"00\"") + "'operator_key' must be one of 0-9, \"*\" and \"#\", not '00'",
            at(c, "\"17:00-09:00\"") +
                "opening hours must be written \"HH:MM-HH:MM\" with the end after the start",
            at(c, "\"2026-12-25\"") +
                "a holiday must be a TOML date such as 2026-12-25, not a string",
            at(c, "1000") + "'rate' must be between 80 and 450, not 1000"});
}

TEST_CASE("dangling references name what is missing and the closest name", "[config]") {
  ivrd::test_support::TempDir dir("ivrd-config");
  std::string text = replace(kMinimal, "2 = \"menu:sales\"",
                             "2 = \"menu:sale\"\n3 = \"route:desc\"\n4 = \"extension:dsk\"");
  text = replace(text, "[menus.sales]\ngreeting = \"hello\"", "[menus.sales]\ngreeting = \"helo\"");
  text = replace(text, "menu = \"main\"",
                 "menu = \"main\"\ncalendar = \"ofice\"\nclosed_menu = \"main\"");
  text +=
      "[calendars.office]\nmonday = [\"09:00-17:00\"]\n[routes.desk]\nkind = \"extension\"\nport = "
      "\"desk\"\n";
  const auto c = check(dir, text);
  CHECK(c.errors == std::vector<std::string>{
                        at(c, "\"ofice\"") + "unknown calendar 'ofice' (did you mean 'office'?)",
                        at(c, "\"menu:sale\"") + "unknown menu 'sale' (did you mean 'sales'?)",
                        at(c, "\"route:desc\"") + "unknown route 'desc' (did you mean 'desk'?)",
                        at(c, "\"extension:dsk\"") + "unknown port 'dsk' (did you mean 'desk'?)",
                        at(c, "\"helo\"") + "unknown prompt 'helo' (did you mean 'hello'?)"});
}

TEST_CASE("a port of the wrong role is refused", "[config]") {
  ivrd::test_support::TempDir dir("ivrd-config");
  const auto c = check(
      dir, replace(kMinimal, "1 = \"extension:desk\"", "1 = \"extension:line1\"") +
               "[routes.out]\nkind = \"outside_number\"\nnumber = \"12\"\ntrunks = [\"desk\"]\n");
  CHECK(c.errors ==
        std::vector<std::string>{
            at(c, "\"extension:line1\"") + "port 'line1' is a trunk port, not an extension port",
            at(c, "\"desk\"]") + "port 'desk' is an extension port, not a trunk port"});
}

TEST_CASE("unknown variables, ways of saying and languages in spoken text", "[config]") {
  ivrd::test_support::TempDir dir("ivrd-config");
  const auto c = check(
      dir, replace(kMinimal, "hello = { say = \"Hello {caller_name}.\" }",
                   "hello = { say = \"Hello {caller_nam}, caller {queue_position:numbr}.\" }\n"
                   "bye = { say = { en = \"Bye.\", de = \"Tschuess.\" } }"));
  CHECK(c.errors ==
        std::vector<std::string>{
            at(c, "\"Hello") + "unknown variable 'caller_nam' (did you mean 'caller_name'?)",
            at(c, "\"Hello") + "unknown way to say {queue_position:numbr}: number, digits, time or "
                               "date (did you mean 'number'?)",
            at(c, "de =") + "unknown language 'de' (not in [speech.voices])"});
}

TEST_CASE("a missing prompt file is an error, not silence", "[config]") {
  ivrd::test_support::TempDir dir("ivrd-config");
  write_silent_wav(dir.path() / "prompts" / "hello.wav");
  const auto good = check(dir, replace(kMinimal, "hello = { say = \"Hello {caller_name}.\" }",
                                       "hello = \"hello.wav\""));
  CHECK(good.errors.empty());
  const auto c = check(dir, replace(kMinimal, "hello = { say = \"Hello {caller_name}.\" }",
                                    "hello = \"helo.wav\"\nmusic = { file = \"music.mp3\" }"));
  CHECK(c.errors ==
        std::vector<std::string>{
            at(c, "\"helo.wav\"") + "prompt file " +
                (dir.path() / "prompts" / "helo.wav").string() + " not found (prompt 'hello')",
            at(c, "{ file") + "prompt 'music': 'music.mp3' is not a .wav file"});
  const auto no_dir =
      check(dir, replace(replace(kMinimal, "hello = { say = \"Hello {caller_name}.\" }",
                                 "hello = \"hello.wav\""),
                         "[appliance]\n", "[appliance]\nprompts_dir = \"/nonexistent/prompts\"\n"));
  CHECK(no_dir.errors ==
        std::vector<std::string>{
            at(no_dir, "\"/nonexistent/prompts\"") +
            "the prompts directory /nonexistent/prompts does not exist, or is not a directory"});
}

TEST_CASE("menus the caller can never leave are refused", "[config]") {
  ivrd::test_support::TempDir dir("ivrd-config");
  std::string text =
      replace(kMinimal, "1 = \"extension:desk\"\n2 = \"menu:sales\"", "2 = \"menu:sales\"");
  text = replace(
      text, "keys = { \"*\" = \"back\", 1 = \"outside:5551234\" }",
      "keys = { \"*\" = \"back\", 1 = \"menu:loop\" }\nno_input = { then = \"menu:main\" }\n"
      "invalid = { then = \"menu:main\" }");
  text = replace(text, "[menus.main]\ngreeting = \"hello\"",
                 "[menus.main]\ngreeting = \"hello\"\nno_input = { then = \"menu:sales\" "
                 "}\ninvalid = { then = \"menu:main\" }");
  text +=
      "[menus.loop]\ngreeting = \"hello\"\nno_input = { then = \"menu:loop\" }\ninvalid = { then = "
      "\"menu:main\" }\n"
      "[menus.fine]\ngreeting = \"hello\"\nkeys = { 1 = \"menu:main\" }\n";
  const auto c = check(dir, text);
  // 'fine' hangs up on silence by default: it has a way out. The others do not.
  CHECK(c.errors ==
        std::vector<std::string>{
            at(c, "[menus.main]") +
                "menu 'main' has no way out: every key and fallback leads only to "
                "'loop', 'main', 'sales', never to a route out of the menus or a hang-up",
            at(c, "[menus.sales]") +
                "menu 'sales' has no way out: every key and fallback leads only to "
                "'loop', 'main', 'sales', never to a route out of the menus or a hang-up",
            at(c, "[menus.loop]") +
                "menu 'loop' has no way out: every key and fallback leads only to "
                "'loop', 'main', 'sales', never to a route out of the menus or a hang-up"});
}

TEST_CASE("the same channel, extension number, port or option twice is refused", "[config]") {
  ivrd::test_support::TempDir dir("ivrd-config");
  const auto c = check(
      dir,
      kMinimal +
          "[spans.card]\nbackend = \"dahdi\"\nports = { a = { role = \"trunk\", channel = 1 }, "
          "b = { role = \"extension\", channel = 1, number = \"100\" }, desk = { role = \"trunk\", "
          "channel = 3 } }\n");
  CHECK(c.errors ==
        std::vector<std::string>{
            at(c, "1, number") + "DAHDI channel 1 is already port 'a'",
            at(c, "\"100\" }", 1) + "extension number 100 is already port 'desk'",
            at(c, "desk = { role = \"trunk\"") + "port 'desk' is defined twice (first at line 6)"});
  // The trunk port named like the extension does not take its place.
  const auto option = check(dir, replace(kMinimal, "greeting = \"hello\"\n",
                                         "greeting = \"hello\"\noperator_key = \"1\"\n"));
  CHECK(option.errors ==
        std::vector<std::string>{
            at(option, "\"1\"") +
            "key '1' is both the operator key and an option in [menus.main.keys]"});
}

TEST_CASE("several errors in one file are all reported, in file order", "[config]") {
  ivrd::test_support::TempDir dir("ivrd-config");
  std::string text = replace(kMinimal, "backend = \"sim\"", "backend = \"simm\"");
  text = replace(text, "menu = \"main\"", "menu = \"mian\"");
  text = replace(text, "1 = \"extension:desk\"", "1 = \"extention:desk\"");
  text += "[routes.desk]\nkind = \"extension\"\nport = \"desk\"\nring_timout = 10\n";
  const auto c = check(dir, text);
  CHECK(c.errors ==
        std::vector<std::string>{
            at(c, "\"simm\"") + "unknown backend 'simm': sim or dahdi (did you mean 'sim'?)",
            at(c, "\"mian\"") + "unknown menu 'mian' (did you mean 'main'?)",
            at(c, "\"extention:desk\"") +
                "'extention:desk' is not a route: write menu:NAME, extension:PORT, outside:NUMBER, "
                "message:PROMPT, route:NAME or hang_up (did you mean 'extension:desk'?)",
            at(c, "ring_timout") +
                "unknown key 'ring_timout' in [routes.desk] (did you mean 'ring_timeout'?)"});
}

TEST_CASE("caller rules need exactly one way to match, and valid patterns", "[config]") {
  ivrd::test_support::TempDir dir("ivrd-config");
  const auto c = check(
      dir,
      kMinimal +
          "[[callers]]\nset = { caller_name = \"Nobody\" }\n"
          "[[callers]]\nexact = \"100\"\nprefix = \"1\"\n"
          "[[callers]]\npattern = \"^(12\"\n"
          "[[callers]]\nprefix = \"+44\"\nset = { language = \"en-gb\" }\nroute = \"hang_up\"\n");
  REQUIRE(c.errors.size() == 4);
  CHECK(c.errors[0] == at(c, "[[callers]]") +
                           "a caller rule needs one of 'exact', 'prefix', 'pattern' or 'lookup'");
  CHECK(c.errors[1] ==
        at(c, "[[callers]]", 1) +
            "a caller rule takes only one of 'exact', 'prefix', 'pattern' and 'lookup'");
  CHECK(c.errors[2].starts_with(at(c, "\"^(12\"") + "'^(12' is not a valid regular expression: "));
  CHECK(c.errors[3] == at(c, "\"en-gb\"") + "unknown language 'en-gb' (not in [speech.voices])");
}

TEST_CASE("route tables take only the keys of their kind", "[config]") {
  ivrd::test_support::TempDir dir("ivrd-config");
  const auto c = check(
      dir, kMinimal +
               "[routes.desk]\nkind = \"extention\"\nport = \"desk\"\n"
               "[routes.out]\nkind = \"outside_number\"\nnumber = \"+33 4 78\"\nport = \"desk\"\n"
               "[routes.bye]\nkind = \"message_then_hang_up\"\nmessage = \"hello\"\n"
               "[routes.hang_up]\nkind = \"menu\"\nmenu = \"main\"\n");
  CHECK(c.errors ==
        std::vector<std::string>{
            at(c, "\"extention\"") + "unknown route kind 'extention': extension, outside_number, "
                                     "message_then_hang_up or menu (did you mean 'extension'?)",
            at(c, "\"+33 4 78\"") +
                "'number' may hold digits, '*', '#', ',' and a leading '+', not '+33 4 78'",
            at(c, "port = \"desk\"", 1) + "unknown key 'port' in [routes.out]",
            at(c, "hang_up]") + "'hang_up' cannot name a route: use letters, digits, _ and - (and "
                                "not the word hang_up)"});
}

TEST_CASE("text quoted in a message cannot break it over several lines", "[config]") {
  ivrd::test_support::TempDir dir("ivrd-config");
  const auto c =
      check(dir, replace(kMinimal, "backend = \"sim\"", "backend = \"si\\nm\\t\\u0001\""));
  CHECK(c.errors == std::vector<std::string>{at(c, "\"si\\n") +
                                             "unknown backend 'si\\nm\\t\\x01': sim or dahdi"});
}

TEST_CASE("did-you-mean suggests only close names", "[config]") {
  using ivrd::ivr::config_detail::closest_name;
  using ivrd::ivr::config_detail::edit_distance;
  CHECK(edit_distance("greeting", "greting") == 1);
  CHECK(edit_distance("sales", "slaes") == 1);  // a transposition is one edit
  CHECK(edit_distance("", "abc") == 3);
  const std::vector<std::string> keys = {"greeting", "short_greeting", "keys", "entry", "invalid"};
  CHECK(closest_name("greting", keys) == "greeting");
  CHECK(closest_name("short_greting", keys) == "short_greeting");
  CHECK(closest_name("key", keys) == "keys");
  CHECK(closest_name("colour", keys).empty());
  CHECK(closest_name("x", {"y"}).empty());  // one letter for one letter is no suggestion
}
