// ivrd_dtmf_talkoff: false DTMF detections per hour on speech, music on hold
// and speech-like noise, ours (per instruction set) against spandsp.
//
//   ivrd_dtmf_talkoff [--speech-minutes N] [--music-minutes M]
//                     [--plain-music-minutes P] [--noise-minutes K]
//                     [--seed S] [--isa all|active|LIST]
//                     [--law ulaw|alaw|none] [--verbose]
//                     [--max-frequency-deviation F] [--min-duration-ms T]
//                     [--max-dropout-ms T]
//
// The last three override our detector's DtmfConfig, for tuning experiments.
//
// Every material goes through a G.711 round trip (µ-law unless --law says
// otherwise) before detection, as it would on a line. Materials come from
// ivrd::test_support and are deterministic by seed (speech: for one
// espeak-ng version). --verbose prints each false detection with what was
// playing there, so a trigger can be reproduced.

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ivrd/dsp/dtmf_generator.hpp"
#include "ivrd/dsp/g711.hpp"
#include "ivrd/test_support/g711_line.hpp"
#include "ivrd/test_support/music.hpp"
#include "ivrd/test_support/rng.hpp"
#include "ivrd/test_support/speech.hpp"
#include "ivrd/test_support/speech_like_noise.hpp"

#include "bench_common.hpp"

namespace {

namespace dsp = ivrd::dsp;
namespace support = ivrd::test_support;

struct Options : ivrd::bench::ToolOptions {
  double speech_minutes = 20.0;
  double music_minutes = 15.0;
  double plain_music_minutes = 15.0;
  double noise_minutes = 10.0;
  bool verbose = false;
};

[[noreturn]] void usage(const char* program, int status = 2) {
  std::fprintf(status == 0 ? stdout : stderr,
               "usage: %s [--speech-minutes N] [--music-minutes M] [--plain-music-minutes P]\n"
               "          [--noise-minutes K] [--seed S]\n"
               "          [--isa all|active|scalar,sse41,avx2,avx512] [--law ulaw|alaw|none]\n"
               "          [--max-frequency-deviation F] [--min-duration-ms T] [--max-dropout-ms T] "
               "[--verbose]\n",
               program);
  std::exit(status);
}

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    auto value = [&]() -> const char* {
      if (i + 1 >= argc) usage(argv[0]);
      return argv[++i];
    };
    if (ivrd::bench::parse_tool_option(arg, value, o))
      continue;
    else if (arg == "--speech-minutes")
      o.speech_minutes = std::atof(value());
    else if (arg == "--music-minutes")
      o.music_minutes = std::atof(value());
    else if (arg == "--plain-music-minutes")
      o.plain_music_minutes = std::atof(value());
    else if (arg == "--noise-minutes")
      o.noise_minutes = std::atof(value());
    else if (arg == "--verbose")
      o.verbose = true;
    else if (arg == "--help" || arg == "-h")
      usage(argv[0], 0);
    else
      usage(argv[0]);
  }
  return o;
}

struct Material {
  std::string name;
  std::vector<int16_t> pcm;
  // What was playing at a sample, for --verbose.
  std::function<std::string(uint64_t)> describe;
  // For music: whether a detection is "in band", i.e. notes (or their 2nd or
  // 3rd harmonics) were sounding within ±1.5 % of both of the digit's
  // frequencies, so that Q.24 obliges a receiver to accept that pair.
  std::function<bool(const ivrd::bench::Detection&)> in_band;
};

// Notes sounding within 50 ms of a sample.
std::vector<const support::MusicNote*> notes_near(const std::vector<support::MusicNote>& score,
                                                  uint64_t at) {
  std::vector<const support::MusicNote*> out;
  for (const auto& n : score) {
    if (at + 400 >= n.start_sample && at < n.start_sample + n.length + 400) out.push_back(&n);
  }
  return out;
}

