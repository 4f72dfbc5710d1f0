// Call-progress detectors side by side: ivrd's CallProgressDetector and
// spandsp's super_tone_rx, on the hang-up tones (busy and congestion) of the
// zones ivrd's tests cover most (us, uk, de, fr, au). Both are given the same
// cadences from the same tables, with the same duration tolerance (±20 %
// + 30 ms); ivrd reports a cadenced tone after a period plus the next burst,
// super_tone_rx is run with that pattern and with one a period longer. ivrd
// runs as it does in a call (busy and congestion mean disconnect).
// spandsp's elements carry frequencies and durations only (no burst levels),
// so Australia's weak congestion bursts are just 425 Hz bursts to it.
//
// Three measurements:
//  1. False hang-ups on speech (espeak-ng, several languages and voices) and
//     on music on hold, through a mu-law line: busy or congestion reported
//     where there is none, per zone-hour.
//  2. Detection: busy and congestion at -30 dBm0, clean and in -40 dBm0 white
//     noise, and
//     busy at -20 dBm0 starting under speech that goes on for 1.5 s: share
//     found as the right tone, and the delay from the tone's start in
//     cadence periods.
//  3. Cost per channel per 20 ms block, over the speech.
//
//   ivrd_tones_bench [minutes of each material, default 10] [trials per point, default 20]

#include <spandsp.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "ivrd/dsp/call_progress_detector.hpp"
#include "ivrd/dsp/tone_generator.hpp"
#include "ivrd/dsp/tone_zone.hpp"
#include "ivrd/test_support/g711_line.hpp"
#include "ivrd/test_support/music.hpp"
#include "ivrd/test_support/noise.hpp"
#include "ivrd/test_support/speech.hpp"

namespace {

using namespace ivrd;
using dsp::CallProgressTone;

constexpr const char* kZones[] = {"us", "uk", "de", "fr", "au"};
constexpr CallProgressTone kHangUpTones[] = {CallProgressTone::busy, CallProgressTone::congestion};
constexpr size_t kBlock = 160;
constexpr float kTolerance = 0.20f;
constexpr float kToleranceMs = 30.0f;

// A report: which tone (busy or congestion) and the sample it was decided at.
struct Report {
  CallProgressTone tone = CallProgressTone::busy;
  uint64_t sample = 0;
};

// --- ivrd ---------------------------------------------------------------

std::vector<Report> run_ivrd(const dsp::ToneZone& zone, const std::vector<int16_t>& pcm) {
  dsp::CallProgressConfig config;
  config.in_call = true;
  dsp::CallProgressDetector detector(zone, config);
  std::vector<Report> reports;
  auto sink = [&](const dsp::CallProgressEvent& event) {
    if (event.kind != dsp::CallProgressEventKind::begin) return;
    if (event.tone == CallProgressTone::disconnect || event.tone == CallProgressTone::busy ||
        event.tone == CallProgressTone::congestion) {
      reports.push_back({event.tone, event.detected_sample});
    }
  };
  for (size_t i = 0; i < pcm.size(); i += kBlock) {
    const size_t n = std::min(kBlock, pcm.size() - i);
    detector.rx(std::span(pcm).subspan(i, n), sink);
  }
  return reports;
}

// --- spandsp --------------------------------------------------------------

// super_tone_rx matches the newest segments against each pattern; a pattern
// of a period plus the next burst is reported when that burst has lasted its
// minimum, as ivrd reports a cadence.
struct SpandspTones {
  super_tone_rx_descriptor_t* descriptor = nullptr;
  std::vector<CallProgressTone> tone_of_id;

