#pragma once
// The outbound machine's voice rule (trunk_outbound.hpp documents it): which
// 20 ms blocks are voice (loud, and not explained by the zone's tone
// frequencies), and when enough of them fall within the window.

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "ivrd/driver/line.hpp"
#include "ivrd/dsp/tone_zone.hpp"

namespace ivrd::driver::detail {

class VoiceAnswerDetector {
 public:
  VoiceAnswerDetector(const dsp::ToneZone& zone, float level_dbm0, float max_tone_share,
                      uint32_t min_ms, uint32_t window_ms);

  // The line sample of the first voice block of the window once the rule is
  // met, else nothing. `block_start` is the block's first line sample.
  std::optional<uint64_t> rx(std::span<const int16_t, kBlockSamples> block,
                             uint64_t block_start) noexcept;
  // Share of the last block's energy the tone frequencies explain (0 for a
  // silent block).
  double last_tone_share() const noexcept { return last_share_; }

 private:
  size_t dims_ = 0;              // two per frequency (cosine, sine)
  std::vector<double> basis_;    // dims_ x kBlockSamples
  std::vector<double> factor_;   // Cholesky factor of the regularised Gram matrix
  std::vector<double> scratch_;  // dims_
  double min_mean_square_ = 0.0;
  double max_share_ = 0.0;
  size_t needed_ = 0;
  std::vector<uint8_t> voice_;    // ring: one per block of the window
  std::vector<uint64_t> starts_;  // ring: the blocks' first samples
  size_t next_ = 0;
  double last_share_ = 0.0;
};

}  // namespace ivrd::driver::detail
