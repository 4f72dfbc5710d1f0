#pragma once
// ivrctl's command line, read into one request; internal to the ivr library.

#include <chrono>
#include <iosfwd>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>

#include <nlohmann/json.hpp>

namespace ivrd::ivr::ctl {

// A command line ivrctl cannot use: "ivrctl: <what()> (try 'ivrctl --help')", exit 64.
class UsageError : public std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct Invocation {
  bool help = false;
  bool version = false;
  std::string socket;  // empty: IVRD_SOCKET or the default
  bool json = false;
  std::chrono::milliseconds timeout{10000};
  std::string command;  // the protocol's name: "show call", "sim call", ...
  nlohmann::json args = nlohmann::json::object();
};

// Parses argv[1..]. UsageError names the unknown command, option or bad value.
Invocation parse_command_line(std::span<const std::string> args);

// The text of --help.
void print_help(std::ostream& out);

}  // namespace ivrd::ivr::ctl
