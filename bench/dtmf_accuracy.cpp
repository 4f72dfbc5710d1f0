// ivrd_dtmf_accuracy: DTMF receiver conformance figures, ours (per
// instruction set) side by side with spandsp's dtmf_rx, on the same signals.
//
//   ivrd_dtmf_accuracy [--trials N] [--seed S] [--isa all|active|LIST]
//                      [--tone-ms T] [--law ulaw|alaw|none]
//                      [--max-frequency-deviation F] [--min-duration-ms T]
//                      [--max-dropout-ms T]
//
// The last three override our detector's DtmfConfig, for tuning experiments.
//
// Each condition is N trials (default 100) of a random digit with random
// tone phases and a random start (20..60 ms of silence first, so the tone
// falls anywhere in the detectors' blocks), T ms of tone (default 100, long
// enough that only the condition under test limits detection), 120 ms of
// silence after, all through a G.711 round trip (µ-law by default). A trial
// counts as detected when the receiver reports exactly the digit sent, once.
//
// Prints Markdown tables. Where every instruction set of ours gave the same
// result on every trial, one "ivrd" column stands for all of them.

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <map>
#include <memory>
#include <numbers>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ivrd/test_support/g711_line.hpp"
#include "ivrd/test_support/noise.hpp"
#include "ivrd/test_support/rng.hpp"

#include "bench_common.hpp"

namespace {

namespace dsp = ivrd::dsp;
namespace support = ivrd::test_support;
using ivrd::bench::ToneSpec;

struct Options : ivrd::bench::ToolOptions {
  int trials = 100;
  double tone_ms = 100.0;
};

[[noreturn]] void usage(const char* program, int status = 2) {
  std::fprintf(
      status == 0 ? stdout : stderr,
      "usage: %s [--trials N] [--seed S] [--isa all|active|LIST] [--tone-ms T] "
      "[--law ulaw|alaw|none]\n"
      "          [--max-frequency-deviation F] [--min-duration-ms T] [--max-dropout-ms T]\n",
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
    else if (arg == "--trials")
      o.trials = std::atoi(value());
    else if (arg == "--tone-ms")
      o.tone_ms = std::atof(value());
    else if (arg == "--help" || arg == "-h")
      usage(argv[0], 0);
    else
      usage(argv[0]);
  }
  if (o.trials < 1 || o.tone_ms <= 0) usage(argv[0]);
  return o;
}

// One burst of tone pieces: (spec, on_ms) pairs separated by gaps.
struct Piece {
  ToneSpec tone;
  double on_ms;
  double gap_after_ms;  // silence before the next piece
};

struct Trial {
  std::vector<int16_t> pcm;
  char digit;
};

double power_sum_dbm0(double a, double b) {
  return 10.0 * std::log10(std::pow(10.0, a / 10.0) + std::pow(10.0, b / 10.0));
}

class Harness {
 public:
  explicit Harness(const Options& o)
      : options_(o),
        isas_(ivrd::bench::parse_isa_list(o.isa)),
        law_(ivrd::bench::line_law(o.law)) {}

  // A random digit and phases; modify() adjusts levels, offsets, durations.
  // snr_db: white noise over the whole trial, relative to both tones' power.
  using Shape = std::function<std::vector<Piece>(const ToneSpec& base)>;
  Trial make_trial(support::Rng& rng, const Shape& shape, std::optional<double> snr_db) const {
    ToneSpec base;
    base.digit = ivrd::bench::kDigits[rng.uniform_int(0, 15)];
    const std::vector<Piece> pieces = shape(base);
    const double lead_ms = rng.uniform(20.0, 60.0);
    double total_ms = lead_ms + 120.0;
    for (const Piece& p : pieces) total_ms += p.on_ms + p.gap_after_ms;
    Trial trial{std::vector<int16_t>(static_cast<size_t>(total_ms * 8.0), 0), base.digit};
    double at_ms = lead_ms;
    for (Piece p : pieces) {
      p.tone.low_phase = rng.uniform(0.0, 2.0 * std::numbers::pi);
      p.tone.high_phase = rng.uniform(0.0, 2.0 * std::numbers::pi);
      const auto start = static_cast<size_t>(at_ms * 8.0);
      const auto length = static_cast<size_t>(std::lround(p.on_ms * 8.0));
      ivrd::bench::add_tone(std::span(trial.pcm).subspan(start, length), p.tone);
      at_ms += p.on_ms + p.gap_after_ms;
    }
    if (snr_db && !pieces.empty()) {
      const ToneSpec& t = pieces.front().tone;
      const double noise_dbm0 = power_sum_dbm0(t.low_dbm0, t.high_dbm0) - *snr_db;
      trial.pcm =
          support::mix(trial.pcm, support::white_noise(trial.pcm.size(), noise_dbm0, rng.next()));
    }
    if (law_) support::g711_round_trip_in_place(trial.pcm, *law_);
    return trial;
  }

