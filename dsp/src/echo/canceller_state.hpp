#pragma once
// Internal: the echo canceller's state and its per-sample and per-frame
// steps. ivrd/dsp/echo_canceller.hpp describes the design; docs/echo.md
// explains it with measurements.
//
// Two filters model the echo path over the tail, in partitions of kFrame taps:
//   - The background learns it sample by sample in a time-domain window
//     (window_taps, oldest tap first): the whole tail until it converges,
//     then only the taps that hold the echo, in steps of 16 (the rest is
//     dropped; it held less than -35 dB of the path). Proportionate NLMS,
//     on whitened signals while the window spans the whole tail.
//   - While the whole-tail window converges on a new echo path, a probe: a
//     short window placed at the strongest taps after a few frames, adapting
//     beside it (see locate_probe). It converges several times faster where
//     it sits, and the foreground takes it while it does better.
//   - The foreground makes the output. It holds the spectra of the
//     background's partitions as last copied (zero elsewhere), applies
//     partitions 1.. a frame ahead in the frequency domain and partition 0
//     sample by sample, so the output has no delay.

#include <cstddef>
#include <cstdint>
#include <vector>

#include "ivrd/dsp/echo_canceller.hpp"

#include "echo/aligned_buffer.hpp"
#include "echo/comfort_noise.hpp"
#include "echo/frame_fft.hpp"
#include "echo/geigel.hpp"
#include "echo/line_filters.hpp"
#include "echo/tone_disabler.hpp"
#include "echo/whitening.hpp"
#include "kernels/echo_kernels.hpp"

namespace ivrd::dsp::detail {

struct EchoCancellerState {
  EchoCancellerState(const EchoCancellerConfig& cfg, Isa chosen_isa);
  void reset() noexcept;
  // Up to the end of the current frame (n <= kFrame - position): rx is
  // replaced by the output.
  void process_block(const int16_t* tx, int16_t* rx, std::size_t n) noexcept;

  // Frame end, in the order it runs.
  void end_frame() noexcept;
  void narrow_window() noexcept;
  void two_path(bool far_active, bool double_talk) noexcept;
  void compute_foreground_tail() noexcept;
  void update_levels(bool far_active, bool disabled, bool double_talk) noexcept;
  void update_delay() noexcept;

  // The background's window: taps [window_start, window_end) of the echo
  // path, stored reversed (window_taps[0] is tap window_end - 1).
  void set_window(std::size_t start, std::size_t end) noexcept;
  void update_window_gains() noexcept;
  void rewhiten_window_span() noexcept;
  bool window_is_whole_tail() const noexcept { return window_start == 0 && window_end == taps; }
  std::size_t window_length() const noexcept { return window_end - window_start; }
  // The background's taps in natural order (zero outside the window).
  void window_to_natural(float* natural) const noexcept;

  void restart_search() noexcept;
  // The probe (see locate_probe in the .cpp).
  void locate_probe() noexcept;
  void track_probe() noexcept;
  void drop_probe() noexcept;
  // Energies of the window's 16-tap granules into granule_energy, in natural
  // tap order; returns their sum.
  float measure_granules() noexcept;
  float background_concentration() noexcept;
  void copy_background_to_foreground() noexcept;
  void copy_probe_to_foreground() noexcept;
  // natural: the taps in natural order, zero outside [start, end).
  void set_foreground(const float* natural, std::size_t start, std::size_t end) noexcept;
  void copy_foreground_to_background() noexcept;
  void clear_foreground() noexcept;
  float nlp(float e, float y) noexcept;

  float* spectrum_re(echo::AlignedBuffer& b, int p) noexcept {
    return b.data() + static_cast<std::size_t>(p) * 2 * echo::kPaddedBins;
  }
  float* spectrum_im(echo::AlignedBuffer& b, int p) noexcept {
    return spectrum_re(b, p) + echo::kPaddedBins;
  }
  int older(int frames_back) const noexcept {
    return (head + partitions - frames_back) % partitions;
  }

  EchoCancellerConfig config;
  Isa isa;
  const kernels::EchoKernels* k;
  echo::FrameFft fft;
  int partitions;
  std::size_t taps;

  echo::DcBlocker tx_dc, rx_dc;
  echo::HighPass tx_high_pass, rx_high_pass;
  echo::ToneDisabler tone;
  echo::ComfortNoise comfort;
  echo::Whitening whitening;
  echo::GeigelDetector geigel;

