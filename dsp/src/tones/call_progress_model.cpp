// Building the detector's model of a zone: correlator bins, frequency sets
// and cadences (set-up only; allocates).

#include <algorithm>
#include <cmath>
#include <numbers>
#include <stdexcept>

#include "ivrd/dsp/call_progress_detector.hpp"
#include "ivrd/dsp/levels.hpp"

namespace ivrd::dsp {
namespace {

constexpr double kRate = 8000.0;
constexpr float kBinSpacing = 25.0f;   // 1 / 40 ms: bins this far apart are orthogonal
constexpr float kLowestTone = 100.0f;  // "400+15": the 15 Hz part is not analysed
constexpr float kSameSet = 0.02f;      // tones this close count as the same frequency

int band_half_width(float hz) { return hz < 500.0f ? 1 : (hz < 1000.0f ? 2 : 3); }

}  // namespace

std::optional<std::string> CallProgressConfig::validate() const {
  if (!(min_level_dbm0 >= -60.0f && min_level_dbm0 <= 0.0f)) {
    return "min_level_dbm0 must be within -60..0";
  }
  if (!(min_tone_ratio >= 0.3f && min_tone_ratio <= 0.99f)) {
    return "min_tone_ratio must be within 0.3..0.99";
  }
  if (!(max_twist_db >= 0.0f && max_twist_db <= 20.0f)) return "max_twist_db must be within 0..20";
  if (!(cadence_tolerance >= 0.0f && cadence_tolerance <= 0.4f)) {
    return "cadence_tolerance must be within 0..0.4";
  }
  if (!(min_continuous_ms >= 100.0f && min_continuous_ms <= 10000.0f)) {
    return "min_continuous_ms must be within 100..10000";
  }
  return std::nullopt;
}

float CallProgressDetector::Segment::drift_spread_hz() const noexcept {
  if (drift_count < 2) return 0.0f;
  const double mean = drift_sum / drift_count;
  return static_cast<float>(std::sqrt(std::max(0.0, drift_squares / drift_count - mean * mean)));
}

float CallProgressDetector::Segment::level_db() const noexcept {
  if (energy_count == 0 || energy_sum <= 0.0) return -200.0f;
  return static_cast<float>(10.0 * std::log10(energy_sum / static_cast<double>(energy_count)));
}

CallProgressDetector::CallProgressDetector(const ToneZone& zone, const CallProgressConfig& config)
    : config_(config) {
  if (const std::optional<std::string> problem = config.validate()) {
    throw std::invalid_argument("CallProgressConfig: " + *problem);
  }
  auto add_bin = [this](float hz) {
    for (size_t i = 0; i < bins_.size(); ++i) {
      if (std::fabs(bins_[i].frequency_hz - hz) < 0.5f) return static_cast<int>(i);
    }
    if (bins_.size() == kMaxBins) throw std::length_error("CallProgressDetector: too many bins");
    Bin bin;
    bin.frequency_hz = hz;
    const double omega = 2.0 * std::numbers::pi * hz / kRate;
    for (int n = 0; n < kSubBlock; ++n) {
      bin.cos[static_cast<size_t>(n)] = static_cast<float>(std::cos(omega * n));
      bin.sin[static_cast<size_t>(n)] = static_cast<float>(std::sin(omega * n));
    }
    bin.phase_step = std::fmod(omega * kSubBlock, 2.0 * std::numbers::pi);
    bins_.push_back(bin);
    return static_cast<int>(bins_.size() - 1);
  };
  auto add_band = [&](FrequencySet& set, float centre, int half_width) {
    for (int k = -half_width; k <= half_width; ++k) {
      const float hz = centre + static_cast<float>(k) * kBinSpacing;
      if (hz <= kLowestTone || hz >= 3950.0f) continue;
      bool near = false;
      for (int b = 0; b < set.band_count; ++b) {
        near = near ||
               std::fabs(bins_[static_cast<size_t>(set.band[static_cast<size_t>(b)])].frequency_hz -
                         hz) < kBinSpacing / 2;
      }
      if (near) continue;
      if (set.band_count == static_cast<int>(set.band.size())) continue;
      set.band[static_cast<size_t>(set.band_count++)] = add_bin(hz);
    }
  };

  // The zone's sounding segments as frequency sets.
  auto set_of = [&](const ToneSegment& segment) -> int {
    std::array<float, 3> freqs{};
    int count = 0;
    for (int i = 0; i < segment.frequency_count; ++i) {
      const float hz = segment.frequencies_hz[static_cast<size_t>(i)];
      if (hz >= kLowestTone) freqs[static_cast<size_t>(count++)] = hz;
    }
    if (count == 0) return -1;
    for (int i = 1; i < count; ++i) {  // at most three: insertion sort
      for (int j = i; j > 0 && freqs[static_cast<size_t>(j)] < freqs[static_cast<size_t>(j - 1)];
           --j) {
        std::swap(freqs[static_cast<size_t>(j)], freqs[static_cast<size_t>(j - 1)]);
      }
    }
    int found = -1;
    for (size_t s = 0; s < sets_.size() && found < 0; ++s) {
      const FrequencySet& set = sets_[s];
      if (set.sit || set.count != count) continue;
      bool same = true;
      for (int i = 0; i < count; ++i) {
        const float hz =
            bins_[static_cast<size_t>(set.centre[static_cast<size_t>(i)])].frequency_hz;
        same = same && std::fabs(hz - freqs[static_cast<size_t>(i)]) <= kSameSet * hz;
      }
      if (same) found = static_cast<int>(s);
    }
    if (found < 0) {
      if (sets_.size() == kMaxSets) throw std::length_error("CallProgressDetector: too many tones");
      FrequencySet set;
      set.count = count;
      for (int i = 0; i < count; ++i) {
        const float hz = freqs[static_cast<size_t>(i)];
        set.centre[static_cast<size_t>(i)] = add_bin(hz);
        if (hz >= 500.0f) {
          set.below[static_cast<size_t>(i)] = add_bin(hz - kBinSpacing);
          set.above[static_cast<size_t>(i)] = add_bin(hz + kBinSpacing);
        }
        add_band(set, hz, band_half_width(hz));
      }
      for (int i = 1; i < count; ++i) {
        set.beats =
            set.beats || freqs[static_cast<size_t>(i)] - freqs[static_cast<size_t>(i - 1)] < 40.0f;
      }
      sets_.push_back(set);
      found = static_cast<int>(sets_.size() - 1);
    }
    if (segment.modulation_hz > 0.0f && count == 1) {
      // "f*fm": its sidebands belong to the tone's energy. (The same
      // frequency plain and modulated is one set: with a few per cent of
      // frequency error, 24..50 Hz sidebands cannot be told from leakage of a
      // plain tone in 40 ms; the cadences tell the tones apart.)
      FrequencySet& set = sets_[static_cast<size_t>(found)];
      set.modulated = true;
      add_band(set, freqs[0] - segment.modulation_hz, 1);
      add_band(set, freqs[0] + segment.modulation_hz, 1);
    }
    return found;
  };

  constexpr CallProgressTone kOrder[] = {CallProgressTone::dial, CallProgressTone::ringback,
                                         CallProgressTone::busy, CallProgressTone::congestion,
                                         CallProgressTone::disconnect};
  for (CallProgressTone kind : kOrder) {
    const ToneDefinition& tone = zone.tone(kind);
    if (!tone.defined() || !tone.mapped_from.empty()) continue;
    size_t from = tone.repeat_start();
    if (from == tone.segments.size()) from = 0;
    // Australia's congestion alternates full and -10 dB bursts; in noise the
    // weaker ones can vanish, so the cadence without them is recognised too.
    bool has_weak = false;
    for (size_t i = from; i < tone.segments.size(); ++i)
      has_weak = has_weak || tone.segments[i].level_db < 0.0f;
    for (int variant = 0; variant < (has_weak ? 2 : 1); ++variant) {
      const bool weak_as_quiet = variant == 1;
      Cadence cadence;
      cadence.tone = kind;
      bool usable = true;
      for (size_t i = from; i < tone.segments.size() && usable; ++i) {
        const ToneSegment& segment = tone.segments[i];
        PatternStep step{set_of(segment), static_cast<float>(segment.duration_ms),
                         segment.level_db};
        if (weak_as_quiet && step.level_db < 0.0f) step.set = -1;
        if (step.set < 0) step.level_db = 0.0f;
        if (cadence.length > 0) {
          PatternStep& last = cadence.steps[static_cast<size_t>(cadence.length - 1)];
          if (last.set == step.set && last.level_db == step.level_db) {
            last.ms = (last.ms == 0.0f || step.ms == 0.0f) ? 0.0f : last.ms + step.ms;
            continue;
          }
        }
        if (cadence.length == kMaxPattern) {
          usable = false;
          break;
        }
        cadence.steps[static_cast<size_t>(cadence.length++)] = step;
      }
      if (!usable || cadence.length == 0) continue;
      // A tone that ends in a sound lasting until stopped is that sound.
      int continuous_step = -1;
      for (int i = 0; i < cadence.length; ++i) {
        if (cadence.steps[static_cast<size_t>(i)].ms == 0.0f) {
          continuous_step = i;
          break;
        }
      }
      if (continuous_step >= 0) {
        const PatternStep step = cadence.steps[static_cast<size_t>(continuous_step)];
        if (step.set < 0) continue;  // ends in silence: nothing to recognise
        cadence.steps[0] = step;
        cadence.length = 1;
        cadence.continuous = true;
      } else {
        // The cadence wraps: the last step followed by the first.
        PatternStep& first = cadence.steps[0];
        const PatternStep& last = cadence.steps[static_cast<size_t>(cadence.length - 1)];
        if (cadence.length > 1 && first.set == last.set && first.level_db == last.level_db) {
          first.ms += last.ms;
          --cadence.length;
        }
        bool sounds = false;
        for (int i = 0; i < cadence.length; ++i)
          sounds = sounds || cadence.steps[static_cast<size_t>(i)].set >= 0;
        if (!sounds) continue;
        if (cadence.length == 1) {
          cadence.continuous = true;  // a sound repeated without a gap
          cadence.steps[0].ms = 0.0f;
        }
      }
      const bool hang_up = kind == CallProgressTone::busy || kind == CallProgressTone::congestion ||
                           kind == CallProgressTone::disconnect;
      cadence.needed = hang_up ? cadence.length + 1 : cadence.length;
      cadence.needed_on = hang_up ? 2 : 1;
      cadence.hang_up = hang_up;
      // The same cadence as an earlier tone (Japan's busy and congestion): the earlier one is
      // reported.
      bool duplicate = false;
      for (const Cadence& other : cadences_) {
        if (duplicate) break;
        if (other.length != cadence.length || other.continuous != cadence.continuous) continue;
        for (int rotation = 0; rotation < cadence.length && !duplicate; ++rotation) {
          bool same = true;
          for (int i = 0; i < cadence.length && same; ++i) {
            const PatternStep& a = other.steps[static_cast<size_t>(i)];
            const PatternStep& b =
                cadence.steps[static_cast<size_t>((i + rotation) % cadence.length)];
            same = a.set == b.set && a.level_db == b.level_db &&
                   std::fabs(a.ms - b.ms) <= 0.02f * std::max(a.ms, b.ms);
          }
          duplicate = same;
        }
        if (duplicate) aliases_[static_cast<size_t>(kind)] = other.tone;
      }
      if (duplicate) continue;
      if (cadences_.size() == kMaxCadences) break;
      cadences_.push_back(cadence);
    }
  }

  // The SIT bands, always.
  constexpr float kSitCentres[3] = {950.0f, 1410.0f, 1810.0f};
  for (int i = 0; i < 3; ++i) {
    if (sets_.size() == kMaxSets) throw std::length_error("CallProgressDetector: too many tones");
    FrequencySet set;
    set.sit = true;
    set.count = 1;
    set.centre[0] = add_bin(kSitCentres[i]);
    add_band(set, kSitCentres[i], 3);
    sets_.push_back(set);
    sit_sets_[static_cast<size_t>(i)] = static_cast<int>(sets_.size() - 1);
  }

  // A window's energy (sum of squares over 320 samples) at a level.
  const double full_scale_sine_power = 32767.0 * 32767.0 / 2.0;
  min_energy_ =
      static_cast<float>(kSubBlock * kWindowBlocks * full_scale_sine_power *
                         std::pow(10.0, (config_.min_level_dbm0 - kFullScaleSineDbm0) / 10.0));
  twist_ratio_ = std::pow(10.0f, config_.max_twist_db / 10.0f);
  power_.assign(bins_.size(), 0.0f);
  window_re_.assign(bins_.size(), 0.0f);
  window_im_.assign(bins_.size(), 0.0f);
  for (Segment& s : history_) s = Segment{};
  segments_ = 1;  // the stream starts in a quiet segment
}

}  // namespace ivrd::dsp
