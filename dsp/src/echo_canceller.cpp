#include "ivrd/dsp/echo_canceller.hpp"

#include <xmmintrin.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>
#include <stdexcept>
#include <vector>

#include "ivrd/dsp/levels.hpp"

#include "echo/aligned_buffer.hpp"
#include "echo/comfort_noise.hpp"
#include "echo/frame_fft.hpp"
#include "echo/line_filters.hpp"
#include "echo/tone_disabler.hpp"
#include "kernels/echo_kernels.hpp"

namespace ivrd::dsp {

using echo::AlignedBuffer;
using echo::kBins;
using echo::kFftSize;
using echo::kFrame;
using echo::kPaddedBins;

namespace {

// Mean square (power per sample) of a sine at this level.
float power_at(double dbm0) {
  const double peak = dbm0_to_sine_peak(dbm0);
  return static_cast<float>(peak * peak / 2.0);
}

float to_dbm0(double mean_square) {
  if (mean_square <= 1e-6) return -100.0f;
  return std::max(-100.0f, static_cast<float>(mean_square_to_dbm0(mean_square)));
}

float db(double ratio) { return static_cast<float>(10.0 * std::log10(std::max(ratio, 1e-12))); }

int16_t saturate(float x) noexcept {
  const float rounded = std::nearbyint(x);
  if (rounded >= 32767.0f) return 32767;
  if (rounded <= -32768.0f) return -32768;
  return static_cast<int16_t>(rounded);
}

// Frequency-domain adaptation of the partitions outside the time-domain
// window: normalised step, and how much of it is shared out in proportion to
// each partition's part of the echo path (the IPNLMS mix: -1 uniform, +1
// fully proportionate).
constexpr float kStep = 0.1f;
constexpr float kProportionateMix = 0.5f;
// Time-domain window: sample-by-sample proportionate NLMS (IPNLMS, mix 0.5)
// on whitened signals. It spans the whole tail until the filter converges —
// measured on hybrids with speech, that finds an echo at any delay quickly,
// where a narrow window placed from an early estimate sometimes settled on
// the wrong partitions — then narrows onto the echo (see review_window).
constexpr float kWindowStep = 0.7f;
constexpr float kNarrowWindowStep = 0.35f;
constexpr float kWindowMix = 0.5f;
// The window's normaliser also counts this share of the long-term reference
// power, so a sudden onset does not take an outsized step.
constexpr float kWindowLongTermShare = 0.3f;
// Once both filters cancel this much, the window narrows to the partitions
// holding this share of the echo path's energy; it widens to the whole tail
// again when the background's ERLE falls kWidenDropDb below the established
// figure (or under kWidenBelowErleDb) for kWidenFrames.
constexpr int kNarrowPartitions = 4;
constexpr float kNarrowAfterErleDb = 15.0f;
constexpr float kNarrowEnergyShare = 0.9997f;  // all but -35 dB
constexpr float kWidenBelowErleDb = 6.0f;
constexpr int kWidenFrames = 12;  // 100 ms
constexpr float kWidenDropDb = 12.0f;

// Two-path control, on frame energies smoothed over ~3 frames.
constexpr float kCopyWhenBetter = 0.7f;  // background 1.5 dB better
constexpr int kCopyFrames = 2;
constexpr float kResetWhenWorse = 4.0f;  // background 6 dB worse
constexpr int kResetFrames = 4;
constexpr int kDoubleTalkHangoverFrames = 6;  // 48 ms
constexpr float kMinCopyCancelDb = 3.0f;
constexpr float kCopyMarginDb = 10.0f;

// Activity and regularisation levels.
constexpr double kFarActiveDbm0 = -45.0;
constexpr double kRegularisationDbm0 = -55.0;

// NLP: the near end talks when the residual is this far above what the
// filter's ERLE predicts (9 dB) and above the background (6 dB).
constexpr float kNearOverResidual = 8.0f;
constexpr float kNearOverBackground = 4.0f;
constexpr int kNlpHangover = 320;  // 40 ms after the near end stops
constexpr float kNlpPowerSmoothing = 1.0f / 32.0f;
constexpr float kNlpGainSlew = 1.0f / 24.0f;  // ~3 ms cross-fade

// Memory of the ERLE figure, per frame (~0.25 s).
constexpr float kErleMemory = 0.97f;

// The background level may rise this much per frame (3 dB/s) and falls at once.
constexpr float kBackgroundRise = 1.0087f;

// The whitening predictor: order 8 over 32 ms of reference, its poles pulled
// in by 0.95 per order so that it flattens speech's formants without lifting
// the spectral valleys (and the line noise in them) too far.
constexpr int kWhiteningOrder = 8;
constexpr double kWhiteningBandwidthExpansion = 0.95;
constexpr size_t kPredictorOrder = kWhiteningOrder;

// Reference history kept in the time domain beyond the tail, so that it is
// shifted back only once in a while.
constexpr size_t kLineSlack = 16 * kFrame;

}  // namespace

namespace detail {

struct EchoCancellerState {
  EchoCancellerState(const EchoCancellerConfig& cfg, Isa chosen_isa);
  void reset() noexcept;
  float process_sample(int16_t tx, int16_t rx, bool& disabled) noexcept;
  void end_frame() noexcept;
  void constrain(int partition) noexcept;
  void copy_background_to_foreground() noexcept;
  void copy_foreground_to_background() noexcept;
  void compute_tail(AlignedBuffer& filter, bool skip_window, AlignedBuffer& out) noexcept;
  void update_delay() noexcept;
  void set_window(int start, int size) noexcept;
  void review_window() noexcept;
  void window_to_spectrum(int q, float* re, float* im) noexcept;
  void spectrum_to_window(int q, const float* re, const float* im) noexcept;
  void update_window_gains() noexcept;
  void update_predictor() noexcept;
  bool in_window(int p) const noexcept {
    return window_start >= 0 && p >= window_start && p < window_start + window_size;
  }
  float nlp(float e, float y) noexcept;

