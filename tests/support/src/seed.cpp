#include "ivrd/test_support/seed.hpp"

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>

#include "ivrd/test_support/rng.hpp"

namespace ivrd::test_support {
namespace {

uint64_t pick_process_seed() {
  if (const char* text = std::getenv("IVRD_TEST_SEED"); text != nullptr && *text != '\0') {
    errno = 0;
    char* end = nullptr;
    const unsigned long long value = std::strtoull(text, &end, 0);
    if (errno == 0 && end != nullptr && *end == '\0') return value;
    std::fprintf(stderr, "IVRD_TEST_SEED='%s' is not a number; using a random seed\n", text);
  }
  std::random_device device;
  return (static_cast<uint64_t>(device()) << 32) ^ device();
}

}  // namespace

uint64_t Seed::process_value() {
  static const uint64_t value = pick_process_seed();  // thread-safe initialisation
  return value;
}

Seed::Seed(std::string_view label) : value_(process_value()) {
  // One fprintf call per line so lines from several threads do not interleave.
  if (label.empty()) {
    std::fprintf(stderr, "SEED=%llu\n", static_cast<unsigned long long>(value_));
  } else {
    std::fprintf(stderr, "SEED=%llu (%.*s)\n", static_cast<unsigned long long>(value_),
                 static_cast<int>(label.size()), label.data());
  }
}

uint64_t Seed::derive(std::string_view part) const {
  const std::string label(part);
  return derive_seed(value_, label.c_str());
}

}  // namespace ivrd::test_support
