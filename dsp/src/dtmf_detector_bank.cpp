#include "ivrd/dsp/dtmf_detector.hpp"

namespace ivrd::dsp {

DtmfDetectorBank::DtmfDetectorBank(size_t channels, const DtmfConfig& config, Isa isa) {
  detectors_.reserve(channels);
  for (size_t c = 0; c < channels; ++c) detectors_.emplace_back(config, isa);
}

void DtmfDetectorBank::rx(std::span<const int16_t* const> blocks, size_t samples_per_channel,
                          Sink sink) noexcept {
  const size_t count = std::min(blocks.size(), detectors_.size());
  for (size_t c = 0; c < count; ++c) {
    if (blocks[c] == nullptr) continue;
    auto forward = [&sink, c](const DtmfEvent& event) { sink(c, event); };
    detectors_[c].rx(std::span<const int16_t>(blocks[c], samples_per_channel), forward);
  }
}

void DtmfDetectorBank::rx(std::span<const std::span<const int16_t>> blocks, Sink sink) noexcept {
  const size_t count = std::min(blocks.size(), detectors_.size());
  for (size_t c = 0; c < count; ++c) {
    auto forward = [&sink, c](const DtmfEvent& event) { sink(c, event); };
    detectors_[c].rx(blocks[c], forward);
  }
}

void DtmfDetectorBank::flush(Sink sink) noexcept {
  for (size_t c = 0; c < detectors_.size(); ++c) {
    auto forward = [&sink, c](const DtmfEvent& event) { sink(c, event); };
    detectors_[c].flush(forward);
  }
}

}  // namespace ivrd::dsp
