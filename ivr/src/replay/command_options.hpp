#pragma once
// Option handling shared by ivr-replay's commands; internal to the ivr library.

#include <cstdint>
#include <initializer_list>
#include <iosfwd>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/program_options.hpp>

#include "ivrd/driver/audio_file.hpp"
#include "ivrd/dsp/isa.hpp"
#include "ivrd/ivr/replay.hpp"

namespace ivrd::ivr::replay {

// A bad command line: the command prints "ivr-replay: <what()>" and the hint
// to its --help, and exits kExitUsage.
class UsageError : public std::runtime_error {
  using std::runtime_error::runtime_error;
};

// "--min-level -30" would make Boost.Program_options read "-30" as an option:
// a value that looks like a negative number is glued to the option before it
// ("--min-level=-30") when that option is one of `options`.
std::vector<std::string> join_negative_values(CommandArgs args,
                                              std::initializer_list<std::string_view> options);

// The --isa value: a known name (else UsageError), lowered to what this CPU
// runs with one line on err when it had to be.
dsp::Isa choose_isa(const std::string& name, std::ostream& err);

// The --format value; UsageError naming the known formats for any other.
driver::AudioFormat parse_format_option(const std::string& name);

// Parses a command line against `visible` plus positional arguments, which
// land under `positional_name`: abbreviated options are not guessed, and the
// options in `negative_value_options` take negative numbers. Nothing when
// --help was given; UsageError for anything Boost.Program_options refuses.
std::optional<boost::program_options::variables_map> parse_command_line(
    CommandArgs args, const boost::program_options::options_description& visible,
    const char* positional_name, std::initializer_list<std::string_view> negative_value_options);

// The positional FILE... of a command line parsed with positional_name
// "file"; UsageError when there is none.
std::vector<std::string> files_given(const boost::program_options::variables_map& values);

// Prints a usage error as "ivr-replay: <what>" and the hint to the command's
// --help; returns kExitUsage.
int report_usage_error(std::ostream& err, std::string_view command, const UsageError& error);

// A capture read whole, or nothing after one line "ivr-replay: FILE: problem"
// on err.
std::optional<driver::Capture> read_capture_reporting(const std::string& file,
                                                      std::optional<driver::AudioFormat> format,
                                                      std::ostream& err);

// Writes `pcm` to `file` in `format`; false after one line
// "ivr-replay: FILE: problem" on err.
bool write_capture_reporting(const std::string& file, std::span<const int16_t> pcm,
                             std::optional<driver::AudioFormat> format, std::ostream& err);

// Reads every file into channels.push_back(Channel{file, samples, {}}), the
// files that cannot be used reported on err and left out; returns whether
// there were any.
template <class Channel>
bool read_channels(const std::vector<std::string>& files, std::optional<driver::AudioFormat> format,
                   std::ostream& err, std::vector<Channel>& channels) {
  bool unusable = false;
  for (const std::string& file : files) {
    std::optional<driver::Capture> capture = read_capture_reporting(file, format, err);
    if (capture) {
      channels.push_back(Channel{file, std::move(capture->samples), {}});
    } else {
      unusable = true;
    }
  }
  return unusable;
}

// The whole of a command over FILE...: options from parse(args, err) (a
// UsageError is reported, nothing means --help: help(out)), every file read
// into a Channel, then analyse(channels, options) and, as options.json asks,
// print_json or print_text(channels, out). kExitUsage when a file could not
// be used (the others are still processed), else kExitOk.
template <class Channel, class Parse, class Help, class Analyse, class Print>
int run_file_command(std::string_view command, CommandArgs args, std::ostream& out,
                     std::ostream& err, Parse parse, Help help, Analyse analyse, Print print_json,
                     Print print_text) {
  decltype(parse(args, err)) options;
  try {
    options = parse(args, err);
  } catch (const UsageError& error) {
    return report_usage_error(err, command, error);
  }
  if (!options) {
    help(out);
    return kExitOk;
  }
  std::vector<Channel> channels;
  const bool unusable = read_channels(options->files, options->format, err, channels);
  analyse(channels, *options);
  (options->json ? print_json : print_text)(channels, out);
  return unusable ? kExitUsage : kExitOk;
}

}  // namespace ivrd::ivr::replay
