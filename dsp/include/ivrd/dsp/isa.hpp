#pragma once
// Instruction-set selection for the DSP kernels.
//
// Every vectorised kernel has a scalar reference that stays the specification.
// The variant is chosen once at run time from the CPU (so one binary runs on
// every x86-64 machine) and can be lowered, never raised, with the environment
// variable IVRD_ISA=scalar|sse41|avx2|avx512. Blocks take an Isa in their
// constructor so tests can build every variant side by side.

#include <optional>
#include <string_view>
#include <vector>

namespace ivrd::dsp {

enum class Isa { scalar = 0, sse41 = 1, avx2 = 2, avx512 = 3 };

std::string_view isa_name(Isa isa) noexcept;
std::optional<Isa> parse_isa(std::string_view name) noexcept;

// The best variant this CPU runs (AVX2 implies FMA and BMI2 here; AVX-512
// means F, BW, VL and DQ).
Isa detected_isa() noexcept;

// detected_isa(), lowered by IVRD_ISA when that names a supported variant.
// An unknown or unsupported IVRD_ISA is ignored with one line on stderr,
// printed once.
Isa active_isa() noexcept;

bool isa_supported(Isa isa) noexcept;

// All variants this CPU runs, scalar first.
std::vector<Isa> supported_isas();

}  // namespace ivrd::dsp
