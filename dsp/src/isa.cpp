#include "ivrd/dsp/isa.hpp"

#include <cstdio>
#include <cstdlib>

namespace ivrd::dsp {

std::string_view isa_name(Isa isa) noexcept {
  switch (isa) {
    case Isa::scalar: return "scalar";
    case Isa::sse41: return "sse41";
    case Isa::avx2: return "avx2";
    case Isa::avx512: return "avx512";
  }
  return "unknown";
}

std::optional<Isa> parse_isa(std::string_view name) noexcept {
  for (Isa isa : {Isa::scalar, Isa::sse41, Isa::avx2, Isa::avx512}) {
    if (isa_name(isa) == name) return isa;
  }
  return std::nullopt;
}

bool isa_supported(Isa isa) noexcept {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_cpu_init();
  switch (isa) {
    case Isa::scalar: return true;
    case Isa::sse41: return __builtin_cpu_supports("sse4.1");
    case Isa::avx2:
      return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") &&
             __builtin_cpu_supports("bmi2");
    case Isa::avx512:
      return isa_supported(Isa::avx2) && __builtin_cpu_supports("avx512f") &&
             __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl") &&
             __builtin_cpu_supports("avx512dq");
  }
  return false;
#else
  return isa == Isa::scalar;
#endif
}

Isa detected_isa() noexcept {
  for (Isa isa : {Isa::avx512, Isa::avx2, Isa::sse41}) {
    if (isa_supported(isa)) return isa;
  }
  return Isa::scalar;
}

namespace {

Isa choose_active_isa() noexcept {
  const Isa best = detected_isa();
  const char* forced = std::getenv("IVRD_ISA");
  if (forced == nullptr || *forced == '\0') return best;
  const std::optional<Isa> wanted = parse_isa(forced);
  if (!wanted) {
    std::fprintf(stderr, "ivrd: ignoring IVRD_ISA=%s (expected scalar, sse41, avx2 or avx512)\n",
                 forced);
    return best;
  }
  if (static_cast<int>(*wanted) > static_cast<int>(best)) {
    std::fprintf(stderr, "ivrd: ignoring IVRD_ISA=%s: this CPU supports up to %s\n", forced,
                 isa_name(best).data());
    return best;
  }
  return *wanted;
}

}  // namespace

Isa active_isa() noexcept {
  static const Isa chosen = choose_active_isa();
  return chosen;
}

std::vector<Isa> supported_isas() {
  std::vector<Isa> result;
  for (Isa isa : {Isa::scalar, Isa::sse41, Isa::avx2, Isa::avx512}) {
    if (isa_supported(isa)) result.push_back(isa);
  }
  return result;
}

}  // namespace ivrd::dsp