bool music_in_band(const std::vector<support::MusicNote>& score, const ivrd::bench::Detection& d) {
  const int index = ivrd::bench::digit_index(d.digit);
  if (index < 0) return false;
  const double low = dsp::kDtmfLowGroupHz[static_cast<size_t>(index / 4)];
  const double high = dsp::kDtmfHighGroupHz[static_cast<size_t>(index % 4)];
  bool low_ok = false, high_ok = false;
  for (const auto* n : notes_near(score, d.sample)) {
    for (const double f : n->frequencies_hz) {
      for (int h = 1; h <= 3; ++h) {
        low_ok |= std::abs(h * f / low - 1.0) <= 0.015;
        high_ok |= std::abs(h * f / high - 1.0) <= 0.015;
      }
    }
  }
  return low_ok && high_ok;
}

struct Result {
  std::string detector;
  std::string material;
  double hours = 0;
  std::vector<ivrd::bench::Detection> detections;
  size_t in_band = 0;  // of which in band (music only)
};

std::string digits_of(const std::vector<ivrd::bench::Detection>& detections) {
  std::map<char, int> counts;
  for (const auto& d : detections) ++counts[d.digit];
  std::string out;
  for (const auto& [digit, count] : counts) {
    if (!out.empty()) out += ' ';
    out += std::string(1, digit) + ":" + std::to_string(count);
  }
  return out.empty() ? "-" : out;
}

}  // namespace

