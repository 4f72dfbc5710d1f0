#include "ivrd/dsp/isa.hpp"

#include <catch2/catch.hpp>

using namespace ivrd::dsp;

TEST_CASE("instruction-set names round-trip", "[isa]") {
  for (Isa isa : {Isa::scalar, Isa::sse41, Isa::avx2, Isa::avx512}) {
    REQUIRE(parse_isa(isa_name(isa)) == isa);
  }
  CHECK_FALSE(parse_isa("avx1024").has_value());
  CHECK_FALSE(parse_isa("").has_value());
}

TEST_CASE("the scalar reference is always available and listed first", "[isa]") {
  const auto isas = supported_isas();
  REQUIRE_FALSE(isas.empty());
  CHECK(isas.front() == Isa::scalar);
  CHECK(isa_supported(Isa::scalar));
  CHECK(isa_supported(detected_isa()));
  CHECK(static_cast<int>(active_isa()) <= static_cast<int>(detected_isa()));
}
