#pragma once
// Sub-block correlation kernels of the DTMF receiver (internal).
//
// For one 5 ms sub-block of 40 samples, x' = x >> 2 (14 bits: exact for G.711
// sources), the kernel computes with integers only:
//   bins[2k]   = sum x'[n] * round(4096 cos(w_k n))
//   bins[2k+1] = sum x'[n] * round(-4096 sin(w_k n))   for the 8 Q.23 tones
//   energy     = sum x'[n]^2     (fits in 32 bits unsigned)
//   sum        = sum x'[n]
// and, for the receiver's tonal pre-test, the strongest bin of each group.
// |x'| <= 8192 and |coefficient| <= 4096 bound every bin by 40 * 2^25 < 2^31,
// so no variant can overflow and all give identical results.

#include <cstddef>
#include <cstdint>

#include "ivrd/dsp/isa.hpp"

namespace ivrd::dsp::kernels {

inline constexpr int kDtmfSubBlock = 40;
inline constexpr int kDtmfPairs = kDtmfSubBlock / 2;
inline constexpr int kDtmfBins = 16;
inline constexpr int kDtmfCoefficientScale = 4096;

struct DtmfCorrelation {
  int32_t bins[kDtmfBins];
  uint32_t energy;
  int32_t sum;
  // Largest bin power, float(cos)^2 + float(sin)^2, in each group (0: low,
  // 1: high). Every variant converts, squares and adds in the same order,
  // without fused multiply-add, so the values are identical too.
  float group_peak[2];
};

// Coefficients laid out for pairwise multiply-add: row p (one per sample
// pair) holds, for each bin j, the coefficients of samples 2p and 2p+1 side
// by side: table[p * 32 + 2 * j + {0, 1}]. 64-byte aligned.
const int16_t* dtmf_correlation_table() noexcept;

using DtmfCorrelateFn = void (*)(const int16_t* samples, const int16_t* table,
                                 DtmfCorrelation* out);

void dtmf_correlate_scalar(const int16_t* samples, const int16_t* table, DtmfCorrelation* out);
void dtmf_correlate_sse41(const int16_t* samples, const int16_t* table, DtmfCorrelation* out);
void dtmf_correlate_avx2(const int16_t* samples, const int16_t* table, DtmfCorrelation* out);
void dtmf_correlate_avx512(const int16_t* samples, const int16_t* table, DtmfCorrelation* out);

DtmfCorrelateFn dtmf_correlate_for(Isa isa) noexcept;

}  // namespace ivrd::dsp::kernels
