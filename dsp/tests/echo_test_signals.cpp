#include "echo_test_signals.hpp"

#include <algorithm>
#include <map>
#include <mutex>
#include <span>
#include <tuple>

#include "ivrd/test_support/composite_source.hpp"
#include "ivrd/test_support/g711_line.hpp"
#include "ivrd/test_support/levels.hpp"
#include "ivrd/test_support/noise.hpp"
#include "ivrd/test_support/speech.hpp"

namespace ivrd::dsp::testing {
namespace {

// espeak-ng runs in a child process per call; the few corpora the tests need
// are made once per process.
const test_support::Speech& cached_corpus(double seconds, uint64_t seed, const std::string& lang) {
  static std::mutex mutex;
  static std::map<std::tuple<double, uint64_t, std::string>, test_support::Speech> cache;
  std::lock_guard lock(mutex);
  auto key = std::make_tuple(seconds, seed, lang);
  auto found = cache.find(key);
  if (found != cache.end()) return found->second;
  test_support::SpeechCorpusOptions options;
  options.languages = {lang};
  options.min_level_dbm0 = -16.0;
  options.max_level_dbm0 = -16.0;
  options.min_pause_ms = 100.0;
  options.max_pause_ms = 400.0;
  return cache.emplace(key, test_support::speech_corpus(seconds, seed, options)).first->second;
}

}  // namespace

EchoScene make_echo_scene(const EchoSceneSpec& spec, uint64_t seed, std::string* why) {
  EchoScene scene;
  const auto n = static_cast<size_t>(spec.seconds * 8000.0);
  if (spec.far == EchoSceneSpec::Far::white_noise) {
    scene.far = test_support::white_noise(n, -16.0, seed);
  } else if (spec.far == EchoSceneSpec::Far::composite_source) {
    scene.far = test_support::composite_source_signal(n, -16.0, seed);
  } else {
    const test_support::Speech& far = cached_corpus(spec.seconds, seed, "en");
    if (!far) {
      if (why) *why = far.error;
      return {};
    }
    scene.far = far.pcm;
  }
  scene.far.resize(n, 0);
  const auto path = test_support::make_echo_path(spec.path, seed + 1);
  scene.echo = test_support::apply_echo_path(scene.far, path);
  if (spec.path_change_at) {
    const auto second = test_support::make_echo_path(spec.second_path, seed + 2);
    const auto echo2 = test_support::apply_echo_path(scene.far, second);
    for (auto i = static_cast<size_t>(*spec.path_change_at * 8000.0); i < n; ++i) {
      scene.echo[i] = echo2[i];
    }
  }
  scene.near_talker.assign(n, 0);
  if (spec.near_from && spec.near_to) {
    const auto from = static_cast<size_t>(*spec.near_from * 8000.0);
    const auto to = std::min(n, static_cast<size_t>(*spec.near_to * 8000.0));
    const test_support::Speech& talker =
        cached_corpus(static_cast<double>(to - from) / 8000.0, seed + 3, "de");
    if (!talker) {
      if (why) *why = talker.error;
      return {};
    }
    std::vector<int16_t> part(talker.pcm.begin(), talker.pcm.end());
    test_support::scale_to_active_level(std::span<int16_t>(part), spec.near_level_dbm0);
    for (size_t i = 0; i < part.size() && from + i < to; ++i) scene.near_talker[from + i] = part[i];
  }
  const auto noise = test_support::white_noise(n, spec.background_dbm0, seed + 4);
  scene.near_clean.resize(n);
  scene.near.resize(n);
  for (size_t i = 0; i < n; ++i) {
    const double clean = static_cast<double>(noise[i]) + scene.near_talker[i];
    scene.near_clean[i] = test_support::to_int16(clean);
    scene.near[i] = test_support::to_int16(clean + scene.echo[i]);
  }
  test_support::g711_round_trip_in_place(scene.near);
  return scene;
}

std::vector<int16_t> run_canceller(EchoCanceller& canceller, const EchoScene& scene, size_t block) {
  std::vector<int16_t> out = scene.near;
  for (size_t i = 0; i < out.size(); i += block) {
    const size_t len = std::min(block, out.size() - i);
    canceller.process(std::span(scene.far).subspan(i, len), std::span(out).subspan(i, len));
  }
  return out;
}

}  // namespace ivrd::dsp::testing
