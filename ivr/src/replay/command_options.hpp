#pragma once
// Option handling shared by ivr-replay's commands; internal to the ivr library.

#include <initializer_list>
#include <iosfwd>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

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

}  // namespace ivrd::ivr::replay