  // The reference over the whole tail, plain (x_line) and whitened (u_line),
  // oldest first; x_pos indexes the newest sample.
  echo::AlignedBuffer x_line, u_line;
  std::size_t x_pos = 0;
  // The current frame.
  echo::AlignedBuffer near_frame{echo::kFrame}, error_frame{echo::kFrame};
  echo::AlignedBuffer estimate_frame{echo::kFrame}, background_error{echo::kFrame};
  int position = 0;
  // rx before whitening, for the whitened target.
  float near_history[echo::Whitening::kOrder] = {};

  // Background window.
  std::size_t window_start = 0, window_end = 0;
  echo::AlignedBuffer window_taps, window_gain, window_scratch;
  // The update lags the error by kUpdateLag samples: the step applied at
  // sample n was computed at n - kUpdateLag, so the next sample's filtering
  // need not wait for this sample's division. (A longer lag would need a
  // smaller step to stay stable.)
  static constexpr std::size_t kUpdateLag = 2;
  float window_step = 0.0f;       // applied at the next sample
  float window_step_next = 0.0f;  // at the one after
  int update_stride = 1;          // adapting on every stride-th sample (see process_block)
  int update_phase = 0;
  float window_regularisation = 0.0f;
  int frames_in_shape = 0;  // far-end frames since the window last changed
  float far_track = 0.0f, far_slow = 0.0f;
  std::vector<float> granule_energy;  // scratch for narrowing

  // The probe: taps [probe_start, probe_end) of the echo path, reversed as
  // the window's, whitened like it; probe_clock counts far-end frames since
  // the whole-tail window last started from zero.
  bool probe_active = false;
  bool probe_spent = false;  // no other probe until the window starts again
  std::size_t probe_start = 0, probe_end = 0;
  echo::AlignedBuffer probe_taps, probe_gain, probe_error{echo::kFrame};
  float probe_step = 0.0f, probe_step_next = 0.0f;
  float smooth_probe = 0.0f;
  int probe_clock = 0, probe_behind_frames = 0;

  // Foreground.
  echo::AlignedBuffer x_spectra, foreground;
  std::vector<char> foreground_used;                   // partitions with non-zero spectra
  echo::AlignedBuffer foreground_first{echo::kFrame};  // partition 0, reversed
  echo::AlignedBuffer foreground_tail{echo::kFrame};   // partitions 1.., this frame
  int head = 0;                                        // newest reference spectrum
  echo::AlignedBuffer sum_re{echo::kPaddedBins}, sum_im{echo::kPaddedBins};
  echo::AlignedBuffer scratch{echo::kFftSize};

  // Frame energies and their smoothed values.
  float far_energy = 0.0f, near_energy = 0.0f, fg_energy = 0.0f, bg_energy = 0.0f;
  float estimate_energy = 0.0f;
  float smooth_foreground = 0.0f, smooth_background = 0.0f, smooth_near = 0.0f;
  float smooth_estimate = 0.0f;
  float background_erle_db = 0.0f;
  int better_frames = 0, worse_frames = 0, harmful_frames = 0, suspect_frames = 0;
  bool foreground_set = false;
  // The background looks for a new echo path, from the whole tail (see
  // two_path); the window it had is kept to go back to.
  bool searching = false;
  std::size_t saved_window_start = 0, saved_window_end = 0;
  int search_frames = 0;                      // far-end frames the current search has run
  bool search_promising = false;              // see kSearchPromiseFrames
  bool search_better_in_double_talk = false;  // some of the current run of better frames was
  int suspect_clear_frames = 0;               // frames in a row that cancelled well
  int poor_frames = 0;                        // frames that cancelled little, in double talk or not
  int search_cooldown = 0;                    // frames before another search may start
  int search_backoff = 0;                     // the cooldown after the next search that fails
  bool fresh_path = true;                     // the foreground follows a new echo path

  // Levels (mean squares) and decisions.
  float far_active_power = 0.0f;
  float background_power = 0.0f;
  bool background_known = false;
  float erle_linear = 1.0f;          // 10^(erle_db/10)
  float established_erle_db = 0.0f;  // see kEstablishedFallDb
  float erle_near_sum = 0.0f, erle_error_sum = 0.0f;
  float far_smooth = 0.0f, near_smooth = 0.0f, echo_smooth = 0.0f, error_smooth = 0.0f;
  int frames = 0;

  // NLP, per sample.
  float nlp_echo = 0.0f, nlp_error = 0.0f, nlp_gain = 1.0f;
  int nlp_hangover = 0;
  bool nlp_suppressing = false;

  EchoCancellerMetrics metrics;
};

}  // namespace ivrd::dsp::detail
