// Echo canceller tests in the spirit of ITU-T G.168: synthetic hybrids (bulk
// delay, dispersion, ERL 6/10/20 dB), espeak-ng speech as the far end at
// -16 dBm0, a µ-law line, background noise at -65 dBm0. Figures are asserted
// with a margin below what docs/echo.md reports as measured.

#include "ivrd/dsp/echo_canceller.hpp"

#include <algorithm>
#include <cmath>
#include <iterator>
#include <numbers>
#include <span>
#include <vector>

#include <catch2/catch.hpp>

#include "ivrd/dsp/levels.hpp"
#include "ivrd/test_support/echo_path.hpp"
#include "ivrd/test_support/g711_line.hpp"
#include "ivrd/test_support/levels.hpp"
#include "ivrd/test_support/noise.hpp"
#include "ivrd/test_support/rng.hpp"
#include "ivrd/test_support/seed.hpp"
#include "ivrd/test_support/speech.hpp"

#include "echo_test_signals.hpp"
#include "kernels/echo_kernels.hpp"

using namespace ivrd;
using namespace ivrd::dsp;
using namespace ivrd::dsp::testing;
using test_support::erle_db;

namespace {

constexpr size_t at(double seconds) { return static_cast<size_t>(seconds * 8000.0); }

EchoCancellerConfig linear_only() {
  EchoCancellerConfig config;
  config.nlp = false;
  return config;
}

double level_of(std::span<const int16_t> pcm) { return test_support::level_dbm0(pcm); }

// Near-talker signal-to-distortion over [begin, end): the talker against
// everything else in the output (residual echo, filter damage).
double near_sdr_db(const EchoScene& scene, std::span<const int16_t> out, size_t begin, size_t end) {
  double signal = 0.0, distortion = 0.0;
  for (size_t i = begin; i < end; ++i) {
    const double s = scene.near_talker[i];
    const double d = static_cast<double>(out[i]) - scene.near_clean[i];
    signal += s * s;
    distortion += d * d;
  }
  return 10.0 * std::log10(signal / std::max(distortion, 1.0));
}

}  // namespace

TEST_CASE("configuration is validated field by field", "[echo]") {
  EchoCancellerConfig config;
  CHECK_FALSE(config.validate());
  config.tail_ms = 8;
  REQUIRE(config.validate());
  CHECK(config.validate()->starts_with("tail_ms"));
  config.tail_ms = 257;
  CHECK(config.validate());
  config.tail_ms = 100;
  CHECK_FALSE(config.validate());
  CHECK(EchoCanceller(config).taps() == 832);  // rounded up to 13 partitions of 8 ms
  config.high_pass_hz = 5.0f;
  REQUIRE(config.validate());
  CHECK(config.validate()->starts_with("high_pass_hz"));
  CHECK_THROWS_AS(EchoCanceller(config), std::invalid_argument);
  CHECK(EchoCanceller().taps() == 1024);
}

// The speech scenes use three fixed corpora, so that a figure asserted here
// is the same on every run; the randomised tests below cover the rest.
constexpr uint64_t kCorpora[] = {1, 2, 3};

TEST_CASE("G.168 convergence and steady state on synthetic hybrids, NLP off", "[echo][g168]") {
  // Bounds sit 2-3 dB under the lowest of the three corpora (docs/echo.md
  // has the spread over more); a weaker echo (ERL 20 dB) sits closer to the
  // line's noise and the G.711 floor, so less of it can be removed.
  struct Case {
    test_support::EchoPathSpec path;
    double min_early_db, min_steady_db;
  };
  const Case cases[] = {
      {{.delay_ms = 0, .dispersion_ms = 4, .erl_db = 6}, 29.0, 33.0},
      {{.delay_ms = 10, .dispersion_ms = 6, .erl_db = 6}, 22.0, 32.0},
      {{.delay_ms = 25, .dispersion_ms = 8, .erl_db = 10}, 21.0, 31.0},
      {{.delay_ms = 40, .dispersion_ms = 8, .erl_db = 10}, 18.0, 31.0},
      {{.delay_ms = 5, .dispersion_ms = 6, .erl_db = 20}, 20.0, 22.0},
  };
  for (const uint64_t corpus : kCorpora) {
    for (const Case& c : cases) {
      EchoSceneSpec spec;
      spec.path = c.path;
      std::string why;
      const EchoScene scene = make_echo_scene(spec, corpus, &why);
      if (scene.far.empty()) {
        WARN("no speech: " << why);
        return;
      }
      EchoCanceller canceller(linear_only());
      const auto out = run_canceller(canceller, scene);
      const double early = erle_db(scene.echo, out, scene.near_clean, at(1.5), at(2.5));
      const double steady = erle_db(scene.echo, out, scene.near_clean, at(5.0), at(8.0));
      INFO("corpus " << corpus << ", delay " << c.path.delay_ms << " ms, ERL " << c.path.erl_db
                     << " dB: ERLE 1.5-2.5 s " << early << " dB, 5-8 s " << steady << " dB");
      CHECK(early >= c.min_early_db);
      CHECK(steady >= c.min_steady_db);
      // The live figure follows the measured one.
      CHECK(canceller.metrics().erle_db == Approx(steady).margin(8.0));
      CHECK(canceller.metrics().echo_delay_ms == Approx(c.path.delay_ms).margin(4.0));
    }
  }
}

