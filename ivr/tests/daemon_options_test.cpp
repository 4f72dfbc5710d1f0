// ivrd's command line and options file (ivrd.conf): every option, every
// kind of usage error as one line, and the command line winning over the
// file.
#include "daemon/daemon_options.hpp"

#include <fstream>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "ivrd/test_support/rng.hpp"
#include "ivrd/test_support/seed.hpp"
#include "ivrd/test_support/temp_dir.hpp"

using namespace ivrd::ivr::daemon;

namespace {

const std::filesystem::path kNoDefaultFile = "/nonexistent/ivrd-test/ivrd.conf";

DaemonOptions parse(std::vector<std::string> args,
                    const std::filesystem::path& default_file = kNoDefaultFile) {
  args.insert(args.begin(), "ivrd");
  std::vector<const char*> argv;
  for (const std::string& arg : args) argv.push_back(arg.c_str());
  return parse_daemon_options(static_cast<int>(argv.size()), argv.data(), default_file);
}

std::string usage_error(std::vector<std::string> args,
                        const std::filesystem::path& default_file = kNoDefaultFile) {
  try {
    parse(std::move(args), default_file);
  } catch (const DaemonUsageError& error) {
    return error.what();
  }
  return "(no error)";
}

void write_file(const std::filesystem::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
  REQUIRE(out.good());
}

}  // namespace

TEST_CASE("ivrd without options runs the defaults", "[daemon][options]") {
  const DaemonOptions o = parse({});
  CHECK(o.config == "/etc/ivrd/ivrd.toml");
  CHECK_FALSE(o.foreground);
  CHECK_FALSE(o.sim);
  CHECK_FALSE(o.check_config);
  CHECK(o.log_level == LogLevel::info);
  CHECK(o.socket == "/run/ivrd/control.sock");
  CHECK(o.state_dir == "/var/lib/ivrd");
  CHECK_FALSE(o.demo_call);
  CHECK_FALSE(o.options_file.has_value());
  CHECK_FALSE(o.help);
  CHECK_FALSE(o.version);
}

TEST_CASE("every option of ivrd is read from the command line", "[daemon][options]") {
  const DaemonOptions o =
      parse({"--config", "/srv/office menu.toml", "--foreground", "--sim", "--check-config",
             "--log-level", "debug", "--socket=/tmp/ivrd.sock", "--state-dir", "/srv/state",
             "--demo-call"});
  CHECK(o.config == "/srv/office menu.toml");  // a space in a path is kept
  CHECK(o.foreground);
  CHECK(o.sim);
  CHECK(o.check_config);
  CHECK(o.log_level == LogLevel::debug);
  CHECK(o.socket == "/tmp/ivrd.sock");
  CHECK(o.state_dir == "/srv/state");
  CHECK(o.demo_call);
}

TEST_CASE("each log level is accepted by name", "[daemon][options]") {
  for (const auto& [name, level] :
       {std::pair{"error", LogLevel::error}, std::pair{"warning", LogLevel::warning},
        std::pair{"notice", LogLevel::notice}, std::pair{"info", LogLevel::info},
        std::pair{"debug", LogLevel::debug}}) {
    CHECK(parse({"--log-level", name}).log_level == level);
    CHECK(log_level_name(level) == name);
  }
}

TEST_CASE("--help and --version are reported, with their texts", "[daemon][options]") {
  CHECK(parse({"--help"}).help);
  CHECK(parse({"--version"}).version);
  const std::string help = daemon_help_text();
  for (const char* option :
       {"--config", "--foreground", "--sim", "--check-config", "--log-level", "--socket",
        "--state-dir", "--demo-call", "--options-file", "--help", "--version", "78"}) {
    CHECK_THAT(help, Catch::Contains(option));
  }
  CHECK_THAT(daemon_version_text(), Catch::Matches("ivrd [0-9]+\\.[0-9]+\\.[0-9]+\n"));
}

