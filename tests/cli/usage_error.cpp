#include "usage_error.hpp"

#include <catch2/catch.hpp>

namespace ivrd::cli_tests {

void check_usage_error(const ProgramResult& result, const std::string& mention,
                       const std::string& command) {
  CHECK(result.status == 2);
  CHECK(result.out.empty());
  const auto err = split_lines(result.err);
  REQUIRE(err.size() == 2);
  CHECK_THAT(err[0], Catch::StartsWith("ivr-replay: "));
  CHECK_THAT(err[0], Catch::Contains(mention));
  if (command.empty()) {
    CHECK_THAT(err[1], Catch::Contains("--help"));
  } else {
    CHECK(err[1] == "Try 'ivr-replay " + command + " --help' for usage.");
  }
}

}  // namespace ivrd::cli_tests