  float* spectrum_re(AlignedBuffer& b, int p) noexcept {
    return b.data() + static_cast<size_t>(p) * 2 * kPaddedBins;
  }
  float* spectrum_im(AlignedBuffer& b, int p) noexcept { return spectrum_re(b, p) + kPaddedBins; }
  int older(int frames_back) const noexcept {
    return (head + partitions - frames_back) % partitions;
  }

  EchoCancellerConfig config;
  Isa isa;
  const kernels::EchoKernels* k;
  echo::FrameFft fft;
  int partitions;
  size_t taps;
  int window_size;

  echo::DcBlocker tx_dc, rx_dc;
  echo::HighPass tx_high_pass, rx_high_pass;
  echo::ToneDisabler tone;
  echo::ComfortNoise comfort;

  // Time domain: the reference over the whole tail (oldest first), and the
  // current frame's signals.
  AlignedBuffer x_line;
  size_t x_pos = 0;  // index of the newest sample in x_line
  AlignedBuffer near_frame{kFrame}, error_frame{kFrame}, estimate_frame{kFrame};
  AlignedBuffer background_error{kFrame};
  AlignedBuffer foreground_tail{kFrame}, background_tail{kFrame};  // partitions 1..
  AlignedBuffer foreground_first{kFrame};                          // partition 0, taps reversed
  AlignedBuffer background_first{kFrame};                          // partition 0, taps reversed
  int position = 0;

  // The background's time-domain window: window_size partitions from
  // window_start, taps reversed (the oldest tap first), with their gains.
  int window_start = -1;
  AlignedBuffer window_taps, window_gain, window_scratch;
  int lost_frames = 0;
  float window_step = 0.0f;  // c of the next update
  float window_regularisation = 0.0f;
  float background_erle_db = 0.0f;  // smoothed over frames
  float far_track = 0.0f;           // short-term reference power, per sample
  float far_slow = 0.0f;
  // Pre-whitening of the window's adaptation: a short linear predictor of the
  // reference whitens both the reference (u_line) and the window's target.
  AlignedBuffer u_line;
  std::array<float, kPredictorOrder> predictor{};
  std::array<float, kPredictorOrder> target_history{};
  int predictor_order = 0;

  // Frequency domain: partitions x (re[kPaddedBins], im[kPaddedBins]).
  AlignedBuffer x_spectra, background, foreground;
  int head = 0;  // newest reference spectrum
  AlignedBuffer normaliser{kPaddedBins}, step{kPaddedBins};
  AlignedBuffer sum_re{kPaddedBins}, sum_im{kPaddedBins};
  AlignedBuffer error_re{kPaddedBins}, error_im{kPaddedBins};
  AlignedBuffer scratch{kFftSize};
  std::vector<float> partition_gain, partition_energy;
  int constrain_next = 1;
  float regularisation = 0.0f;

  // Geigel double-talk detector: per-frame peaks of the reference over the
  // tail, and a hangover.
  std::vector<float> far_peaks;
  int double_talk_hangover = 0;

  // Two-path control.
  float smooth_foreground = 0.0f, smooth_background = 0.0f, smooth_near = 0.0f;
  int better_frames = 0, worse_frames = 0;
  bool foreground_set = false;

  // Levels (mean squares) and decisions.
  float far_active_power = 0.0f;
  float background_power = 0.0f;
  bool background_known = false;
  float erle_linear = 1.0f;  // 10^(erle_db/10), for the NLP
  float erle_near_sum = 0.0f, erle_error_sum = 0.0f;
  float far_smooth = 0.0f, near_smooth = 0.0f, echo_smooth = 0.0f, error_smooth = 0.0f;
  int frames = 0;

  // NLP, per sample.
  float nlp_echo = 0.0f, nlp_error = 0.0f, nlp_gain = 1.0f;
  int nlp_hangover = 0;
  bool nlp_suppressing = false;