TEST_CASE("white noise far end converges to the G.711 floor within a second", "[echo][g168]") {
  const test_support::Seed seed("echo white");
  EchoSceneSpec spec;
  spec.far = EchoSceneSpec::Far::white_noise;
  spec.seconds = 4.0;
  const EchoScene scene = make_echo_scene(spec, seed.derive("scene"), nullptr);
  EchoCanceller canceller(linear_only());
  const auto out = run_canceller(canceller, scene);
  CHECK(erle_db(scene.echo, out, scene.near_clean, at(0.5), at(1.0)) >= 25.0);
  CHECK(erle_db(scene.echo, out, scene.near_clean, at(3.0), at(4.0)) >= 30.0);
}

TEST_CASE(
    "with G.168's composite source signal, 20 dB is reached in 0.5 s (median) and again within "
    "1 s of every echo path change",
    "[echo][g168]") {
  // The composite source signal (voiced, noise, pause; 350 ms periods) is
  // G.168's convergence test signal: it pauses for at most 101 ms, so the
  // times measure the canceller rather than where a talker stops. 20 dB is
  // reached when three 100 ms windows in a row cancel that much. Twelve
  // changes between paths of 0-40 ms delay and 6-20 dB ERL, among them
  // quiet, late paths giving way to loud, early ones (which the Geigel
  // detector first takes for double talk). Over 30 seeds: first convergence
  // 0.2-0.5 s in 98 % of runs, at most 0.8 s (a weak echo, ERL 20 dB); back
  // to 20 dB 0.4-1.0 s after the change.
  const test_support::Seed seed("echo composite source");
  const test_support::EchoPathSpec paths[] = {
      {.delay_ms = 0, .dispersion_ms = 4, .erl_db = 6},
      {.delay_ms = 5, .dispersion_ms = 6, .erl_db = 10},
      {.delay_ms = 10, .dispersion_ms = 8, .erl_db = 20},
      {.delay_ms = 20, .dispersion_ms = 4, .erl_db = 10},
      {.delay_ms = 30, .dispersion_ms = 6, .erl_db = 6},
      {.delay_ms = 40, .dispersion_ms = 8, .erl_db = 15},
  };
  const auto seconds_to_20db = [](const EchoScene& scene, const std::vector<int16_t>& out,
                                  size_t from) {
    return test_support::seconds_to_erle(
        std::span(scene.echo).subspan(from), std::span<const int16_t>(out).subspan(from),
        std::span<const int16_t>(scene.near_clean).subspan(from), 20.0);
  };
  std::vector<double> firsts;
  for (size_t p = 0; p < std::size(paths); ++p) {
    for (size_t step : {1, 3}) {
      EchoSceneSpec spec;
      spec.far = EchoSceneSpec::Far::composite_source;
      spec.seconds = 6.0;
      spec.path = paths[p];
      spec.path_change_at = 3.0;
      spec.second_path = paths[(p + step) % std::size(paths)];
      const EchoScene scene =
          make_echo_scene(spec, seed.derive(std::to_string(p * 10 + step)), nullptr);
      EchoCanceller canceller(linear_only());
      const auto out = run_canceller(canceller, scene);
      const double first = seconds_to_20db(scene, out, 0);
      const double again = seconds_to_20db(scene, out, at(3.0));
      INFO("path " << p << " -> " << (p + step) % std::size(paths) << ": 20 dB after " << first
                   << " s, again " << again << " s after the change");
      CHECK(first <= 1.0);
      CHECK(again <= 1.0);
      firsts.push_back(first);
    }
  }
  std::sort(firsts.begin(), firsts.end());
  CHECK(firsts[firsts.size() / 2] <= 0.5);
}

