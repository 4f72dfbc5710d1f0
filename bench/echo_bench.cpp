// ivrd_echo_bench: our line echo canceller side by side with spandsp's
// echo_can and speexdsp's echo canceller, on the same signals, in one run and
// one thread: convergence, double talk, an echo-path change, and throughput.
//
//   ivrd_echo_bench [--seed S] [--isa all|active|LIST] [--law ulaw|alaw|none]
//                   [--level DBM0] [--tail-ms T] [--tails LIST] [--seconds T]
//                   [--repeats N] [--channels N] [--skip-quality]
//                   [--skip-throughput] [--json]
//
// Signals (test_support, deterministic by --seed): the far end (what ivrd
// sends, tx) is espeak-ng speech in one voice at -16 dBm0 active level
// (--level); the
// line returns it through a synthetic hybrid (make_echo_path: bulk delay,
// dispersion, ERL) plus white noise at -65 dBm0, and the sum goes through a
// G.711 line (µ-law by default) as on a real card. The far end is put through
// the same law first, so the reference is exactly what the line carried.
// Twelve echo paths: delays 0, 10, 20, 40 ms, each with ERL 6, 10 and 20 dB,
// dispersion 4, 6 or 8 ms.
//
//  1. Single talk, 10 s: ERLE (test_support::erle_db) over the 0.5 s ending
//     at 0.5, 1, 2, 5 and 10 s; and the time to 20 dB: the end of the first
//     100 ms window from which three successive active windows (echo above
//     -45 dBm0; pauses are skipped) all have an ERLE of 20 dB or more. The
//     residual echo is the output less the near end's own signal (noise, and
//     in 2 the talker) as that canceller passes it (near_as_passed below:
//     speex's DC notch alone would otherwise count as 5-8 dB of "echo").
//  2. Double talk: the same for 5 s, then a near talker (another espeak-ng
//     voice, band-limited to 300-3400 Hz as a line delivers it, same active
//     level) joins for 5 s. ERLE of the echo part during double talk, and the
//     near talker's signal-to-distortion ratio: talker power over the power
//     of everything else, at the canceller's input and output.
//  3. Echo-path change: after 5 s of single talk the hybrid switches to
//     another of the twelve paths; ERLE after the change and the time to get
//     back to 20 dB (as in 1, counted from the change, up to 10 s).
//  4. Throughput at 64, 128 and 256 ms tails: --channels cancellers, each
//     with its own state and reading the double-talk signal (looped, its echo
//     made circular so the loop is seamless) from its own offset, each fed 160-sample blocks in
//     turn; wall time (steady_clock) over --seconds, best of --repeats, the cancellers measured in
//     turns so that a change of load on a shared machine hits all of them alike. channels/core =
//     samples per second / 8000.
//
// Non-linear processing is off everywhere in 1-3 (ours: nlp = false;
// spandsp: ECHO_CAN_USE_ADAPTION only; speex: no preprocessor), so ERLE is
// that of the linear filters. Ours runs with the best instruction set of
// --isa; the others are run too and compared with it sample by sample.
//
// Timing only, no pass/fail. Without --json, prints Markdown tables; with it,
// one JSON object per line instead ("test": setup, single_talk, double_talk,
// path_change, isa_agreement, throughput, throughput_ratio; null stands for
// "not reached", "nothing to measure" or an infinite ratio).

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <limits>
#include <memory>
#include <numbers>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ivrd/dsp/echo_canceller.hpp"
#include "ivrd/dsp/isa.hpp"
#include "ivrd/test_support/composite_source.hpp"
#include "ivrd/test_support/echo_path.hpp"
#include "ivrd/test_support/g711_line.hpp"
#include "ivrd/test_support/levels.hpp"
#include "ivrd/test_support/noise.hpp"
#include "ivrd/test_support/rng.hpp"
#include "ivrd/test_support/speech.hpp"
#include "ivrd/test_support/speech_like_noise.hpp"

#include "bench_common.hpp"
#include "echo_cancellers.hpp"

namespace {

namespace dsp = ivrd::dsp;
namespace support = ivrd::test_support;
using ivrd::bench::EchoUnderTest;
using ivrd::bench::kEchoBlock;

constexpr size_t kRate = 8000;
constexpr double kNoiseDbm0 = -65.0;  // the line's background
constexpr double kTargetDb = 20.0;
constexpr size_t kErleWindow = kRate / 2;      // 0.5 s, for "ERLE at t"
constexpr size_t kTargetWindow = kRate / 10;   // 100 ms, for the time to 20 dB
constexpr size_t kEventAt = 5 * kRate;         // near talker joins / path changes
constexpr size_t kTwoPartLength = 10 * kRate;  // single talk, double talk
constexpr size_t kChangeLength = 15 * kRate;   // path change
constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
const char* const kFarVoice = "en+m3";
const char* const kNearVoice = "en+f2";

struct Options {
  uint64_t seed = 1;
  std::string isa = "all";
  std::string law = "ulaw";
  double level_dbm0 = -16.0;  // active level of both talkers
  int tail_ms = 128;
  std::vector<int> tails{64, 128, 256};
  double seconds = 1.0;
  int repeats = 3;
  size_t channels = 16;
  bool quality = true;
  bool throughput = true;
  bool json = false;
  bool composite_far = false;  // G.168's composite source signal as the far end
};

[[noreturn]] void usage(const char* program, int status = 2) {
  std::fprintf(status == 0 ? stdout : stderr,
               "usage: %s [--seed S] [--isa all|active|LIST] [--law ulaw|alaw|none]\n"
               "          [--level DBM0] [--tail-ms T] [--tails LIST] [--seconds T] [--repeats N]\n"
               "          [--channels N] [--skip-quality] [--skip-throughput] [--json]\n"
               "          [--far speech|css]\n"
               "  --level     active level of both talkers (default -16 dBm0)\n"
               "  --far       the far end: speech (default) or G.168's composite source\n"
               "              signal (voiced, noise, pause; 350 ms periods)\n"
               "  --tail-ms   tail of the quality runs (default 128 ms = 1024 taps)\n"
               "  --tails     tails of the throughput runs, ms (default 64,128,256)\n"
               "  --seconds   length of one timed run (default 1); best of --repeats (3)\n"
               "  --channels  cancellers fed in turn in the throughput runs (default 16)\n",
               program);
  std::exit(status);
}

std::vector<int> parse_int_list(std::string_view text) {
  std::vector<int> out;
  while (!text.empty()) {
    const size_t comma = text.find(',');
    out.push_back(std::atoi(std::string(text.substr(0, comma)).c_str()));
    text = comma == std::string_view::npos ? std::string_view{} : text.substr(comma + 1);
  }
  return out;
}

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    auto value = [&]() -> const char* {
      if (i + 1 >= argc) usage(argv[0]);
      return argv[++i];
    };
    // --seed, --isa and --law as the DTMF tools take them (bench_common's
    // ToolOptions also carries DTMF settings, which mean nothing here).
    if (arg == "--seed")
      o.seed = std::strtoull(value(), nullptr, 0);
    else if (arg == "--isa")
      o.isa = value();
    else if (arg == "--law")
      o.law = value();
    else if (arg == "--level")
      o.level_dbm0 = std::atof(value());
    else if (arg == "--tail-ms")
      o.tail_ms = std::atoi(value());
    else if (arg == "--tails")
      o.tails = parse_int_list(value());
    else if (arg == "--seconds")
      o.seconds = std::atof(value());
    else if (arg == "--repeats")
      o.repeats = std::atoi(value());
    else if (arg == "--channels")
      o.channels = static_cast<size_t>(std::atoi(value()));
    else if (arg == "--skip-quality")
      o.quality = false;
    else if (arg == "--skip-throughput")
      o.throughput = false;
    else if (arg == "--json")
      o.json = true;
    else if (arg == "--far") {
      const std::string_view far = value();
      if (far != "speech" && far != "css") usage(argv[0]);
      o.composite_far = far == "css";
    } else if (arg == "--help" || arg == "-h")
      usage(argv[0], 0);
    else
      usage(argv[0]);
  }
  const auto bad_tail = [](int t) { return t < 16 || t > 256; };
  if (bad_tail(o.tail_ms) || o.tails.empty() || std::ranges::any_of(o.tails, bad_tail) ||
      o.seconds <= 0 || o.repeats < 1 || o.channels < 1)
    usage(argv[0]);
  return o;
}