TEST_CASE("usage errors on the command line are one line naming the option", "[daemon][options]") {
  CHECK(usage_error({"--colour"}) == "unrecognised option '--colour'");
  CHECK(usage_error({"--config"}) == "the required argument for option '--config' is missing");
  CHECK(usage_error({"--log-level", "loud"}) ==
        "the argument ('loud') for option '--log-level' is invalid "
        "(choose error, warning, notice, info or debug)");
  CHECK(usage_error({"--log-level", "INFO"}) ==
        "the argument ('INFO') for option '--log-level' is invalid "
        "(choose error, warning, notice, info or debug)");
  CHECK(usage_error({"--config", "a.toml", "--config", "b.toml"}) ==
        "option '--config' cannot be specified more than once");
  CHECK(usage_error({"extra.toml"}) ==
        "too many positional options have been specified on the command line");
  // An abbreviation is not guessed: --fore is not --foreground.
  CHECK(usage_error({"--fore"}) == "unrecognised option '--fore'");
  CHECK(usage_error({"--foreground=yes"}) == "option '--foreground' does not take any arguments");
}

TEST_CASE("the usage error is printed with the hint to --help", "[daemon][options]") {
  CHECK(usage_error_text(DaemonUsageError("unrecognised option '--colour'")) ==
        "ivrd: unrecognised option '--colour'\nTry 'ivrd --help' for usage.\n");
}

TEST_CASE("the options file gives every option as name = value", "[daemon][options]") {
  const ivrd::test_support::TempDir dir("ivrd-options");
  const std::string file = dir / "ivrd.conf";
  write_file(file,
             "# ivrd options\n"
             "config = /srv/office.toml\n"
             "foreground = true\n"
             "sim = yes\n"
             "check-config = 0\n"
             "log-level = warning\n"
             "\n"
             "socket = /tmp/control.sock\n"
             "state-dir = /srv/state   # trailing comment\n"
             "demo-call = on\n");
  const DaemonOptions o = parse({"--options-file", file});
  CHECK(o.config == "/srv/office.toml");
  CHECK(o.foreground);
  CHECK(o.sim);
  CHECK_FALSE(o.check_config);
  CHECK(o.log_level == LogLevel::warning);
  CHECK(o.socket == "/tmp/control.sock");
  CHECK(o.state_dir == "/srv/state");
  CHECK(o.demo_call);
  CHECK(o.options_file == std::filesystem::path(file));
}

TEST_CASE("the command line wins over the options file", "[daemon][options]") {
  const ivrd::test_support::TempDir dir("ivrd-options");
  const std::string file = dir / "ivrd.conf";
  write_file(file, "config = /from/file.toml\nlog-level = debug\nsim = true\n");
  const DaemonOptions o = parse(
      {"--options-file", file, "--config", "/from/command-line.toml", "--log-level", "error"});
  CHECK(o.config == "/from/command-line.toml");
  CHECK(o.log_level == LogLevel::error);
  CHECK(o.sim);  // given only in the file
}

TEST_CASE("the default options file is read only when it exists", "[daemon][options]") {
  const ivrd::test_support::TempDir dir("ivrd-options");
  const std::filesystem::path file = dir / "ivrd.conf";
  CHECK_FALSE(parse({}, file).options_file.has_value());
  write_file(file, "log-level = notice\n");
  const DaemonOptions o = parse({}, file);
  CHECK(o.log_level == LogLevel::notice);
  CHECK(o.options_file == file);
  // --options-file replaces the default file.
  const std::filesystem::path other = dir / "other.conf";
  write_file(other, "sim = true\n");
  const DaemonOptions replaced = parse({"--options-file", other.string()}, file);
  CHECK(replaced.sim);
  CHECK(replaced.log_level == LogLevel::info);
  // --help does not read it, so a broken file never hides the help.
  write_file(file, "this is not an option line\n");
  CHECK(parse({"--help"}, file).help);
}

TEST_CASE("a bad line in the options file is named file:line", "[daemon][options]") {
  const ivrd::test_support::TempDir dir("ivrd-options");
  const std::string file = dir / "ivrd.conf";
  const auto error_for = [&](const std::string& text) {
    write_file(file, text);
    return usage_error({"--options-file", file});
  };
  CHECK(error_for("# comment\nsim = true\nthis line has no equals sign\n") ==
        file +
            ":3: the options configuration file contains an invalid line "
            "'this line has no equals sign'");
  CHECK(error_for("sim = true\n\ncolour = blue\n") == file + ":3: unrecognised option 'colour'");
  CHECK(error_for("log-level = loud\n") ==
        file +
            ":1: the argument ('loud') for option 'log-level' is invalid "
            "(choose error, warning, notice, info or debug)");
  CHECK(error_for("config = a.toml\nsim = true\nconfig = b.toml\n") ==
        file + ":3: option 'config' cannot be specified more than once");
  CHECK(error_for("sim = maybe\n") ==
        file +
            ":1: the argument ('maybe') for option 'sim' is invalid. Valid choices are "
            "'on|off', 'yes|no', '1|0' and 'true|false'");
  // Command-line-only options are unknown in the file.
  CHECK(error_for("options-file = /etc/other.conf\n") ==
        file + ":1: unrecognised option 'options-file'");
  CHECK(error_for("help = true\n") == file + ":1: unrecognised option 'help'");
}

