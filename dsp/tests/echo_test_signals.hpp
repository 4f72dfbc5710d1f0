#pragma once
// Scenes for the echo canceller tests: far-end speech through a synthetic
// hybrid, a G.711 line, optional near talker and background noise — with the
// clean parts kept so that ERLE and near-talker distortion can be measured.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "ivrd/dsp/echo_canceller.hpp"
#include "ivrd/test_support/echo_path.hpp"

namespace ivrd::dsp::testing {

struct EchoScene {
  std::vector<int16_t> far;          // tx reference
  std::vector<int16_t> near;         // rx as the card delivers it (µ-law line)
  std::vector<float> echo;           // the echo alone
  std::vector<int16_t> near_clean;   // near talker + background, no echo
  std::vector<int16_t> near_talker;  // the near talker alone
};

struct EchoSceneSpec {
  double seconds = 8.0;
  test_support::EchoPathSpec path{};
  // From this second on, the echo comes through second_path instead.
  std::optional<double> path_change_at;
  test_support::EchoPathSpec second_path{.delay_ms = 17, .dispersion_ms = 5, .erl_db = 8};
  // A near talker over [near_from, near_to) seconds at this active level.
  std::optional<double> near_from, near_to;
  double near_level_dbm0 = -16.0;
  double background_dbm0 = -65.0;
  // The far end: speech at -16 dBm0 (espeak-ng), white noise at -16 dBm0, or
  // a composite source signal at -16 dBm0 active (composite_source.hpp).
  enum class Far : uint8_t { speech, white_noise, composite_source };
  Far far = Far::speech;
};

// Far-end speech at -16 dBm0 (espeak-ng), deterministic by seed; empty scene
// (far.empty()) with *why set when speech is not available.
EchoScene make_echo_scene(const EchoSceneSpec& spec, uint64_t seed, std::string* why);

// Runs a canceller over the scene in 160-sample blocks; returns its output.
std::vector<int16_t> run_canceller(EchoCanceller& canceller, const EchoScene& scene,
                                   size_t block = 160);

}  // namespace ivrd::dsp::testing