// ---- signals ------------------------------------------------------------

// Replaces each '#' of a corpus text with a number of 1..4 digits.
std::string fill_numbers(std::string_view text, support::Rng& rng) {
  std::string out;
  for (const char c : text) {
    if (c == '#')
      out += std::to_string(rng.uniform_int(1, 9999));
    else
      out.push_back(c);
  }
  return out;
}

// `length` samples of English espeak-ng speech in one voice, utterances at
// level_dbm0 active level separated by 150..400 ms, starting at once. Falls
// back to speech-like noise (and says so in *source) without espeak-ng.
std::vector<float> speech_track(size_t length, double level_dbm0, const std::string& voice,
                                uint64_t seed, std::string* source) {
  support::Rng rng(seed);
  std::vector<float> track;
  const auto texts = support::speech_texts("en");
  std::string reason = "no English texts";
  if (!texts.empty() && support::speech_available(&reason)) {
    while (track.size() < length) {
      std::vector<support::SpeechRequest> requests(4);
      for (auto& r : requests) {
        r.text = fill_numbers(
            texts[static_cast<size_t>(rng.uniform_int(0, static_cast<int>(texts.size()) - 1))],
            rng);
        r.options.voice = voice;
        r.options.words_per_minute = 170;
      }
      const std::vector<support::Speech> rendered = support::synthesize_speech(requests);
      for (const support::Speech& s : rendered) {
        if (!s) {
          reason = s.error;
          track.clear();
          break;
        }
        std::vector<float> utterance = support::to_float(s.pcm);
        support::scale_to_active_level(std::span<float>(utterance), level_dbm0);
        track.insert(track.end(), utterance.begin(), utterance.end());
        track.resize(track.size() + static_cast<size_t>(rng.uniform(150.0, 400.0) * 8.0), 0.0f);
      }
      if (track.empty()) break;
    }
  }
  if (track.empty()) {
    *source = "speech-like noise (no espeak-ng speech: " + reason + ")";
    track = support::to_float(support::speech_like_noise(length, level_dbm0, seed));
  } else {
    *source = "espeak-ng " + voice;
  }
  track.resize(length);
  support::scale_to_active_level(std::span<float>(track), level_dbm0);
  return track;
}

// What a telephone line passes: 300-3400 Hz, a 49-tap Hann-windowed
// linear-phase band-pass applied centred (no delay).
std::vector<float> telephone_band(std::span<const float> x) {
  constexpr int kHalf = 24;
  const auto lowpass = [](double cutoff_hz, int n) {
    const double fc = cutoff_hz / static_cast<double>(kRate);
    if (n == 0) return 2.0 * fc;
    const double a = std::numbers::pi * n;
    return std::sin(2.0 * fc * a) / a;
  };
  std::vector<double> h;
  for (int n = -kHalf; n <= kHalf; ++n) {
    const double window = 0.5 + 0.5 * std::cos(std::numbers::pi * n / (kHalf + 1.0));
    h.push_back(window * (lowpass(3400.0, n) - lowpass(300.0, n)));
  }
  std::vector<float> y(x.size(), 0.0f);
  for (size_t i = 0; i < x.size(); ++i) {
    double sum = 0.0;
    for (int k = -kHalf; k <= kHalf; ++k) {
      const auto j = static_cast<std::ptrdiff_t>(i) - k;
      if (j >= 0 && j < static_cast<std::ptrdiff_t>(x.size()))
        sum += h[static_cast<size_t>(k + kHalf)] * x[static_cast<size_t>(j)];
    }
    y[i] = static_cast<float>(sum);
  }
  return y;
}

struct Signals {
  std::vector<int16_t> far;   // tx, kChangeLength samples, through the line's law
  std::vector<float> talker;  // the near talker, zero outside [kEventAt, kTwoPartLength)
  std::vector<float> noise;   // the line's background
  std::string far_source, near_source;
};