int main(int argc, char** argv) {
  const Options options = parse(argc, argv);
  const std::vector<dsp::Isa> isas = ivrd::bench::parse_isa_list(options.isa);
  const std::optional<dsp::G711Law> law = ivrd::bench::line_law(options.law);

  std::vector<Material> materials;
  const auto started = std::chrono::steady_clock::now();
  if (options.speech_minutes > 0) {
    std::fprintf(stderr, "rendering %.0f min of espeak-ng speech...\n", options.speech_minutes);
    auto speech = std::make_shared<support::Speech>(support::speech_corpus(
        options.speech_minutes * 60.0, support::derive_seed(options.seed, "speech")));
    if (!speech->ok()) {
      std::fprintf(stderr, "WARNING: no espeak-ng speech: %s\n", speech->error.c_str());
    } else {
      std::vector<int16_t> pcm = speech->pcm;
      materials.push_back({"speech (espeak-ng)",
                           std::move(pcm),
                           [speech](uint64_t at) {
                             for (const auto& s : speech->segments) {
                               if (at >= s.start_sample && at < s.start_sample + s.length) {
                                 return s.voice + " \"" + s.text + "\"";
                               }
                             }
                             return std::string("(pause)");
                           },
                           {}});
    }
  }
  // Music twice: the trap-heavy default (half the notes DTMF-near) and plain
  // music (trap_probability 0: DTMF-near notes only where the scale has them).
  for (const bool trap : {true, false}) {
    const double minutes = trap ? options.music_minutes : options.plain_music_minutes;
    if (minutes <= 0) continue;
    std::fprintf(stderr, "synthesising %.0f min of %s music on hold...\n", minutes,
                 trap ? "trap-heavy" : "plain");
    support::MusicOptions music;
    if (!trap) music.trap_probability = 0.0;
    auto score = std::make_shared<std::vector<support::MusicNote>>();
    auto pcm = support::music_on_hold(
        static_cast<size_t>(minutes * 60.0 * 8000.0),
        support::derive_seed(options.seed, trap ? "music" : "plain music"), music, score.get());
    materials.push_back(
        {trap ? "music, trap-heavy" : "music, plain", std::move(pcm),
         [score](uint64_t at) {
           std::string out;
           for (const auto* n : notes_near(*score, at)) {
             out +=
                 std::string(support::instrument_name(n->instrument)) + (n->trap ? "*" : "") + "[";
             for (const double f : n->frequencies_hz)
               out += std::to_string(static_cast<int>(f + 0.5)) + " ";
             out.back() = ']';
             out += ' ';
           }
           return out;
         },
         [score](const ivrd::bench::Detection& d) { return music_in_band(*score, d); }});
  }
  if (options.noise_minutes > 0) {
    std::fprintf(stderr, "synthesising %.0f min of speech-like noise...\n", options.noise_minutes);
    auto pcm =
        support::speech_like_noise(static_cast<size_t>(options.noise_minutes * 60.0 * 8000.0),
                                   -18.0, support::derive_seed(options.seed, "speech-like noise"));
    materials.push_back(
        {"speech-like noise", std::move(pcm), [](uint64_t) { return std::string(); }, {}});
  }
  std::fprintf(stderr, "materials ready in %.1f s\n",
               std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());

  std::vector<Result> results;
  for (Material& material : materials) {
    if (law) support::g711_round_trip_in_place(material.pcm, *law);
    std::vector<std::unique_ptr<ivrd::bench::Receiver>> receivers;
    for (const dsp::Isa isa : isas)
      receivers.push_back(ivrd::bench::make_ours(isa, options.config));
    receivers.push_back(ivrd::bench::make_spandsp());
    for (auto& rx : receivers) {
      // 20 ms blocks, as from a line.
      for (size_t i = 0; i < material.pcm.size(); i += 160) {
        rx->rx(std::span(material.pcm).subspan(i, std::min<size_t>(160, material.pcm.size() - i)));
      }
      rx->finish();
      Result result{rx->name(), material.name,
                    static_cast<double>(material.pcm.size()) / 8000.0 / 3600.0, rx->detections(),
                    0};
      if (material.in_band) {
        for (const auto& d : result.detections) result.in_band += material.in_band(d) ? 1 : 0;
      }
      results.push_back(std::move(result));
      if (options.verbose) {
        for (const auto& d : rx->detections()) {
          const bool in_band = material.in_band && material.in_band(d);
          std::printf("  %-12s %-18s %9.3f s  '%c' %s %s\n", rx->name().c_str(),
                      material.name.c_str(), static_cast<double>(d.sample) / 8000.0, d.digit,
                      in_band ? "in-band " : "        ", material.describe(d.sample).c_str());
        }
      }
    }
  }

  std::printf("\nDTMF talk-off: false detections (seed %llu, %s line)\n\n",
              static_cast<unsigned long long>(options.seed), options.law.c_str());
  std::printf(
      "| material | minutes | detector | detections | per hour | of which in band | digits |\n");
  std::printf("|---|---:|---|---:|---:|---:|---|\n");
  for (const Result& r : results) {
    const bool music = r.material.rfind("music", 0) == 0;
    std::printf("| %s | %.0f | %s | %zu | %.1f | %s | %s |\n", r.material.c_str(), r.hours * 60.0,
                r.detector.c_str(), r.detections.size(),
                static_cast<double>(r.detections.size()) / r.hours,
                music ? std::to_string(r.in_band).c_str() : "", digits_of(r.detections).c_str());
  }
  std::printf(
      "\n\"in band\": notes or their 2nd/3rd harmonics within ±1.5 %% of both of the digit's\n"
      "frequencies were sounding, a pair Q.24 obliges a receiver to accept (if long and\n"
      "clean enough); the rest are avoidable.\n");
  // Every ISA must decide the same as the scalar reference.
  bool same = true;
  for (const Result& a : results) {
    for (const Result& b : results) {
      if (a.material != b.material || a.detector.rfind("ivrd", 0) != 0 ||
          b.detector.rfind("ivrd", 0) != 0)
        continue;
      if (a.detections.size() != b.detections.size()) same = false;
      for (size_t i = 0; same && i < a.detections.size(); ++i) {
        same = a.detections[i].digit == b.detections[i].digit &&
               a.detections[i].sample == b.detections[i].sample;
      }
    }
  }
  std::printf("\nall instruction sets identical: %s\n", same ? "yes" : "NO");
  return same ? 0 : 1;
}