  // Detected digit strings per detector for one condition.
  struct Run {
    std::vector<std::string> names;                // detector names
    std::vector<std::vector<std::string>> digits;  // [detector][trial]
    std::vector<char> sent;                        // [trial]
    bool isas_agree = true;
  };

  Run run(const std::string& label, const Shape& shape, std::optional<double> snr_db = {}) const {
    Run r;
    support::Rng rng(support::derive_seed(options_.seed, label.c_str()));
    const size_t detectors = isas_.size() + 1;
    r.digits.resize(detectors);
    std::vector<std::vector<std::vector<ivrd::bench::Detection>>> raw(detectors);
    for (int t = 0; t < options_.trials; ++t) {
      const Trial trial = make_trial(rng, shape, snr_db);
      r.sent.push_back(trial.digit);
      for (size_t d = 0; d < detectors; ++d) {
        auto rx = d < isas_.size() ? ivrd::bench::make_ours(isas_[d], options_.config)
                                   : ivrd::bench::make_spandsp();
        for (size_t i = 0; i < trial.pcm.size(); i += 160) {
          rx->rx(std::span(trial.pcm).subspan(i, std::min<size_t>(160, trial.pcm.size() - i)));
        }
        rx->finish();
        if (t == 0) r.names.push_back(rx->name());
        std::string got;
        for (const auto& det : rx->detections()) got.push_back(det.digit);
        r.digits[d].push_back(got);
        raw[d].push_back(rx->detections());
      }
    }
    for (size_t d = 1; d < isas_.size(); ++d) {
      for (size_t t = 0; t < raw[d].size(); ++t) {
        if (raw[d][t].size() != raw[0][t].size()) r.isas_agree = false;
        for (size_t k = 0; r.isas_agree && k < raw[d][t].size(); ++k) {
          r.isas_agree = raw[d][t][k].digit == raw[0][t][k].digit &&
                         raw[d][t][k].sample == raw[0][t][k].sample;
        }
      }
    }
    if (!r.isas_agree) {
      disagreements_.push_back(label);
    }
    return r;
  }

  // Fraction of trials whose detected string equals expected(sent digit).
  static double rate(const Run& r, size_t detector,
                     const std::function<std::string(char)>& expected) {
    int hits = 0;
    for (size_t t = 0; t < r.sent.size(); ++t) hits += r.digits[detector][t] == expected(r.sent[t]);
    return r.sent.empty() ? 0.0 : static_cast<double>(hits) / static_cast<double>(r.sent.size());
  }
  static std::string once(char digit) { return std::string(1, digit); }

  // Columns to print: one "ivrd" column if all ISAs agree everywhere, else
  // each ISA, then spandsp.
  std::vector<size_t> columns(bool agree) const {
    std::vector<size_t> out;
    if (agree && !isas_.empty()) {
      out.push_back(0);
    } else {
      for (size_t d = 0; d < isas_.size(); ++d) out.push_back(d);
    }
    out.push_back(isas_.size());
    return out;
  }
  std::string column_name(const Run& r, size_t d, bool agree) const {
    if (agree && d == 0 && !isas_.empty()) return "ivrd";
    return r.names[d];
  }

  const Options& options() const { return options_; }
  const std::vector<dsp::Isa>& isas() const { return isas_; }
  const std::vector<std::string>& disagreements() const { return disagreements_; }

 private:
  Options options_;
  std::vector<dsp::Isa> isas_;
  std::optional<dsp::G711Law> law_;
  mutable std::vector<std::string> disagreements_;
};

std::string percent(double x) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%.0f %%", 100.0 * x);
  return buf;
}