Signals make_signals(const Options& o, std::optional<dsp::G711Law> law) {
  Signals s;
  if (o.composite_far) {
    s.far = support::composite_source_signal(kChangeLength, o.level_dbm0,
                                             support::derive_seed(o.seed, "far css"));
    s.far_source = "composite source signal (G.168 style)";
  } else {
    std::vector<float> far =
        speech_track(kChangeLength, o.level_dbm0, kFarVoice,
                     support::derive_seed(o.seed, "far speech"), &s.far_source);
    s.far = support::to_int16(far);
  }
  if (law) support::g711_round_trip_in_place(s.far, *law);
  std::vector<float> talker =
      speech_track(kTwoPartLength - kEventAt, o.level_dbm0, kNearVoice,
                   support::derive_seed(o.seed, "near speech"), &s.near_source);
  talker = telephone_band(talker);
  support::scale_to_active_level(std::span<float>(talker), o.level_dbm0);
  s.talker.assign(kChangeLength, 0.0f);
  std::copy(talker.begin(), talker.end(), s.talker.begin() + static_cast<std::ptrdiff_t>(kEventAt));
  s.noise =
      support::white_noise_float(kChangeLength, kNoiseDbm0, support::derive_seed(o.seed, "noise"));
  return s;
}

struct EchoPath {
  support::EchoPathSpec spec;
  std::vector<float> response;
  std::string label;
};

std::vector<EchoPath> make_paths(uint64_t seed) {
  std::vector<EchoPath> paths;
  const double delays[] = {0.0, 10.0, 20.0, 40.0};
  const double erls[] = {6.0, 10.0, 20.0};
  const double dispersions[] = {4.0, 6.0, 8.0};
  for (size_t d = 0; d < 4; ++d) {
    for (size_t e = 0; e < 3; ++e) {
      EchoPath p;
      p.spec = {
          .delay_ms = delays[d], .dispersion_ms = dispersions[(d + e) % 3], .erl_db = erls[e]};
      const std::string name = "echo path " + std::to_string(paths.size());
      p.response = support::make_echo_path(p.spec, support::derive_seed(seed, name.c_str()));
      char label[64];
      std::snprintf(label, sizeof label, "%.0f ms, %.0f ms, %.0f dB", p.spec.delay_ms,
                    p.spec.dispersion_ms, p.spec.erl_db);
      p.label = label;
      paths.push_back(std::move(p));
    }
  }
  return paths;
}

// One test signal: what came back from the line, and its parts.
struct Scenario {
  std::span<const int16_t> tx;
  std::vector<float> echo;          // the echo in rx, before the line's law
  std::vector<int16_t> near_clean;  // what the near end itself added: talker + noise
  std::vector<int16_t> rx;
};

// far's echo through `first` (and through `second` from kEventAt on, when
// given), plus noise (and the near talker when double_talk), over `length`.
Scenario make_scenario(const Signals& s, size_t length, std::span<const float> first_echo,
                       std::span<const float> second_echo, bool double_talk,
                       std::optional<dsp::G711Law> law) {
  Scenario sc;
  sc.tx = std::span(s.far).first(length);
  sc.echo.assign(first_echo.begin(), first_echo.begin() + static_cast<std::ptrdiff_t>(length));
  if (!second_echo.empty()) {
    std::copy(second_echo.begin() + static_cast<std::ptrdiff_t>(kEventAt),
              second_echo.begin() + static_cast<std::ptrdiff_t>(length),
              sc.echo.begin() + static_cast<std::ptrdiff_t>(kEventAt));
  }
  std::vector<float> near(length), line(length);
  for (size_t i = 0; i < length; ++i) {
    near[i] = s.noise[i] + (double_talk ? s.talker[i] : 0.0f);
    line[i] = sc.echo[i] + near[i];
  }
  sc.near_clean = support::to_int16(near);
  sc.rx = support::to_int16(line);
  if (law) support::g711_round_trip_in_place(sc.rx, *law);
  return sc;
}

std::vector<int16_t> run(EchoUnderTest& ec, std::span<const int16_t> tx,
                         std::span<const int16_t> rx) {
  std::vector<int16_t> out(rx.size());
  for (size_t i = 0; i < out.size(); i += kEchoBlock) {
    const size_t n = std::min(kEchoBlock, out.size() - i);
    ec.process(tx.subspan(i, n), rx.subspan(i, n), std::span(out).subspan(i, n));
  }
  return out;
}

using Factory = std::function<std::unique_ptr<EchoUnderTest>()>;

// The near end's own signal as this canceller passes it: a fresh one fed
// near_clean with a silent far end, so that there is nothing to cancel and
// nothing is adapted. That leaves its fixed front end (ours: DC removal;
// speex: a DC notch between pre-emphasis and de-emphasis; spandsp: none),
// which is linear and acts on the near end's signal in the real run too.
// Subtracting this rather than near_clean itself keeps a front end's phase
// shift out of the residual echo.
std::vector<int16_t> near_as_passed(const Factory& make, const Scenario& sc) {
  const std::vector<int16_t> silence(sc.near_clean.size(), 0);
  return run(*make(), silence, sc.near_clean);
}

// ---- measurements -------------------------------------------------------

// ERLE over the 0.5 s ending at `end`; near: the near end's signal as passed.
double erle_at(const Scenario& sc, std::span<const int16_t> out, std::span<const int16_t> near,
               size_t end) {
  return support::erle_db(sc.echo, out, near, end - kErleWindow, end);
}

// Seconds from `from` to 20 dB (support::seconds_to_erle, 100 ms windows);
// with speech_time, counting only windows with echo.
double time_to_target(const Scenario& sc, std::span<const int16_t> out,
                      std::span<const int16_t> near, size_t from, bool speech_time = false) {
  return support::seconds_to_erle(std::span(sc.echo).subspan(from), out.subspan(from),
                                  near.subspan(from), kTargetDb, kTargetWindow, speech_time);
}

// The near talker's power over the power of signal - near: of everything
// that is not the near end's own (residual echo, the canceller's distortion,
// the line's law), or with near = near_as_passed of the front end's change.
double sdr_db(std::span<const float> talker, std::span<const int16_t> signal,
              std::span<const int16_t> near, size_t begin, size_t end) {
  double wanted = 0.0, distortion = 0.0;
  for (size_t i = begin; i < end; ++i) {
    wanted += static_cast<double>(talker[i]) * talker[i];
    const double d = static_cast<double>(signal[i]) - near[i];
    distortion += d * d;
  }
  if (distortion == 0.0) return kInf;  // passed unchanged
  return 10.0 * std::log10(wanted / distortion);
}

