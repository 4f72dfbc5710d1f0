#include "tone_test_signals.hpp"

#include <algorithm>
#include <cmath>
#include <random>

namespace ivrd::dsp::testing {

ToneDefinition distorted(const ToneDefinition& tone, float frequency_scale, float time_scale) {
  ToneDefinition out = tone;
  for (ToneSegment& segment : out.segments) {
    for (float& hz : segment.frequencies_hz) hz *= frequency_scale;
    segment.modulation_hz *= frequency_scale;  // one clock makes both
    segment.duration_ms =
        static_cast<uint32_t>(std::lround(static_cast<double>(segment.duration_ms) * time_scale));
  }
  return out;
}

TonePlayed play_tone(const ToneDefinition& tone, const TonePlay& play) {
  const ToneDefinition played = distorted(tone, play.frequency_scale, play.time_scale);
  ToneGenerator generator(played, play.level_dbm0);
  TonePlayed out;
  out.period_ms = static_cast<double>(generator.period_samples()) / 8.0;
  double play_ms = play.play_ms;
  if (play_ms <= 0.0) {
    double once_ms = 0.0;
    for (size_t i = 0; i < played.repeat_start(); ++i) once_ms += played.segments[i].duration_ms;
    // Whole periods, at least two and 2.5 s, so the tone stops at the
    // end of a period (after a gap) as an exchange stops it.
    const double periods =
        out.period_ms > 0.0 ? std::max(2.0, std::ceil(2500.0 / out.period_ms)) : 0.0;
    play_ms = once_ms + (out.period_ms > 0.0 ? periods * out.period_ms : 4000.0);
  }
  const auto lead = static_cast<size_t>(play.lead_ms * 8.0);
  const auto length = static_cast<size_t>(play_ms * 8.0);
  out.pcm.assign(lead + length + static_cast<size_t>(play.tail_ms * 8.0), 0);
  generator.tx(std::span<int16_t>(out.pcm.data() + lead, length));
  out.start_sample = lead;
  // The last sample that sounds (the tone may stop in a gap).
  size_t last = lead + length;
  while (last > lead && out.pcm[last - 1] == 0 && (last < 2 || out.pcm[last - 2] == 0)) --last;
  out.end_sample = last;
  return out;
}

std::vector<CallProgressEvent> run_detector(CallProgressDetector& detector,
                                            std::span<const int16_t> pcm, size_t block,
                                            uint64_t seed) {
  std::vector<CallProgressEvent> events;
  auto sink = [&events](const CallProgressEvent& event) { events.push_back(event); };
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<size_t> size(1, 400);
  size_t offset = 0;
  while (offset < pcm.size()) {
    const size_t n = std::min(block == 0 ? size(rng) : block, pcm.size() - offset);
    detector.rx(pcm.subspan(offset, n), sink);
    offset += n;
  }
  detector.flush(sink);
  return events;
}

std::vector<CallProgressEvent> detect_tones(const ToneZone& zone, std::span<const int16_t> pcm,
                                            const CallProgressConfig& config, size_t block) {
  CallProgressDetector detector(zone, config);
  return run_detector(detector, pcm, block);
}

std::vector<CallProgressEvent> ends_of(const std::vector<CallProgressEvent>& events) {
  std::vector<CallProgressEvent> out;
  for (const CallProgressEvent& event : events) {
    if (event.kind == CallProgressEventKind::end) out.push_back(event);
  }
  return out;
}

}  // namespace ivrd::dsp::testing