  EchoCancellerMetrics metrics;
};

EchoCancellerState::EchoCancellerState(const EchoCancellerConfig& cfg, Isa chosen_isa)
    : config(cfg),
      isa(isa_supported(chosen_isa) ? chosen_isa : detected_isa()),
      k(&kernels::echo_kernels(isa)),
      partitions((cfg.tail_ms * 8 + static_cast<int>(kFrame) - 1) / static_cast<int>(kFrame)),
      taps(static_cast<size_t>(partitions) * kFrame),
      window_size(partitions),
      tx_high_pass(cfg.high_pass_hz),
      rx_high_pass(cfg.high_pass_hz),
      tone(cfg.tone_disabler),
      x_line(taps + kLineSlack),
      window_taps(taps),
      window_gain(taps),
      window_scratch(taps),
      u_line(taps + kLineSlack),
      x_spectra(static_cast<size_t>(partitions) * 2 * kPaddedBins),
      background(static_cast<size_t>(partitions) * 2 * kPaddedBins),
      foreground(static_cast<size_t>(partitions) * 2 * kPaddedBins),
      partition_gain(static_cast<size_t>(partitions), 1.0f),
      partition_energy(static_cast<size_t>(partitions), 0.0f),
      far_peaks(static_cast<size_t>(partitions) + 1, 0.0f) {
  far_active_power = power_at(kFarActiveDbm0);
  // A white signal of mean square s gives |X|^2 = kFftSize * s per bin; the
  // normaliser sums that over the partitions.
  regularisation =
      static_cast<float>(partitions) * static_cast<float>(kFftSize) * power_at(kRegularisationDbm0);
  window_regularisation = power_at(kRegularisationDbm0);  // per tap
  reset();
}

void EchoCancellerState::reset() noexcept {
  tx_dc.reset();
  rx_dc.reset();
  tx_high_pass.reset();
  rx_high_pass.reset();
  tone.reset();
  comfort.reset();
  for (AlignedBuffer* b : {&x_line,
                           &u_line,
                           &near_frame,
                           &error_frame,
                           &estimate_frame,
                           &background_error,
                           &foreground_tail,
                           &background_tail,
                           &foreground_first,
                           &background_first,
                           &window_taps,
                           &window_gain,
                           &x_spectra,
                           &background,
                           &foreground,
                           &normaliser,
                           &step,
                           &sum_re,
                           &sum_im,
                           &error_re,
                           &error_im,
                           &scratch}) {
    b->clear();
  }
  std::fill(partition_gain.begin(), partition_gain.end(), 1.0f);
  std::fill(partition_energy.begin(), partition_energy.end(), 0.0f);
  std::fill(far_peaks.begin(), far_peaks.end(), 0.0f);
  double_talk_hangover = 0;
  x_pos = taps + kPredictorOrder;
  position = 0;
  // The window starts over the whole tail: whitened proportionate NLMS finds
  // an echo anywhere in it quickly.
  window_start = 0;
  window_size = partitions;
  lost_frames = 0;
  update_window_gains();
  window_step = 0.0f;
  far_track = 0.0f;
  far_slow = 0.0f;
  predictor.fill(0.0f);
  target_history.fill(0.0f);
  predictor_order = 0;
  head = 0;
  constrain_next = 1;
  smooth_foreground = smooth_background = smooth_near = 0.0f;
  better_frames = worse_frames = 0;
  foreground_set = false;
  background_power = 0.0f;
  background_known = false;
  erle_linear = 1.0f;
  erle_near_sum = erle_error_sum = 0.0f;
  far_smooth = near_smooth = echo_smooth = error_smooth = 0.0f;
  frames = 0;
  nlp_echo = nlp_error = 0.0f;
  nlp_gain = 1.0f;
  nlp_hangover = 0;
  nlp_suppressing = false;
  metrics = {};
  metrics.nlp_state = config.nlp ? NlpState::passing : NlpState::off;
}

float EchoCancellerState::process_sample(int16_t tx, int16_t rx, bool& disabled) noexcept {
  disabled = tone.push(tx, rx);
  const float x = tx_high_pass.step(tx_dc.step(static_cast<float>(tx)));
  const float d = rx_high_pass.step(rx_dc.step(static_cast<float>(rx)));
  if (x_pos + 1 == x_line.size()) {
    const size_t keep = taps + kPredictorOrder;
    std::memmove(x_line.data(), x_line.data() + x_line.size() - keep, keep * sizeof(float));
    std::memmove(u_line.data(), u_line.data() + u_line.size() - keep, keep * sizeof(float));
    x_pos = keep - 1;
  }
  ++x_pos;
  x_line[x_pos] = x;
  float u = x;
  for (int i = 0; i < predictor_order; ++i) {
    u += predictor[static_cast<size_t>(i)] * x_line[x_pos - 1 - static_cast<size_t>(i)];
  }
  u_line[x_pos] = u;
  const auto pos = static_cast<size_t>(position);
  near_frame[pos] = d;
  const float* first_taps = x_line.data() + x_pos + 1 - kFrame;

  // Foreground: the output.
  const float y = foreground_tail[pos] + k->dot(foreground_first.data(), first_taps, kFrame);
  const float e = d - y;
  error_frame[pos] = e;
  estimate_frame[pos] = y;

  // Background: adapted sample by sample inside the window (which always
  // exists; it spans the whole tail until the filter has converged).
  float y_background = background_tail[pos];
  if (window_start != 0) y_background += k->dot(background_first.data(), first_taps, kFrame);
  const size_t oldest = x_pos + 1 - static_cast<size_t>(window_start + window_size) * kFrame;
  const size_t window_length = static_cast<size_t>(window_size) * kFrame;
  const float* x_now = x_line.data() + oldest;
  float y_window = 0.0f, q = 0.0f;
  float e_update = 0.0f;
  if (predictor_order > 0) {
    // Update on whitened signals: the reference through the predictor
    // (u_line), and the window's target — rx less the other partitions —
    // through the same predictor.
    const float* u_now = u_line.data() + oldest;
    float y_white = 0.0f;
    k->window_adapt(window_taps.data(), window_gain.data(), u_now - 1, u_now, x_now, window_step,
                    window_length, &y_window, &y_white, &q);
    const float target = d - y_background;
    float target_white = target;
    for (int i = 0; i < predictor_order; ++i) {
      target_white += predictor[static_cast<size_t>(i)] * target_history[static_cast<size_t>(i)];
    }
    for (size_t i = static_cast<size_t>(predictor_order) - 1; i > 0; --i) {
      target_history[i] = target_history[i - 1];
    }
    target_history[0] = target;
    e_update = target_white - y_white;
  } else {
    k->window_adapt_plain(window_taps.data(), window_gain.data(), x_now - 1, x_now, window_step,
                          window_length, &y_window, &q);
    e_update = d - y_background - y_window;
  }
  y_background += y_window;
  const float e_background = d - y_background;
  background_error[pos] = e_background;
  far_track += (1.0f / 64.0f) * (x * x - far_track);
  far_slow += (1.0f / 1024.0f) * (u * u - far_slow);
  const bool adapt = far_track > far_active_power && !disabled;
  const float normaliser_now = q + static_cast<float>(window_length) *
                                       (kWindowLongTermShare * far_slow + window_regularisation);
  // A converged (narrowed) window takes smaller steps: less misadjustment
  // from the line's noise, so the residual sinks to the G.711 floor.
  const float mu = window_size == partitions ? kWindowStep : kNarrowWindowStep;
  window_step = adapt ? mu * e_update / normaliser_now : 0.0f;

  const float out = nlp(e, y);
  if (++position == static_cast<int>(kFrame)) {
    end_frame();
    position = 0;
  }
  return out;
}

float EchoCancellerState::nlp(float e, float y) noexcept {
  nlp_echo += kNlpPowerSmoothing * (y * y - nlp_echo);
  nlp_error += kNlpPowerSmoothing * (e * e - nlp_error);
  if (!config.nlp) return e;
  const float expected_residual = nlp_echo / erle_linear;
  const bool near_talks =
      nlp_error > kNearOverResidual * expected_residual + kNearOverBackground * background_power;
  if (near_talks) {
    nlp_hangover = kNlpHangover;
  } else if (nlp_hangover > 0) {
    --nlp_hangover;
  }
  const bool echo_present = nlp_echo > 2.0f * background_power;
  nlp_suppressing = echo_present && nlp_hangover == 0;
  const float target = nlp_suppressing ? 0.0f : 1.0f;
  nlp_gain += kNlpGainSlew * (target - nlp_gain);
  if (nlp_gain > 0.999f) return e;
  const float noise = config.comfort_noise ? comfort.next() : 0.0f;
  return nlp_gain * e + (1.0f - nlp_gain) * noise;
}

// Window partition q holds taps (window_start + q) * kFrame + j, j < kFrame, at
// reversed positions (window_size - 1 - q) * kFrame + (kFrame - 1 - j).
void EchoCancellerState::window_to_spectrum(int q, float* re, float* im) noexcept {
  const float* part = window_taps.data() + static_cast<size_t>(window_size - 1 - q) * kFrame;
  for (size_t j = 0; j < kFrame; ++j) scratch[j] = part[kFrame - 1 - j];
  std::memset(scratch.data() + kFrame, 0, kFrame * sizeof(float));
  fft.forward(scratch.data(), re, im);
}

void EchoCancellerState::spectrum_to_window(int q, const float* re, const float* im) noexcept {
  fft.inverse(re, im, scratch.data());
  const float scale = 1.0f / static_cast<float>(kFftSize);
  float* part = window_taps.data() + static_cast<size_t>(window_size - 1 - q) * kFrame;
  for (size_t j = 0; j < kFrame; ++j) part[kFrame - 1 - j] = scratch[j] * scale;
}

void EchoCancellerState::update_window_gains() noexcept {
  const size_t n = static_cast<size_t>(window_size) * kFrame;
  float l1 = 0.0f;
  for (size_t i = 0; i < n; ++i) l1 += std::fabs(window_taps[i]);
  const float uniform = (1.0f - kWindowMix) / 2.0f;
  const float proportional = (1.0f + kWindowMix) * static_cast<float>(n) / (2.0f * l1 + 1e-9f);
  for (size_t i = 0; i < n; ++i) {
    window_gain[i] = l1 > 0.0f ? uniform + proportional * std::fabs(window_taps[i]) : 1.0f;
  }
}

void EchoCancellerState::update_predictor() noexcept {
  constexpr int order = kWhiteningOrder;
  const size_t span = std::min<size_t>(256, taps);
  const float* x = x_line.data() + x_pos + 1 - span;
  double r[kPredictorOrder + 1] = {};
  for (int lag = 0; lag <= order; ++lag) {
    double sum = 0.0;
    for (size_t i = static_cast<size_t>(lag); i < span; ++i) {
      sum += static_cast<double>(x[i]) * x[i - static_cast<size_t>(lag)];
    }
    r[lag] = sum;
  }
  if (r[0] <= 0.0) return;
  r[0] *= 1.0001;  // -40 dB of white noise keeps the predictor tame
  double a[kPredictorOrder + 1] = {1.0};
  double error = r[0];
  for (int i = 1; i <= order; ++i) {
    double acc = r[i];
    for (int j = 1; j < i; ++j) acc += a[j] * r[i - j];
    const double reflection = -acc / error;
    double previous[kPredictorOrder + 1];
    std::copy(a, a + i, previous);
    for (int j = 1; j < i; ++j) a[j] = previous[j] + reflection * previous[i - j];
    a[i] = reflection;
    error *= 1.0 - reflection * reflection;
    if (error <= 0.0) return;
  }
  double expansion = kWhiteningBandwidthExpansion;
  for (int i = 1; i <= order; ++i) {
    predictor[static_cast<size_t>(i - 1)] = static_cast<float>(a[i] * expansion);
    expansion *= kWhiteningBandwidthExpansion;
  }
  if (predictor_order == 0) target_history.fill(0.0f);
  predictor_order = order;
  // The window's update needs the reference over its whole span whitened by
  // the same predictor as its target, so re-whiten the span.
  const size_t span_start =
      x_pos + 1 - static_cast<size_t>(window_start + window_size) * kFrame - 1;
  for (size_t i = span_start; i <= x_pos; ++i) {
    float v = x_line[i];
    for (int j = 0; j < order; ++j) {
      v += predictor[static_cast<size_t>(j)] * x_line[i - 1 - static_cast<size_t>(j)];
    }
    u_line[i] = v;
  }
}

void EchoCancellerState::set_window(int start, int size) noexcept {
  if (start == window_start && size == window_size) return;
  // Every partition that changes domain goes through natural-order taps.
  const auto was_in = [&](int p) { return in_window(p); };
  const int old_start = window_start, old_size = window_size;
  const auto will_be_in = [&](int p) { return p >= start && p < start + size; };
  // Taps of the old window, in natural order, for partitions leaving it or
  // moving within it.
  for (int p = 0; p < partitions; ++p) {
    float* natural = window_scratch.data() + static_cast<size_t>(p) * kFrame;
    if (was_in(p)) {
      const float* part =
          window_taps.data() + static_cast<size_t>(old_size - 1 - (p - old_start)) * kFrame;
      for (size_t j = 0; j < kFrame; ++j) natural[j] = part[kFrame - 1 - j];
      if (!will_be_in(p)) {
        std::memcpy(scratch.data(), natural, kFrame * sizeof(float));
        std::memset(scratch.data() + kFrame, 0, kFrame * sizeof(float));
        fft.forward(scratch.data(), spectrum_re(background, p), spectrum_im(background, p));
        if (p == 0) {
          for (size_t j = 0; j < kFrame; ++j) background_first[j] = natural[kFrame - 1 - j];
        }
      }
    } else if (will_be_in(p)) {
      if (p == 0) {
        for (size_t j = 0; j < kFrame; ++j) natural[j] = background_first[kFrame - 1 - j];
      } else {
        fft.inverse(spectrum_re(background, p), spectrum_im(background, p), scratch.data());
        const float scale = 1.0f / static_cast<float>(kFftSize);
        for (size_t j = 0; j < kFrame; ++j) natural[j] = scratch[j] * scale;
      }
    }
  }
  window_start = start;
  window_size = size;
  for (int p = start; p < start + size; ++p) {
    const float* natural = window_scratch.data() + static_cast<size_t>(p) * kFrame;
    float* part = window_taps.data() + static_cast<size_t>(size - 1 - (p - start)) * kFrame;
    for (size_t j = 0; j < kFrame; ++j) part[kFrame - 1 - j] = natural[j];
  }
  window_step = 0.0f;
  update_window_gains();
}

void EchoCancellerState::review_window() noexcept {
  if (window_size == partitions && partitions > kNarrowPartitions) {
    // Converged: keep the few partitions that hold the echo in the time
    // domain, hand the rest (nearly empty) to the frequency domain.
    if (metrics.erle_db < kNarrowAfterErleDb || background_erle_db < kNarrowAfterErleDb) return;
    float total = 0.0f;
    for (int p = 0; p < partitions; ++p) total += partition_energy[static_cast<size_t>(p)];
    if (total <= 0.0f) return;
    // The narrowest run of partitions that holds the echo path.
    for (int width = 1; width <= kNarrowPartitions; ++width) {
      for (int a = 0; a + width <= partitions; ++a) {
        float energy = 0.0f;
        for (int q = 0; q < width; ++q) energy += partition_energy[static_cast<size_t>(a + q)];
        if (energy >= kNarrowEnergyShare * total) {
          set_window(a, width);
          return;
        }
      }
    }
    return;
  }
  if (window_size < partitions) {
    // The echo moved out of the window (or the path changed): widen again.
    const bool lost =
        background_erle_db < std::max(kWidenBelowErleDb, metrics.erle_db - kWidenDropDb);
    lost_frames = lost ? lost_frames + 1 : 0;
    if (lost_frames >= kWidenFrames) {
      lost_frames = 0;
      set_window(0, partitions);
    }
  }
}

void EchoCancellerState::constrain(int partition) noexcept {
  float* re = spectrum_re(background, partition);
  float* im = spectrum_im(background, partition);
  fft.inverse(re, im, scratch.data());
  const float scale = 1.0f / static_cast<float>(kFftSize);
  for (size_t i = 0; i < kFrame; ++i) scratch[i] *= scale;
  std::memset(scratch.data() + kFrame, 0, kFrame * sizeof(float));
  if (partition == 0) {
    for (size_t i = 0; i < kFrame; ++i) background_first[i] = scratch[kFrame - 1 - i];
  }
  fft.forward(scratch.data(), re, im);
}

void EchoCancellerState::copy_background_to_foreground() noexcept {
  std::memcpy(foreground.data(), background.data(), background.size() * sizeof(float));
  if (window_start >= 0) {
    for (int q = 0; q < window_size; ++q) {
      const int p = window_start + q;
      window_to_spectrum(q, spectrum_re(foreground, p), spectrum_im(foreground, p));
    }
  }
  if (window_start == 0) {
    const float* part = window_taps.data() + static_cast<size_t>(window_size - 1) * kFrame;
    std::memcpy(foreground_first.data(), part, kFrame * sizeof(float));
  } else {
    std::memcpy(foreground_first.data(), background_first.data(), kFrame * sizeof(float));
  }
  foreground_set = true;
  ++metrics.filter_updates;
}

void EchoCancellerState::copy_foreground_to_background() noexcept {
  std::memcpy(background.data(), foreground.data(), foreground.size() * sizeof(float));
  std::memcpy(background_first.data(), foreground_first.data(), kFrame * sizeof(float));
  if (window_start >= 0) {
    for (int q = 0; q < window_size; ++q) {
      const int p = window_start + q;
      spectrum_to_window(q, spectrum_re(foreground, p), spectrum_im(foreground, p));
    }
    window_step = 0.0f;
    update_window_gains();
  }
}

void EchoCancellerState::compute_tail(AlignedBuffer& filter, bool skip_window,
                                      AlignedBuffer& out) noexcept {
  // The next frame's output from partitions 1.. needs only frames already
  // complete: partition p of frame k+1 reads the spectrum of frame k+1-p.
  sum_re.clear();
  sum_im.clear();
  for (int p = 1; p < partitions; ++p) {
    if (skip_window && in_window(p)) continue;
    const int x = older(p - 1);
    k->spectral_mac(sum_re.data(), sum_im.data(), spectrum_re(filter, p), spectrum_im(filter, p),
                    spectrum_re(x_spectra, x), spectrum_im(x_spectra, x), kPaddedBins);
  }
  fft.inverse(sum_re.data(), sum_im.data(), scratch.data());
  const float scale = 1.0f / static_cast<float>(kFftSize);
  for (size_t i = 0; i < kFrame; ++i) out[i] = scratch[kFrame + i] * scale;
}

void EchoCancellerState::update_delay() noexcept {
  int strongest = 0;
  float strongest_energy = -1.0f;
  for (int p = 0; p < partitions; ++p) {
    const float energy =
        k->spectral_energy(spectrum_re(foreground, p), spectrum_im(foreground, p), kPaddedBins);
    if (energy > strongest_energy) {
      strongest_energy = energy;
      strongest = p;
    }
  }
  if (strongest_energy <= 0.0f) return;
  fft.inverse(spectrum_re(foreground, strongest), spectrum_im(foreground, strongest),
              scratch.data());
  size_t peak = 0;
  for (size_t i = 1; i < kFrame; ++i) {
    if (std::fabs(scratch[i]) > std::fabs(scratch[peak])) peak = i;
  }
  metrics.echo_delay_ms = static_cast<float>(static_cast<size_t>(strongest) * kFrame + peak) / 8.0f;
}

void EchoCancellerState::end_frame() noexcept {
  const size_t n = kFrame;
  const float* x_frame = x_line.data() + x_pos + 1 - kFrame;
  float far_energy = 0.0f, near_energy = 0.0f, fg_energy = 0.0f, bg_energy = 0.0f,
        estimate_energy = 0.0f;
  for (size_t i = 0; i < n; ++i) {
    far_energy += x_frame[i] * x_frame[i];
    near_energy += near_frame[i] * near_frame[i];
    fg_energy += error_frame[i] * error_frame[i];
    bg_energy += background_error[i] * background_error[i];
    estimate_energy += estimate_frame[i] * estimate_frame[i];
  }

  // The newest reference spectrum: the last two frames.
  head = (head + 1) % partitions;
  std::memcpy(scratch.data(), x_line.data() + x_pos + 1 - kFftSize, kFftSize * sizeof(float));
  fft.forward(scratch.data(), spectrum_re(x_spectra, head), spectrum_im(x_spectra, head));

  const bool far_active = far_energy > far_active_power * static_cast<float>(n);
  const bool disabled = tone.disabled();
  // Whitening speeds up convergence; once the window has narrowed onto a
  // converged echo path it would only add noise to the update.
  if (window_size == partitions) {
    if (far_active) update_predictor();
  } else if (predictor_order != 0) {
    predictor_order = 0;
    const size_t span_start =
        x_pos + 1 - static_cast<size_t>(window_start + window_size) * kFrame - 1;
    std::memcpy(u_line.data() + span_start, x_line.data() + span_start,
                (x_pos + 1 - span_start) * sizeof(float));
  }
  if (far_active && !disabled) {
    std::memset(scratch.data(), 0, kFrame * sizeof(float));
    std::memcpy(scratch.data() + kFrame, background_error.data(), kFrame * sizeof(float));
    fft.forward(scratch.data(), error_re.data(), error_im.data());
    // Proportionate share of the step per partition.
    float total = 0.0f;
    for (int p = 0; p < partitions; ++p) {
      float energy = 0.0f;
      if (in_window(p)) {
        const float* part =
            window_taps.data() + static_cast<size_t>(window_size - 1 - (p - window_start)) * kFrame;
        for (size_t j = 0; j < kFrame; ++j) energy += part[j] * part[j];
        energy *= static_cast<float>(kFftSize) / 2.0f;  // Parseval, half spectrum
      } else {
        energy =
            k->spectral_energy(spectrum_re(background, p), spectrum_im(background, p), kPaddedBins);
      }
      partition_energy[static_cast<size_t>(p)] = energy;
      partition_gain[static_cast<size_t>(p)] = std::sqrt(energy);
      total += partition_gain[static_cast<size_t>(p)];
    }
    const float m = static_cast<float>(partitions);
    for (float& gain : partition_gain) {
      const float share = total > 0.0f ? gain / total : 1.0f / m;
      gain =
          m * ((1.0f - kProportionateMix) / (2.0f * m) + (1.0f + kProportionateMix) * share / 2.0f);
    }
    normaliser.clear();
    for (int p = 0; p < partitions; ++p) {
      const int x = older(p);
      k->spectral_power_acc(normaliser.data(), spectrum_re(x_spectra, x), spectrum_im(x_spectra, x),
                            partition_gain[static_cast<size_t>(p)], kPaddedBins);
    }
    const float fd_step = kStep;
    for (size_t b = 0; b < kPaddedBins; ++b) step[b] = fd_step / (normaliser[b] + regularisation);
    for (int p = 0; p < partitions; ++p) {
      if (in_window(p)) continue;
      const int x = older(p);
      k->spectral_adapt(spectrum_re(background, p), spectrum_im(background, p),
                        spectrum_re(x_spectra, x), spectrum_im(x_spectra, x), error_re.data(),
                        error_im.data(), step.data(), partition_gain[static_cast<size_t>(p)],
                        kPaddedBins);
    }
    if (!in_window(0)) constrain(0);
    for (int tries = 0; tries < partitions - 1; ++tries) {
      const int p = constrain_next;
      constrain_next = constrain_next % (partitions - 1) + 1;
      if (!in_window(p)) {
        constrain(p);
        break;
      }
    }
    if (window_start >= 0) update_window_gains();
    background_erle_db = db(smooth_near / std::max(smooth_background, 1e-3f));
    review_window();
  }

  // Geigel: the near end talks when rx peaks above what the loudest recent
  // reference could return through the measured echo loss (less 3 dB).
  float far_peak = 0.0f, near_peak = 0.0f;
  for (size_t i = 0; i < n; ++i) {
    far_peak = std::max(far_peak, std::fabs(x_frame[i]));
    near_peak = std::max(near_peak, std::fabs(near_frame[i]));
  }
  std::rotate(far_peaks.rbegin(), far_peaks.rbegin() + 1, far_peaks.rend());
  far_peaks[0] = far_peak;
  const float tail_peak = *std::max_element(far_peaks.begin(), far_peaks.end());
  const float erl_for_geigel = std::clamp(metrics.erl_db, 3.0f, 30.0f) - 3.0f;
  const float echo_peak_limit = tail_peak * std::pow(10.0f, -erl_for_geigel / 20.0f);
  if (near_peak > echo_peak_limit && near_peak > 4.0f * std::sqrt(background_power)) {
    double_talk_hangover = kDoubleTalkHangoverFrames;
  } else if (double_talk_hangover > 0) {
    --double_talk_hangover;
  }
  const bool geigel_double_talk = double_talk_hangover > 0;

  // Two-path control.
  smooth_foreground = 0.5f * smooth_foreground + 0.5f * fg_energy;
  smooth_background = 0.5f * smooth_background + 0.5f * bg_energy;
  smooth_near = 0.5f * smooth_near + 0.5f * near_energy;
  if (far_active && !disabled) {
    // A background that fits some of the near talker's speech (it can,
    // briefly, adapting sample by sample) must not be taken over. After a
    // path change the background soon cancels nearly as well as the
    // foreground did before; through double talk it never does. So it must
    // cancel rx within kCopyMarginDb of the foreground's established ERLE.
    const float required_db = std::max(kMinCopyCancelDb, metrics.erle_db - kCopyMarginDb);
    const float cancel_needed = std::pow(10.0f, -required_db / 10.0f);
    if (smooth_background < kCopyWhenBetter * smooth_foreground &&
        smooth_background < cancel_needed * smooth_near && !geigel_double_talk) {
      worse_frames = 0;
      if (++better_frames >= kCopyFrames) {
        copy_background_to_foreground();
        smooth_foreground = smooth_background;
        better_frames = 0;
      }
    } else if (foreground_set && smooth_background > kResetWhenWorse * smooth_foreground) {
      better_frames = 0;
      if (++worse_frames >= kResetFrames) {
        copy_foreground_to_background();
        smooth_background = smooth_foreground;
        worse_frames = 0;
      }
    } else {
      better_frames = worse_frames = 0;
    }
  }
  compute_tail(foreground, false, foreground_tail);
  compute_tail(background, true, background_tail);

  // Levels and talk state.
  const float inv_n = 1.0f / static_cast<float>(n);
  const float far_power = far_energy * inv_n, near_power = near_energy * inv_n;
  const float error_power = fg_energy * inv_n, estimate_power = estimate_energy * inv_n;
  far_smooth += 0.3f * (far_power - far_smooth);
  near_smooth += 0.3f * (near_power - near_smooth);
  echo_smooth += 0.3f * (estimate_power - echo_smooth);
  error_smooth += 0.3f * (error_power - error_smooth);
  if (!background_known) {
    background_power = error_power;
    background_known = true;
  } else {
    background_power = std::min(background_power * kBackgroundRise, error_power);
  }
  background_power = std::max(background_power, 1e-3f);
  if (error_power < 2.0f * background_power && estimate_power < background_power) {
    comfort.learn(error_frame.data(), kFrame, background_power);
  } else {
    comfort.set_level(background_power);
  }

  const bool echo_present = echo_smooth > 2.0f * background_power;
  const bool near_active = error_smooth > kNearOverResidual * echo_smooth / erle_linear +
                                              kNearOverBackground * background_power;
  if (far_active && echo_present && !near_active && !disabled) {
    // Powers summed over ~0.25 s of such frames, as ERLE is measured; an
    // average of per-frame ratios would be dragged down by the quiet frames.
    erle_near_sum = kErleMemory * erle_near_sum + near_energy;
    erle_error_sum = kErleMemory * erle_error_sum + fg_energy;
    metrics.erle_db = std::clamp(db(erle_near_sum / std::max(erle_error_sum, 1e-3f)), 0.0f, 60.0f);
    erle_linear = std::pow(10.0f, metrics.erle_db / 10.0f);
    metrics.residual_echo_dbm0 = to_dbm0(error_smooth);
  }
  if (far_active && echo_smooth > 0.0f) {
    metrics.erl_db += 0.0625f * (db(far_smooth / echo_smooth) - metrics.erl_db);
  }
  if (far_active) {
    metrics.talk_state = near_active ? TalkState::double_talk : TalkState::far_end;
  } else {
    metrics.talk_state = near_smooth > kNearOverBackground * background_power ? TalkState::near_end
                                                                              : TalkState::idle;
  }
  metrics.far_level_dbm0 = to_dbm0(far_smooth);
  metrics.near_level_dbm0 = to_dbm0(near_smooth);
  metrics.background_level_dbm0 = to_dbm0(background_power);
  metrics.disabled_by_tone = disabled;
  metrics.converged = metrics.erle_db >= 20.0f;
  metrics.nlp_state = !config.nlp       ? NlpState::off
                      : nlp_suppressing ? NlpState::suppressing
                                        : NlpState::passing;
  if (++frames % 64 == 0) update_delay();
}

}  // namespace detail

std::optional<std::string> EchoCancellerConfig::validate() const {
  if (tail_ms < 16 || tail_ms > 256) {
    return "tail_ms: " + std::to_string(tail_ms) + " is outside 16..256 ms";
  }
  if (!(high_pass_hz == 0.0f || (high_pass_hz >= 20.0f && high_pass_hz <= 400.0f))) {
    return "high_pass_hz: " + std::to_string(high_pass_hz) + " is neither 0 (off) nor 20..400 Hz";
  }
  switch (tone_disabler) {
    case ToneDisablerMode::off:
    case ToneDisablerMode::phase_reversal:
    case ToneDisablerMode::any_2100: break;
    default: return "tone_disabler: unknown mode";
  }
  return std::nullopt;
}

std::string_view talk_state_name(TalkState state) noexcept {
  switch (state) {
    case TalkState::idle: return "idle";
    case TalkState::far_end: return "far_end";
    case TalkState::near_end: return "near_end";
    case TalkState::double_talk: return "double_talk";
  }
  return "unknown";
}

std::string_view nlp_state_name(NlpState state) noexcept {
  switch (state) {
    case NlpState::off: return "off";
    case NlpState::passing: return "passing";
    case NlpState::suppressing: return "suppressing";
  }
  return "unknown";
}

EchoCanceller::EchoCanceller(const EchoCancellerConfig& config, Isa isa) {
  if (auto problem = config.validate()) throw std::invalid_argument(*problem);
  state_ = std::make_unique<detail::EchoCancellerState>(config, isa);
}

EchoCanceller::~EchoCanceller() = default;
EchoCanceller::EchoCanceller(EchoCanceller&&) noexcept = default;
EchoCanceller& EchoCanceller::operator=(EchoCanceller&&) noexcept = default;

namespace {

// Levels that decay towards silence (smoothed powers, the NLP's gain, filter
// taps nobody excites) end up in the subnormal range, where x86 arithmetic
// takes a hundred times longer. Subnormals carry nothing audible here, so
// they are flushed to zero while the canceller runs, and the caller's
// floating-point mode is restored afterwards. Every kernel variant runs under
// the same mode, so they still agree bit for bit.
class FlushSubnormals {
 public:
  FlushSubnormals() noexcept : saved_(_mm_getcsr()) {
    _mm_setcsr(saved_ | kFlushToZero | kDenormalsAreZero);
  }
  ~FlushSubnormals() { _mm_setcsr(saved_); }
  FlushSubnormals(const FlushSubnormals&) = delete;
  FlushSubnormals& operator=(const FlushSubnormals&) = delete;

 private:
  static constexpr unsigned kFlushToZero = 0x8000;
  static constexpr unsigned kDenormalsAreZero = 0x0040;
  unsigned saved_;
};

}  // namespace

void EchoCanceller::process(std::span<const int16_t> tx_reference,
                            std::span<int16_t> rx_in_out) noexcept {
  const FlushSubnormals flush;
  detail::EchoCancellerState& s = *state_;
  const size_t n = std::min(tx_reference.size(), rx_in_out.size());
  for (size_t i = 0; i < n; ++i) {
    bool disabled = false;
    const int16_t rx = rx_in_out[i];
    const float out = s.process_sample(tx_reference[i], rx, disabled);
    rx_in_out[i] = disabled ? rx : saturate(out);
  }
  s.metrics.samples += n;
}

void EchoCanceller::reset() noexcept { state_->reset(); }
const EchoCancellerMetrics& EchoCanceller::metrics() const noexcept { return state_->metrics; }
const EchoCancellerConfig& EchoCanceller::config() const noexcept { return state_->config; }
Isa EchoCanceller::isa() const noexcept { return state_->isa; }
int EchoCanceller::taps() const noexcept { return state_->partitions * static_cast<int>(kFrame); }

}  // namespace ivrd::dsp