const double kSingleTalkAt[] = {0.5, 1.0, 2.0, 5.0, 10.0};  // seconds
const double kAfterChange[] = {0.5, 1.0, 2.0, 5.0, 10.0};   // seconds after it

struct Quality {
  std::string canceller;
  double single_erle[5];
  double single_t20;
  double dt_erle_before, dt_erle_during, dt_sdr_in, dt_sdr_out, dt_sdr_front_end;
  double change_erle_before;
  double change_erle_after[5];
  double change_t20;
  double change_t20_speech;      // counting only time with far-end speech
  double change_cold_t20;        // a new canceller started at the change
  std::vector<int16_t> outputs;  // all three scenarios, for comparing ISAs
};

Quality measure_quality(const Factory& make, const Scenario& single, const Scenario& dt,
                        const Scenario& change, std::span<const float> talker) {
  Quality q;
  {
    auto ec = make();
    q.canceller = ec->name();
    const auto out = run(*ec, single.tx, single.rx);
    const auto near = near_as_passed(make, single);
    for (size_t i = 0; i < 5; ++i)
      q.single_erle[i] = erle_at(
          single, out, near, static_cast<size_t>(kSingleTalkAt[i] * static_cast<double>(kRate)));
    q.single_t20 = time_to_target(single, out, near, 0);
    q.outputs.insert(q.outputs.end(), out.begin(), out.end());
  }
  {
    auto ec = make();
    const auto out = run(*ec, dt.tx, dt.rx);
    const auto near = near_as_passed(make, dt);
    q.dt_erle_before = erle_at(dt, out, near, kEventAt);
    q.dt_erle_during = support::erle_db(dt.echo, out, near, kEventAt, kTwoPartLength);
    q.dt_sdr_in = sdr_db(talker, dt.rx, dt.near_clean, kEventAt, kTwoPartLength);
    q.dt_sdr_out = sdr_db(talker, out, near, kEventAt, kTwoPartLength);
    q.dt_sdr_front_end = sdr_db(talker, near, dt.near_clean, kEventAt, kTwoPartLength);
    q.outputs.insert(q.outputs.end(), out.begin(), out.end());
  }
  {
    auto ec = make();
    const auto out = run(*ec, change.tx, change.rx);
    const auto near = near_as_passed(make, change);
    q.change_erle_before = erle_at(change, out, near, kEventAt);
    for (size_t i = 0; i < 5; ++i)
      q.change_erle_after[i] =
          erle_at(change, out, near,
                  kEventAt + static_cast<size_t>(kAfterChange[i] * static_cast<double>(kRate)));
    q.change_t20 = time_to_target(change, out, near, kEventAt);
    q.change_t20_speech = time_to_target(change, out, near, kEventAt, true);
    q.outputs.insert(q.outputs.end(), out.begin(), out.end());

    // The same audio from the change on through a canceller that starts
    // there, for reference: a cold start on this speech. It has it easier
    // than re-convergence mid-call: its reference history is empty, so at
    // first only the taps the new speech has reached are excited.
    const std::vector<int16_t> silence(change.rx.size() - kEventAt, 0);
    auto cold = make();
    const auto cold_out = run(*cold, change.tx.subspan(kEventAt),
                              std::span<const int16_t>(change.rx).subspan(kEventAt));
    const auto cold_near =
        run(*make(), silence, std::span<const int16_t>(change.near_clean).subspan(kEventAt));
    std::vector<int16_t> out_full(out), near_full(near);
    std::copy(cold_out.begin(), cold_out.end(), out_full.begin() + kEventAt);
    std::copy(cold_near.begin(), cold_near.end(), near_full.begin() + kEventAt);
    q.change_cold_t20 = time_to_target(change, out_full, near_full, kEventAt);
  }
  return q;
}

// Largest difference between two runs' reported figures (finite ones).
double largest_difference(const Quality& a, const Quality& b) {
  double worst = 0.0;
  const auto cmp = [&](double x, double y) {
    if (std::isfinite(x) && std::isfinite(y))
      worst = std::max(worst, std::abs(x - y));
    else if (std::isfinite(x) != std::isfinite(y))
      worst = kInf;
  };
  for (size_t i = 0; i < 5; ++i) {
    cmp(a.single_erle[i], b.single_erle[i]);
    cmp(a.change_erle_after[i], b.change_erle_after[i]);
  }
  cmp(a.single_t20, b.single_t20);
  cmp(a.dt_erle_before, b.dt_erle_before);
  cmp(a.dt_erle_during, b.dt_erle_during);
  cmp(a.dt_sdr_out, b.dt_sdr_out);
  cmp(a.change_erle_before, b.change_erle_before);
  cmp(a.change_t20, b.change_t20);
  cmp(a.change_t20_speech, b.change_t20_speech);
  cmp(a.change_cold_t20, b.change_cold_t20);
  return worst;
}

// Median of the values, infinities sorting last; NaN when there are none.
double median(std::vector<double> v) {
  std::erase_if(v, [](double x) { return std::isnan(x); });
  if (v.empty()) return kNaN;
  std::sort(v.begin(), v.end());
  const size_t m = v.size() / 2;
  if (v.size() % 2 == 1) return v[m];
  if (std::isinf(v[m])) return v[m];
  return (v[m - 1] + v[m]) / 2.0;
}

// ---- throughput ---------------------------------------------------------

struct Contender {
  std::string name;
  std::vector<std::unique_ptr<EchoUnderTest>> channels;
  std::vector<size_t> position;  // per channel, in the signal
  double best = 0.0;             // samples per second
  bool ours = false;
};