  SpandspTones(const dsp::ToneZone& zone, int periods) {
    descriptor = super_tone_rx_make_descriptor(nullptr);
    // Frequency 0 is "none" to super_tone_rx (silence, or no second frequency).
    for (CallProgressTone kind : kHangUpTones) {
      const dsp::ToneDefinition& tone = zone.tone(kind);
      if (!tone.defined()) continue;
      const std::vector<dsp::ToneSegment> period(tone.segments.begin() + tone.repeat_start(),
                                                 tone.segments.end());
      if (period.empty()) continue;
      // `periods` periods, then the first burst again.
      std::vector<dsp::ToneSegment> cycle;
      for (int p = 0; p < periods; ++p) cycle.insert(cycle.end(), period.begin(), period.end());
      cycle.push_back(period.front());
      const int id = super_tone_rx_add_tone(descriptor);
      for (const dsp::ToneSegment& segment : cycle) {
        const int f1 = segment.silent() ? 0 : static_cast<int>(segment.frequencies_hz[0]);
        const int f2 =
            segment.frequency_count >= 2 ? static_cast<int>(segment.frequencies_hz[1]) : 0;
        const float ms = static_cast<float>(segment.duration_ms);
        const int min_ms = std::max(1, static_cast<int>(ms * (1.0f - kTolerance) - kToleranceMs));
        const int max_ms = static_cast<int>(ms * (1.0f + kTolerance) + kToleranceMs);
        super_tone_rx_add_element(descriptor, id, f1, f2, min_ms, max_ms);
      }
      tone_of_id.push_back(kind);
    }
  }
  ~SpandspTones() { super_tone_rx_free_descriptor(descriptor); }
  SpandspTones(const SpandspTones&) = delete;
  SpandspTones& operator=(const SpandspTones&) = delete;
};

struct SpandspRun {
  const SpandspTones* tones = nullptr;
  uint64_t sample = 0;
  std::vector<Report> reports;
};

void spandsp_report(void* user_data, int code, int /*level*/, int /*delay*/) {
  auto* run = static_cast<SpandspRun*>(user_data);
  if (code < 0 || static_cast<size_t>(code) >= run->tones->tone_of_id.size()) return;
  run->reports.push_back({run->tones->tone_of_id[static_cast<size_t>(code)], run->sample});
}

std::vector<Report> run_spandsp(const SpandspTones& tones, const std::vector<int16_t>& pcm) {
  SpandspRun run;
  run.tones = &tones;
  super_tone_rx_state_t* state =
      super_tone_rx_init(nullptr, tones.descriptor, spandsp_report, &run);
  for (size_t i = 0; i < pcm.size(); i += kBlock) {
    const size_t n = std::min(kBlock, pcm.size() - i);
    run.sample = i + n;
    super_tone_rx(state, pcm.data() + i, static_cast<int>(n));
  }
  super_tone_rx_free(state);
  return run.reports;
}

// --- signals ---------------------------------------------------------------

struct Played {
  std::vector<int16_t> pcm;
  uint64_t start = 0;
  double period_samples = 0.0;
};

Played tone_after(const dsp::ToneZone& zone, CallProgressTone kind, float level_dbm0, size_t lead,
                  size_t length) {
  Played played;
  played.start = lead;
  played.pcm.assign(lead, 0);
  dsp::ToneGenerator generator(zone, kind, level_dbm0);
  std::vector<int16_t> tone(length);
  generator.tx(tone);
  played.pcm.insert(played.pcm.end(), tone.begin(), tone.end());
  played.period_samples = static_cast<double>(generator.period_samples());
  return played;
}

struct Score {
  int found = 0;
  int early = 0;  // reported before the tone started
  double periods_sum = 0.0;
  int trials = 0;

