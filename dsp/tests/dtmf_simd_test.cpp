// The SIMD variants of the DTMF receiver against the scalar reference: the
// correlation kernel must give identical integers, so the receiver's
// decisions, times and levels are identical too.

#include <cstring>
#include <random>

#include <catch2/catch.hpp>

#include "ivrd/test_support/noise.hpp"
#include "ivrd/test_support/seed.hpp"

#include "dtmf_test_signals.hpp"
#include "kernels/dtmf_correlate.hpp"

using namespace ivrd::dsp;
using namespace ivrd::dsp::testing;
namespace kernels = ivrd::dsp::kernels;
namespace support = ivrd::test_support;

namespace {

bool same(const kernels::DtmfCorrelation& a, const kernels::DtmfCorrelation& b) {
  return std::memcmp(a.bins, b.bins, sizeof a.bins) == 0 && a.energy == b.energy &&
         a.sum == b.sum && a.group_peak[0] == b.group_peak[0] && a.group_peak[1] == b.group_peak[1];
}

void check_all_variants(const int16_t* samples) {
  const int16_t* table = kernels::dtmf_correlation_table();
  kernels::DtmfCorrelation reference;
  kernels::dtmf_correlate_scalar(samples, table, &reference);
  for (Isa isa : supported_isas()) {
    INFO("isa " << isa_name(isa));
    kernels::DtmfCorrelation result;
    std::memset(&result, 0x5A, sizeof result);
    kernels::dtmf_correlate_for(isa)(samples, table, &result);
    CHECK(same(result, reference));
  }
}

}  // namespace

TEST_CASE("correlation kernels equal the scalar reference on random blocks at any alignment",
          "[dtmf][simd]") {
  const support::Seed seed("kernel random");
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<int> sample(-32768, 32767);
  std::vector<int16_t> buffer(kernels::kDtmfSubBlock + 8);
  for (int trial = 0; trial < 2000; ++trial) {
    for (auto& v : buffer) v = static_cast<int16_t>(sample(rng));
    const size_t offset = static_cast<size_t>(trial % 8);  // unaligned starts
    check_all_variants(buffer.data() + offset);
  }
}

TEST_CASE("correlation kernels equal the scalar reference on extreme blocks", "[dtmf][simd]") {
  std::vector<std::vector<int16_t>> cases;
  cases.emplace_back(40, int16_t{0});
  cases.emplace_back(40, int16_t{32767});
  cases.emplace_back(40, int16_t{-32768});
  std::vector<int16_t> alternating(40);
  for (size_t n = 0; n < 40; ++n) alternating[n] = n % 2 ? int16_t{-32768} : int16_t{32767};
  cases.push_back(alternating);
  // Full-scale square waves in phase with each coefficient row: the largest
  // sums the kernel can meet.
  const int16_t* table = kernels::dtmf_correlation_table();
  for (int bin = 0; bin < kernels::kDtmfBins; ++bin) {
    for (int sign : {1, -1}) {
      std::vector<int16_t> square(40);
      for (int n = 0; n < 40; ++n) {
        const int16_t c = table[(n / 2) * 32 + 2 * bin + n % 2];
        square[n] = (c * sign) >= 0 ? int16_t{32767} : int16_t{-32768};
      }
      cases.push_back(square);
    }
  }
  for (const auto& block : cases) check_all_variants(block.data());
}

TEST_CASE("every variant makes identical decisions on conformance and random signals",
          "[dtmf][simd]") {
  const support::Seed seed("decisions");
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<float> unit(0.0f, 1.0f);
  std::vector<std::vector<int16_t>> signals;
  // Random DTMF near every limit: offsets around 1.5-3.5 %, twist around the
  // limits, levels down to the floor, short tones and pauses, with noise.
  for (int trial = 0; trial < 30; ++trial) {
    std::vector<DtmfToneSpec> tones;
    for (int i = 0; i < 40; ++i) {
      DtmfToneSpec spec;
      spec.digit = "123A456B789C*0#D"[static_cast<size_t>(unit(rng) * 16) % 16];
      spec.level_dbm0 = -42.0f + 40.0f * unit(rng);
      spec.twist_db = -6.0f + 16.0f * unit(rng);
      spec.low_offset = (unit(rng) - 0.5f) * 0.06f;
      spec.high_offset = (unit(rng) - 0.5f) * 0.06f;
      spec.on_ms = 15.0f + 60.0f * unit(rng);
      spec.off_ms = 5.0f + 60.0f * unit(rng);
      spec.low_phase_rad = 6.28f * unit(rng);
      spec.high_phase_rad = 6.28f * unit(rng);
      tones.push_back(spec);
    }
    TestSignal signal = make_signal(tones);
    const auto noise = support::white_noise(signal.pcm.size(), -45.0 + 25.0 * unit(rng), rng());
    signals.push_back(support::mix(signal.pcm, noise));
  }
  signals.push_back(support::white_noise(80000, -10.0, rng()));
  std::vector<int16_t> random(80000);
  for (auto& v : random) v = static_cast<int16_t>(rng());
  signals.push_back(random);

  size_t total_events = 0;
  for (const auto& pcm : signals) {
    const auto reference = detect(pcm, Isa::scalar);
    total_events += reference.size();
    for (Isa isa : supported_isas()) {
      INFO("isa " << isa_name(isa));
      const auto events = detect(pcm, isa);
      REQUIRE(events.size() == reference.size());
      for (size_t i = 0; i < events.size(); ++i) {
        CHECK(events[i].digit == reference[i].digit);
        CHECK(events[i].start_sample == reference[i].start_sample);
        CHECK(events[i].duration_samples == reference[i].duration_samples);
        CHECK(events[i].low_level_dbm0 == reference[i].low_level_dbm0);
        CHECK(events[i].high_level_dbm0 == reference[i].high_level_dbm0);
      }
    }
  }
  // The signals must exercise the receiver, not just silence it.
  CHECK(total_events > 60);
}