// One timed run: every channel one block in turn, until `seconds` have passed.
double timed_run(Contender& c, std::span<const int16_t> tx, std::span<const int16_t> rx,
                 double seconds) {
  std::vector<int16_t> out(kEchoBlock);
  const ivrd::bench::StdoutSilenced quiet;  // spandsp's debug text; see echo_cancellers.hpp
  uint64_t samples = 0;
  const auto start = std::chrono::steady_clock::now();
  double elapsed = 0.0;
  do {
    for (size_t ch = 0; ch < c.channels.size(); ++ch) {
      size_t& at = c.position[ch];
      c.channels[ch]->process(tx.subspan(at, kEchoBlock), rx.subspan(at, kEchoBlock), out);
      at += kEchoBlock;
      if (at + kEchoBlock > rx.size()) at = 0;
    }
    samples += c.channels.size() * kEchoBlock;
    elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  } while (elapsed < seconds);
  return static_cast<double>(samples) / elapsed;
}

std::string load_average() {
  std::ifstream in("/proc/loadavg");
  std::string one;
  in >> one;
  return one.empty() ? "?" : one;
}

// ---- output -------------------------------------------------------------

std::string db(double x) {
  if (std::isnan(x)) return "-";
  if (std::isinf(x)) return x > 0 ? "inf" : "-inf";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", x);
  return buf;
}

std::string seconds_or_never(double x, double limit) {
  if (std::isnan(x)) return "-";
  if (std::isinf(x)) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "> %.0f s", limit);
    return buf;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f s", x);
  return buf;
}

std::string json_number(double x) {
  if (!std::isfinite(x)) return "null";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f", x);
  return buf;
}

std::string thousands(double x) {
  const auto n = static_cast<long long>(std::llround(x));
  std::string digits = std::to_string(n), out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ' ';
    out += digits[i];
  }
  return out;
}