  // Either hang-up tone counts: in a call both mean the far end has gone.
  void add(const std::vector<Report>& reports, const Played& played) {
    ++trials;
    if (reports.empty()) return;
    if (reports.front().sample < played.start) {
      ++early;
      return;
    }
    ++found;
    periods_sum +=
        static_cast<double>(reports.front().sample - played.start) / played.period_samples;
  }
  std::string text() const {
    char buffer[64];
    if (found == 0) {
      std::snprintf(buffer, sizeof buffer, "%3d %% found", 0);
    } else {
      std::snprintf(buffer, sizeof buffer, "%3d %% found, %.2f periods",
                    100 * found / std::max(trials, 1), periods_sum / found);
    }
    std::string out = buffer;
    if (early > 0) out += ", " + std::to_string(early) + " before the tone";
    return out;
  }
};

// The detectors compared: ivrd, and super_tone_rx with a pattern of one
// period plus a burst (reports as early as ivrd) and of two periods plus a
// burst (fewer false reports, a period later).
struct Detector {
  const char* name;
  int spandsp_periods;  // 0: ivrd
};
constexpr Detector kDetectors[] = {
    {"ivrd", 0}, {"super_tone_rx, 1 period", 1}, {"super_tone_rx, 2 periods", 2}};

std::vector<Report> run_detector(const Detector& detector, const dsp::ToneZone& zone,
                                 const std::vector<int16_t>& pcm) {
  if (detector.spandsp_periods == 0) return run_ivrd(zone, pcm);
  const SpandspTones tones(zone, detector.spandsp_periods);
  return run_spandsp(tones, pcm);
}

void print_header(const char* first, const char* second) {
  std::printf("| %s | %s |", first, second);
  for (const Detector& d : kDetectors) std::printf(" %s |", d.name);
  std::printf("\n|---|---|");
  for (size_t i = 0; i < std::size(kDetectors); ++i) std::printf("---|");
  std::printf("\n");
}

template <typename MakeSignal>
void detection_row(const char* code, const std::string& condition, int trials,
                   MakeSignal make_signal) {
  const dsp::ToneZone& zone = *dsp::find_tone_zone(code);
  std::vector<Score> scores(std::size(kDetectors));
  for (int t = 0; t < trials; ++t) {
    const Played played = make_signal(zone, t);
    for (size_t d = 0; d < std::size(kDetectors); ++d) {
      scores[d].add(run_detector(kDetectors[d], zone, played.pcm), played);
    }
  }
  std::printf("| %s | %s |", code, condition.c_str());
  for (const Score& score : scores) std::printf(" %s |", score.text().c_str());
  std::printf("\n");
}

void detection(int trials) {
  std::printf(
      "\n## Detection (mu-law line; busy or congestion, whichever is reported first, counts; "
      "delay from the tone's start)\n\n");
  print_header("zone", "condition");
  const bool have_speech = test_support::speech_available();
  for (const char* code : kZones) {
    for (CallProgressTone kind : kHangUpTones) {
      if (!dsp::find_tone_zone(code)->tone(kind).defined()) continue;
      for (const bool noisy : {false, true}) {
        const std::string condition = std::string(dsp::tone_name(kind)) + " -30 dBm0, " +
                                      (noisy ? "white noise -40 dBm0" : "no noise");
        detection_row(code, condition, trials, [&](const dsp::ToneZone& zone, int t) {
          const uint64_t seed = 1000u * static_cast<uint64_t>(t) + static_cast<uint64_t>(kind);
          // A random lead, so the tone starts anywhere within a block.
          const size_t lead = 4000 + static_cast<size_t>(seed * 7919u % 1600u);
          Played played = tone_after(zone, kind, -30.0f, lead, 8 * 8000);
          if (noisy) {
            played.pcm = test_support::mix(
                played.pcm, test_support::white_noise(played.pcm.size(), -40.0, seed + 17));
          }
          test_support::g711_round_trip_in_place(played.pcm);
          return played;
        });
      }
    }
    if (!have_speech) continue;
    detection_row(code, "busy -20 dBm0 under speech for its first 1.5 s", trials,
                  [](const dsp::ToneZone& zone, int t) {
                    test_support::SpeechCorpusOptions options;
                    options.min_level_dbm0 = -22.0;
                    options.max_level_dbm0 = -16.0;
                    options.min_pause_ms = 50.0;
                    options.max_pause_ms = 150.0;
                    // Speech for 4 s; busy from 2.5 s.
                    const test_support::Speech speech =
                        test_support::speech_corpus(4.0, 77u + static_cast<uint64_t>(t), options);
                    Played played =
                        tone_after(zone, CallProgressTone::busy, -20.0f, 20000, 8 * 8000);
                    played.pcm = test_support::mix(played.pcm, speech.pcm);
                    test_support::g711_round_trip_in_place(played.pcm);
                    return played;
                  });
  }
}

// --- talk-off -------------------------------------------------------------

struct Material {
  const char* name;
  std::vector<int16_t> pcm;
};

void talk_off(double minutes) {
  const size_t samples = static_cast<size_t>(minutes * 60.0 * 8000.0);
  std::printf(
      "## False hang-ups (busy or congestion reported) per zone-hour: %.0f min of each "
      "material through the %zu zones, mu-law\n\n",
      minutes, std::size(kZones));
  std::vector<Material> materials;
  std::string reason;
  if (test_support::speech_available(&reason)) {
    test_support::Speech speech = test_support::speech_corpus(minutes * 60.0, 2024);
    materials.push_back({"speech", std::move(speech.pcm)});
  } else {
    std::printf("(speech not run: %s)\n\n", reason.c_str());
  }
  materials.push_back({"music on hold", test_support::music_on_hold(samples, 2025)});
  const double zone_hours = minutes / 60.0 * static_cast<double>(std::size(kZones));
  print_header("material", "zone-hours");
  std::vector<double> seconds(std::size(kDetectors), 0.0);
  size_t blocks = 0;
  for (Material& material : materials) {
    test_support::g711_round_trip_in_place(material.pcm);
    std::printf("| %s | %.2f |", material.name, zone_hours);
    for (size_t d = 0; d < std::size(kDetectors); ++d) {
      size_t reports = 0;
      for (const char* code : kZones) {
        const dsp::ToneZone& zone = *dsp::find_tone_zone(code);
        const auto begin = std::chrono::steady_clock::now();
        reports += run_detector(kDetectors[d], zone, material.pcm).size();
        seconds[d] +=
            std::chrono::duration<double>(std::chrono::steady_clock::now() - begin).count();
      }
      std::printf(" %zu (%.1f) |", reports, static_cast<double>(reports) / zone_hours);
    }
    std::printf("\n");
    blocks += material.pcm.size() / kBlock * std::size(kZones);
  }
  std::printf("\n(count, and per zone-hour in brackets)\n");

  std::printf(
      "\n## Cost per channel per 20 ms block (the runs above, one thread; wall clock, so run "
      "it on an idle machine)\n\n| detector | µs per block | channels per core |\n"
      "|---|---:|---:|\n");
  for (size_t d = 0; d < std::size(kDetectors); ++d) {
    const double us = seconds[d] * 1e6 / static_cast<double>(std::max<size_t>(blocks, 1));
    std::printf("| %s | %.2f | %.0f |\n", kDetectors[d].name, us, 20000.0 / us);
  }
}

}  // namespace

int main(int argc, char** argv) {
  const double minutes = argc > 1 ? std::atof(argv[1]) : 10.0;
  const int trials = argc > 2 ? std::atoi(argv[2]) : 20;
  if (minutes <= 0.0 || trials <= 0) {
    std::fprintf(stderr, "usage: %s [minutes of each material > 0] [trials per point > 0]\n",
                 argv[0]);
    return 2;
  }
  talk_off(minutes);
  detection(trials);
  return 0;
}