TEST_CASE("double talk neither diverges the filter nor distorts the near talker", "[echo][g168]") {
  const uint64_t corpus = GENERATE(from_range(std::begin(kCorpora), std::end(kCorpora)));
  EchoSceneSpec spec;
  spec.seconds = 10.0;
  spec.near_from = 5.0;
  spec.near_to = 10.0;
  std::string why;
  const EchoScene scene = make_echo_scene(spec, corpus, &why);
  if (scene.far.empty()) {
    WARN("no speech: " << why);
    return;
  }
  INFO("corpus " << corpus);
  SECTION("linear filter") {
    EchoCanceller canceller(linear_only());
    const auto out = run_canceller(canceller, scene);
    const double erle = erle_db(scene.echo, out, scene.near_clean, at(5.0), at(10.0));
    const double sdr = near_sdr_db(scene, out, at(5.0), at(10.0));
    INFO("ERLE in double talk " << erle << " dB, near talker SDR " << sdr << " dB");
    CHECK(erle >= 20.0);
    CHECK(sdr >= 26.0);
  }
  SECTION("with the NLP the near talker keeps its level") {
    EchoCanceller canceller;
    const auto out = run_canceller(canceller, scene);
    const auto talker = std::span(scene.near_talker).subspan(at(5.0), at(5.0));
    const auto passed = std::span<const int16_t>(out).subspan(at(5.0), at(5.0));
    const double loss = test_support::mean_square(talker) / test_support::mean_square(passed);
    INFO("near talker loss " << 10.0 * std::log10(loss) << " dB");
    CHECK(10.0 * std::log10(loss) <= 3.0);
  }
}

TEST_CASE("an echo path change is followed", "[echo][g168]") {
  const uint64_t corpus = GENERATE(from_range(std::begin(kCorpora), std::end(kCorpora)));
  EchoSceneSpec spec;
  spec.seconds = 10.0;
  spec.path_change_at = 5.0;
  std::string why;
  const EchoScene scene = make_echo_scene(spec, corpus, &why);
  if (scene.far.empty()) {
    WARN("no speech: " << why);
    return;
  }
  EchoCanceller canceller(linear_only());
  const auto out = run_canceller(canceller, scene);
  const double after = erle_db(scene.echo, out, scene.near_clean, at(7.0), at(10.0));
  INFO("corpus " << corpus << ": ERLE 2-5 s after the change " << after << " dB");
  CHECK(after >= 24.0);
}