void print_quality(const Options& o, const std::vector<EchoPath>& paths,
                   const std::vector<std::vector<Quality>>& rows) {
  const auto change_label = [&](size_t p) {
    return paths[p].label + " → " + paths[(p + 5) % paths.size()].label;
  };
  if (o.json) {
    for (size_t p = 0; p < paths.size(); ++p) {
      const auto& spec = paths[p].spec;
      char path[128];
      std::snprintf(path, sizeof path,
                    "\"delay_ms\": %.0f, \"dispersion_ms\": %.0f, \"erl_db\": %.0f", spec.delay_ms,
                    spec.dispersion_ms, spec.erl_db);
      for (const Quality& q : rows[p]) {
        std::printf(
            "{\"test\": \"single_talk\", %s, \"canceller\": \"%s\", \"erle_0.5s\": %s, "
            "\"erle_1s\": %s, \"erle_2s\": %s, \"erle_5s\": %s, \"erle_10s\": %s, "
            "\"t20_s\": %s}\n",
            path, q.canceller.c_str(), json_number(q.single_erle[0]).c_str(),
            json_number(q.single_erle[1]).c_str(), json_number(q.single_erle[2]).c_str(),
            json_number(q.single_erle[3]).c_str(), json_number(q.single_erle[4]).c_str(),
            json_number(q.single_t20).c_str());
        std::printf(
            "{\"test\": \"double_talk\", %s, \"canceller\": \"%s\", \"erle_before\": %s, "
            "\"erle_during\": %s, \"sdr_in_db\": %s, \"sdr_out_db\": %s, "
            "\"sdr_front_end_db\": %s}\n",
            path, q.canceller.c_str(), json_number(q.dt_erle_before).c_str(),
            json_number(q.dt_erle_during).c_str(), json_number(q.dt_sdr_in).c_str(),
            json_number(q.dt_sdr_out).c_str(), json_number(q.dt_sdr_front_end).c_str());
        const auto& to = paths[(p + 5) % paths.size()].spec;
        std::printf(
            "{\"test\": \"path_change\", %s, \"to_delay_ms\": %.0f, \"to_dispersion_ms\": %.0f, "
            "\"to_erl_db\": %.0f, \"canceller\": \"%s\", \"erle_before\": %s, "
            "\"erle_plus_0.5s\": %s, \"erle_plus_1s\": %s, \"erle_plus_2s\": %s, "
            "\"erle_plus_5s\": %s, \"erle_plus_10s\": %s, \"t20_s\": %s, "
            "\"t20_speech_s\": %s, \"cold_start_t20_s\": %s}\n",
            path, to.delay_ms, to.dispersion_ms, to.erl_db, q.canceller.c_str(),
            json_number(q.change_erle_before).c_str(), json_number(q.change_erle_after[0]).c_str(),
            json_number(q.change_erle_after[1]).c_str(),
            json_number(q.change_erle_after[2]).c_str(),
            json_number(q.change_erle_after[3]).c_str(),
            json_number(q.change_erle_after[4]).c_str(), json_number(q.change_t20).c_str(),
            json_number(q.change_t20_speech).c_str(), json_number(q.change_cold_t20).c_str());
      }
    }
    return;
  }
  const size_t cancellers = rows.front().size();
  const auto medians = [&](auto field) {
    std::vector<double> m;
    for (size_t c = 0; c < cancellers; ++c) {
      std::vector<double> v;
      for (const auto& r : rows) v.push_back(field(r[c]));
      m.push_back(median(v));
    }
    return m;
  };

  std::printf("\n### 1. Single talk: ERLE (dB) over the 0.5 s ending at t; time to 20 dB\n\n");
  std::printf(
      "| echo path (delay, dispersion, ERL) | canceller | 0.5 s | 1 s | 2 s | 5 s | 10 s "
      "| to 20 dB |\n|---|---|---:|---:|---:|---:|---:|---:|\n");
  for (size_t p = 0; p < paths.size(); ++p) {
    for (const Quality& q : rows[p]) {
      std::printf("| %s | %s | %s | %s | %s | %s | %s | %s |\n", paths[p].label.c_str(),
                  q.canceller.c_str(), db(q.single_erle[0]).c_str(), db(q.single_erle[1]).c_str(),
                  db(q.single_erle[2]).c_str(), db(q.single_erle[3]).c_str(),
                  db(q.single_erle[4]).c_str(), seconds_or_never(q.single_t20, 10).c_str());
    }
  }
  {
    std::vector<std::vector<double>> cols;
    for (size_t i = 0; i < 5; ++i)
      cols.push_back(medians([i](const Quality& q) { return q.single_erle[i]; }));
    const auto t20 = medians([](const Quality& q) { return q.single_t20; });
    for (size_t c = 0; c < cancellers; ++c) {
      std::printf("| **median of %zu paths** | %s | %s | %s | %s | %s | %s | %s |\n", paths.size(),
                  rows[0][c].canceller.c_str(), db(cols[0][c]).c_str(), db(cols[1][c]).c_str(),
                  db(cols[2][c]).c_str(), db(cols[3][c]).c_str(), db(cols[4][c]).c_str(),
                  seconds_or_never(t20[c], 10).c_str());
    }
  }

  std::printf(
      "\n### 2. Double talk from 5 s to 10 s: ERLE of the echo part (dB), near talker's "
      "signal-to-distortion ratio (dB)\n\n"
      "SDR in: at the canceller's input (the echo is the distortion). SDR out: at its output, "
      "against the talker as the canceller's fixed front end passes it. Front end: the talker "
      "against what that front end makes of it (a phase shift counts as distortion here).\n\n");
  std::printf(
      "| echo path | canceller | ERLE 4.5-5 s | ERLE 5-10 s | SDR in | SDR out | front end |\n"
      "|---|---|---:|---:|---:|---:|---:|\n");
  for (size_t p = 0; p < paths.size(); ++p) {
    for (const Quality& q : rows[p]) {
      std::printf("| %s | %s | %s | %s | %s | %s | %s |\n", paths[p].label.c_str(),
                  q.canceller.c_str(), db(q.dt_erle_before).c_str(), db(q.dt_erle_during).c_str(),
                  db(q.dt_sdr_in).c_str(), db(q.dt_sdr_out).c_str(),
                  db(q.dt_sdr_front_end).c_str());
    }
  }
  {
    const auto before = medians([](const Quality& q) { return q.dt_erle_before; });
    const auto during = medians([](const Quality& q) { return q.dt_erle_during; });
    const auto in = medians([](const Quality& q) { return q.dt_sdr_in; });
    const auto out = medians([](const Quality& q) { return q.dt_sdr_out; });
    const auto front = medians([](const Quality& q) { return q.dt_sdr_front_end; });
    for (size_t c = 0; c < cancellers; ++c) {
      std::printf("| **median of %zu paths** | %s | %s | %s | %s | %s | %s |\n", paths.size(),
                  rows[0][c].canceller.c_str(), db(before[c]).c_str(), db(during[c]).c_str(),
                  db(in[c]).c_str(), db(out[c]).c_str(), db(front[c]).c_str());
    }
  }

  std::printf(
      "\n### 3. Echo-path change at 5 s: ERLE (dB) over the 0.5 s ending at t after the "
      "change; time back to 20 dB, the same counting only the far end's speech (its pauses "
      "left out), and what a canceller started at the change takes on the same audio\n\n");
  std::printf(
      "| echo path → new path | canceller | before | +0.5 s | +1 s | +2 s | +5 s | +10 s "
      "| back to 20 dB | in speech | cold start |\n"
      "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
  for (size_t p = 0; p < paths.size(); ++p) {
    for (const Quality& q : rows[p]) {
      std::printf("| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n",
                  change_label(p).c_str(), q.canceller.c_str(), db(q.change_erle_before).c_str(),
                  db(q.change_erle_after[0]).c_str(), db(q.change_erle_after[1]).c_str(),
                  db(q.change_erle_after[2]).c_str(), db(q.change_erle_after[3]).c_str(),
                  db(q.change_erle_after[4]).c_str(), seconds_or_never(q.change_t20, 10).c_str(),
                  seconds_or_never(q.change_t20_speech, 10).c_str(),
                  seconds_or_never(q.change_cold_t20, 10).c_str());
    }
  }
  {
    const auto before = medians([](const Quality& q) { return q.change_erle_before; });
    std::vector<std::vector<double>> cols;
    for (size_t i = 0; i < 5; ++i)
      cols.push_back(medians([i](const Quality& q) { return q.change_erle_after[i]; }));
    const auto t20 = medians([](const Quality& q) { return q.change_t20; });
    const auto speech = medians([](const Quality& q) { return q.change_t20_speech; });
    const auto cold = medians([](const Quality& q) { return q.change_cold_t20; });
    for (size_t c = 0; c < cancellers; ++c) {
      std::printf(
          "| **median of %zu changes** | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n",
          paths.size(), rows[0][c].canceller.c_str(), db(before[c]).c_str(), db(cols[0][c]).c_str(),
          db(cols[1][c]).c_str(), db(cols[2][c]).c_str(), db(cols[3][c]).c_str(),
          db(cols[4][c]).c_str(), seconds_or_never(t20[c], 10).c_str(),
          seconds_or_never(speech[c], 10).c_str(), seconds_or_never(cold[c], 10).c_str());
    }
  }
  std::fflush(stdout);
}

// ---- the two halves -----------------------------------------------------

void quality(const Options& o, const std::vector<dsp::Isa>& isas, std::optional<dsp::G711Law> law,
             const Signals& s, const std::vector<EchoPath>& paths) {
  const dsp::Isa best = *std::max_element(isas.begin(), isas.end());
  const int taps = o.tail_ms * 8;
  dsp::EchoCancellerConfig config;
  config.tail_ms = o.tail_ms;
  config.nlp = false;
  std::vector<Factory> factories{
      [&] { return ivrd::bench::make_ours_echo(config, best); },
      [&] { return ivrd::bench::make_speex_echo(taps); },
      [&] { return ivrd::bench::make_spandsp_echo(taps, false); },
  };

  std::vector<std::vector<Quality>> rows(paths.size());
  // Other instruction sets of ours: largest sample and figure differences
  // from `best` over every scenario and path.
  struct IsaCheck {
    dsp::Isa isa;
    size_t differing = 0, total = 0;
    int max_abs = 0;
    double max_figure = 0.0;
  };
  std::vector<IsaCheck> checks;
  for (const dsp::Isa isa : isas)
    if (isa != best) checks.push_back({isa});

  for (size_t p = 0; p < paths.size(); ++p) {
    std::fprintf(stderr, "quality: echo path %zu/%zu (%s)\n", p + 1, paths.size(),
                 paths[p].label.c_str());
    const auto echo = support::apply_echo_path(s.far, paths[p].response);
    const auto echo_after = support::apply_echo_path(s.far, paths[(p + 5) % paths.size()].response);
    const Scenario single = make_scenario(s, kTwoPartLength, echo, {}, false, law);
    const Scenario dt = make_scenario(s, kTwoPartLength, echo, {}, true, law);
    const Scenario change = make_scenario(s, kChangeLength, echo, echo_after, false, law);
    for (const Factory& make : factories)
      rows[p].push_back(measure_quality(make, single, dt, change, s.talker));
    for (IsaCheck& check : checks) {
      const Quality q =
          measure_quality([&] { return ivrd::bench::make_ours_echo(config, check.isa); }, single,
                          dt, change, s.talker);
      const auto& ref = rows[p].front().outputs;
      for (size_t i = 0; i < ref.size(); ++i) {
        const int d = std::abs(ref[i] - q.outputs[i]);
        check.differing += d != 0;
        check.max_abs = std::max(check.max_abs, d);
      }
      check.total += ref.size();
      check.max_figure = std::max(check.max_figure, largest_difference(rows[p].front(), q));
    }
  }
  print_quality(o, paths, rows);
  if (o.json) {
    for (const IsaCheck& c : checks) {
      std::printf(
          "{\"test\": \"isa_agreement\", \"isa\": \"%s\", \"reference\": \"%s\", "
          "\"samples\": %zu, \"differing\": %zu, \"max_abs_difference\": %d, "
          "\"max_figure_difference_db\": %s}\n",
          std::string(dsp::isa_name(c.isa)).c_str(), std::string(dsp::isa_name(best)).c_str(),
          c.total, c.differing, c.max_abs, json_number(c.max_figure).c_str());
    }
  } else if (!checks.empty()) {
    std::printf("\nOur other instruction sets against %s, every scenario and path:\n\n",
                std::string(dsp::isa_name(best)).c_str());
    for (const IsaCheck& c : checks) {
      if (c.differing == 0) {
        std::printf("- %s: identical output (%zu samples)\n",
                    std::string(dsp::isa_name(c.isa)).c_str(), c.total);
      } else {
        std::printf(
            "- %s: %zu of %zu samples differ (by at most %d), figures above by at most "
            "%s dB (or s)\n",
            std::string(dsp::isa_name(c.isa)).c_str(), c.differing, c.total, c.max_abs,
            db(c.max_figure).c_str());
      }
    }
  }
  std::fflush(stdout);
}

void throughput(const Options& o, const std::vector<dsp::Isa>& isas,
                std::optional<dsp::G711Law> law, const Signals& s,
                const std::vector<EchoPath>& paths) {
  // The double-talk signal of one mid-range path: speech, pauses, both talking.
  // The channels loop over it, so its echo is made circular (the echo of the
  // loop's end arrives at its start): the loop is then seamless, as a call's
  // audio is, instead of an echo-path jump every time it wraps.
  const EchoPath& path = paths[4];
  const size_t loop = kTwoPartLength;
  const size_t lead = std::min(loop, path.response.size());
  const auto at = [&](size_t i) { return s.far.begin() + static_cast<std::ptrdiff_t>(i); };
  std::vector<int16_t> far_wrapped(at(loop - lead), at(loop));
  far_wrapped.insert(far_wrapped.end(), at(0), at(loop));
  auto echo = support::apply_echo_path(far_wrapped, path.response);
  echo.erase(echo.begin(), echo.begin() + static_cast<std::ptrdiff_t>(lead));
  const Scenario sc = make_scenario(s, kTwoPartLength, echo, {}, true, law);
  const double printf_ns = ivrd::bench::spandsp_debug_printf_ns();
  const std::string load_before = load_average();

  struct TailResult {
    int tail_ms;
    std::vector<std::pair<std::string, double>> speeds;  // samples/s
    std::string best_ours;
    double ours = 0.0, speex = 0.0, spandsp = 0.0;
  };
  std::vector<TailResult> results;
  for (const int tail : o.tails) {
    const int taps = tail * 8;
    std::vector<Contender> contenders;
    const auto add = [&](const Factory& make, bool ours) {
      Contender c;
      for (size_t ch = 0; ch < o.channels; ++ch) {
        c.channels.push_back(make());
        c.position.push_back((ch * (sc.rx.size() / o.channels)) / kEchoBlock * kEchoBlock %
                             sc.rx.size());
      }
      c.name = c.channels.front()->name();
      c.ours = ours;
      contenders.push_back(std::move(c));
    };
    dsp::EchoCancellerConfig config;
    config.tail_ms = tail;
    config.nlp = false;
    for (const dsp::Isa isa : isas)
      add([&] { return ivrd::bench::make_ours_echo(config, isa); }, true);
    dsp::EchoCancellerConfig deployed;  // defaults: NLP and comfort noise on
    deployed.tail_ms = tail;
    const dsp::Isa best = *std::max_element(isas.begin(), isas.end());
    add([&] { return ivrd::bench::make_ours_echo(deployed, best, ", NLP on"); }, false);
    add([&] { return ivrd::bench::make_speex_echo(taps); }, false);
    add([&] { return ivrd::bench::make_spandsp_echo(taps, false); }, false);

    std::fprintf(stderr, "throughput: %d ms tail, %zu contenders x %d runs of %.1f s\n", tail,
                 contenders.size(), o.repeats, o.seconds);
    for (Contender& c : contenders) timed_run(c, sc.tx, sc.rx, std::min(0.2, o.seconds));  // warm
    for (int r = 0; r < o.repeats; ++r) {
      for (Contender& c : contenders)
        c.best = std::max(c.best, timed_run(c, sc.tx, sc.rx, o.seconds));
    }
    TailResult t{tail, {}, {}};
    for (const Contender& c : contenders) {
      t.speeds.emplace_back(c.name, c.best);
      if (c.ours && c.best > t.ours) {
        t.ours = c.best;
        t.best_ours = c.name;
      }
      if (c.name == "speexdsp") t.speex = c.best;
      if (c.name == "spandsp") t.spandsp = c.best;
    }
    results.push_back(std::move(t));
  }
  const std::string load_after = load_average();

  // spandsp's time per sample less one debug printf: what a build without
  // the debugging text would take (an estimate).
  const auto spandsp_clean = [&](double samples_per_s) {
    const double ns = 1e9 / samples_per_s - printf_ns;
    return ns > 0 ? 1e9 / ns : kNaN;
  };

  if (o.json) {
    for (const TailResult& t : results) {
      for (const auto& [name, speed] : t.speeds) {
        std::printf(
            "{\"test\": \"throughput\", \"tail_ms\": %d, \"canceller\": \"%s\", "
            "\"msamples_per_s\": %s, \"channels_per_core\": %s}\n",
            t.tail_ms, name.c_str(), json_number(speed / 1e6).c_str(),
            json_number(speed / kRate).c_str());
      }
      std::printf(
          "{\"test\": \"throughput_ratio\", \"tail_ms\": %d, \"ours\": \"%s\", "
          "\"ours_over_speex\": %s, \"ours_over_spandsp\": %s, "
          "\"ours_over_spandsp_without_printf\": %s, \"printf_ns\": %s}\n",
          t.tail_ms, t.best_ours.c_str(), json_number(t.ours / t.speex).c_str(),
          json_number(t.ours / t.spandsp).c_str(),
          json_number(t.ours / spandsp_clean(t.spandsp)).c_str(), json_number(printf_ns).c_str());
    }
    std::fflush(stdout);
    return;
  }
  std::printf(
      "\n### 4. Throughput, one core: %zu channels fed 160-sample blocks in turn, "
      "double-talk signal (%s), best of %d runs of %.1f s\n\n",
      o.channels, path.label.c_str(), o.repeats, o.seconds);
  std::printf(
      "| tail | canceller | Msamples/s | channels/core | best ivrd ÷ this |\n"
      "|---|---|---:|---:|---:|\n");
  for (const TailResult& t : results) {
    for (const auto& [name, speed] : t.speeds) {
      std::printf("| %d ms | %s | %.2f | %s | %.2f× |\n", t.tail_ms, name.c_str(), speed / 1e6,
                  thousands(speed / kRate).c_str(), t.ours / speed);
    }
    const double clean = spandsp_clean(t.spandsp);
    std::printf("| %d ms | spandsp less its debug printf (estimate) | %.2f | %s | %.2f× |\n",
                t.tail_ms, clean / 1e6, thousands(clean / kRate).c_str(), t.ours / clean);
  }
  std::printf("\nRatios, same run (best of ours, NLP off, against each):\n\n");
  for (const TailResult& t : results) {
    std::printf(
        "- %d ms tail: %s is %.2f× speexdsp, %.2f× spandsp (%.2f× spandsp without its "
        "debug printf)\n",
        t.tail_ms, t.best_ours.c_str(), t.ours / t.speex, t.ours / t.spandsp,
        t.ours / spandsp_clean(t.spandsp));
  }
  std::printf(
      "\nspandsp's debug text (two printf() lines per sample, to /dev/null): %.0f ns per "
      "sample. Load average %s before, %s after.\n",
      printf_ns, load_before.c_str(), load_after.c_str());
  std::fflush(stdout);
}

}  // namespace

