#pragma once
// A small deterministic random number generator for test signals.
//
// xoshiro256** seeded through splitmix64. The standard library's engines are
// portable but its distributions are not (libstdc++ and libc++ turn the same
// engine output into different normal deviates), so the few distributions the
// generators need are implemented here: the same seed gives the same integers
// everywhere, and the same doubles wherever libm's log/sqrt/cos agree.
//
// Not thread-safe; give each thread its own Rng (see split()).

#include <cstdint>

namespace ivrd::test_support {

class Rng {
 public:
  explicit Rng(uint64_t seed) noexcept;

  uint64_t next() noexcept;
  // Uniform in [0, 1).
  double uniform() noexcept;
  // Uniform in [lo, hi).
  double uniform(double lo, double hi) noexcept;
  // Uniform integer in [lo, hi], both inclusive; lo <= hi.
  int uniform_int(int lo, int hi) noexcept;
  // Standard normal deviate (mean 0, variance 1).
  double normal() noexcept;
  // True with probability p.
  bool chance(double p) noexcept;
  // A new generator on an independent stream; advances this one.
  Rng split() noexcept;

 private:
  uint64_t s_[4];
  double spare_normal_ = 0.0;
  bool has_spare_ = false;
};

// splitmix64 of (seed mixed with an FNV-1a hash of label): a stable seed for
// one named part of a test, derived from the test's seed.
uint64_t derive_seed(uint64_t seed, const char* label) noexcept;

}  // namespace ivrd::test_support