TEST_CASE(
    "with speech, 20 dB is reached in 0.5 s (median) and again within 1 s of the far end's "
    "speech after every echo path change",
    "[echo][g168]") {
  // Twelve paths (0-40 ms, dispersion 4-8 ms, ERL 6-20 dB), each changed at
  // 5 s to the path five places on, so that delay and ERL both change. The
  // times after a change count only the far end's speech: in its pauses no
  // canceller can learn, and where they fall is the corpus's business. In the
  // tuning runs (twelve corpora, 24 paths, 288 changes) 284 were back within
  // 1 s of speech, median 0.5 s, at most 1.3 s; these three corpora give
  // 0.3-0.8 s.
  std::vector<test_support::EchoPathSpec> paths;
  const double dispersions[] = {4, 6, 8};
  for (const double delay : {0.0, 10.0, 20.0, 40.0}) {
    for (const double erl : {6.0, 10.0, 20.0}) {
      paths.push_back(
          {.delay_ms = delay, .dispersion_ms = dispersions[paths.size() % 3], .erl_db = erl});
    }
  }
  const auto seconds_to_20db = [](const EchoScene& scene, const std::vector<int16_t>& out,
                                  size_t from, bool speech_only) {
    return test_support::seconds_to_erle(
        std::span(scene.echo).subspan(from), std::span<const int16_t>(out).subspan(from),
        std::span<const int16_t>(scene.near_clean).subspan(from), 20.0, 800, speech_only);
  };
  std::vector<double> firsts, agains;
  for (const uint64_t corpus : kCorpora) {
    for (size_t p = 0; p < paths.size(); ++p) {
      EchoSceneSpec spec;
      spec.seconds = 10.0;
      spec.path = paths[p];
      spec.path_change_at = 5.0;
      spec.second_path = paths[(p + 5) % paths.size()];
      std::string why;
      const EchoScene scene = make_echo_scene(spec, corpus, &why);
      if (scene.far.empty()) {
        WARN("no speech: " << why);
        return;
      }
      EchoCanceller canceller(linear_only());
      const auto out = run_canceller(canceller, scene);
      const double first = seconds_to_20db(scene, out, 0, false);
      const double again = seconds_to_20db(scene, out, at(5.0), true);
      INFO("corpus " << corpus << ", path " << p << " -> " << (p + 5) % paths.size()
                     << ": 20 dB after " << first << " s, again after " << again
                     << " s of speech after the change");
      CHECK(again <= 1.0);
      firsts.push_back(first);
      agains.push_back(again);
    }
  }
  std::sort(firsts.begin(), firsts.end());
  std::sort(agains.begin(), agains.end());
  CHECK(firsts[firsts.size() / 2] <= 0.5);
  CHECK(agains[agains.size() / 2] <= 0.6);
}

TEST_CASE("an echo path reaching beyond the short window tried first is cancelled as a whole",
          "[echo][g168]") {
  // Early in convergence the canceller tries a 32 ms window where the whole
  // tail first peaks; a second reflection 65 ms later, 6 dB weaker, lies
  // outside it. The whole tail, adapting beside, must still take over.
  const uint64_t corpus = GENERATE(from_range(std::begin(kCorpora), std::end(kCorpora)));
  EchoSceneSpec spec;
  spec.seconds = 8.0;
  spec.path = {.delay_ms = 5, .dispersion_ms = 6, .erl_db = 6};
  std::string why;
  EchoScene scene = make_echo_scene(spec, corpus, &why);
  if (scene.far.empty()) {
    WARN("no speech: " << why);
    return;
  }
  const auto second = test_support::make_echo_path(
      {.delay_ms = 70, .dispersion_ms = 6, .erl_db = 12}, corpus + 100);
  const auto reflection = test_support::apply_echo_path(scene.far, second);
  for (size_t i = 0; i < scene.near.size(); ++i) {
    scene.echo[i] += reflection[i];
    scene.near[i] = test_support::to_int16(scene.near_clean[i] + scene.echo[i]);
  }
  test_support::g711_round_trip_in_place(scene.near);
  EchoCanceller canceller(linear_only());
  const auto out = run_canceller(canceller, scene);
  const double early = erle_db(scene.echo, out, scene.near_clean, at(1.5), at(2.5));
  const double steady = erle_db(scene.echo, out, scene.near_clean, at(4.0), at(8.0));
  INFO("corpus " << corpus << ": ERLE 1.5-2.5 s " << early << " dB, 4-8 s " << steady << " dB");
  CHECK(early >= 20.0);
  CHECK(steady >= 30.0);
}

TEST_CASE("a louder new echo path is found though the output never gets louder than rx",
          "[echo][g168]") {
  // 14 dB louder and outside the window the background had narrowed to: the
  // old estimate is too small to make the output louder than rx.
  const uint64_t corpus = GENERATE(from_range(std::begin(kCorpora), std::end(kCorpora)));
  EchoSceneSpec spec;
  spec.seconds = 10.0;
  spec.path = {.delay_ms = 5, .dispersion_ms = 6, .erl_db = 20};
  spec.path_change_at = 5.0;
  spec.second_path = {.delay_ms = 60, .dispersion_ms = 6, .erl_db = 6};
  std::string why;
  const EchoScene scene = make_echo_scene(spec, corpus, &why);
  if (scene.far.empty()) {
    WARN("no speech: " << why);
    return;
  }
  EchoCanceller canceller(linear_only());
  const auto out = run_canceller(canceller, scene);
  const double first = erle_db(scene.echo, out, scene.near_clean, at(5.5), at(6.5));
  const double after = erle_db(scene.echo, out, scene.near_clean, at(7.0), at(10.0));
  INFO("corpus " << corpus << ": ERLE 0.5-1.5 s after the change " << first << " dB, 2-5 s "
                 << after << " dB");
  CHECK(first >= 15.0);
  CHECK(after >= 30.0);
}

