#include <algorithm>
#include <array>
#include <cmath>
#include <numbers>

#include "ivrd/dsp/dtmf_generator.hpp"

#include "kernels/dtmf_correlate.hpp"

namespace ivrd::dsp::kernels {

namespace {

struct alignas(64) CorrelationTable {
  std::array<int16_t, kDtmfPairs * 2 * kDtmfBins> values{};
  CorrelationTable() {
    for (int k = 0; k < 8; ++k) {
      const double hz = k < 4 ? kDtmfLowGroupHz[k] : kDtmfHighGroupHz[k - 4];
      const double step = 2.0 * std::numbers::pi * hz / 8000.0;
      for (int n = 0; n < kDtmfSubBlock; ++n) {
        const int pair = n / 2;
        const int side = n % 2;
        const double c = std::cos(step * n) * kDtmfCoefficientScale;
        const double s = -std::sin(step * n) * kDtmfCoefficientScale;
        values[pair * 32 + 2 * (2 * k) + side] = static_cast<int16_t>(std::lround(c));
        values[pair * 32 + 2 * (2 * k + 1) + side] = static_cast<int16_t>(std::lround(s));
      }
    }
  }
};

}  // namespace

const int16_t* dtmf_correlation_table() noexcept {
  static const CorrelationTable table;
  return table.values.data();
}

void dtmf_correlate_scalar(const int16_t* samples, const int16_t* table, DtmfCorrelation* out) {
  int32_t shifted[kDtmfSubBlock];
  int32_t sum = 0;
  uint32_t energy = 0;
  for (int n = 0; n < kDtmfSubBlock; ++n) {
    shifted[n] = samples[n] >> 2;
    sum += shifted[n];
    energy += static_cast<uint32_t>(shifted[n] * shifted[n]);
  }
  for (int j = 0; j < kDtmfBins; ++j) {
    int32_t acc = 0;
    for (int p = 0; p < kDtmfPairs; ++p) {
      acc +=
          shifted[2 * p] * table[p * 32 + 2 * j] + shifted[2 * p + 1] * table[p * 32 + 2 * j + 1];
    }
    out->bins[j] = acc;
  }
  out->energy = energy;
  out->sum = sum;
  for (int group = 0; group < 2; ++group) {
    float peak = 0.0f;
    for (int k = 4 * group; k < 4 * group + 4; ++k) {
      const float re = static_cast<float>(out->bins[2 * k]);
      const float im = static_cast<float>(out->bins[2 * k + 1]);
      peak = std::max(peak, re * re + im * im);
    }
    out->group_peak[group] = peak;
  }
}

DtmfCorrelateFn dtmf_correlate_for(Isa isa) noexcept {
  switch (isa) {
    case Isa::avx512: return dtmf_correlate_avx512;
    case Isa::avx2: return dtmf_correlate_avx2;
    case Isa::sse41: return dtmf_correlate_sse41;
    case Isa::scalar: break;
  }
  return dtmf_correlate_scalar;
}

}  // namespace ivrd::dsp::kernels
