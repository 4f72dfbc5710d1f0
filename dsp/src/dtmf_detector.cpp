#include "ivrd/dsp/dtmf_detector.hpp"

#include <algorithm>
#include <cmath>
#include <complex>
#include <numbers>
#include <stdexcept>

#include "ivrd/dsp/dtmf_generator.hpp"
#include "ivrd/dsp/levels.hpp"
#include "kernels/dtmf_correlate.hpp"

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
// Within each group the chosen tone must stand this far above the others.
constexpr float kMinGroupPeakRatio = 4.0f;  // 6 dB
// Share of the window's energy the two tones must carry. Speech and music
// spread their energy over many frequencies and harmonics; a DTMF pair at
// 15 dB SNR carries 97 %.
constexpr float kMinPurity = 0.8f;
// Measurement margin on the configured twist limits, so that a signal exactly
// at the limit is accepted.
constexpr float kTwistMarginDb = 0.5f;

float tone_hz(int bin) { return bin < 4 ? kDtmfLowGroupHz[bin] : kDtmfHighGroupHz[bin - 4]; }

struct RotationTable {
  // e^{-j w_k s L}: turns a sub-block's local correlation into one referred
  // to absolute time.
  std::array<std::array<float, 8>, kRotationPeriod> re{}, im{};
  // e^{-j w_k / 2}, for the window response of each bin.
  std::array<std::complex<double>, 8> bin_half_step{};
  RotationTable() {
    for (int k = 0; k < 8; ++k) {
      bin_half_step[k] = std::polar(1.0, -std::numbers::pi * tone_hz(k) / kSampleRate);
    }
    for (int s = 0; s < kRotationPeriod; ++s) {
      for (int k = 0; k < 8; ++k) {
        const double turns =
            std::fmod(double{tone_hz(k)} * s * kSubBlock / kSampleRate, 1.0);
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
  if (!isa_supported(isa)) isa_ = Isa::scalar;
  kernel_ = kernels::dtmf_correlate_for(isa_);
  table_ = kernels::dtmf_correlation_table();
  (void)rotations();

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
  block.energy = correlation.energy;
  block.sum = correlation.sum;
  const double mean_square_of_sum =
      static_cast<double>(correlation.sum) * correlation.sum / kSubBlock;
  block.ac_energy = static_cast<float>(std::max(0.0, correlation.energy - mean_square_of_sum));

  if (index + 1 >= kWindowSubBlocks) track(evaluate_window(index), index, sink);
}

DtmfDetector::WindowResult DtmfDetector::evaluate_window(uint64_t newest) const noexcept {
  const SubBlock* blocks[kWindowSubBlocks];
  uint64_t energy = 0;
  int64_t sum = 0;
  for (int i = 0; i < kWindowSubBlocks; ++i) {
    blocks[i] = &sub_block(newest + 1 - kWindowSubBlocks + i);
    energy += blocks[i]->energy;
    sum += blocks[i]->sum;
  }
  const float window_energy = static_cast<float>(
      std::max(0.0, static_cast<double>(energy) -
                        static_cast<double>(sum) * static_cast<double>(sum) / kWindow));
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

  // Each tone's frequency from its phase advance between the two halves
  // (80 samples apart): unambiguous within +-50 Hz, far finer than the bin.
  const int bins[2] = {low, high};
  double frequency[2];  // radians per sample
  for (int t = 0; t < 2; ++t) {
    const int k = bins[t];
    const float cross_re = h2_re[k] * h1_re[k] + h2_im[k] * h1_im[k];
    const float cross_im = h2_im[k] * h1_re[k] - h2_re[k] * h1_im[k];
    const double advance = std::atan2(static_cast<double>(cross_im), static_cast<double>(cross_re));
    const double error_hz = advance * kSampleRate / (2.0 * std::numbers::pi * 2 * kSubBlock);
    if (std::abs(error_hz) > config_.max_frequency_deviation * tone_hz(k)) return {};
    frequency[t] = 2.0 * std::numbers::pi * (tone_hz(k) + error_hz) / kSampleRate;
  }

  // Amplitudes of the two tones, solved jointly: a 20 ms window lets each
  // tone leak into the other's bin (941 and 1209 Hz are only 5.4 bins apart),
  // which at 8 dB of twist would move the weaker tone's level by over 1 dB.
  // With both frequencies known, each bin is a known mix of the two tones.
  using Complex = std::complex<double>;
  const uint64_t window_start_block = newest + 1 - kWindowSubBlocks;
  const RotationTable& rotation = rotations();
  Complex measured[2];
  for (int t = 0; t < 2; ++t) {
    const int k = bins[t];
    const Complex bin(double{h1_re[k]} + h2_re[k], double{h1_im[k]} + h2_im[k]);
    // Refer the bin to the window's first sample instead of absolute time.
    const Complex to_window_start(rotation.re[window_start_block % kRotationPeriod][k],
                                  -rotation.im[window_start_block % kRotationPeriod][k]);
    measured[t] = bin * to_window_start;
  }
  // Response of a bin to a tone: the sum over the window of
  // e^{j (tone - bin) n} = sin(N h) / sin(h) * e^{j (N - 1) h}, h the half
  // difference. e^{jh} is the product of the tone's and the bin's half-step
  // phasors; its N-th power comes from squaring, with no further trigonometry.
  const Complex tone_half_step[2] = {std::polar(1.0, frequency[0] / 2.0),
                                     std::polar(1.0, frequency[1] / 2.0)};
  auto response = [&](int tone, int bin) {
    const Complex step = tone_half_step[tone] * rotation.bin_half_step[bins[bin]];
    if (std::abs(step.imag()) < 1e-9) return Complex(kWindow, 0.0);
    Complex squared = step;  // step^(2^bit)
    Complex total(1.0, 0.0);
    for (int bit = 0; bit < 8; ++bit) {  // kWindow = 160 = 0b10100000
      if ((static_cast<int>(kWindow) >> bit) & 1) total *= squared;
      squared *= squared;
    }
    return total * std::conj(step) * (total.imag() / step.imag());
  };
  const Complex m00 = response(0, 0);
  const Complex m01 = response(1, 0);
  const Complex m10 = response(0, 1);
  const Complex m11 = response(1, 1);
  const Complex determinant = m00 * m11 - m01 * m10;
  const double determinant_norm = std::norm(determinant);
  if (determinant_norm < 1e-12 * kWindow * kWindow * kWindow * kWindow) return {};
  const Complex low_amplitude =
      (measured[0] * m11 - measured[1] * m01) * std::conj(determinant) / determinant_norm;
  const Complex high_amplitude =
      (m00 * measured[1] - m10 * measured[0]) * std::conj(determinant) / determinant_norm;
  // A tone of peak A contributes A/2 e^{j phi}; its power is A^2 / 2.
  const float tone_power[2] = {static_cast<float>(2.0 * std::norm(low_amplitude)),
                               static_cast<float>(2.0 * std::norm(high_amplitude))};

  if (tone_power[0] < min_tone_power_ || tone_power[1] < min_tone_power_) return {};
  if (tone_power[1] > max_normal_ratio_ * tone_power[0]) return {};
  if (tone_power[0] > max_reverse_ratio_ * tone_power[1]) return {};
  if (kWindow * (tone_power[0] + tone_power[1]) < kMinPurity * window_energy) return {};

  WindowResult result;
  result.digit = low * 4 + (high - 4);
  result.low_power = tone_power[0];
  result.high_power = tone_power[1];
  return result;
}

void DtmfDetector::track(const WindowResult& hit, uint64_t window, DtmfEventSink& sink) noexcept {
  // Count consecutive windows showing the same digit.
  if (hit.digit >= 0 && hit.digit == candidate_ && candidate_first_window_ + candidate_hits_ == window) {
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
  const uint64_t end = std::max(current_start_ + 1, std::min(refine_end(current_last_window_), cap_sample));
  DtmfEvent event;
  event.kind = DtmfEventKind::end;
  event.digit = kDtmfDigits[static_cast<size_t>(current_)];
  event.start_sample = current_start_;
  event.duration_samples = static_cast<uint32_t>(std::min<uint64_t>(end - current_start_, UINT32_MAX));
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
                           sub_block(first + 3).ac_energy) / 3.0f;
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
                           sub_block(last - 1).ac_energy) / 3.0f;
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