// A table of rows (label, run) with detection rates.
void print_table(const Harness& h, const std::string& title, const std::string& row_header,
                 const std::vector<std::pair<std::string, Harness::Run>>& rows,
                 const std::string& expect_header = {},
                 const std::vector<std::string>& expects = {},
                 const std::function<std::string(char)>& expected = Harness::once) {
  bool agree = true;
  for (const auto& [label, run] : rows) agree &= run.isas_agree;
  const auto cols = h.columns(agree);
  std::printf("\n#### %s\n\n| %s |", title.c_str(), row_header.c_str());
  if (!expect_header.empty()) std::printf(" %s |", expect_header.c_str());
  for (const size_t c : cols)
    std::printf(" %s |", h.column_name(rows.front().second, c, agree).c_str());
  std::printf("\n|---|");
  if (!expect_header.empty()) std::printf("---|");
  for (size_t i = 0; i < cols.size(); ++i) std::printf("---:|");
  std::printf("\n");
  for (size_t i = 0; i < rows.size(); ++i) {
    std::printf("| %s |", rows[i].first.c_str());
    if (!expect_header.empty()) std::printf(" %s |", i < expects.size() ? expects[i].c_str() : "");
    for (const size_t c : cols)
      std::printf(" %s |", percent(Harness::rate(rows[i].second, c, expected)).c_str());
    std::printf("\n");
  }
}

}  // namespace

