#include "ivrd/test_support/rng.hpp"

#include <cmath>

namespace ivrd::test_support {
namespace {

uint64_t splitmix64(uint64_t& state) noexcept {
  uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

uint64_t rotl(uint64_t x, int k) noexcept { return (x << k) | (x >> (64 - k)); }

}  // namespace

Rng::Rng(uint64_t seed) noexcept {
  uint64_t state = seed;
  for (auto& word : s_) word = splitmix64(state);
}

uint64_t Rng::next() noexcept {
  const uint64_t result = rotl(s_[1] * 5, 7) * 9;
  const uint64_t t = s_[1] << 17;
  s_[2] ^= s_[0];
  s_[3] ^= s_[1];
  s_[1] ^= s_[2];
  s_[0] ^= s_[3];
  s_[2] ^= t;
  s_[3] = rotl(s_[3], 45);
  return result;
}

double Rng::uniform() noexcept {
  // 53 random bits: every double in [0, 1) on a 2^-53 grid.
  return static_cast<double>(next() >> 11) * 0x1.0p-53;
}

double Rng::uniform(double lo, double hi) noexcept { return lo + (hi - lo) * uniform(); }

int Rng::uniform_int(int lo, int hi) noexcept {
  const uint64_t span = static_cast<uint64_t>(static_cast<int64_t>(hi) - lo) + 1;
  // Multiply-shift keeps the bias below 2^-32 for the small ranges used here.
  const uint64_t r = (next() >> 32) * span >> 32;
  return static_cast<int>(static_cast<int64_t>(lo) + static_cast<int64_t>(r));
}

double Rng::normal() noexcept {
  if (has_spare_) {
    has_spare_ = false;
    return spare_normal_;
  }
  // Marsaglia's polar method: two deviates per accepted pair.
  double u, v, s;
  do {
    u = 2.0 * uniform() - 1.0;
    v = 2.0 * uniform() - 1.0;
    s = u * u + v * v;
  } while (s >= 1.0 || s == 0.0);
  const double factor = std::sqrt(-2.0 * std::log(s) / s);
  spare_normal_ = v * factor;
  has_spare_ = true;
  return u * factor;
}

bool Rng::chance(double p) noexcept { return uniform() < p; }

Rng Rng::split() noexcept { return Rng(next() ^ 0x6a09e667f3bcc909ULL); }

uint64_t derive_seed(uint64_t seed, const char* label) noexcept {
  uint64_t hash = 0xcbf29ce484222325ULL;  // FNV-1a
  for (const char* p = label; p != nullptr && *p != '\0'; ++p) {
    hash ^= static_cast<unsigned char>(*p);
    hash *= 0x100000001b3ULL;
  }
  uint64_t state = seed ^ hash;
  return splitmix64(state);
}

}  // namespace ivrd::test_support