TEST_CASE("NLP removes the residual and fills in comfort noise at the background level",
          "[echo][nlp]") {
  EchoSceneSpec spec;
  spec.background_dbm0 = -55.0;
  std::string why;
  const EchoScene scene = make_echo_scene(spec, kCorpora[0], &why);
  if (scene.far.empty()) {
    WARN("no speech: " << why);
    return;
  }
  EchoCanceller canceller;
  const auto out = run_canceller(canceller, scene);
  // Residual echo: the output minus the background is gone in single talk.
  const double erle = erle_db(scene.echo, out, scene.near_clean, at(4.0), at(8.0));
  // What remains is noise at the line's level, not silence.
  const double out_level = level_of(std::span<const int16_t>(out).subspan(at(4.0), at(4.0)));
  const double background = level_of(std::span(scene.near_clean).subspan(at(4.0), at(4.0)));
  INFO("ERLE with NLP " << erle << " dB; output " << out_level << " dBm0, background " << background
                        << " dBm0");
  CHECK(out_level == Approx(background).margin(3.0));
  CHECK(canceller.metrics().background_level_dbm0 == Approx(background).margin(4.0));
}

namespace {

// A 2100 Hz answer tone at -12 dBm0, its phase reversed every 450 ms when
// asked (V.25 /ANS, V.8 ANSam without the 15 Hz modulation), from `from` to
// `to` seconds.
void add_answer_tone(std::vector<int16_t>& pcm, double from, double to, bool reversals) {
  const double amplitude = dsp::dbm0_to_sine_peak(-12.0);
  for (size_t i = at(from); i < std::min(pcm.size(), at(to)); ++i) {
    const double t = static_cast<double>(i - at(from)) / 8000.0;
    const int flips = reversals ? static_cast<int>(t / 0.45) : 0;
    const double phase = 2.0 * std::numbers::pi * 2100.0 * t + std::numbers::pi * flips;
    pcm[i] = test_support::to_int16(pcm[i] + amplitude * std::sin(phase));
  }
}

}  // namespace

TEST_CASE("2100 Hz with phase reversals disables the canceller, which passes it unharmed",
          "[echo][tone]") {
  const test_support::Seed seed("echo tone");
  EchoSceneSpec spec;
  spec.seconds = 8.0;
  spec.far = EchoSceneSpec::Far::white_noise;
  EchoScene scene = make_echo_scene(spec, seed.derive("scene"), nullptr);
  // The far end goes quiet for the modem; the remote modem answers.
  std::fill(scene.far.begin() + at(3.0), scene.far.end(), 0);
  std::fill(scene.near.begin() + at(3.0), scene.near.end(), 0);
  add_answer_tone(scene.near, 3.2, 6.0, true);
  EchoCanceller canceller;
  std::vector<int16_t> out = scene.near;
  bool disabled_seen = false, enabled_after = false;
  for (size_t i = 0; i < out.size(); i += 160) {
    canceller.process(std::span(scene.far).subspan(i, 160), std::span(out).subspan(i, 160));
    if (i >= at(4.0) && i < at(6.0))
      disabled_seen = disabled_seen || canceller.metrics().disabled_by_tone;
    if (i >= at(6.5)) enabled_after = !canceller.metrics().disabled_by_tone;
  }
  CHECK(disabled_seen);
  CHECK(enabled_after);
  // From the first reversal on, the tone comes out sample for sample.
  const auto tone_in = std::span(scene.near).subspan(at(3.8), at(2.1));
  const auto tone_out = std::span<const int16_t>(out).subspan(at(3.8), at(2.1));
  CHECK(std::equal(tone_in.begin(), tone_in.end(), tone_out.begin()));
}