int main(int argc, char** argv) {
  const Options options = parse(argc, argv);
  const Harness h(options);
  const double on = options.tone_ms;
  std::printf(
      "DTMF receiver accuracy: %d trials per condition, %.0f ms tones, %s line, seed %llu\n",
      options.trials, on, options.law.c_str(), static_cast<unsigned long long>(options.seed));
  std::printf("CPU: %s\n", ivrd::bench::cpu_model().c_str());

  // Twist: the louder tone at -10 dBm0, the other `twist` dB below.
  {
    std::vector<std::pair<std::string, Harness::Run>> rows;
    std::vector<std::string> expects;
    for (const double twist : {0.0, 4.0, 6.0, 7.0, 7.5, 8.0, 8.5, 9.0, 10.0, 12.0}) {
      rows.emplace_back("normal " + std::to_string(twist).substr(0, 4) + " dB",
                        h.run("twist normal " + std::to_string(twist), [&](ToneSpec t) {
                          t.high_dbm0 = -10.0;
                          t.low_dbm0 = -10.0 - twist;
                          return std::vector<Piece>{{t, on, 0.0}};
                        }));
      expects.push_back(twist < 8.0 ? "detect" : twist == 8.0 ? "limit" : "may reject");
    }
    for (const double twist : {2.0, 3.0, 3.5, 4.0, 4.5, 5.0, 6.0, 8.0}) {
      rows.emplace_back("reverse " + std::to_string(twist).substr(0, 3) + " dB",
                        h.run("twist reverse " + std::to_string(twist), [&](ToneSpec t) {
                          t.low_dbm0 = -10.0;
                          t.high_dbm0 = -10.0 - twist;
                          return std::vector<Piece>{{t, on, 0.0}};
                        }));
      expects.push_back(twist < 4.0 ? "detect" : twist == 4.0 ? "limit" : "may reject");
    }
    print_table(h, "Twist (louder tone at -10 dBm0; normal = high group louder)", "twist", rows,
                "Q.24 / LSSGR", expects);
  }

  // Frequency deviation, each tone at -10 dBm0.
  {
    for (const int which : {0, 1, 2}) {
      const char* names[] = {"low-group tone only", "high-group tone only", "both tones"};
      std::vector<std::pair<std::string, Harness::Run>> rows;
      std::vector<std::string> expects;
      for (int step = -10; step <= 10; ++step) {
        const double offset = step * 0.005;
        char label[32];
        std::snprintf(label, sizeof label, "%+.1f %%", offset * 100.0);
        rows.emplace_back(label,
                          h.run("offset " + std::to_string(which) + " " + label, [&](ToneSpec t) {
                            if (which != 1) t.low_offset = offset;
                            if (which != 0) t.high_offset = offset;
                            return std::vector<Piece>{{t, on, 0.0}};
                          }));
        const double a = std::abs(offset);
        expects.push_back(a <= 0.0151 ? "detect" : a >= 0.0349 ? "reject" : "");
      }
      print_table(h, std::string("Frequency offset, ") + names[which], "offset", rows, "Q.24",
                  expects);
    }
  }

  // Level per tone, no twist.
  {
    std::vector<std::pair<std::string, Harness::Run>> rows;
    for (const double level :
         {0.0, -5.0, -10.0, -20.0, -25.0, -30.0, -33.0, -36.0, -38.0, -40.0, -42.0, -45.0}) {
      char label[32];
      std::snprintf(label, sizeof label, "%.0f dBm0", level);
      rows.emplace_back(label, h.run(std::string("level ") + label, [&](ToneSpec t) {
        t.low_dbm0 = level;
        t.high_dbm0 = level;
        return std::vector<Piece>{{t, on, 0.0}};
      }));
    }
    print_table(h, "Level (per tone, no twist)", "level", rows);
  }

  // White noise: tones at -13 dBm0 each (-10 dBm0 together), SNR relative to
  // both tones' power, noise flat 0..4 kHz over the whole trial.
  {
    std::vector<std::pair<std::string, Harness::Run>> rows;
    for (int snr = 30; snr >= 0; --snr) {
      rows.emplace_back(std::to_string(snr) + " dB", h.run(
                                                         "snr " + std::to_string(snr),
                                                         [&](ToneSpec t) {
                                                           t.low_dbm0 = -13.0;
                                                           t.high_dbm0 = -13.0;
                                                           return std::vector<Piece>{{t, on, 0.0}};
                                                         },
                                                         static_cast<double>(snr)));
    }
    print_table(h, "White noise (tones -13 dBm0 each; SNR = both tones' power / noise power)",
                "SNR", rows);
    bool agree = true;
    for (const auto& row : rows) agree &= row.second.isas_agree;
    std::printf(
        "\nLowest SNR with >= 99 %% detection (sweeping down from 30 dB in 1 dB steps):\n\n");
    for (const size_t c : h.columns(agree)) {
      std::string lowest = "none";
      for (const auto& [label, run] : rows) {
        if (Harness::rate(run, c, Harness::once) < 0.99) break;
        lowest = label;
      }
      std::printf("- %s: %s\n", h.column_name(rows.front().second, c, agree).c_str(),
                  lowest.c_str());
    }
  }

  // Duration: tone length sweep at -10 dBm0 per tone.
  {
    std::vector<std::pair<std::string, Harness::Run>> rows;
    std::vector<std::string> expects;
    for (int ms = 10; ms <= 60; ms += 2) {
      rows.emplace_back(std::to_string(ms) + " ms",
                        h.run("duration " + std::to_string(ms), [ms](ToneSpec t) {
                          return std::vector<Piece>{{t, static_cast<double>(ms), 0.0}};
                        }));
      expects.push_back(ms >= 40 ? "detect" : ms <= 20 ? "reject" : "");
    }
    print_table(h, "Tone duration (-10 dBm0 per tone)", "duration", rows, "Q.24", expects);
    bool agree = true;
    for (const auto& row : rows) agree &= row.second.isas_agree;
    std::printf(
        "\nShortest tone detected in >= 99 %% of trials / longest rejected in >= 99 %%:\n\n");
    for (const size_t c : h.columns(agree)) {
      std::string shortest = "none", longest_rejected = "none";
      for (auto it = rows.rbegin(); it != rows.rend(); ++it) {
        if (Harness::rate(it->second, c, Harness::once) < 0.99) break;
        shortest = it->first;
      }
      for (const auto& [label, run] : rows) {
        if (Harness::rate(run, c, Harness::once) > 0.01) break;
        longest_rejected = label;
      }
      std::printf("- %s: detects %s, rejects %s\n",
                  h.column_name(rows.front().second, c, agree).c_str(), shortest.c_str(),
                  longest_rejected.c_str());
    }
  }

  // Interruptions: two 60 ms pieces of the same digit with a gap between.
  {
    std::vector<std::pair<std::string, Harness::Run>> rows;
    for (const int gap : {2, 5, 10, 15, 20, 25, 30, 35, 40, 50}) {
      rows.emplace_back(
          std::to_string(gap) + " ms", h.run("gap " + std::to_string(gap), [gap](ToneSpec t) {
            return std::vector<Piece>{{t, 60.0, static_cast<double>(gap)}, {t, 60.0, 0.0}};
          }));
    }
    print_table(h, "Gap inside a tone: share seen as ONE digit (LSSGR: bridge <= 10 ms)", "gap",
                rows, {}, {}, Harness::once);
    print_table(h, "Gap inside a tone: share seen as TWO digits (Q.24/LSSGR: separate at >= 40 ms)",
                "gap", rows, {}, {}, [](char d) { return std::string(2, d); });
  }

  if (h.disagreements().empty()) {
    std::printf(
        "\nAll instruction sets gave identical detections (digits and sample positions) on every "
        "trial.\n");
  } else {
    std::printf("\nInstruction sets DISAGREED in:");
    for (const auto& label : h.disagreements()) std::printf(" [%s]", label.c_str());
    std::printf("\n");
  }
  return 0;
}