int main(int argc, char** argv) {
  // Fully buffered stdout whatever it is (a terminal is line-buffered): the
  // debug text spandsp prints on every sample then costs the same whether the
  // report goes to a terminal or a file, and is written to /dev/null in large
  // blocks (see StdoutSilenced). Our own output is flushed after each table.
  std::setvbuf(stdout, nullptr, _IOFBF, 1 << 16);
  const Options o = parse(argc, argv);
  std::vector<dsp::Isa> isas = ivrd::bench::parse_isa_list(o.isa);
  if (isas.empty()) isas.push_back(dsp::active_isa());
  const std::optional<dsp::G711Law> law = ivrd::bench::line_law(o.law);

  std::fprintf(stderr, "rendering speech...\n");
  const Signals signals = make_signals(o, law);
  const std::vector<EchoPath> paths = make_paths(o.seed);

  std::string isa_names;
  for (const dsp::Isa isa : isas) {
    if (!isa_names.empty()) isa_names += ' ';
    isa_names += dsp::isa_name(isa);
  }
  const std::string quality_isa(dsp::isa_name(*std::max_element(isas.begin(), isas.end())));
  if (o.json) {
    std::printf(
        "{\"test\": \"setup\", \"cpu\": \"%s\", \"isas\": \"%s\", \"quality_isa\": \"%s\", "
        "\"compiler\": \"%s\", \"spandsp\": \"%s\", \"speexdsp\": \"%s\", \"seed\": %llu, "
        "\"law\": \"%s\", \"level_dbm0\": %s, \"noise_dbm0\": %s, \"tail_ms\": %d, "
        "\"far\": \"%s\", \"near\": \"%s\"}\n",
        ivrd::bench::cpu_model().c_str(), isa_names.c_str(), quality_isa.c_str(), __VERSION__,
        ivrd::bench::spandsp_version().c_str(), ivrd::bench::speexdsp_version().c_str(),
        static_cast<unsigned long long>(o.seed), o.law.c_str(), json_number(o.level_dbm0).c_str(),
        json_number(kNoiseDbm0).c_str(), o.tail_ms, signals.far_source.c_str(),
        signals.near_source.c_str());
  } else {
    std::printf("## Line echo cancellers side by side (ivrd_echo_bench)\n\n");
    std::printf("- machine: %s; instruction sets of ours: %s; compiler: %s\n",
                ivrd::bench::cpu_model().c_str(), isa_names.c_str(), __VERSION__);
    std::printf("- comparators: spandsp %s echo_can, speexdsp %s speex_echo (frame 160)\n",
                ivrd::bench::spandsp_version().c_str(), ivrd::bench::speexdsp_version().c_str());
    std::printf(
        "- seed %llu; line: %s; far end: %s; near talker: %s (300-3400 Hz); both "
        "%.0f dBm0 active; line noise %.0f dBm0\n",
        static_cast<unsigned long long>(o.seed), o.law.c_str(), signals.far_source.c_str(),
        signals.near_source.c_str(), o.level_dbm0, kNoiseDbm0);
    if (o.quality) {
      std::printf("- scenarios 1-3: tail %d ms (%d taps) for all three, NLP off; ours runs %s\n",
                  o.tail_ms, o.tail_ms * 8, quality_isa.c_str());
    }
  }
  std::fflush(stdout);
  if (o.quality) quality(o, isas, law, signals, paths);
  if (o.throughput) throughput(o, isas, law, signals, paths);
  return 0;
}