TEST_CASE("a 2100 Hz tone without reversals disables only in any_2100 mode", "[echo][tone]") {
  std::vector<int16_t> far(at(3.0), 0), near(at(3.0), 0);
  add_answer_tone(near, 0.2, 2.5, false);
  for (ToneDisablerMode mode : {ToneDisablerMode::phase_reversal, ToneDisablerMode::any_2100}) {
    EchoCancellerConfig config;
    config.tone_disabler = mode;
    EchoCanceller canceller(config);
    std::vector<int16_t> out = near;
    bool disabled = false;
    for (size_t i = 0; i < out.size(); i += 160) {
      canceller.process(std::span(far).subspan(i, 160), std::span(out).subspan(i, 160));
      disabled = disabled || canceller.metrics().disabled_by_tone;
    }
    CHECK(disabled == (mode == ToneDisablerMode::any_2100));
  }
}

TEST_CASE("speech does not trip the tone disabler", "[echo][tone]") {
  const test_support::Seed seed("echo tone talk-off");
  EchoSceneSpec spec;
  spec.seconds = 10.0;
  spec.near_from = 0.0;
  spec.near_to = 10.0;
  std::string why;
  const EchoScene scene = make_echo_scene(spec, seed.derive("scene"), &why);
  if (scene.far.empty()) {
    WARN("no speech: " << why);
    return;
  }
  EchoCancellerConfig config;
  config.tone_disabler = ToneDisablerMode::any_2100;
  EchoCanceller canceller(config);
  std::vector<int16_t> out = scene.near;
  for (size_t i = 0; i < out.size(); i += 160) {
    canceller.process(std::span(scene.far).subspan(i, 160), std::span(out).subspan(i, 160));
    REQUIRE_FALSE(canceller.metrics().disabled_by_tone);
  }
}

TEST_CASE("any block size gives the same output", "[echo]") {
  const test_support::Seed seed("echo blocks");
  EchoSceneSpec spec;
  spec.far = EchoSceneSpec::Far::white_noise;
  spec.seconds = 2.0;
  const EchoScene scene = make_echo_scene(spec, seed.derive("scene"), nullptr);
  EchoCanceller reference;
  const auto expected = run_canceller(reference, scene, 160);
  EchoCanceller chunked;
  std::vector<int16_t> out = scene.near;
  test_support::Rng rng(seed.derive("sizes"));
  for (size_t i = 0; i < out.size();) {
    const size_t len =
        std::min<size_t>(static_cast<size_t>(rng.uniform_int(0, 300)), out.size() - i);
    chunked.process(std::span(scene.far).subspan(i, len), std::span(out).subspan(i, len));
    i += len;
  }
  CHECK(out == expected);
}

TEST_CASE("every tail length cancels, from 16 to 256 ms", "[echo]") {
  const test_support::Seed seed("echo tails");
  EchoSceneSpec spec;
  spec.far = EchoSceneSpec::Far::white_noise;
  spec.seconds = 3.0;
  spec.path = {.delay_ms = 2, .dispersion_ms = 4, .erl_db = 6};
  const EchoScene scene = make_echo_scene(spec, seed.derive("scene"), nullptr);
  for (int tail : {16, 24, 100, 128, 200, 256}) {
    EchoCancellerConfig config = linear_only();
    config.tail_ms = tail;
    EchoCanceller canceller(config);
    const auto out = run_canceller(canceller, scene);
    INFO("tail " << tail << " ms");
    CHECK(erle_db(scene.echo, out, scene.near_clean, at(2.0), at(3.0)) >= 25.0);
  }
}

TEST_CASE("hostile input: silence, full-scale square waves, mismatched spans", "[echo]") {
  EchoCanceller canceller;
  std::vector<int16_t> far(8000), near(8000);
  for (size_t i = 0; i < far.size(); ++i) {
    far[i] = (i / 20) % 2 ? 32767 : -32768;
    near[i] = (i / 7) % 2 ? -32768 : 32767;
  }
  canceller.process(far, near);
  std::vector<int16_t> silence(8000, 0);
  std::vector<int16_t> out(8000, 0);
  canceller.process(silence, out);
  canceller.process(std::span(far).first(10), std::span(out).first(3));
  canceller.process({}, {});
  const EchoCancellerMetrics& m = canceller.metrics();
  CHECK(std::isfinite(m.erle_db));
  CHECK(std::isfinite(m.erl_db));
  CHECK(m.samples == 16003);
  canceller.reset();
  CHECK(canceller.metrics().samples == 0);
}

