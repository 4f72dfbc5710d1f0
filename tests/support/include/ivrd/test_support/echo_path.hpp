#pragma once
// Synthetic line echo for echo canceller tests, in the spirit of the hybrid
// models of ITU-T G.168 (not a transcription of its tables): a bulk delay,
// then a dispersive, band-limited impulse response whose energy decays over
// a given time, scaled to a given echo return loss.
//
//   auto path = make_echo_path({.delay_ms = 10, .dispersion_ms = 6, .erl_db = 6}, seed);
//   auto echo = apply_echo_path(far, path);             // float, not rounded
//   auto near = to_int16(echo) (+ near talker, noise, a G.711 round trip)
//
// And the measurements the tests and bench tools share.

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace ivrd::test_support {

struct EchoPathSpec {
  double delay_ms = 5.0;       // before the first echo arrives
  double dispersion_ms = 6.0;  // time for the response to decay by ~40 dB
  // Echo return loss for a flat (white) signal: 10 log10(1 / sum h^2).
  double erl_db = 6.0;
};

// The impulse response at 8 kHz: delay + dispersion, band-limited to the
// telephone band (the hybrid's transformers pass no DC), deterministic by seed.
std::vector<float> make_echo_path(const EchoPathSpec& spec, uint64_t seed);

// Convolution of far with the path, as long as far (samples before far's
// first are silence).
std::vector<float> apply_echo_path(std::span<const int16_t> far, std::span<const float> path);

// Echo return loss enhancement over consecutive windows: 10 log10 of the
// echo's power over the residual's power, where residual = output - near_clean
// (the near talker and noise the line added, zero in single talk). Windows in
// which the echo is below min_echo_dbm0 are reported as NaN.
std::vector<double> erle_per_window(std::span<const float> echo, std::span<const int16_t> output,
                                    std::span<const int16_t> near_clean, size_t window,
                                    double min_echo_dbm0 = -45.0);

// ERLE over [begin, end) samples, powers summed over the active windows only
// (as erle_per_window), NaN when none is active.
double erle_db(std::span<const float> echo, std::span<const int16_t> output,
               std::span<const int16_t> near_clean, size_t begin, size_t end,
               double min_echo_dbm0 = -45.0);

// Seconds from the start of `echo` to the end of the first window that
// begins three windows in a row, of those where the echo is active (see
// erle_per_window), cancelling target_db or more; infinity when none does.
// With active_time_only, only active windows are counted: the far end's
// pauses, in which no canceller can learn, are left out.
double seconds_to_erle(std::span<const float> echo, std::span<const int16_t> output,
                       std::span<const int16_t> near_clean, double target_db, size_t window = 800,
                       bool active_time_only = false);

}  // namespace ivrd::test_support
