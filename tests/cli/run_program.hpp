#pragma once
// Runs a program as a test rig would: its own process, stdin from /dev/null,
// stdout and stderr captured, the exit status returned.

#include <string>
#include <vector>

namespace ivrd::cli_tests {

struct ProgramResult {
  int status = -1;  // exit status, or 128 + signal number when killed
  std::string out;
  std::string err;
};

// `environment` entries ("NAME=value") are added to this process's own.
ProgramResult run_program(const std::string& program, const std::vector<std::string>& args,
                          const std::vector<std::string>& environment = {});

std::vector<std::string> split_lines(const std::string& text);

}  // namespace ivrd::cli_tests
