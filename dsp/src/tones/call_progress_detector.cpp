// Call-progress detector at run time: front end, segmenter, cadence matching.
// The model (bins, sets, cadences) is built in call_progress_model.cpp.

#include "ivrd/dsp/call_progress_detector.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>

#include "ivrd/dsp/levels.hpp"

namespace ivrd::dsp {
namespace {

constexpr int kWindow = CallProgressDetector::kSubBlock * CallProgressDetector::kWindowBlocks;
constexpr int kDebounce = 4;  // frames a new class must last (40 ms)
// A continuous tone (dial) is steady: its frequency (single tones) wanders
// less than this from 10 ms to 10 ms, its level by less than 4 dB. A held
// note has vibrato, or decays.
constexpr float kMaxDriftSpreadHz = 1.0f;
constexpr float kMaxLevelSpread = 2.5f;
constexpr float kMinSteadyMs = 1000.0f;
constexpr float kSlackMs = 30.0f;      // added to every cadence tolerance
constexpr float kQuietBelowDb = 6.0f;  // a gap is this far below its bursts
// A hang-up tone that would be confirmed only by counting a first burst whose
// start may be hidden (it followed loud sound) has less evidence: its gaps
// must then be really quiet, as an exchange's are, and not a pause in music
// or speech; else it waits for one more whole segment.
constexpr float kQuietBelowWithCutDb = 10.0f;
constexpr float kPresence = 0.1f;  // each frequency's share of the window energy
constexpr float kSitMinMs = 180.0f, kSitMaxMs = 480.0f, kSitGapMs = 100.0f;
constexpr float kSitRepeatMs = 2500.0f;  // longest silence before a SIT repeats (Sweden: 2024 ms)

// 2nd-order Butterworth high-pass at 120 Hz, 8 kHz (bilinear transform).
struct HighPass {
  double b0, b1, b2, a1, a2;
};
HighPass make_high_pass() {
  const double k = std::tan(std::numbers::pi * 120.0 / 8000.0);
  const double norm = 1.0 / (1.0 + std::numbers::sqrt2 * k + k * k);
  return {norm, -2.0 * norm, norm, 2.0 * (k * k - 1.0) * norm,
          (1.0 - std::numbers::sqrt2 * k + k * k) * norm};
}
const HighPass kHighPass = make_high_pass();

float energy_to_dbm0(double window_energy) {
  return static_cast<float>(mean_square_to_dbm0(window_energy / kWindow));
}

}  // namespace

CallProgressTone CallProgressDetector::reported(CallProgressTone tone) const noexcept {
  tone = aliases_[static_cast<size_t>(tone)];
  if (config_.in_call && (tone == CallProgressTone::busy || tone == CallProgressTone::congestion)) {
    return CallProgressTone::disconnect;
  }
  return tone;
}

void CallProgressDetector::rx(std::span<const int16_t> pcm, CallProgressEventSink sink) noexcept {
  size_t offset = 0;
  if (pending_count_ > 0) {
    const size_t take = std::min(pcm.size(), static_cast<size_t>(kSubBlock - pending_count_));
    std::copy_n(pcm.data(), take, pending_.data() + pending_count_);
    pending_count_ += static_cast<int>(take);
    offset = take;
    if (pending_count_ == kSubBlock) {
      process_sub_block(pending_.data(), sink);
      pending_count_ = 0;
    }
  }
  while (pcm.size() - offset >= static_cast<size_t>(kSubBlock)) {
    process_sub_block(pcm.data() + offset, sink);
    offset += kSubBlock;
  }
  const size_t rest = pcm.size() - offset;
  std::copy_n(pcm.data() + offset, rest, pending_.data() + pending_count_);
  pending_count_ += static_cast<int>(rest);
  sample_count_ += pcm.size();
}

void CallProgressDetector::process_sub_block(const int16_t* samples,
                                             CallProgressEventSink& sink) noexcept {
  std::array<float, kSubBlock> y;
  double energy = 0.0;
  auto& h = highpass_;  // x1 x2 y1 y2
  for (int n = 0; n < kSubBlock; ++n) {
    const double x = samples[n];
    const double out = kHighPass.b0 * x + kHighPass.b1 * h[0] + kHighPass.b2 * h[1] -
                       kHighPass.a1 * h[2] - kHighPass.a2 * h[3];
    h[1] = h[0];
    h[0] = x;
    h[3] = h[2];
    h[2] = out;
    y[static_cast<size_t>(n)] = static_cast<float>(out);
    energy += out * out;
  }
  const size_t slot = frame_count_ % kWindowBlocks;
  auto& re_im = sub_re_im_[slot];
  for (size_t b = 0; b < bins_.size(); ++b) {
    Bin& bin = bins_[b];
    // Raw pointers: the hot loop, kept cheap in unoptimised test builds too.
    const float* in = y.data();
    const float* cos_table = bin.cos.data();
    const float* sin_table = bin.sin.data();
    float a = 0.0f, s = 0.0f;
    for (int n = 0; n < kSubBlock; ++n) {
      a += in[n] * cos_table[n];
      s += in[n] * sin_table[n];
    }
    // Referred to the absolute sample count, so sub-blocks add coherently.
    const auto c = static_cast<float>(std::cos(bin.phase));
    const auto sn = static_cast<float>(std::sin(bin.phase));
    re_im[2 * b] = a * c - s * sn;
    re_im[2 * b + 1] = -(a * sn + s * c);
    bin.phase = std::fmod(bin.phase + bin.phase_step, 2.0 * std::numbers::pi);
  }
  sub_energy_[slot] = static_cast<float>(energy);
  block_energy_[frame_count_ % kRing] = static_cast<float>(energy);

  float window_energy = 0.0f;
  for (float e : sub_energy_) window_energy += e;
  int set = -1;
  if (frame_count_ + 1 >= static_cast<uint64_t>(kWindowBlocks)) {
    for (size_t b = 0; b < bins_.size(); ++b) {
      float re = 0.0f, im = 0.0f;
      for (const auto& block : sub_re_im_) {
        re += block[2 * b];
        im += block[2 * b + 1];
      }
      power_[b] = (re * re + im * im) * (2.0f / kWindow);
      window_re_[b] = re;
      window_im_[b] = im;
    }
    set = classify_window(window_energy);
  }
  window_energy_[frame_count_ % kRing] = window_energy;
  // Frequency drift: the phase advance of the tone's first frequency over
  // one 10 ms hop, against the bin's own.
  const int bin = set >= 0 ? sets_[static_cast<size_t>(set)].centre[0] : -1;
  // Not for "f*fm" tones: their sidebands, off-centre when the frequency is
  // a little off, make the phase wander.
  const bool single = set >= 0 && sets_[static_cast<size_t>(set)].count == 1 &&
                      !sets_[static_cast<size_t>(set)].modulated;
  if (single && bin == previous_bin_ && set == current_set_) {
    const auto b = static_cast<size_t>(bin);
    const float re = window_re_[b] * previous_re_ + window_im_[b] * previous_im_;
    const float im = window_im_[b] * previous_re_ - window_re_[b] * previous_im_;
    const double hz = std::atan2(im, re) / (2.0 * std::numbers::pi) * (8000.0 / kSubBlock);
    Segment& current = segment(segments_ - 1);
    current.drift_sum += hz;
    current.drift_squares += hz * hz;
    ++current.drift_count;
  }
  previous_bin_ = bin;
  if (bin >= 0) {
    previous_re_ = window_re_[static_cast<size_t>(bin)];
    previous_im_ = window_im_[static_cast<size_t>(bin)];
  }
  add_frame(set, window_energy, sink);
  ++frame_count_;
}

int CallProgressDetector::classify_window(float& energy) noexcept {
  const float total = energy;
  if (total < min_energy_) return -1;
  int best = -1;
  float best_score = 0.0f;
  const auto [min_it, max_it] = std::minmax_element(sub_energy_.begin(), sub_energy_.end());
  const float min_block = *min_it, max_block = *max_it;
  for (size_t s = 0; s < sets_.size(); ++s) {
    const FrequencySet& set = sets_[s];
    float band = 0.0f;
    for (int i = 0; i < set.band_count; ++i)
      band += power_[static_cast<size_t>(set.band[static_cast<size_t>(i)])];
    if (band < min_energy_ || band < config_.min_tone_ratio * total) continue;
    float score = 0.0f;
    if (set.sit) {
      score = band / total - 0.2f;
    } else {
      float lowest = total, highest = 0.0f, sum = 0.0f;
      for (int i = 0; i < set.count; ++i) {
        const auto k = static_cast<size_t>(i);
        float p = power_[static_cast<size_t>(set.centre[k])];
        if (set.below[k] >= 0) {
          p = std::max({p, power_[static_cast<size_t>(set.below[k])],
                        power_[static_cast<size_t>(set.above[k])]});
        }
        lowest = std::min(lowest, p);
        highest = std::max(highest, p);
        sum += p;
      }
      if (lowest < kPresence * total) continue;
      if (set.count > 1 && highest > twist_ratio_ * lowest) continue;
      // Two frequencies 25 Hz apart beat once per window; one tone between
      // them (which leaks into both bins) does not.
      if (set.beats && max_block < 2.0f * min_block) continue;
      score = sum / total;
    }
    if (score > best_score) {
      best_score = score;
      best = static_cast<int>(s);
    }
  }
  return best;
}

void CallProgressDetector::add_frame(int set, float energy, CallProgressEventSink& sink) noexcept {
  Segment& current = segment(segments_ - 1);
  auto absorb = [this](Segment& into) {
    // Frames of a change that did not last belong to the current segment.
    into.frames += static_cast<uint64_t>(candidate_frames_);
    into.energy_sum += candidate_energy_;
    into.energy_count += static_cast<uint64_t>(candidate_frames_);
    candidate_frames_ = 0;
    candidate_set_ = -2;
    candidate_energy_ = 0.0;
  };
  if (set == current_set_) {
    if (candidate_frames_ > 0) absorb(current);
    ++current.frames;
    if (current.frames > 3) {
      const float low = std::min(current.steady_min, energy);
      const float high = std::max(current.steady_max, energy);
      if (current.steady_max <= 0.0f || high > kMaxLevelSpread * low) {
        // A new steady run (speech over the start of a tone, a decaying note).
        current.steady_min = current.steady_max = energy;
        current.steady_since = frame_count_;
        current.drift_sum = current.drift_squares = 0.0;
        current.drift_count = 0;
      } else {
        current.steady_min = low;
        current.steady_max = high;
      }
    }
    if (current.set >= 0 || current.frames > 3) {
      current.energy_sum += energy;
      ++current.energy_count;
    }
  } else {
    if (set != candidate_set_) {
      if (candidate_frames_ > 0) absorb(current);
      candidate_set_ = set;
      candidate_first_ = frame_count_;
    }
    ++candidate_frames_;
    candidate_energy_ += energy;
    if (candidate_frames_ >= kDebounce) commit(sink);
  }
  decide(sink);
}

uint64_t CallProgressDetector::refine_start(uint64_t first_frame,
                                            float block_level) const noexcept {
  // The first 10 ms sub-block holding the tone, and how much of it.
  const uint64_t from = first_frame >= 5 ? first_frame - 5 : 0;
  for (uint64_t j = from; j <= first_frame + 1; ++j) {
    const float e = block_energy_[j % kRing];
    if (e >= 0.3f * block_level) {
      const float fraction = std::min(1.0f, e / block_level);
      return (j + 1) * kSubBlock - static_cast<uint64_t>(std::lround(fraction * kSubBlock));
    }
  }
  return first_frame * kSubBlock;
}

uint64_t CallProgressDetector::refine_end(uint64_t first_off_frame,
                                          float block_level) const noexcept {
  const uint64_t lowest = first_off_frame >= 5 ? first_off_frame - 5 : 0;
  for (uint64_t j = first_off_frame + 3; j >= lowest && j + 1 > 0; --j) {
    const float e = block_energy_[j % kRing];
    if (e >= 0.3f * block_level) {
      const float fraction = std::min(1.0f, e / block_level);
      return j * kSubBlock + static_cast<uint64_t>(std::lround(fraction * kSubBlock));
    }
    if (j == 0) break;
  }
  return lowest * kSubBlock;
}

bool CallProgressDetector::loud_before(uint64_t first_frame, float window_level) const noexcept {
  if (first_frame < 12) return true;  // the stream started within the burst
  for (uint64_t f = first_frame - 12; f <= first_frame - 5; ++f) {
    if (window_energy_[f % kRing] >= 0.25f * window_level) return true;
  }
  return false;
}

void CallProgressDetector::commit(CallProgressEventSink& sink) noexcept {
  Segment& previous = segment(segments_ - 1);
  Segment next;
  next.set = candidate_set_;
  next.first_frame = candidate_first_;
  next.frames = static_cast<uint64_t>(candidate_frames_);
  const uint64_t c = candidate_first_;
  if (next.set >= 0) {
    next.energy_sum = candidate_energy_;
    next.energy_count = next.frames;
  } else {
    for (uint64_t f = c + 3; f < c + next.frames; ++f) {
      next.energy_sum += window_energy_[f % kRing];
      ++next.energy_count;
    }
  }
  uint64_t boundary = 0;
  if (previous.set >= 0 && next.set < 0) {
    const auto level = static_cast<float>(
        previous.energy_sum / std::max<double>(1.0, static_cast<double>(previous.energy_count)));
    boundary = refine_end(c, level / kWindowBlocks);
  } else if (previous.set < 0 && next.set >= 0) {
    const auto level = static_cast<float>(candidate_energy_ / candidate_frames_);
    boundary = refine_start(c, level / kWindowBlocks);
    next.cut_short = loud_before(c, level);
  } else {
    boundary = (c + 1) * kSubBlock >= kWindow / 2 ? (c + 1) * kSubBlock - kWindow / 2 : 0;
    next.cut_short = true;
  }
  boundary = std::max(boundary, previous.start_sample);
  previous.end_sample = boundary;
  next.start_sample = boundary;
  ++segments_;
  segment(segments_ - 1) = next;
  current_set_ = next.set;
  candidate_set_ = -2;
  candidate_frames_ = 0;
  candidate_energy_ = 0.0;
  check_sit(sink);
}

float CallProgressDetector::ongoing_ms() const noexcept {
  const Segment& current = segment(segments_ - 1);
  const uint64_t now = frame_count_ * kSubBlock + kSubBlock - kWindow / 2;
  return now > current.start_sample ? static_cast<float>(now - current.start_sample) / 8.0f : 0.0f;
}

bool CallProgressDetector::consistent_from(const Cadence& cadence, uint64_t first, int phase,
                                           Match& out) const noexcept {
  Match m;
  m.first = static_cast<int>(first % 1000000000);
  m.phase = phase;
  const uint64_t last = segments_ - 1;
  bool have_previous_on = false;
  float previous_on_level = 0.0f, previous_step_level = 0.0f;
  bool cut_counted = false;        // a first burst whose start may be hidden counted
  float quietest_margin = 200.0f;  // the least a finished gap lies below either burst beside it
  for (uint64_t i = first; i <= last; ++i) {
    const PatternStep& step = cadence.steps[static_cast<size_t>(
        (static_cast<uint64_t>(phase) + i - first) % static_cast<uint64_t>(cadence.length))];
    const Segment& seg = segment(i);
    if (seg.set != step.set) return false;
    const bool ongoing = i == last;
    if (cadence.continuous) {
      if (!ongoing) return false;
      // A steady tone, not a held note with vibrato.
      const float steady_ms = static_cast<float>(frame_count_ - seg.steady_since) * 10.0f;
      m.confirmed = ongoing_ms() >= config_.min_continuous_ms && seg.steady_max > 0.0f &&
                    steady_ms >= kMinSteadyMs && seg.drift_spread_hz() <= kMaxDriftSpreadHz;
      continue;
    }
    const float ms =
        ongoing ? ongoing_ms() : static_cast<float>(seg.end_sample - seg.start_sample) / 8.0f;
    const float hi = step.ms * (1.0f + config_.cadence_tolerance) + kSlackMs;
    const float lo = step.ms * (1.0f - config_.cadence_tolerance) - kSlackMs;
    const bool cut = i == first && seg.cut_short;
    if (ms > hi) return false;
    const bool whole = !ongoing && !cut;
    if (whole && ms < lo) return false;
    // A burst that follows speech may have begun under it. It counts as a
    // whole one once what shows of it is as long as the cadence's burst (it
    // cannot be longer than allowed: that was checked), so a tone that
    // starts as speech ends is confirmed a period sooner. A hang-up tone's
    // counts whatever shows of it, the gap and the whole burst after it
    // still having to be right: the caller who has hung up is often still
    // heard over the start of the exchange's busy tone.
    const bool cut_counts = !ongoing && cut && (ms >= lo || cadence.hang_up);
    if (cut_counts) cut_counted = true;
    if (step.set < 0) {
      if (seg.energy_count > 0 && !ongoing) {
        // Against the louder burst beside it: the last windows of a gap already
        // hold some of the next burst.
        float reference = -200.0f;
        if (i > first) reference = segment(i - 1).level_db();
        if (i < last) reference = std::max(reference, segment(i + 1).level_db());
        if (reference > -200.0f && seg.level_db() > reference - kQuietBelowDb) return false;
        // The quieter burst beside it for the margin: both must stand out.
        float quieter = 200.0f;
        if (i > first) quieter = segment(i - 1).level_db();
        if (i < last) quieter = std::min(quieter, segment(i + 1).level_db());
        if (quieter < 200.0f) quietest_margin = std::min(quietest_margin, quieter - seg.level_db());
      }
    } else if (!cut && seg.energy_count >= 2) {
      const float level = seg.level_db();
      if (have_previous_on) {
        const float expected = step.level_db - previous_step_level;
        const float allowed = expected != 0.0f ? 5.0f : 8.0f;
        if (std::fabs(level - previous_on_level - expected) > allowed) return false;
      }
      have_previous_on = true;
      previous_on_level = level;
      previous_step_level = step.level_db;
    }
    if (whole || cut_counts) {
      ++m.complete;
      if (whole) m.deviation += std::fabs(ms - step.ms) / step.ms;
      if (step.set >= 0) {
        ++m.complete_on;
        m.last_on_end = seg.end_sample;
      }
    }
  }
  if (!cadence.continuous) {
    m.confirmed = m.complete >= cadence.needed && m.complete_on >= cadence.needed_on;
    const bool without_cut =
        m.complete - 1 >= cadence.needed && m.complete_on - 1 >= cadence.needed_on;
    if (m.confirmed && cadence.hang_up && cut_counted && !without_cut &&
        quietest_margin < kQuietBelowWithCutDb) {
      m.confirmed = false;
    }
  }
  m.consistent = true;
  out = m;
  return true;
}

CallProgressDetector::Match CallProgressDetector::match(const Cadence& cadence) const noexcept {
  const uint64_t last = segments_ - 1;
  uint64_t first = segments_ > 16 ? segments_ - 16 : 0;
  first = std::max(first, quiet_after_);
  for (; first <= last; ++first) {
    const Segment& seg = segment(first);
    if (seg.set < 0) continue;
    Match best;
    for (int phase = 0; phase < cadence.length; ++phase) {
      if (cadence.steps[static_cast<size_t>(phase)].set != seg.set) continue;
      Match m;
      if (!consistent_from(cadence, first, phase, m)) continue;
      const auto mean = [](const Match& x) {
        return x.deviation / static_cast<float>(std::max(1, x.complete));
      };
      if (!best.consistent || (m.confirmed && !best.confirmed) ||
          (m.confirmed == best.confirmed && mean(m) < mean(best))) {
        best = m;
      }
    }
    if (best.consistent) {
      best.first = static_cast<int>(first - (segments_ > 16 ? segments_ - 16 : 0));
      return best;
    }
  }
  return Match{};
}

void CallProgressDetector::decide(CallProgressEventSink& sink) noexcept {
  if (active_ == kMaxCadences) {
    const Segment& current = segment(segments_ - 1);
    bool over = false;
    if (current.set < 0) {
      over = ongoing_ms() > kSitRepeatMs;
    } else {
      const bool sit_set =
          current.set == sit_sets_[0] || current.set == sit_sets_[1] || current.set == sit_sets_[2];
      over = !sit_set || ongoing_ms() > kSitMaxMs + 100.0f;
    }
    if (over) emit_end(active_last_on_end_, sink);
    return;
  }
  if (active_ >= 0) {
    const Cadence& cadence = cadences_[static_cast<size_t>(active_)];
    // Only the recent periods are re-checked (and kept in the history).
    while (!cadence.continuous &&
           segments_ - active_first_ > kHistory / 2 + static_cast<uint64_t>(cadence.length)) {
      active_first_ += static_cast<uint64_t>(cadence.length);
    }
    Match m;
    if (consistent_from(cadence, active_first_, active_phase_, m)) {
      if (m.last_on_end > active_last_on_end_) active_last_on_end_ = m.last_on_end;
      const float level = segment(segments_ - 1).level_db();
      if (segment(segments_ - 1).set >= 0) active_level_ = std::max(active_level_, level);
      return;
    }
    uint64_t end = active_last_on_end_;
    if (cadence.continuous) end = segment(active_first_).end_sample;
    emit_end(end, sink);
    return;
  }
  std::array<Match, kMaxCadences> matches{};
  for (size_t c = 0; c < cadences_.size(); ++c) matches[c] = match(cadences_[c]);
  const auto mean = [](const Match& x) {
    return x.deviation / static_cast<float>(std::max(1, x.complete));
  };
  for (size_t c = 0; c < cadences_.size(); ++c) {
    const Match& m = matches[c];
    if (!m.consistent || !m.confirmed) continue;
    bool blocked = false;
    for (size_t o = 0; o < cadences_.size() && !blocked; ++o) {
      const Match& other = matches[o];
      if (o == c || !other.consistent || other.first > m.first) continue;
      if (reported(cadences_[o].tone) == reported(cadences_[c].tone)) continue;
      if (!other.confirmed) {
        blocked = true;
      } else {
        blocked = mean(other) < mean(m) || (mean(other) == mean(m) && o < c);
      }
    }
    if (blocked) continue;
    const uint64_t base = segments_ > 16 ? segments_ - 16 : 0;
    active_ = static_cast<int>(c);
    active_first_ = base + static_cast<uint64_t>(m.first);
    active_phase_ = m.phase;
    active_start_ = segment(extend_back(cadences_[c], active_first_)).start_sample;
    active_last_on_end_ = m.last_on_end;
    active_level_ = -200.0f;
    for (uint64_t i = active_first_; i < segments_; ++i) {
      if (segment(i).set >= 0) active_level_ = std::max(active_level_, segment(i).level_db());
    }
    CallProgressEvent event;
    event.kind = CallProgressEventKind::begin;
    event.tone = reported(cadences_[c].tone);
    event.start_sample = active_start_;
    event.detected_sample = frame_count_ * kSubBlock + kSubBlock;
    event.level_dbm0 = energy_to_dbm0(std::pow(10.0, active_level_ / 10.0));
    sink(event);
    return;
  }
}

uint64_t CallProgressDetector::extend_back(const Cadence& cadence, uint64_t first) const noexcept {
  // Bursts of the tone's frequencies just before the cadence was recognised
  // belong to it: a "!" part played once (Turkey's congestion), or a first
  // burst that did not fit.
  float longest_gap = 0.0f;
  for (int i = 0; i < cadence.length; ++i) {
    const PatternStep& step = cadence.steps[static_cast<size_t>(i)];
    if (step.set < 0) longest_gap = std::max(longest_gap, step.ms);
  }
  longest_gap = longest_gap * (1.0f + config_.cadence_tolerance) + kSlackMs;
  const uint64_t oldest =
      std::max<uint64_t>(quiet_after_, segments_ > kHistory ? segments_ - kHistory + 1 : 0);
  while (first >= oldest + 2) {
    const Segment& gap = segment(first - 1);
    const Segment& burst = segment(first - 2);
    // A burst of one of the cadence's lengths, then a quiet gap no longer than its gaps.
    const float burst_ms = static_cast<float>(burst.end_sample - burst.start_sample) / 8.0f;
    bool known = false;
    for (int i = 0; i < cadence.length; ++i) {
      const PatternStep& step = cadence.steps[static_cast<size_t>(i)];
      const float lo = step.ms * (1.0f - config_.cadence_tolerance) - kSlackMs;
      const float hi = step.ms * (1.0f + config_.cadence_tolerance) + kSlackMs;
      known = known || (burst.set >= 0 && step.set == burst.set && burst_ms <= hi &&
                        (burst_ms >= lo || burst_ms >= 150.0f));
    }
    if (gap.set >= 0 || !known) break;
    if (static_cast<float>(gap.end_sample - gap.start_sample) / 8.0f > longest_gap) break;
    const float louder = std::max(burst.level_db(), segment(first).level_db());
    if (gap.energy_count > 0 && gap.level_db() > louder - kQuietBelowDb) break;
    first -= 2;
  }
  return first;
}

void CallProgressDetector::check_sit(CallProgressEventSink& sink) noexcept {
  if (active_ >= 0 && active_ != kMaxCadences) return;
  if (segments_ < 4) return;
  const uint64_t closed = segments_ - 2;
  auto duration = [this](uint64_t i) {
    const Segment& s = segment(i);
    return static_cast<float>(s.end_sample - s.start_sample) / 8.0f;
  };
  auto sit_ok = [&](uint64_t i, int band) {
    return segment(i).set == sit_sets_[static_cast<size_t>(band)] && duration(i) >= kSitMinMs &&
           duration(i) <= kSitMaxMs;
  };
  if (!sit_ok(closed, 2)) return;
  // Back through short gaps to the middle and low segments.
  uint64_t i = closed;
  uint64_t found[3] = {0, 0, closed};
  for (int band = 1; band >= 0; --band) {
    if (i == 0) return;
    --i;
    if (segment(i).set < 0) {
      if (duration(i) > kSitGapMs || i == 0) return;
      --i;
    }
    if (i + kHistory < segments_ || !sit_ok(i, band)) return;
    found[band] = i;
  }
  if (active_ == kMaxCadences) {
    active_last_on_end_ = segment(closed).end_sample;
    return;
  }
  active_ = kMaxCadences;
  active_first_ = found[0];
  active_start_ = segment(found[0]).start_sample;
  active_last_on_end_ = segment(closed).end_sample;
  active_level_ = -200.0f;
  for (uint64_t k = found[0]; k <= closed; ++k) {
    if (segment(k).set >= 0) active_level_ = std::max(active_level_, segment(k).level_db());
  }
  CallProgressEvent event;
  event.kind = CallProgressEventKind::begin;
  event.tone = CallProgressTone::sit;
  event.start_sample = active_start_;
  event.detected_sample = frame_count_ * kSubBlock + kSubBlock;
  event.level_dbm0 = energy_to_dbm0(std::pow(10.0, active_level_ / 10.0));
  sink(event);
}

void CallProgressDetector::emit_end(uint64_t last_on_end, CallProgressEventSink& sink) noexcept {
  CallProgressEvent event;
  event.kind = CallProgressEventKind::end;
  event.tone = active_ == kMaxCadences ? CallProgressTone::sit
                                       : reported(cadences_[static_cast<size_t>(active_)].tone);
  event.start_sample = active_start_;
  event.end_sample = std::max(last_on_end, active_start_ + 1);
  event.detected_sample = frame_count_ * kSubBlock;
  event.level_dbm0 = energy_to_dbm0(std::pow(10.0, active_level_ / 10.0));
  sink(event);
  active_ = -1;
  quiet_after_ = segments_ - 1;
}

void CallProgressDetector::flush(CallProgressEventSink sink) noexcept {
  if (active_ < 0) return;
  const Segment& current = segment(segments_ - 1);
  uint64_t end = active_last_on_end_;
  bool still_on = false;
  if (active_ == kMaxCadences) {
    still_on =
        current.set == sit_sets_[0] || current.set == sit_sets_[1] || current.set == sit_sets_[2];
  } else {
    const Cadence& cadence = cadences_[static_cast<size_t>(active_)];
    Match m;
    still_on = current.set >= 0 && consistent_from(cadence, active_first_, active_phase_, m);
  }
  if (still_on) end = sample_count_;
  emit_end(end, sink);
}

}  // namespace ivrd::dsp