TEST_CASE("an options file that cannot be read is one line naming it", "[daemon][options]") {
  const ivrd::test_support::TempDir dir("ivrd-options");
  const std::string missing = dir / "missing.conf";
  CHECK(usage_error({"--options-file", missing}) ==
        "cannot read options file " + missing + ": No such file or directory");
  CHECK(usage_error({"--options-file"}) ==
        "the required argument for option '--options-file' is missing");
}

TEST_CASE("make_paths_absolute anchors relative paths at the current directory",
          "[daemon][options]") {
  DaemonOptions o = parse({"--config", "office.toml", "--socket", "/run/x.sock"});
  make_paths_absolute(o);
  CHECK(o.config == std::filesystem::current_path() / "office.toml");
  CHECK(o.socket == "/run/x.sock");
  CHECK(o.state_dir == "/var/lib/ivrd");
}

TEST_CASE("options split at random between file and command line give the same result",
          "[daemon][options][random]") {
  const ivrd::test_support::Seed seed("daemon options split");
  ivrd::test_support::Rng rng(seed);
  const ivrd::test_support::TempDir dir("ivrd-options");
  const std::string file = dir / "ivrd.conf";
  const char* levels[] = {"error", "warning", "notice", "info", "debug"};
  for (int round = 0; round < 50; ++round) {
    struct Choice {
      std::string name;
      std::string value;  // empty for a switch
    };
    std::vector<Choice> choices;
    if (rng.chance(0.5)) choices.push_back({"config", "/c/" + std::to_string(rng.next() % 1000)});
    if (rng.chance(0.5)) choices.push_back({"socket", "/s/" + std::to_string(rng.next() % 1000)});
    if (rng.chance(0.5)) choices.push_back({"state-dir", "/d/" + std::to_string(rng.next() % 99)});
    if (rng.chance(0.5)) choices.push_back({"log-level", levels[rng.uniform_int(0, 4)]});
    for (const char* flag : {"foreground", "sim", "check-config", "demo-call"}) {
      if (rng.chance(0.5)) choices.push_back({flag, ""});
    }
    // Each choice goes to the command line, the file, or both (the file then
    // says something else, which the command line overrides).
    std::vector<std::string> args{"--options-file", file};
    std::string text;
    for (size_t i = choices.size(); i > 1; --i) {
      std::swap(choices[i - 1], choices[static_cast<size_t>(rng.uniform_int(0, int(i) - 1))]);
    }
    for (const Choice& c : choices) {
      const int where = rng.uniform_int(0, 2);
      if (where != 1) {
        args.push_back("--" + c.name);
        if (!c.value.empty()) args.push_back(c.value);
      }
      if (where == 1) text += c.name + " = " + (c.value.empty() ? "true" : c.value) + "\n";
      if (where == 2 && !c.value.empty()) {
        text += c.name + " = " + (c.name == "log-level" ? "notice" : "/overridden") + "\n";
      }
      if (where == 2 && c.value.empty()) text += c.name + " = true\n";
    }
    write_file(file, text);
    INFO("round " << round << "; file:\n" << text);
    const DaemonOptions o = parse(args);
    const auto value_of = [&](const std::string& name, const std::string& fallback) {
      for (const Choice& c : choices) {
        if (c.name == name) return c.value.empty() ? std::string("true") : c.value;
      }
      return fallback;
    };
    CHECK(o.config == value_of("config", "/etc/ivrd/ivrd.toml"));
    CHECK(o.socket == value_of("socket", "/run/ivrd/control.sock"));
    CHECK(o.state_dir == value_of("state-dir", "/var/lib/ivrd"));
    CHECK(log_level_name(o.log_level) == value_of("log-level", "info"));
    CHECK(o.foreground == (value_of("foreground", "") == "true"));
    CHECK(o.sim == (value_of("sim", "") == "true"));
    CHECK(o.check_config == (value_of("check-config", "") == "true"));
    CHECK(o.demo_call == (value_of("demo-call", "") == "true"));
  }
}
