#include "ivrd/dsp/dtmf_detector.hpp"

#include <algorithm>
#include <cmath>
#include <complex>
#include <numbers>
#include <stdexcept>

#include "ivrd/dsp/dtmf_generator.hpp"
#include "ivrd/dsp/levels.hpp"

#include "dtmf_tone_pair.hpp"
#include "kernels/dtmf_correlate.hpp"
#include "phase.hpp"

namespace ivrd::dsp {

namespace {

constexpr int kSubBlock = DtmfDetector::kSubBlock;
constexpr int kWindowSubBlocks = 4;
constexpr float kWindow = kSubBlock * kWindowSubBlocks;  // 160 samples, 20 ms
constexpr double kSampleRate = DtmfDetector::kSampleRate;
// f * kSubBlock / kSampleRate = f / 200 for every Q.23 frequency, and all are
// whole hertz, so the absolute-time rotation of a sub-block repeats every
// 200 sub-blocks.
constexpr int kRotationPeriod = 200;

// A sub-block whose energy is below this share of the window's mean means the
// tone did not fill the window (it started or stopped inside it).
constexpr float kMinSubBlockShare = 0.5f;
// Share of a sub-block's energy its strongest bin in each group must carry: a
// cheap first test that lets most speech and noise skip the window analysis.
// A DTMF pair keeps over 40 % even at the frequency tolerance, with the two
// tones' 5 ms bins overlapping and noise at 8 dB SNR; white noise reaches it
// in about one sub-block in four, and rarely in four in a row.
constexpr float kMinSubBlockTonalShare = 0.3f;
// Within each group the chosen tone must stand this far above the others.
constexpr float kMinGroupPeakRatio = 4.0f;  // 6 dB
// Share of the window's energy the two tones must carry. Speech and music
// spread their energy over many frequencies and harmonics; a DTMF pair at
// 15 dB SNR carries 97 %, at 12 dB 94 %. Lower values trade talk-off on
// music for operation in more noise.
constexpr float kMinPurity = 0.9f;
// Largest change of either tone's power between the halves of a window
// (2 dB): a key's tones hold their level, notes swell and decay.
constexpr double kMaxHalfPowerRatio = 1.6;
// Measurement margin on the configured twist limits, so that a signal exactly
// at the limit is accepted.
constexpr float kTwistMarginDb = 0.75f;
// Extra frequency tolerance, relative, for the digit that is already on.
constexpr double kHoldFrequencyMargin = 0.005;
// How far (radians per sample; 2 Hz) a tone may move before the tone-pair
// model built for an earlier window of the same digit is rebuilt.
constexpr double kModelDrift = 2.0 * std::numbers::pi * 2.0 / kSampleRate;

float tone_hz(int bin) { return bin < 4 ? kDtmfLowGroupHz[bin] : kDtmfHighGroupHz[bin - 4]; }

struct RotationTable {
  // e^{-j w_k s L}: turns a sub-block's local correlation into one referred
  // to absolute time.
  std::array<std::array<float, 8>, kRotationPeriod> re{}, im{};
  // e^{-j w_k / 2} and e^{-j w_k 80}, for the tone-pair fit.
  std::array<std::complex<double>, 8> bin_half_step{}, bin_half_advance{};
  RotationTable() {
    for (int k = 0; k < 8; ++k) {
      const double w = 2.0 * std::numbers::pi * tone_hz(k) / kSampleRate;
      bin_half_step[k] = std::polar(1.0, -w / 2.0);
      bin_half_advance[k] = std::polar(1.0, -w * 2 * kSubBlock);
    }
    for (int s = 0; s < kRotationPeriod; ++s) {
      for (int k = 0; k < 8; ++k) {
        const double turns = std::fmod(double{tone_hz(k)} * s * kSubBlock / kSampleRate, 1.0);
        re[s][k] = static_cast<float>(std::cos(2.0 * std::numbers::pi * turns));
        im[s][k] = static_cast<float>(-std::sin(2.0 * std::numbers::pi * turns));
      }
    }
  }
};

const RotationTable& rotations() {
  static const RotationTable table;
  return table;
}

// Kernel units: samples are shifted right by 2 before correlation.
constexpr float kKernelToLinear = 4.0f;

float tone_power_for_level(float dbm0) {
  const double peak = dbm0_to_sine_peak(dbm0) / kKernelToLinear;
  return static_cast<float>(peak * peak / 2.0);
}

float level_of_tone_power(float power) {
  return static_cast<float>(mean_square_to_dbm0(power * kKernelToLinear * kKernelToLinear));
}

}  // namespace

DtmfDetector::DtmfDetector(const DtmfConfig& config, Isa isa) : config_(config), isa_(isa) {
  if (auto error = config.validate()) throw std::invalid_argument("DTMF receiver: " + *error);
  if (!isa_supported(isa)) isa_ = detected_isa();
  kernel_ = kernels::dtmf_correlate_for(isa_);
  table_ = kernels::dtmf_correlation_table();
  (void)rotations();  // built here, not on the first tone in rx()

  min_tone_power_ = tone_power_for_level(config.min_tone_level_dbm0);
  // Two tones at the floor put at least this much energy in a window; leave
  // room for measurement spread.
  min_window_energy_ = 0.8f * 2.0f * kWindow * min_tone_power_;
  max_normal_ratio_ = std::pow(10.0f, (config.max_normal_twist_db + kTwistMarginDb) / 10.0f);
  max_reverse_ratio_ = std::pow(10.0f, (config.max_reverse_twist_db + kTwistMarginDb) / 10.0f);
  // A tone of duration D fills about (D - 15 ms) / 5 ms consecutive windows
  // (windows are 20 ms long, advance by 5 ms, and tolerate a half-empty
  // edge sub-block); an interruption of G ms empties about (G + 15) / 5.
  min_hits_ = std::max(1, static_cast<int>(std::lround((config.min_duration_ms - 15.0f) / 5.0f)));
  max_missing_ = static_cast<int>(std::floor((config.max_dropout_ms + 15.0f) / 5.0f));
}

void DtmfDetector::rx(std::span<const int16_t> pcm, DtmfEventSink sink) noexcept {
  size_t position = 0;
  if (pending_count_ > 0) {
    const size_t take = std::min(pcm.size(), static_cast<size_t>(kSubBlock - pending_count_));
    std::copy_n(pcm.begin(), take, pending_.begin() + pending_count_);
    pending_count_ += static_cast<int>(take);
    position = take;
    if (pending_count_ == kSubBlock) {
      process_sub_block(pending_.data(), sink);
      pending_count_ = 0;
    }
  }
  while (pcm.size() - position >= static_cast<size_t>(kSubBlock)) {
    process_sub_block(pcm.data() + position, sink);
    position += kSubBlock;
  }
  const size_t rest = pcm.size() - position;
  std::copy_n(pcm.begin() + static_cast<std::ptrdiff_t>(position), rest,
              pending_.begin() + pending_count_);
  pending_count_ += static_cast<int>(rest);
  sample_count_ += pcm.size();
}

void DtmfDetector::fill_in(size_t missing_samples, DtmfEventSink sink) noexcept {
  static constexpr std::array<int16_t, 160> kSilence{};
  while (missing_samples > 0) {
    const size_t run = std::min(missing_samples, kSilence.size());
    rx(std::span<const int16_t>(kSilence.data(), run), sink);
    missing_samples -= run;
  }
}

void DtmfDetector::flush(DtmfEventSink sink) noexcept {
  if (pending_count_ > 0) {
    // Complete the last sub-block with silence so its samples still count;
    // the padding is not added to samples_seen().
    std::fill(pending_.begin() + pending_count_, pending_.end(), int16_t{0});
    process_sub_block(pending_.data(), sink);
    pending_count_ = 0;
  }
  if (current_ >= 0) end_digit(UINT64_MAX, sink);
  candidate_ = -1;
  candidate_hits_ = 0;
}

void DtmfDetector::process_sub_block(const int16_t* samples, DtmfEventSink& sink) noexcept {
  kernels::DtmfCorrelation correlation;
  kernel_(samples, table_, &correlation);

  const uint64_t index = sub_block_count_++;
  SubBlock& block = history_[index % kHistory];
  block.energy = correlation.energy;
  block.sum = correlation.sum;
  const float sum = static_cast<float>(correlation.sum);
  block.ac_energy =
      std::max(0.0f, static_cast<float>(correlation.energy) - sum * sum * (1.0f / kSubBlock));

  // Tonal pre-test, in the kernel's integer scale (coefficients x 4096).
  constexpr float kCoefficientPower =
      float{kernels::kDtmfCoefficientScale} * float{kernels::kDtmfCoefficientScale};
  // |D|^2 = (A L / 2)^2 for a tone of amplitude A, whose energy is L A^2 / 2.
  block.tonal = block.ac_energy > 0.0f &&
                (2.0f / kSubBlock) * (correlation.group_peak[0] + correlation.group_peak[1]) >=
                    kMinSubBlockTonalShare * kCoefficientPower * block.ac_energy;
  tonal_run_ = block.tonal ? tonal_run_ + 1 : 0;

  WindowResult hit;
  if (block.tonal) {
    // Only windows of four tonal sub-blocks are analysed, so only those need
    // their phases referred to absolute time.
    const RotationTable& rotation = rotations();
    const auto& rot_re = rotation.re[index % kRotationPeriod];
    const auto& rot_im = rotation.im[index % kRotationPeriod];
    constexpr float kScale = 1.0f / kernels::kDtmfCoefficientScale;
    for (int k = 0; k < kBins; ++k) {
      const float re = static_cast<float>(correlation.bins[2 * k]) * kScale;
      const float im = static_cast<float>(correlation.bins[2 * k + 1]) * kScale;
      block.re[k] = re * rot_re[k] - im * rot_im[k];
      block.im[k] = re * rot_im[k] + im * rot_re[k];
    }
    if (tonal_run_ >= kWindowSubBlocks) hit = evaluate_window(index);
  }
  // Nothing to track while no digit is on or building up.
  if (hit.digit >= 0 || candidate_ >= 0 || current_ >= 0) track(hit, index, sink);
}

DtmfDetector::WindowResult DtmfDetector::evaluate_window(uint64_t newest) noexcept {
  const SubBlock* blocks[kWindowSubBlocks];
  uint64_t energy = 0;
  int64_t sum = 0;
  for (int i = 0; i < kWindowSubBlocks; ++i) {
    blocks[i] = &sub_block(newest + 1 - kWindowSubBlocks + i);
    energy += blocks[i]->energy;
    sum += blocks[i]->sum;
  }
  const float window_energy = static_cast<float>(std::max(
      0.0,
      static_cast<double>(energy) - static_cast<double>(sum) * static_cast<double>(sum) / kWindow));
  if (window_energy < min_window_energy_) return {};

  // The tone must be present through the whole window.
  const float min_share = kMinSubBlockShare * window_energy / kWindowSubBlocks;
  for (const SubBlock* block : blocks) {
    if (block->ac_energy < min_share) return {};
  }

  // First and second halves of the window, and their sum (the whole window).
  std::array<float, kBins> h1_re, h1_im, h2_re, h2_im, power;
  for (int k = 0; k < kBins; ++k) {
    h1_re[k] = blocks[0]->re[k] + blocks[1]->re[k];
    h1_im[k] = blocks[0]->im[k] + blocks[1]->im[k];
    h2_re[k] = blocks[2]->re[k] + blocks[3]->re[k];
    h2_im[k] = blocks[2]->im[k] + blocks[3]->im[k];
    const float re = h1_re[k] + h2_re[k];
    const float im = h1_im[k] + h2_im[k];
    power[k] = re * re + im * im;
  }

  auto strongest = [&power](int first) {
    int best = first;
    for (int k = first + 1; k < first + 4; ++k) {
      if (power[k] > power[best]) best = k;
    }
    for (int k = first; k < first + 4; ++k) {
      if (k != best && power[best] < kMinGroupPeakRatio * power[k]) return -1;
    }
    return best;
  };
  const int low = strongest(0);
  const int high = strongest(4);
  if (low < 0 || high < 0) return {};

  // The two chosen bins over each half of the window, for the tone-pair fit
  // (dtmf_tone_pair.hpp).
  using Complex = std::complex<double>;
  const int bins[2] = {low, high};
  const uint64_t window_start_block = newest + 1 - kWindowSubBlocks;
  const RotationTable& rotation = rotations();
  const int digit = low * 4 + (high - 4);
  detail::TonePairWindow measured;
  measured.half_length = 2 * kSubBlock;
  for (int t = 0; t < 2; ++t) {
    const int k = bins[t];
    measured.bin_frequency[t] = 2.0 * std::numbers::pi * tone_hz(k) / kSampleRate;
    measured.bin_half_step[t] = rotation.bin_half_step[k];
    measured.bin_half_advance[t] = rotation.bin_half_advance[k];
    // Refer each half to its own first sample instead of absolute time.
    const size_t start = window_start_block % kRotationPeriod;
    const size_t middle = (window_start_block + 2) % kRotationPeriod;
    measured.first_half[t] =
        Complex(h1_re[k], h1_im[k]) * Complex(rotation.re[start][k], -rotation.im[start][k]);
    measured.second_half[t] =
        Complex(h2_re[k], h2_im[k]) * Complex(rotation.re[middle][k], -rotation.im[middle][k]);
  }

  // The same digit in the window just before: its tone-pair model still
  // holds, unless the tones have moved since it was built.
  detail::TonePair pair;
  const bool continuing = model_.valid && model_digit_ == digit && model_window_ + 1 == newest;
  if (continuing) {
    pair = detail::measure_tone_pair(measured, model_);
    for (int t = 0; pair.solved && t < 2; ++t) {
      if (std::abs(pair.frequency[t] - model_.frequency[t]) > kModelDrift) {
        model_ = detail::build_tone_pair_model(measured, pair.frequency);
        pair = detail::measure_tone_pair(measured, model_);
        break;
      }
    }
  } else {
    model_digit_ = -1;  // model_ is rebuilt below, for this window's digit
    // Each tone's frequency from its phase advance between the two halves
    // (80 samples apart): unambiguous within +-50 Hz, far finer than the
    // bin; the fit then takes the other tone's leakage out.
    double estimate[2];
    for (int t = 0; t < 2; ++t) {
      const int k = bins[t];
      const float cross_re = h2_re[k] * h1_re[k] + h2_im[k] * h1_im[k];
      const float cross_im = h2_im[k] * h1_re[k] - h2_re[k] * h1_im[k];
      const double advance =
          detail::phase_angle(static_cast<double>(cross_im), static_cast<double>(cross_re));
      estimate[t] = measured.bin_frequency[t] + advance / measured.half_length;
      // Far outside the tolerance even before the fit: not worth fitting.
      const double error = std::abs(estimate[t] - measured.bin_frequency[t]);
      if (error > 2.0 * config_.max_frequency_deviation * measured.bin_frequency[t]) return {};
    }
    pair = detail::fit_tone_pair(measured, estimate, kModelDrift, model_);
  }
  if (!pair.solved) return {};
  // A digit already on keeps a wider tolerance, so a tone near the limit
  // (or a note with vibrato) does not flicker on and off.
  const double tolerance =
      config_.max_frequency_deviation + (digit == current_ ? kHoldFrequencyMargin : 0.0);
  for (int t = 0; t < 2; ++t) {
    const double error = std::abs(pair.frequency[t] - measured.bin_frequency[t]);
    if (error > tolerance * measured.bin_frequency[t]) return {};
  }
  // The model stays good for the next window of the same digit, whatever
  // the level checks below decide about this one (at a tone's edges they
  // fail while its frequencies are already right).
  model_digit_ = digit;
  model_window_ = newest;
  const float tone_power[2] = {static_cast<float>(pair.power[0]),
                               static_cast<float>(pair.power[1])};
  if (tone_power[0] < min_tone_power_ || tone_power[1] < min_tone_power_) return {};
  if (tone_power[1] > max_normal_ratio_ * tone_power[0]) return {};
  if (tone_power[0] > max_reverse_ratio_ * tone_power[1]) return {};
  if (kWindow * (tone_power[0] + tone_power[1]) < kMinPurity * window_energy) return {};
  // A key's tones hold their level through the window; notes swell and decay.
  for (int t = 0; t < 2; ++t) {
    const double before = pair.first_half_power[t];
    const double after = pair.second_half_power[t];
    if (before > kMaxHalfPowerRatio * after || after > kMaxHalfPowerRatio * before) return {};
  }

  WindowResult result;
  result.digit = digit;
  result.low_power = tone_power[0];
  result.high_power = tone_power[1];
  return result;
}

void DtmfDetector::track(const WindowResult& hit, uint64_t window, DtmfEventSink& sink) noexcept {
  // Count consecutive windows showing the same digit.
  if (hit.digit >= 0 && hit.digit == candidate_ &&
      candidate_first_window_ + candidate_hits_ == window) {
    ++candidate_hits_;
  } else if (hit.digit >= 0) {
    candidate_ = hit.digit;
    candidate_hits_ = 1;
    candidate_first_window_ = window;
  } else {
    candidate_ = -1;
    candidate_hits_ = 0;
  }

  if (current_ >= 0) {
    if (hit.digit == current_) {
      current_last_window_ = window;
      missing_ = 0;
      candidate_ = -1;
      candidate_hits_ = 0;
      return;
    }
    ++missing_;
    if (candidate_ >= 0 && candidate_hits_ >= min_hits_) {
      // Another digit followed without a pause.
      end_digit(refine_start(candidate_first_window_), sink);
    } else if (missing_ > max_missing_) {
      end_digit(UINT64_MAX, sink);
      return;
    } else {
      return;
    }
  }

  if (candidate_ >= 0 && candidate_hits_ >= min_hits_) {
    current_low_dbm0_ = level_of_tone_power(hit.low_power);
    current_high_dbm0_ = level_of_tone_power(hit.high_power);
    begin_digit(candidate_, candidate_first_window_, sink);
  }
}

void DtmfDetector::begin_digit(int digit, uint64_t first_window, DtmfEventSink& sink) noexcept {
  current_ = digit;
  current_start_ = refine_start(first_window);
  current_last_window_ = first_window + candidate_hits_ - 1;
  missing_ = 0;
  candidate_ = -1;
  candidate_hits_ = 0;
  DtmfEvent event;
  event.kind = DtmfEventKind::begin;
  event.digit = kDtmfDigits[static_cast<size_t>(digit)];
  event.start_sample = current_start_;
  event.low_level_dbm0 = current_low_dbm0_;
  event.high_level_dbm0 = current_high_dbm0_;
  sink(event);
}

void DtmfDetector::end_digit(uint64_t cap_sample, DtmfEventSink& sink) noexcept {
  const uint64_t end =
      std::max(current_start_ + 1, std::min(refine_end(current_last_window_), cap_sample));
  DtmfEvent event;
  event.kind = DtmfEventKind::end;
  event.digit = kDtmfDigits[static_cast<size_t>(current_)];
  event.start_sample = current_start_;
  event.duration_samples =
      static_cast<uint32_t>(std::min<uint64_t>(end - current_start_, UINT32_MAX));
  event.low_level_dbm0 = current_low_dbm0_;
  event.high_level_dbm0 = current_high_dbm0_;
  current_ = -1;
  missing_ = 0;
  sink(event);
}

float DtmfDetector::coverage(uint64_t index, float reference) const noexcept {
  // Only sub-blocks still in the history and already processed count.
  if (index >= sub_block_count_ || index + kHistory < sub_block_count_ || reference <= 0.0f) {
    return 0.0f;
  }
  return std::clamp(sub_block(index).ac_energy / reference, 0.0f, 1.0f);
}

uint64_t DtmfDetector::refine_start(uint64_t first_window) const noexcept {
  // The window ending at first_window is the first one the tone filled; its
  // leading sub-block may be partly empty and the one before it partly full.
  const uint64_t first = first_window + 1 - kWindowSubBlocks;
  const float reference = (sub_block(first + 1).ac_energy + sub_block(first + 2).ac_energy +
                           sub_block(first + 3).ac_energy) /
                          3.0f;
  uint64_t solid = first;
  for (int step = 0; step < 2 && solid > 0 && coverage(solid - 1, reference) >= kMinSubBlockShare;
       ++step) {
    --solid;
  }
  const float before = solid > 0 ? coverage(solid - 1, reference) : 0.0f;
  const double start = static_cast<double>(solid * kSubBlock) +
                       (1.0 - coverage(solid, reference)) * kSubBlock - before * kSubBlock;
  return static_cast<uint64_t>(std::max(0.0, std::round(start)));
}

uint64_t DtmfDetector::refine_end(uint64_t last_window) const noexcept {
  // Mirror of refine_start: the last window the tone filled, its trailing
  // sub-block possibly partly empty and the one after it partly full.
  const uint64_t last = last_window;
  const float reference = (sub_block(last - 3).ac_energy + sub_block(last - 2).ac_energy +
                           sub_block(last - 1).ac_energy) /
                          3.0f;
  uint64_t solid = last;
  for (int step = 0; step < 2 && coverage(solid + 1, reference) >= kMinSubBlockShare; ++step) {
    ++solid;
  }
  const double end = static_cast<double>((solid + 1) * kSubBlock) -
                     (1.0 - coverage(solid, reference)) * kSubBlock +
                     coverage(solid + 1, reference) * kSubBlock;
  return static_cast<uint64_t>(std::max(0.0, std::round(end)));
}

}  // namespace ivrd::dsp
