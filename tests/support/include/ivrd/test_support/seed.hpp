#pragma once
// Seeds for randomised tests, replayable from one printed number (the habit
// of Opus's test suite: every random test prints SEED=).
//
//   const ivrd::test_support::Seed seed("talk-off, speech");
//   auto noise = white_noise(8000, -20.0, seed.derive("noise"));
//
// The seed is IVRD_TEST_SEED when that is set (decimal, or hex with 0x),
// otherwise one random value drawn once per process. Each Seed constructed
// prints "SEED=<n>" (and its label) to stderr, so a failing test's output
// tells how to replay it: IVRD_TEST_SEED=<n> ctest -R '<test name>'.
//
// Thread-safe.

#include <cstdint>
#include <string>
#include <string_view>

namespace ivrd::test_support {

class Seed {
 public:
  explicit Seed(std::string_view label = {});

  uint64_t value() const noexcept { return value_; }
  operator uint64_t() const noexcept { return value_; }  // NOLINT: used as a number

  // An independent, stable seed for one part of the test.
  uint64_t derive(std::string_view part) const;

  // The process-wide value without printing (IVRD_TEST_SEED or random).
  static uint64_t process_value();

 private:
  uint64_t value_;
};

}  // namespace ivrd::test_support
