#include "echo/canceller_state.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <cstring>

#include "ivrd/dsp/levels.hpp"

namespace ivrd::dsp::detail {

using echo::AlignedBuffer;
using echo::kFftSize;
using echo::kFrame;
using echo::kPaddedBins;

namespace {

// Background window: proportionate NLMS (the IPNLMS mix: -1 uniform, +1
// fully proportionate). The step is large while the window spans the tail
// and converges, and halves once it has narrowed onto a converged echo path,
// where a smaller step leaves less of the line's noise in the taps.
constexpr float kWindowStep = 0.7f;
constexpr float kNarrowWindowStep = 0.35f;
// Adapting on every other sample halves the window's cost; it starts once
// the output cancels this well and stops below the second figure.
constexpr float kAlternateEnterDb = 25.0f;
constexpr float kAlternateLeaveDb = 20.0f;
// Every fourth sample once it cancels 33 dB (back to every other below
// 30 dB): a filter that close to the line's floor needs few updates to stay
// there (steady-state ERLE unchanged within 0.1 dB, median of 288 runs), and
// the window then updates half as often again.
constexpr float kQuarterEnterDb = 33.0f;
constexpr float kQuarterLeaveDb = 30.0f;
constexpr float kWindowMix = 0.5f;
// A tap at this fraction of the strongest is where the gains turn from
// proportional to logarithmic.
constexpr float kGainCompression = 20.0f;
// The normaliser also counts this share of the long-term reference power,
// so a sudden onset after a pause does not take an outsized step.
constexpr float kWindowLongTermShare = 0.3f;
// Once the foreground and the background cancel 15 dB, the window narrows to
// the span of taps (in steps of 16, at most 32 ms) outside which every 16
// taps hold less than -40 dB of the strongest 16 (and all of it together less
// than -25 dB of the path). It widens to the whole tail again when the echo
// path changes (see two_path).
constexpr std::size_t kNarrowGranule = 16;
constexpr std::size_t kNarrowMaxTaps = 256;
constexpr float kNarrowAfterErleDb = 15.0f;
constexpr float kNarrowEnergyShare = 0.997f;
constexpr float kTrimBelowPeak = 1e-4f;  // -40 dB
// The whole-tail window adapts this long (while the far end talks) before it
// may narrow, so that its picture of the echo path has settled.
constexpr int kSettleFrames = 64;

// The probe: 256 taps (32 ms) placed 4 ms before the whole-tail window's
// strongest tap after 16 far-end frames of a fresh start. Its filter is a
// quarter as long, so NLMS converges about four times faster on it; a hybrid's
// response fits in it. It is dropped when it cancels 3 dB less than the whole
// tail for 8 frames (the echo path reaches beyond it, or it sits in the wrong
// place) and when the window narrows.
constexpr std::size_t kProbeTaps = 256;
constexpr std::size_t kProbeLead = 32;
constexpr int kProbeAfterFrames = 16;
constexpr float kProbeBehind = 2.0f;
constexpr int kProbeBehindFrames = 8;

// Two-path control, on frame energies smoothed over ~3 frames: the
// foreground takes the background when it is 1.5 dB better for two frames,
// cancels at least 3 dB, and cancels within 10 dB of the established ERLE (a
// background that fits some of a near talker's speech — it can, briefly,
// adapting sample by sample — never gets that close); the background is reset
// from the foreground when 6 dB worse for four frames.
constexpr float kCopyWhenBetter = 0.7f;
constexpr int kCopyFrames = 2;
constexpr float kMinCopyCancelDb = 3.0f;
constexpr float kCopyMarginDb = 10.0f;
constexpr float kResetWhenWorse = 4.0f;
constexpr int kResetFrames = 4;
// After a new echo path is found (and at the start), until the established
// ERLE reaches 20 dB, the foreground takes the background when it is merely
// 0.5 dB better for one frame: it follows the converging background closely.
constexpr float kYoungErleDb = 20.0f;
constexpr float kYoungCopyWhenBetter = 0.9f;
// A foreground whose output is 1 dB louder than its input for 32 ms is wrong.
constexpr float kHarmfulGain = 1.26f;
constexpr float kGeigelMaxErlDb = 9.0f;
constexpr int kHarmfulFrames = 4;
constexpr float kHarmfulEstimateShare = 0.2f;
// A foreground that has cancelled this well and then removes less than 3 dB
// for ~100 ms of far-end speech sets the background searching for a new echo
// path; the search's result is taken when it removes 10 dB of rx and is 6 dB
// better than the foreground for three frames.
constexpr float kSuspectAfterErleDb = 15.0f;
constexpr float kSuspectRemoval = 0.5f;
constexpr int kSuspectFrames = 12;
constexpr float kSearchBetter = 0.25f;
constexpr float kSearchCancel = 0.1f;
constexpr int kSearchFrames = 10;
// ... and when 90 % of its taps' energy lies within 32 ms, as a hybrid's
// echo does; a background that has fitted some of a near talker's speech
// spreads over the tail.
constexpr float kSearchConcentration = 0.9f;
// A search lasts at most ~0.8 s of far-end speech; after one that found
// nothing the next waits 0.5 s, doubling up to 4 s.
constexpr int kSearchLimitFrames = 96;
// A search whose background has not, in its first 24 far-end frames, once
// removed 6 dB of rx and done 3 dB better than the foreground has found no
// new path: a new echo path shows within about ten frames, while a near
// talker the detectors missed keeps the search going to its limit for
// nothing (and the whole tail adapting costs several times a narrowed window).
constexpr int kSearchPromiseFrames = 24;
constexpr float kSearchPromiseBetter = 0.5f;
constexpr float kSearchPromiseCancel = 0.25f;
// A new echo path louder than the Geigel detector allows for (it assumes the
// echo loss it measured on the old path, up to 9 dB) looks like double talk
// in every frame the far end is loud. So double-talk frames do not restart
// the count of frames the foreground removes little in; 30 such frames
// (0.24 s), in double talk or not, start a search too; and a search may be
// taken in double talk, more strictly: 13 dB of rx removed for 200 ms (no
// near talker is predicted from the far end that well for that long). Taken
// so, the echo loss of the old path is forgotten.
constexpr int kSuspectClearFrames = 2;
constexpr int kPoorFrames = 30;
constexpr int kDoubleTalkSearchFrames = 25;
constexpr float kDoubleTalkSearchCancel = 0.05f;
constexpr int kSearchCooldownFrames = 64;
constexpr int kSearchMaxCooldownFrames = 512;

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

// The ERL is measured on the foreground's echo estimate once it cancels this
// much, on rx before.
constexpr float kErlFromModelDb = 10.0f;
// The established ERLE follows the ERLE up at once and down by at most this
// much per frame (2.5 dB/s): the copy guard and the checks against it must not
// give way to a near talker who slowly takes over the residual. Echo paths
// that change are handled on their own (see two_path).
constexpr float kEstablishedFallDb = 0.02f;
// A frame cancelled this much worse than the established ERLE is left out of
// the ERLE.
constexpr float kErleOutlierDb = 12.0f;
// Memory of the ERLE figure, per frame (~0.25 s).
constexpr float kErleMemory = 0.97f;
// The background level may rise this much per frame (3 dB/s) and falls at once.
constexpr float kBackgroundRise = 1.0087f;

// Reference history kept beyond the tail, so that it is shifted back only
// once in a while.
constexpr std::size_t kLineSlack = 16 * kFrame;
constexpr std::size_t kHistory = echo::Whitening::kOrder;
// Samples kept before the oldest tap: the whitening filter's order, and the
// 16 floats the window kernel may read there.
constexpr std::size_t kLead = 16;
static_assert(kLead >= kHistory);

// Mean square (power per sample) of a sine at this level.
float power_at(double dbm0) {
  const double peak = dbm0_to_sine_peak(dbm0);
  return static_cast<float>(peak * peak / 2.0);
}

float to_dbm0(double mean_square) {
  if (mean_square <= 1e-6) return -100.0f;
  return std::max(-100.0f, static_cast<float>(mean_square_to_dbm0(mean_square)));
}

constexpr float kMaxErlDb = 60.0f;

float db(double ratio) { return static_cast<float>(10.0 * std::log10(std::max(ratio, 1e-12))); }

// ln(1 + z) for z >= 0, to 1e-4: the exponent of 1 + z from its bits, a
// quartic for the logarithm of its mantissa. Plain arithmetic, so every
// build gives the same gains.
float fast_log1p(float z) noexcept {
  const float y = 1.0f + z;
  const auto bits = std::bit_cast<uint32_t>(y);
  const auto exponent = static_cast<float>(static_cast<int>(bits >> 23) - 127);
  const float m = std::bit_cast<float>((bits & 0x007fffffu) | 0x3f800000u);  // [1, 2)
  const float ln_m =
      -1.7417939f + (2.8212026f + (-1.4699568f + (0.44717955f - 0.056570851f * m) * m) * m) * m;
  return exponent * 0.69314718f + ln_m;
}

// Proportionate gains that grow with the logarithm of a tap's size (as in
// "mu-law" PNLMS) rather than with the size itself: a tap a twentieth of the
// strongest already gets a large share, so the whole of a dispersive response
// adapts fast, not only its peak. Mixed with a uniform part (kWindowMix, as
// IPNLMS) and scaled to average 1 over the n taps (a multiple of 8).
void proportionate_gains(const float* taps, float* gains, std::size_t n) noexcept {
  float peak = 0.0f;
  for (std::size_t i = 0; i < n; ++i) peak = std::max(peak, std::fabs(taps[i]));
  if (peak <= 0.0f) {
    std::fill(gains, gains + n, 1.0f);
    return;
  }
  const float scale = kGainCompression / peak;
  // Eight partial sums: a single running sum would wait on every add.
  float partial[8] = {};
  for (std::size_t i = 0; i < n; i += 8) {
    for (std::size_t l = 0; l < 8; ++l) {
      const float shape = fast_log1p(scale * std::fabs(taps[i + l]));
      gains[i + l] = shape;
      partial[l] += shape;
    }
  }
  const float total = ((partial[0] + partial[4]) + (partial[1] + partial[5])) +
                      ((partial[2] + partial[6]) + (partial[3] + partial[7]));
  const float uniform = (1.0f - kWindowMix) / 2.0f;
  const float proportional = (1.0f + kWindowMix) * static_cast<float>(n) / (2.0f * total);
  for (std::size_t i = 0; i < n; ++i) gains[i] = uniform + proportional * gains[i];
}

int16_t saturate(float x) noexcept {
  const float rounded = std::nearbyint(x);
  if (rounded >= 32767.0f) return 32767;
  if (rounded <= -32768.0f) return -32768;
  return static_cast<int16_t>(rounded);
}

}  // namespace

EchoCancellerState::EchoCancellerState(const EchoCancellerConfig& cfg, Isa chosen_isa)
    : config(cfg),
      isa(isa_supported(chosen_isa) ? chosen_isa : detected_isa()),
      k(&kernels::echo_kernels(isa)),
      partitions((cfg.tail_ms * 8 + static_cast<int>(kFrame) - 1) / static_cast<int>(kFrame)),
      taps(static_cast<std::size_t>(partitions) * kFrame),
      tx_high_pass(cfg.high_pass_hz),
      rx_high_pass(cfg.high_pass_hz),
      tone(cfg.tone_disabler),
      geigel(partitions),
      x_line(taps + kLead + kLineSlack),
      u_line(taps + kLead + kLineSlack),
      window_taps(taps),
      window_gain(taps),
      window_scratch(taps),
      granule_energy(taps / kNarrowGranule, 0.0f),
      probe_taps(kProbeTaps),
      probe_gain(kProbeTaps),
      x_spectra(static_cast<std::size_t>(partitions) * 2 * kPaddedBins),
      foreground(static_cast<std::size_t>(partitions) * 2 * kPaddedBins),
      foreground_used(static_cast<std::size_t>(partitions), 0) {
  far_active_power = power_at(kFarActiveDbm0);
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
  whitening.reset();
  geigel.reset();
  for (AlignedBuffer* b :
       {&x_line, &u_line, &near_frame, &error_frame, &estimate_frame, &background_error,
        &window_taps, &window_gain, &window_scratch, &probe_taps, &probe_gain, &probe_error,
        &x_spectra, &foreground, &foreground_first, &foreground_tail, &sum_re, &sum_im, &scratch}) {
    b->clear();
  }
  std::fill(std::begin(near_history), std::end(near_history), 0.0f);
  std::fill(foreground_used.begin(), foreground_used.end(), 0);
  x_pos = taps + kLead;
  position = 0;
  // The window starts over the whole tail: whitened proportionate NLMS finds
  // an echo anywhere in it quickly.
  window_start = 0;
  window_end = taps;
  update_window_gains();
  window_step = window_step_next = 0.0f;
  update_stride = 1;
  update_phase = 0;
  frames_in_shape = 0;
  far_track = far_slow = 0.0f;
  probe_active = probe_spent = false;
  probe_start = probe_end = 0;
  probe_step = probe_step_next = smooth_probe = 0.0f;
  probe_clock = probe_behind_frames = 0;
  head = 0;
  far_energy = near_energy = fg_energy = bg_energy = estimate_energy = 0.0f;
  smooth_foreground = smooth_background = smooth_near = smooth_estimate = 0.0f;
  background_erle_db = 0.0f;
  established_erle_db = 0.0f;
  better_frames = worse_frames = harmful_frames = suspect_frames = 0;
  suspect_clear_frames = poor_frames = 0;
  search_better_in_double_talk = false;
  searching = false;
  fresh_path = true;
  search_frames = search_cooldown = 0;
  search_backoff = kSearchCooldownFrames;
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

void EchoCancellerState::process_block(const int16_t* tx, int16_t* rx, std::size_t n) noexcept {
  const auto start = static_cast<std::size_t>(position);
  bool disabled[kFrame];

  // The reference and rx through the line filters, into the histories.
  for (std::size_t i = 0; i < n; ++i) {
    disabled[i] = tone.push(tx[i], rx[i]);
    const float x = tx_high_pass.step(tx_dc.step(static_cast<float>(tx[i])));
    near_frame[start + i] = rx_high_pass.step(rx_dc.step(static_cast<float>(rx[i])));
    if (x_pos + 1 == x_line.size()) {
      const std::size_t keep = taps + kLead + kFrame;
      std::memmove(x_line.data(), x_line.data() + x_line.size() - keep, keep * sizeof(float));
      std::memmove(u_line.data(), u_line.data() + u_line.size() - keep, keep * sizeof(float));
      x_pos = keep - 1;
    }
    ++x_pos;
    x_line[x_pos] = x;
    u_line[x_pos] = whitening.active() ? whitening.filter(x_line.data() + x_pos) : x;
  }
  const std::size_t first = x_pos + 1 - n;  // x_line index of the block's first sample

  // Foreground: partition 0 over the whole block at once, plus the tail
  // computed a frame ahead.
  k->fir_block(foreground_first.data(), x_line.data() + first + 1 - kFrame,
               estimate_frame.data() + start, n, kFrame);
  for (std::size_t i = start; i < start + n; ++i) {
    estimate_frame[i] += foreground_tail[i];
    error_frame[i] = near_frame[i] - estimate_frame[i];
  }

  // Background: the window adapts sample by sample; then the NLP.
  const std::size_t length = window_length();
  const std::size_t reach = window_end;
  const float mu = window_is_whole_tail() ? kWindowStep : kNarrowWindowStep;
  // Once narrowed onto a path the output cancels well (the established ERLE,
  // which double talk does not lower), the window adapts on every other
  // sample only, and on every fourth once it cancels very well; below that it
  // adapts on every sample.
  int stride_wanted = 1;
  if (!window_is_whole_tail()) {
    if (metrics.erle_db >= (update_stride == 4 ? kQuarterLeaveDb : kQuarterEnterDb)) {
      stride_wanted = 4;
    } else if (metrics.erle_db >= (update_stride >= 2 ? kAlternateLeaveDb : kAlternateEnterDb)) {
      stride_wanted = 2;
    }
  }
  if (stride_wanted != update_stride) {
    update_stride = stride_wanted;
    update_phase = 0;
    window_step = window_step_next = 0.0f;  // the ways time their steps apart
  }
  const int stride = update_stride;
  // The step applied at an update was computed at the one before.
  const std::size_t update_lag = stride == 1 ? kUpdateLag : static_cast<std::size_t>(stride);
  for (std::size_t i = 0; i < n; ++i) {
    const std::size_t now = first + i;
    const float d = near_frame[start + i];
    const float* x_now = x_line.data() + now + 1 - reach;
    float y_background = 0.0f, q = 0.0f, e_update = 0.0f;
    float q_probe = 0.0f, e_probe = 0.0f;
    // Once narrowed onto a converged path the window adapts on every other
    // (or fourth) sample only and just filters on the others: the step then
    // comes from the previous update, a stride back.
    bool skip = false;
    if (stride > 1) {
      update_phase = update_phase + 1 == stride ? 0 : update_phase + 1;
      skip = update_phase != 0;
    }
    if (skip) {
      y_background = k->window_output(window_taps.data(), x_now, length);
    } else if (whitening.active()) {
      const float* u_now = u_line.data() + now + 1 - reach;
      float y_white = 0.0f;
      k->window_adapt(window_taps.data(), window_gain.data(), u_now - kUpdateLag, u_now, x_now,
                      window_step, length, &y_background, &y_white, &q);
      const float d_white = whitening.filter(d, near_history);
      e_update = d_white - y_white;
      if (probe_active) {
        const float* probe_u = u_line.data() + now + 1 - probe_end;
        const float* probe_x = x_line.data() + now + 1 - probe_end;
        float y_probe = 0.0f, y_probe_white = 0.0f;
        k->window_adapt(probe_taps.data(), probe_gain.data(), probe_u - kUpdateLag, probe_u,
                        probe_x, probe_step, kProbeTaps, &y_probe, &y_probe_white, &q_probe);
        probe_error[start + i] = d - y_probe;
        e_probe = d_white - y_probe_white;
      }
    } else {
      k->window_adapt_plain(window_taps.data(), window_gain.data(), x_now - update_lag, x_now,
                            window_step, length, &y_background, &q);
      e_update = d - y_background;
    }
    if (whitening.active()) {
      for (std::size_t h = kHistory - 1; h > 0; --h) near_history[h] = near_history[h - 1];
      near_history[0] = d;
    }
    background_error[start + i] = d - y_background;

    const float x = x_line[now], u = u_line[now];
    far_track += (1.0f / 64.0f) * (x * x - far_track);
    far_slow += (1.0f / 1024.0f) * (u * u - far_slow);
    const bool adapt = far_track > far_active_power && !disabled[i];
    const float normaliser =
        q + static_cast<float>(length) * (kWindowLongTermShare * far_slow + window_regularisation);
    // The update lags two samples (the step from sample n - 2 is applied at
    // n): the next sample's filtering need not wait for this division, so
    // two samples' work overlaps in the CPU. Convergence does not notice.
    // Adapting on every other or fourth sample, the step is the previous
    // update's, a stride back.
    if (stride > 1) {
      if (!skip) window_step = adapt ? mu * e_update / normaliser : 0.0f;
    } else {
      window_step = window_step_next;
      window_step_next = adapt ? mu * e_update / normaliser : 0.0f;
    }
    if (probe_active) {
      const float probe_normaliser =
          q_probe + static_cast<float>(kProbeTaps) *
                        (kWindowLongTermShare * far_slow + window_regularisation);
      probe_step = probe_step_next;
      probe_step_next = adapt ? mu * e_probe / probe_normaliser : 0.0f;
    }

    const float out = nlp(error_frame[start + i], estimate_frame[start + i]);
    if (!disabled[i]) rx[i] = saturate(out);
  }
  position += static_cast<int>(n);
  if (position == static_cast<int>(kFrame)) {
    end_frame();
    position = 0;
  }
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

void EchoCancellerState::window_to_natural(float* natural) const noexcept {
  std::memset(natural, 0, taps * sizeof(float));
  const std::size_t n = window_length();
  for (std::size_t i = 0; i < n; ++i) natural[window_end - 1 - i] = window_taps[i];
}

void EchoCancellerState::update_window_gains() noexcept {
  proportionate_gains(window_taps.data(), window_gain.data(), window_length());
}

void EchoCancellerState::rewhiten_window_span() noexcept {
  // The update needs the reference over the window whitened by the same
  // predictor as its target, so a new predictor re-whitens the span.
  const std::size_t span = window_end + kUpdateLag;  // the update reads that far back
  for (std::size_t i = x_pos + 1 - span; i <= x_pos; ++i) {
    u_line[i] = whitening.filter(x_line.data() + i);
  }
}

void EchoCancellerState::set_window(std::size_t start, std::size_t end) noexcept {
  if (start == window_start && end == window_end) return;
  // Through natural order: taps leaving the window are dropped (they hold
  // next to nothing when it narrows), taps entering start at zero.
  window_to_natural(window_scratch.data());
  window_taps.clear();
  window_start = start;
  window_end = end;
  for (std::size_t i = 0; i < window_length(); ++i) {
    window_taps[i] = window_scratch[window_end - 1 - i];
  }
  window_step = window_step_next = 0.0f;
  frames_in_shape = 0;
  update_window_gains();
  if (!window_is_whole_tail()) {
    whitening.disable();
    drop_probe();
  }
}

void EchoCancellerState::narrow_window() noexcept {
  ++frames_in_shape;
  if (window_is_whole_tail()) {
    if (metrics.erle_db < kNarrowAfterErleDb || background_erle_db < kNarrowAfterErleDb ||
        frames_in_shape < kSettleFrames) {
      return;
    }
    // Trim from both ends, 16 taps at a time, while what is trimmed holds
    // no more than the allowed share of the path's energy.
    const std::size_t granules = taps / kNarrowGranule;
    const std::vector<float>& energy = granule_energy;
    const float total = measure_granules();
    if (total <= 0.0f) return;
    // A granule at the ends goes when it is far below the strongest (the
    // adaptation's noise, not echo), as long as all that goes stays small.
    const float peak = *std::max_element(energy.begin(), energy.begin() + granules);
    float allowance = (1.0f - kNarrowEnergyShare) * total;
    std::size_t first = 0, last = granules;  // [first, last) kept
    while (first + 1 < last) {
      const bool trim_front = energy[first] <= energy[last - 1];
      const float cost = trim_front ? energy[first] : energy[last - 1];
      if (cost > kTrimBelowPeak * peak || cost > allowance) break;
      allowance -= cost;
      if (trim_front) {
        ++first;
      } else {
        --last;
      }
    }
    // The window kernels take multiples of 32 taps.
    if ((last - first) % 2 != 0) {
      if (last < granules) {
        ++last;
      } else {
        --first;
      }
    }
    if ((last - first) * kNarrowGranule <= kNarrowMaxTaps) {
      set_window(first * kNarrowGranule, last * kNarrowGranule);
    }
  }
}

void EchoCancellerState::copy_background_to_foreground() noexcept {
  window_to_natural(window_scratch.data());
  set_foreground(window_scratch.data(), window_start, window_end);
}

void EchoCancellerState::copy_probe_to_foreground() noexcept {
  float* natural = window_scratch.data();
  std::memset(natural, 0, taps * sizeof(float));
  for (std::size_t i = 0; i < kProbeTaps; ++i) natural[probe_end - 1 - i] = probe_taps[i];
  set_foreground(natural, probe_start, probe_end);
}

void EchoCancellerState::set_foreground(const float* natural, std::size_t start,
                                        std::size_t end) noexcept {
  for (int p = 0; p < partitions; ++p) {
    const auto index = static_cast<std::size_t>(p);
    const std::size_t begin = index * kFrame;
    const bool overlaps = begin < end && begin + kFrame > start;
    if (overlaps) {
      std::memcpy(scratch.data(), natural + begin, kFrame * sizeof(float));
      std::memset(scratch.data() + kFrame, 0, kFrame * sizeof(float));
      fft.forward(scratch.data(), spectrum_re(foreground, p), spectrum_im(foreground, p));
      foreground_used[index] = 1;
    } else if (foreground_used[index] != 0) {
      std::memset(spectrum_re(foreground, p), 0, 2 * kPaddedBins * sizeof(float));
      foreground_used[index] = 0;
    }
  }
  for (std::size_t i = 0; i < kFrame; ++i) foreground_first[i] = natural[kFrame - 1 - i];
  foreground_set = true;
  ++metrics.filter_updates;
}

void EchoCancellerState::clear_foreground() noexcept {
  foreground.clear();
  std::fill(foreground_used.begin(), foreground_used.end(), 0);
  foreground_first.clear();
  foreground_set = false;
}

void EchoCancellerState::copy_foreground_to_background() noexcept {
  // The foreground's taps in natural order, then the window's span of them.
  float* natural = window_scratch.data();
  const float scale = 1.0f / static_cast<float>(kFftSize);
  for (int p = 0; p < partitions; ++p) {
    float* part = natural + static_cast<std::size_t>(p) * kFrame;
    if (p == 0) {
      for (std::size_t j = 0; j < kFrame; ++j) part[j] = foreground_first[kFrame - 1 - j];
    } else if (foreground_used[static_cast<std::size_t>(p)] != 0) {
      fft.inverse(spectrum_re(foreground, p), spectrum_im(foreground, p), scratch.data());
      for (std::size_t j = 0; j < kFrame; ++j) part[j] = scratch[j] * scale;
    } else {
      std::memset(part, 0, kFrame * sizeof(float));
    }
  }
  for (std::size_t i = 0; i < window_length(); ++i) window_taps[i] = natural[window_end - 1 - i];
  window_step = window_step_next = 0.0f;
  update_window_gains();
}

void EchoCancellerState::compute_foreground_tail() noexcept {
  // The next frame's output from partitions 1.. needs only frames already
  // complete: partition p of frame k+1 reads the spectrum of frame k+1-p.
  bool any = false;
  for (int p = 1; p < partitions; ++p) {
    if (foreground_used[static_cast<std::size_t>(p)] == 0) continue;
    if (!any) {
      sum_re.clear();
      sum_im.clear();
      any = true;
    }
    const int x = older(p - 1);
    k->spectral_mac(sum_re.data(), sum_im.data(), spectrum_re(foreground, p),
                    spectrum_im(foreground, p), spectrum_re(x_spectra, x),
                    spectrum_im(x_spectra, x), kPaddedBins);
  }
  if (!any) {
    foreground_tail.clear();
    return;
  }
  fft.inverse(sum_re.data(), sum_im.data(), scratch.data());
  const float scale = 1.0f / static_cast<float>(kFftSize);
  for (std::size_t i = 0; i < kFrame; ++i) foreground_tail[i] = scratch[kFrame + i] * scale;
}

void EchoCancellerState::update_delay() noexcept {
  const std::size_t n = window_length();
  std::size_t strongest = 0;
  for (std::size_t i = 1; i < n; ++i) {
    if (std::fabs(window_taps[i]) > std::fabs(window_taps[strongest])) strongest = i;
  }
  if (window_taps[strongest] == 0.0f) return;
  metrics.echo_delay_ms = static_cast<float>(window_end - 1 - strongest) / 8.0f;
}

float EchoCancellerState::measure_granules() noexcept {
  const std::size_t granules = window_length() / kNarrowGranule;
  float total = 0.0f;
  for (std::size_t g = 0; g < granules; ++g) {
    float sum = 0.0f;
    for (std::size_t j = 0; j < kNarrowGranule; ++j) {
      const float tap = window_taps[g * kNarrowGranule + j];
      sum += tap * tap;
    }
    // window_taps is reversed: granule g covers taps from the end.
    granule_energy[granules - 1 - g] = sum;
    total += sum;
  }
  return total;
}

float EchoCancellerState::background_concentration() noexcept {
  // Share of the window's tap energy in its strongest span of kNarrowMaxTaps.
  const std::size_t granules = window_length() / kNarrowGranule;
  const std::vector<float>& energy = granule_energy;
  const float total = measure_granules();
  if (total <= 0.0f) return 0.0f;
  const std::size_t span = std::min(granules, kNarrowMaxTaps / kNarrowGranule);
  float run = 0.0f, best = 0.0f;
  for (std::size_t g = 0; g < granules; ++g) {
    run += energy[g];
    if (g >= span) run -= energy[g - span];
    best = std::max(best, run);
  }
  return best / total;
}

void EchoCancellerState::locate_probe() noexcept {
  // After a few frames the whitened whole-tail window already peaks where the
  // echo is, long before it has converged: NLMS finds the delay first and the
  // shape later. A short window there, started from the taps found so far,
  // learns the shape several times faster; the whole tail goes on beside it
  // in case the echo path holds more than the probe covers.
  std::size_t strongest = 0;
  for (std::size_t i = 1; i < taps; ++i) {
    if (std::fabs(window_taps[i]) > std::fabs(window_taps[strongest])) strongest = i;
  }
  if (window_taps[strongest] == 0.0f) return;
  const std::size_t peak = taps - 1 - strongest;  // natural order
  const std::size_t lead = std::min(peak, kProbeLead);
  probe_start = std::min((peak - lead) / kernels::kEchoWindowLanes * kernels::kEchoWindowLanes,
                         taps - kProbeTaps);
  probe_end = probe_start + kProbeTaps;
  for (std::size_t i = 0; i < kProbeTaps; ++i) probe_taps[i] = window_taps[taps - probe_end + i];
  proportionate_gains(probe_taps.data(), probe_gain.data(), kProbeTaps);
  probe_step = probe_step_next = 0.0f;
  smooth_probe = smooth_background;
  probe_behind_frames = 0;
  probe_active = true;
}

void EchoCancellerState::track_probe() noexcept {
  // Called on far-end frames.
  ++probe_clock;
  if (!probe_active) {
    if (!probe_spent && !searching && probe_clock >= kProbeAfterFrames && taps > kProbeTaps &&
        window_is_whole_tail() && whitening.active()) {
      locate_probe();
    }
    return;
  }
  proportionate_gains(probe_taps.data(), probe_gain.data(), kProbeTaps);
  probe_behind_frames =
      smooth_probe > kProbeBehind * smooth_background ? probe_behind_frames + 1 : 0;
  if (probe_behind_frames >= kProbeBehindFrames) drop_probe();
}

void EchoCancellerState::drop_probe() noexcept {
  if (probe_active) probe_spent = true;
  probe_active = false;
}

void EchoCancellerState::restart_search() noexcept {
  // The new echo path may lie outside the window, and the old path's large
  // taps would hold the proportionate step away from a new, weaker one: the
  // background starts afresh over the whole tail.
  set_window(0, taps);
  window_taps.clear();
  update_window_gains();
  probe_active = probe_spent = false;
  probe_clock = 0;
  // As at a cold start, the step is normalised by the short-term reference
  // power only until the long-term figure has built up again.
  far_slow = 0.0f;
  better_frames = worse_frames = suspect_frames = 0;
  suspect_clear_frames = poor_frames = 0;
}

void EchoCancellerState::two_path(bool allowed, bool double_talk) noexcept {
  if (!allowed) return;
  // A foreground that makes rx louder models an echo path that has gone:
  // take the background if it does better, else cancel nothing until it does.
  // (Only when the foreground's own estimate makes up much of its output: a
  // near talker whose speech happens to run against the echo for a while
  // also leaves an output louder than rx, with a sound foreground.)
  harmful_frames = foreground_set && smooth_foreground > kHarmfulGain * smooth_near &&
                           smooth_estimate > kHarmfulEstimateShare * smooth_foreground
                       ? harmful_frames + 1
                       : 0;
  if (harmful_frames >= kHarmfulFrames) {
    harmful_frames = 0;
    if (smooth_background < smooth_foreground) {
      copy_background_to_foreground();
      smooth_foreground = smooth_background;
    } else {
      clear_foreground();
      smooth_foreground = smooth_near;
    }
    // While the whole tail still converges on a new path, its filter now and
    // then models a tail the echo does not have (speech leaves it ambiguous);
    // that is no new path, and what the background has learnt is kept.
    if (fresh_path && window_is_whole_tail() && !searching) return;
    // The established ERLE and the echo loss belonged to the old path; the
    // double-talk detector must not take the new path's echo for a talker.
    // A search under way goes on.
    if (!searching) restart_search();
    searching = false;
    fresh_path = true;
    search_backoff = kSearchCooldownFrames;
    search_cooldown = 0;
    erle_near_sum = erle_error_sum = 0.0f;
    metrics.erle_db = 0.0f;
    established_erle_db = 0.0f;
    metrics.erl_db = 0.0f;
    erle_linear = 1.0f;
    return;
  }
  // A foreground that cancelled well and now removes almost nothing faces
  // either a near talker or a new, louder echo path (the old estimate is then
  // too small to make rx louder). The background searches the whole tail for
  // a new path while the foreground stays as it is. Its result is taken only
  // when it removes much of rx and does far better than the foreground with
  // the Geigel detector quiet: a background adapting sample by sample can
  // briefly fit some of a near talker's speech, but not to that degree.
  if (search_cooldown > 0) --search_cooldown;
  if (!searching && foreground_set && established_erle_db >= kSuspectAfterErleDb) {
    // One frame that cancels well (the edge of a pause, where the old
    // estimate and the new echo both fade) does not clear the counts; two in
    // a row do.
    if (smooth_foreground <= kSuspectRemoval * smooth_near) {
      if (++suspect_clear_frames >= kSuspectClearFrames) suspect_frames = poor_frames = 0;
    } else {
      suspect_clear_frames = 0;
      ++poor_frames;
      if (!double_talk) ++suspect_frames;
    }
    if (poor_frames >= kPoorFrames) suspect_frames = kSuspectFrames;
    if (suspect_frames >= kSuspectFrames && search_cooldown == 0) {
      saved_window_start = window_start;
      saved_window_end = window_end;
      restart_search();
      searching = true;
      search_frames = 0;
      search_promising = false;
    }
  }
  if (searching) {
    if (smooth_background < kSearchBetter * smooth_foreground &&
        smooth_background < (double_talk ? kDoubleTalkSearchCancel : kSearchCancel) * smooth_near &&
        background_concentration() >= kSearchConcentration) {
      search_promising = true;
      if (better_frames == 0) search_better_in_double_talk = false;
      search_better_in_double_talk = search_better_in_double_talk || double_talk;
      const int needed = search_better_in_double_talk ? kDoubleTalkSearchFrames : kSearchFrames;
      if (++better_frames >= needed) {
        copy_background_to_foreground();
        smooth_foreground = smooth_background;
        searching = false;
        fresh_path = true;
        search_backoff = kSearchCooldownFrames;
        better_frames = worse_frames = 0;
        // The established ERLE starts again from the new path's.
        erle_near_sum = smooth_near;
        erle_error_sum = smooth_background;
        metrics.erle_db = std::clamp(background_erle_db, 0.0f, 60.0f);
        established_erle_db = metrics.erle_db;
        erle_linear = std::pow(10.0f, metrics.erle_db / 10.0f);
        if (search_better_in_double_talk) metrics.erl_db = 0.0f;
      }
      return;
    }
    better_frames = 0;
    search_promising =
        search_promising || (smooth_background < kSearchPromiseBetter * smooth_foreground &&
                             smooth_background < kSearchPromiseCancel * smooth_near);
    // The foreground cancels as well as it did: that was a near talker. So
    // was it when the search finds nothing in the time a new path takes to
    // show; each search that fails waits twice as long before the next, so
    // that a long stretch of double talk does not keep the whole tail adapting.
    if (smooth_foreground * std::pow(10.0f, (established_erle_db - kCopyMarginDb) / 10.0f) <
            smooth_near ||
        ++search_frames >= kSearchLimitFrames ||
        (search_frames >= kSearchPromiseFrames && !search_promising)) {
      searching = false;
      search_cooldown = search_backoff;
      search_backoff = std::min(2 * search_backoff, kSearchMaxCooldownFrames);
      // The background goes back to what the foreground holds, in the window
      // it had: a fresh whole-tail search would learn from the near talker.
      set_window(saved_window_start, saved_window_end);
      copy_foreground_to_background();
    }
  }
  const float required_db = std::max(kMinCopyCancelDb, established_erle_db - kCopyMarginDb);
  const float cancel_needed = std::pow(10.0f, -required_db / 10.0f);
  // A filter for a new echo path is taken more eagerly until it cancels 20 dB.
  if (metrics.erle_db >= kYoungErleDb) fresh_path = false;
  const bool young = fresh_path;
  // The probe stands in for the background while it does better.
  const bool probe_leads = probe_active && smooth_probe < smooth_background;
  const float candidate = probe_leads ? smooth_probe : smooth_background;
  if (!double_talk &&
      candidate < (young ? kYoungCopyWhenBetter : kCopyWhenBetter) * smooth_foreground &&
      candidate < cancel_needed * smooth_near) {
    worse_frames = 0;
    if (++better_frames >= (young ? 1 : kCopyFrames)) {
      if (probe_leads) {
        copy_probe_to_foreground();
      } else {
        copy_background_to_foreground();
      }
      smooth_foreground = candidate;
      better_frames = 0;
      searching = false;
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

void EchoCancellerState::end_frame() noexcept {
  const float* x_frame = x_line.data() + x_pos + 1 - kFrame;
  // Four partial sums each: single running sums would wait on every add.
  float far_sum[4] = {}, near_sum[4] = {}, fg_sum[4] = {}, bg_sum[4] = {}, estimate_sum[4] = {};
  float far_max[4] = {}, near_max[4] = {}, probe_sum[4] = {};
  for (std::size_t i = 0; i < kFrame; i += 4) {
    for (std::size_t l = 0; l < 4; ++l) {
      const float x = x_frame[i + l], d = near_frame[i + l];
      far_sum[l] += x * x;
      near_sum[l] += d * d;
      fg_sum[l] += error_frame[i + l] * error_frame[i + l];
      bg_sum[l] += background_error[i + l] * background_error[i + l];
      probe_sum[l] += probe_error[i + l] * probe_error[i + l];
      estimate_sum[l] += estimate_frame[i + l] * estimate_frame[i + l];
      far_max[l] = std::max(far_max[l], std::fabs(x));
      near_max[l] = std::max(near_max[l], std::fabs(d));
    }
  }
  const auto total = [](const float(&v)[4]) { return (v[0] + v[2]) + (v[1] + v[3]); };
  far_energy = total(far_sum);
  near_energy = total(near_sum);
  fg_energy = total(fg_sum);
  bg_energy = total(bg_sum);
  estimate_energy = total(estimate_sum);
  const float far_peak =
      std::max(std::max(far_max[0], far_max[1]), std::max(far_max[2], far_max[3]));
  const float near_peak =
      std::max(std::max(near_max[0], near_max[1]), std::max(near_max[2], near_max[3]));

  // The newest reference spectrum: the last two frames.
  head = (head + 1) % partitions;
  std::memcpy(scratch.data(), x_line.data() + x_pos + 1 - kFftSize, kFftSize * sizeof(float));
  fft.forward(scratch.data(), spectrum_re(x_spectra, head), spectrum_im(x_spectra, head));

  const bool far_active = far_energy > far_active_power * static_cast<float>(kFrame);
  const bool disabled = tone.disabled();
  smooth_foreground = 0.5f * smooth_foreground + 0.5f * fg_energy;
  smooth_background = 0.5f * smooth_background + 0.5f * bg_energy;
  if (probe_active) smooth_probe = 0.5f * smooth_probe + 0.5f * total(probe_sum);
  smooth_near = 0.5f * smooth_near + 0.5f * near_energy;
  smooth_estimate = 0.5f * smooth_estimate + 0.5f * estimate_energy;
  background_erle_db = db(smooth_near / std::max(smooth_background, 1e-3f));

  if (far_active && window_is_whole_tail()) {
    // Over 32 ms, or the whole tail when it is shorter (16 ms): the history
    // kept holds no more.
    whitening.fit(x_line.data() + x_pos, std::min(echo::Whitening::kSpan, taps));
    if (whitening.active()) rewhiten_window_span();
  }
  // rx's history for the whitened target, kept per sample only while
  // whitening; refreshed here so it is right when whitening starts.
  for (std::size_t h = 0; h < kHistory; ++h) near_history[h] = near_frame[kFrame - 1 - h];
  // The Geigel threshold assumes no more echo loss than measured, and never
  // more than 9 dB: a louder new echo path must not pass for a near talker.
  const float geigel_erl_db = std::min(metrics.erl_db, kGeigelMaxErlDb);
  const bool double_talk =
      geigel.update(far_peak, near_peak, geigel_erl_db, std::sqrt(background_power));
  if (far_active && !disabled) {
    // A window adapting on every sample still finds its shape; one that has
    // settled enough to adapt on every other changes it slowly, and its
    // gains are refreshed every fourth frame.
    if (update_stride == 1 || frames % 4 == 0) update_window_gains();
    narrow_window();
    track_probe();
  }
  two_path(far_active && !disabled, double_talk);
  compute_foreground_tail();
  update_levels(far_active, disabled, double_talk);
  if (++frames % 64 == 0) update_delay();
}

void EchoCancellerState::update_levels(bool far_active, bool disabled, bool double_talk) noexcept {
  const float inv_n = 1.0f / static_cast<float>(kFrame);
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
  // A frame the foreground cancels far worse than it has been cancelling holds
  // a near talker that neither detector caught (a new echo path is the search's
  // or the harmful-foreground rule's business): counting it would lower the
  // ERLE, and with it the bar near_active sets, until the talker counted as echo.
  const bool out_of_line =
      fg_energy * std::pow(10.0f, (established_erle_db - kErleOutlierDb) / 10.0f) > near_energy;
  if (far_active && echo_present && !near_active && !double_talk && !out_of_line && !disabled) {
    // Powers summed over ~0.25 s of such frames, as ERLE is measured; an
    // average of per-frame ratios would be dragged down by the quiet frames.
    erle_near_sum = kErleMemory * erle_near_sum + near_energy;
    erle_error_sum = kErleMemory * erle_error_sum + fg_energy;
    metrics.erle_db = std::clamp(db(erle_near_sum / std::max(erle_error_sum, 1e-3f)), 0.0f, 60.0f);
    erle_linear = std::pow(10.0f, metrics.erle_db / 10.0f);
    metrics.residual_echo_dbm0 = to_dbm0(error_smooth);
  }
  established_erle_db = std::max(metrics.erle_db, established_erle_db - kEstablishedFallDb);
  // The echo loss is the reference over the echo the foreground models; until
  // that model cancels something, over all of rx (which includes any near
  // talker, so the figure errs on the low side).
  const float echo_seen = metrics.erle_db >= kErlFromModelDb ? echo_smooth : near_smooth;
  // A line that returns no echo at all (a digital line, a silent rx) would
  // send the ratio to hundreds of dB and on to NaN, which would blind the
  // Geigel detector; no hybrid has more than 60 dB of loss.
  if (far_active && echo_seen > 0.0f) {
    const float target = std::clamp(db(far_smooth / echo_seen), -20.0f, kMaxErlDb);
    metrics.erl_db += 0.0625f * (target - metrics.erl_db);
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
}

}  // namespace ivrd::dsp::detail