TEST_CASE("echo kernels: every variant gives the scalar reference's bits", "[echo][simd]") {
  const test_support::Seed seed("echo kernels");
  test_support::Rng rng(seed.derive("data"));
  const kernels::EchoKernels& ref = kernels::echo_kernels(Isa::scalar);
  constexpr size_t n = 1024;
  auto random_block = [&](float scale) {
    std::vector<float> v(n + 16);
    for (float& x : v) x = static_cast<float>(rng.normal() * scale);
    return v;
  };
  for (int round = 0; round < 20; ++round) {
    const float scale = round % 4 == 0 ? 30000.0f : round % 4 == 1 ? 1e-3f : 100.0f;
    // Aligned inputs for the spectral kernels.
    alignas(64) static float a[6][n];
    auto src = random_block(scale);
    const auto whitened = random_block(scale);
    for (int j = 0; j < 6; ++j) {
      for (size_t i = 0; i < n; ++i)
        a[j][i] = src[(i * static_cast<size_t>(j + 3)) % src.size()] * static_cast<float>(j + 1);
    }
    alignas(64) static float h[n];
    for (size_t i = 0; i < n; ++i) h[i] = std::fabs(src[i]) / scale + 0.25f;
    const size_t offset = static_cast<size_t>(rng.uniform_int(1, 15));
    for (Isa isa : supported_isas()) {
      const kernels::EchoKernels& k = kernels::echo_kernels(isa);
      INFO("isa " << isa_name(isa) << ", round " << round);
      alignas(64) static float r0[n], r1[n], s0[n], s1[n];
      std::copy(a[0], a[0] + n, r0);
      std::copy(a[1], a[1] + n, r1);
      std::copy(a[0], a[0] + n, s0);
      std::copy(a[1], a[1] + n, s1);
      ref.spectral_mac(r0, r1, a[2], a[3], a[4], a[5], n);
      k.spectral_mac(s0, s1, a[2], a[3], a[4], a[5], n);
      CHECK(std::equal(r0, r0 + n, s0));
      CHECK(std::equal(r1, r1 + n, s1));
      // The block FIR at every count, including the vector tails.
      for (size_t count : {size_t{0}, size_t{1}, size_t{15}, size_t{17}, size_t{64}, size_t{100}}) {
        std::vector<float> ry(count + 1, -1.0f), sy(count + 1, -1.0f);
        ref.fir_block(a[4], src.data() + offset, ry.data(), count, 64);
        k.fir_block(a[4], src.data() + offset, sy.data(), count, 64);
        CHECK(ry == sy);
        CHECK(sy[count] == -1.0f);  // nothing written past count
      }
      std::copy(a[5], a[5] + n, r0);
      std::copy(a[5], a[5] + n, s0);
      const float* x = src.data() + offset;
      float ry = 0, ru = 0, rq = 0, sy = 0, su = 0, sq = 0;
      const float* u = whitened.data() + offset;
      ref.window_adapt(r0, h, u - 1, u, x, 1e-9f, n, &ry, &ru, &rq);
      k.window_adapt(s0, h, u - 1, u, x, 1e-9f, n, &sy, &su, &sq);
      CHECK(std::equal(r0, r0 + n, s0));
      CHECK(ry == sy);
      CHECK(ru == su);
      CHECK(rq == sq);
      ref.window_adapt_plain(r0, h, x - 1, x, 1e-9f, n, &ry, &rq);
      k.window_adapt_plain(s0, h, x - 1, x, 1e-9f, n, &sy, &sq);
      CHECK(std::equal(r0, r0 + n, s0));
      CHECK(ry == sy);
      CHECK(rq == sq);
      CHECK(ref.window_output(a[5], x, n) == k.window_output(a[5], x, n));
      // The canceller's own lag of two samples (a variant may take it from
      // the previous vector instead of loading it).
      const float* lagged = whitened.data() + 16;
      ref.window_adapt_plain(r0, h, lagged - 2, lagged, 2e-9f, n - 32, &ry, &rq);
      k.window_adapt_plain(s0, h, lagged - 2, lagged, 2e-9f, n - 32, &sy, &sq);
      CHECK(std::equal(r0, r0 + n, s0));
      CHECK(ry == sy);
      CHECK(rq == sq);
    }
  }
}

