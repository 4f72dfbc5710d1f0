#pragma once
// What every ivr-replay command promises for a command line it refuses.

#include <string>

#include "run_program.hpp"

namespace ivrd::cli_tests {

// Exit 2, nothing on stdout, and exactly two lines on stderr: "ivr-replay:
// ..." naming `mention`, then the hint "Try 'ivr-replay COMMAND --help' for
// usage." (COMMAND empty: any hint to --help). Checks with Catch, so it is
// called from inside a test case.
void check_usage_error(const ProgramResult& result, const std::string& mention,
                       const std::string& command);

}  // namespace ivrd::cli_tests
