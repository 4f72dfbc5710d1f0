#include "daemon/daemon_options.hpp"

#include <fstream>
#include <sstream>
#include <system_error>
#include <vector>

#include <boost/program_options.hpp>

namespace po = boost::program_options;

namespace ivrd::ivr::daemon {

// Boost.Program_options finds this by argument-dependent lookup and calls it
// while storing a --log-level value, so a bad level is refused where it was
// written (command line or file line), like every other bad value.
void validate(boost::any& value, const std::vector<std::string>& tokens, LogLevel* /*unused*/,
              int /*unused*/) {
  po::validators::check_first_occurrence(value);
  const std::string& token = po::validators::get_single_string(tokens);
  const std::optional<LogLevel> level = parse_log_level(token);
  if (!level) throw po::invalid_option_value(token);
  value = *level;
}

namespace {

// A path taken as written: std::filesystem::path's own stream extraction
// would stop at a space.
po::typed_value<std::string>* path_value(std::filesystem::path& path) {
  return po::value<std::string>()->notifier([&path](const std::string& text) { path = text; });
}

// The options the file may hold: every option but help, version and
// options-file.
po::options_description file_options(DaemonOptions& o) {
  po::options_description d("Options (also in the options file)");
  d.add_options()                                                  //
      ("config", path_value(o.config)->value_name("FILE"),         //
       "the configuration (default /etc/ivrd/ivrd.toml)")          //
      ("foreground", po::bool_switch(&o.foreground),               //
       "stay in the foreground, log to standard error")            //
      ("sim", po::bool_switch(&o.sim),                             //
       "use the simulated card even when DAHDI is present")        //
      ("check-config", po::bool_switch(&o.check_config),           //
       "validate the configuration, print every error, and exit")  //
      ("log-level", po::value(&o.log_level)->value_name("LEVEL"),  //
       "error, warning, notice, info (default) or debug")          //
      ("socket", path_value(o.socket)->value_name("PATH"),         //
       "the control socket (default /run/ivrd/control.sock)")      //
      ("state-dir", path_value(o.state_dir)->value_name("DIR"),    //
       "the state directory (default /var/lib/ivrd)")              //
      ("demo-call", po::bool_switch(&o.demo_call),                 //
       "place one demo call on the simulated card and print its transcript");
  return d;
}

po::options_description command_line_only(std::string& options_file) {
  po::options_description d("Command line only");
  d.add_options()                                                             //
      ("options-file", po::value(&options_file)->value_name("FILE"),          //
       "read options from FILE (default /etc/ivrd/ivrd.conf, if it exists)")  //
      ("help", "print this help and exit")                                    //
      ("version", "print the version and exit");
  return d;
}

std::string error_line(const po::error& error) {
  std::string line = error.what();
  if (const auto* bad_value = dynamic_cast<const po::validation_error*>(&error);
      bad_value != nullptr && bad_value->get_option_name().find("log-level") != std::string::npos) {
    line += " (choose " + std::string(kLogLevelChoices) + ")";
  }
  return line;
}

void store_file_text(const std::string& text, const po::options_description& options,
                     po::variables_map& values) {
  std::istringstream in(text);
  po::store(po::parse_config_file(in, options), values);
}

// Boost names neither the file nor the line of a bad line. Parsing ever
// longer beginnings of the file finds the first line that fails, with
// Boost's own grammar.
size_t first_failing_line(const std::string& text, const po::options_description& options) {
  size_t line = 0;
  for (size_t end = 0; end <= text.size(); ++end) {
    if (end != text.size() && text[end] != '\n') continue;
    ++line;
    try {
      po::variables_map scratch;
      store_file_text(text.substr(0, end), options, scratch);
    } catch (const po::error&) {
      return line;
    }
  }
  return 0;
}

void read_options_file(const std::filesystem::path& file, const po::options_description& options,
                       po::variables_map& values) {
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    throw DaemonUsageError("cannot read options file " + file.string() + ": " +
                           std::generic_category().message(errno));
  }
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) throw DaemonUsageError("cannot read options file " + file.string());
  // Checked on its own first, so that a value repeated inside the file is an
  // error while a value also given on the command line is not.
  try {
    po::variables_map alone;
    store_file_text(text.str(), options, alone);
  } catch (const po::error& error) {
    const size_t line = first_failing_line(text.str(), options);
    throw DaemonUsageError(file.string() + (line != 0 ? ":" + std::to_string(line) : "") + ": " +
                           error_line(error));
  }
  store_file_text(text.str(), options, values);
}

}  // namespace

DaemonOptions parse_daemon_options(int argc, const char* const argv[],
                                   const std::filesystem::path& default_options_file) {
  DaemonOptions options;
  std::string options_file;
  const po::options_description in_file = file_options(options);
  po::options_description all;
  all.add(in_file).add(command_line_only(options_file));

  po::variables_map values;
  try {
    // No positional arguments: an empty description makes any of them an
    // error instead of being ignored.
    const po::positional_options_description none;
    po::store(
        po::command_line_parser(argc, argv)
            .options(all)
            .positional(none)
            .style(po::command_line_style::default_style & ~po::command_line_style::allow_guessing)
            .run(),
        values);
  } catch (const po::error& error) {
    throw DaemonUsageError(error_line(error));
  }
  options.help = values.count("help") != 0;
  options.version = values.count("version") != 0;
  if (!options.help && !options.version) {
    if (values.count("options-file") != 0) {
      const std::filesystem::path file = values["options-file"].as<std::string>();
      read_options_file(file, in_file, values);
      options.options_file = file;
    } else {
      std::error_code ignored;
      if (std::filesystem::exists(default_options_file, ignored)) {
        read_options_file(default_options_file, in_file, values);
        options.options_file = default_options_file;
      }
    }
  }
  try {
    po::notify(values);
  } catch (const po::error& error) {
    throw DaemonUsageError(error_line(error));
  }
  return options;
}

std::string daemon_help_text() {
  DaemonOptions scratch;
  std::string options_file;
  po::options_description all;
  all.add(file_options(scratch)).add(command_line_only(options_file));
  std::ostringstream text;
  text << "Usage: ivrd [OPTION]...\n"
          "The ivrd telephony appliance: runs the calls of the lines in the configuration.\n"
       << all
       << "\nThe options file holds the options of the first group as 'name = value' lines\n"
          "('log-level = debug', 'foreground = true'); the command line wins over it.\n\n"
          "Exit status: 0 stopped cleanly (or --check-config found no error), 64 bad\n"
          "command line or options file, 78 unusable configuration, 1 anything else.\n";
  return text.str();
}

std::string daemon_version_text() { return std::string("ivrd ") + IVRD_VERSION + "\n"; }

void make_paths_absolute(DaemonOptions& options) {
  for (std::filesystem::path* path : {&options.config, &options.socket, &options.state_dir}) {
    if (!path->empty()) *path = std::filesystem::absolute(*path);
  }
}

std::string usage_error_text(const DaemonUsageError& error) {
  return std::string("ivrd: ") + error.what() + "\nTry 'ivrd --help' for usage.\n";
}

}  // namespace ivrd::ivr::daemon