TEST_CASE("every instruction set gives the same output and metrics", "[echo][simd]") {
  const test_support::Seed seed("echo isa");
  EchoSceneSpec spec;
  spec.far = EchoSceneSpec::Far::white_noise;
  spec.seconds = 4.0;
  spec.path_change_at = 2.5;
  EchoScene scene = make_echo_scene(spec, seed.derive("scene"), nullptr);
  // A near burst for double talk, and full-scale clipping as an edge case.
  const auto burst = test_support::white_noise(at(0.5), -10.0, seed.derive("burst"));
  for (size_t i = 0; i < burst.size(); ++i) {
    scene.near[at(1.5) + i] = test_support::to_int16(scene.near[at(1.5) + i] + burst[i] * 1.0);
  }
  for (size_t i = at(3.5); i < at(3.6); ++i) scene.far[i] = (i / 9) % 2 ? 32767 : -32768;
  EchoCanceller reference(EchoCancellerConfig{}, Isa::scalar);
  const auto expected = run_canceller(reference, scene);
  for (Isa isa : supported_isas()) {
    EchoCanceller canceller(EchoCancellerConfig{}, isa);
    REQUIRE(canceller.isa() == isa);
    const auto out = run_canceller(canceller, scene);
    INFO("isa " << isa_name(isa));
    CHECK(out == expected);
    const EchoCancellerMetrics& a = reference.metrics();
    const EchoCancellerMetrics& b = canceller.metrics();
    CHECK(a.erle_db == b.erle_db);
    CHECK(a.erl_db == b.erl_db);
    CHECK(a.echo_delay_ms == b.echo_delay_ms);
    CHECK(a.filter_updates == b.filter_updates);
    CHECK(a.talk_state == b.talk_state);
    CHECK(a.nlp_state == b.nlp_state);
  }
}

TEST_CASE(
    "a line that returns no echo keeps the echo loss finite and passes keys pressed "
    "during the prompts",
    "[echo]") {
  // A digital line (or a quiet one, coded as µ-law zero): rx is exact silence
  // but for the caller's keys, pressed while the appliance speaks. The echo
  // loss must stay a number, or the double-talk detector goes blind and the
  // filter learns the keys as echo of the prompt.
  const auto speech = test_support::synthesize_speech(
      "Thank you for calling. For sales, press one. For support, press two. If you know your "
      "party's extension, press three. For the operator, press zero. Please listen carefully.");
  REQUIRE(speech.ok());
  std::vector<int16_t> far = speech.pcm;
  far.resize(at(9.0));
  test_support::scale_to_active_level(far, -18.0);
  std::vector<int16_t> near(far.size(), 0);
  const double amplitude = dbm0_to_sine_peak(-10.0);
  const std::pair<double, double> keys[] = {{697, 1336}, {697, 1209}, {852, 1477}, {941, 1336}};
  for (size_t k = 0; k < std::size(keys); ++k) {
    const size_t start = at(1.0 + 2.0 * static_cast<double>(k));
    for (size_t i = start; i < start + at(0.08); ++i) {
      const double t = static_cast<double>(i) / 8000.0;
      near[i] =
          static_cast<int16_t>(amplitude * (std::sin(2 * std::numbers::pi * keys[k].first * t) +
                                            std::sin(2 * std::numbers::pi * keys[k].second * t)));
    }
  }
  for (const bool nlp : {false, true}) {
    CAPTURE(nlp);
    EchoCancellerConfig config;
    config.nlp = nlp;
    EchoCanceller canceller(config);
    std::vector<int16_t> out = near;
    for (size_t offset = 0; offset < out.size(); offset += 160) {
      canceller.process(std::span(far).subspan(offset, 160), std::span(out).subspan(offset, 160));
      const float erl = canceller.metrics().erl_db;
      REQUIRE(std::isfinite(erl));
      REQUIRE(erl <= 60.0f);
    }
    for (size_t k = 0; k < std::size(keys); ++k) {
      CAPTURE(k);
      const size_t start = at(1.0 + 2.0 * static_cast<double>(k));
      const auto in = std::span(near).subspan(start, at(0.08));
      const auto passed = std::span(out).subspan(start, at(0.08));
      CHECK(level_of(passed) == Approx(level_of(in)).margin(1.0));
    }
  }
}
