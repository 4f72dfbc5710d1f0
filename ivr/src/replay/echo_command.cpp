#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <exception>
#include <optional>
#include <ostream>
#include <span>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include <boost/program_options.hpp>

#include "ivrd/driver/audio_file.hpp"
#include "ivrd/dsp/echo_canceller.hpp"
#include "ivrd/dsp/isa.hpp"
#include "ivrd/ivr/replay.hpp"

#include "command_options.hpp"
#include "echo_stats.hpp"

namespace ivrd::ivr::replay {
namespace {

namespace po = boost::program_options;

// One DAHDI tick: what the daemon hands the canceller per channel every 20 ms.
constexpr size_t kTickSamples = 160;
constexpr size_t kSamplesPerSecond = 8000;
constexpr int kMinTailMs = 16;
constexpr int kMaxTailMs = 256;

struct EchoOptions {
  std::string far;
  std::string near;
  std::string out;
  std::optional<driver::AudioFormat> format;
  dsp::Isa isa = dsp::Isa::scalar;
  dsp::EchoCancellerConfig config;
  bool stats = false;
  bool json = false;
};

struct Snapshot {
  uint64_t samples;
  dsp::EchoCancellerMetrics metrics;
};

po::options_description visible_options() {
  po::options_description options("Options");
  options.add_options()                       //
      ("help,h", "print this help and exit")  //
      ("far", po::value<std::string>()->value_name("FAR"),
       "what was sent to the line (the canceller's reference); required")  //
      ("near", po::value<std::string>()->value_name("NEAR"),
       "what came back from the line: the echo of FAR plus the caller; required")  //
      ("out", po::value<std::string>()->value_name("OUT"),
       "where to write NEAR with the echo removed, in NEAR's format whatever OUT's "
       "extension; required")  //
      ("tail-ms", po::value<std::string>()->value_name("MS"),
       "longest echo path covered, an integer from 16 to 256 ms (default 128)")  //
      ("nlp", po::value<std::string>()->value_name("on|off"),
       "non-linear processor: residual echo replaced by comfort noise while only the far "
       "end talks (default on)")  //
      ("tone-disabler", po::value<std::string>()->value_name("MODE"),
       "2100 Hz answer tone that stops cancelling: off, reversal (with phase reversals, "
       "as modems and fax send) or any (default reversal)")  //
      ("high-pass", po::value<std::string>()->value_name("HZ"),
       "high-pass both paths at HZ to remove hum, 0 for off (default 0)")  //
      ("format", po::value<std::string>()->value_name("F"),
       "read FAR and NEAR, and write OUT, as F: ulaw, alaw, s16 (also sln, raw) or wav, "
       "whatever their extensions")  //
      ("isa", po::value<std::string>()->value_name("I"),
       "kernel variant: scalar, sse41, avx2 or avx512 (default: the best this CPU runs, "
       "lowered by IVRD_ISA)")                                                            //
      ("stats", "print the canceller's figures for every second of audio and a summary")  //
      ("json", "with --stats, one JSON object per line instead of text for people");
  return options;
}

void print_help(std::ostream& out) {
  out << "Usage: ivr-replay echo --far FAR --near NEAR --out OUT [options]\n"
         "Removes the line echo of FAR from NEAR, as the appliance's echo canceller does on a\n"
         "call, and writes the result to OUT. FAR and NEAR must hold the same number of\n"
         "samples, aligned as they passed the line card.\n\n"
      << visible_options()
      << "\nWith --stats, one line per second of audio and a summary line:\n"
         "  t=1.00s erle=27.4dB erl=6.1dB residual=-48.2dBm0 delay=10.0ms far=-16.0dBm0\n"
         "  near=-22.1dBm0 background=-70.0dBm0 talk=far_end nlp=suppressing\n"
         "  tone_disabled=no converged=yes        (on one line)\n"
         "  summary: t=6.00s ... converged=yes samples=48000 filter_updates=12\n"
         "and with --json the same as objects: {\"t\":1.0,\"erle_db\":27.4,...} and\n"
         "{\"summary\":true,\"t\":6.0,...,\"samples\":48000,\"filter_updates\":12}.\n"
         "Exit status: 0 on success, 2 on a usage error, when FAR or NEAR cannot be used\n"
         "or their lengths differ, or when OUT cannot be written (OUT is then not written\n"
         "or incomplete).\n";
}

int parse_tail_ms(const std::string& text) {
  int value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || error != std::errc() || end != text.data() + text.size() ||
      value < kMinTailMs || value > kMaxTailMs) {
    throw UsageError("invalid --tail-ms '" + text + "' (an integer from " +
                     std::to_string(kMinTailMs) + " to " + std::to_string(kMaxTailMs) + ")");
  }
  return value;
}

float parse_high_pass(const std::string& text) {
  float value = 0.0f;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || error != std::errc() || end != text.data() + text.size() ||
      !std::isfinite(value) || value < 0.0f) {
    throw UsageError("invalid --high-pass '" + text + "' (a frequency in Hz, 0 for off)");
  }
  return value;
}

bool parse_on_off(const std::string& option, const std::string& text) {
  if (text == "on") return true;
  if (text == "off") return false;
  throw UsageError("unknown --" + option + " '" + text + "' (choose on or off)");
}

dsp::ToneDisablerMode parse_tone_disabler(const std::string& text) {
  if (text == "off") return dsp::ToneDisablerMode::off;
  if (text == "reversal") return dsp::ToneDisablerMode::phase_reversal;
  if (text == "any") return dsp::ToneDisablerMode::any_2100;
  throw UsageError("unknown --tone-disabler '" + text + "' (choose off, reversal or any)");
}

// "missing --far FAR", "missing --far FAR and --out OUT", ...
void require_files(const po::variables_map& values) {
  std::vector<std::string> missing;
  for (const auto& [option, name] :
       {std::pair<const char*, const char*>{"far", "FAR"}, {"near", "NEAR"}, {"out", "OUT"}}) {
    if (values.count(option) == 0) missing.push_back(std::string("--") + option + " " + name);
  }
  if (missing.empty()) return;
  std::string message = "missing ";
  for (size_t i = 0; i < missing.size(); ++i) {
    if (i > 0) message += i + 1 == missing.size() ? " and " : ", ";
    message += missing[i];
  }
  throw UsageError(message);
}

std::string file_option(const po::variables_map& values, const char* option) {
  const auto& file = values[option].as<std::string>();
  if (file.empty()) throw UsageError(std::string("empty file name for --") + option);
  return file;
}

// Returns nothing when --help was asked for.
std::optional<EchoOptions> parse_options(CommandArgs args, std::ostream& err) {
  const std::optional<po::variables_map> parsed =
      parse_command_line(args, visible_options(), "argument", {"--tail-ms", "--high-pass"});
  if (!parsed) return std::nullopt;
  const po::variables_map& values = *parsed;
  if (values.count("argument") != 0) {
    throw UsageError("unexpected argument '" +
                     values["argument"].as<std::vector<std::string>>().front() +
                     "' (files are given with --far, --near and --out)");
  }

  EchoOptions options;
  options.stats = values.count("stats") != 0;
  options.json = values.count("json") != 0;
  if (values.count("format") != 0) {
    options.format = parse_format_option(values["format"].as<std::string>());
  }
  if (values.count("tail-ms") != 0) {
    options.config.tail_ms = parse_tail_ms(values["tail-ms"].as<std::string>());
  }
  // The command's documented defaults, whatever the library's are.
  options.config.nlp = true;
  if (values.count("nlp") != 0) {
    options.config.nlp = parse_on_off("nlp", values["nlp"].as<std::string>());
  }
  options.config.tone_disabler = dsp::ToneDisablerMode::phase_reversal;
  if (values.count("tone-disabler") != 0) {
    options.config.tone_disabler = parse_tone_disabler(values["tone-disabler"].as<std::string>());
  }
  options.config.high_pass_hz = 0.0f;
  if (values.count("high-pass") != 0) {
    const auto& text = values["high-pass"].as<std::string>();
    options.config.high_pass_hz = parse_high_pass(text);
    // The canceller decides which frequencies it takes.
    dsp::EchoCancellerConfig without = options.config;
    without.high_pass_hz = 0.0f;
    if (const std::optional<std::string> problem = options.config.validate();
        problem && !without.validate()) {
      throw UsageError("invalid --high-pass '" + text + "' (" + *problem + ")");
    }
  }
  if (const std::optional<std::string> problem = options.config.validate()) {
    throw UsageError("invalid echo canceller settings: " + *problem);
  }
  options.isa = values.count("isa") != 0 ? choose_isa(values["isa"].as<std::string>(), err)
                                         : dsp::active_isa();
  require_files(values);
  options.far = file_option(values, "far");
  options.near = file_option(values, "near");
  options.out = file_option(values, "out");
  return options;
}

// The capture, or nothing after one line on err naming the file.
std::string sample_count(size_t samples) {
  return std::to_string(samples) + (samples == 1 ? " sample" : " samples");
}

// Cancels in place, one tick at a time; with `snapshots`, keeps the metrics
// after every tick that ends a whole second.
void cancel(const EchoOptions& options, std::span<const int16_t> far, std::span<int16_t> near,
            std::vector<Snapshot>* snapshots, dsp::EchoCancellerMetrics& final_metrics) {
  dsp::EchoCanceller canceller(options.config, options.isa);
  for (size_t offset = 0; offset < near.size(); offset += kTickSamples) {
    const size_t length = std::min(kTickSamples, near.size() - offset);
    canceller.process(far.subspan(offset, length), near.subspan(offset, length));
    const size_t done = offset + length;
    if (snapshots != nullptr && done % kSamplesPerSecond == 0) {
      snapshots->push_back({done, canceller.metrics()});
    }
  }
  final_metrics = canceller.metrics();
}

void print_stats(const std::vector<Snapshot>& snapshots,
                 const dsp::EchoCancellerMetrics& final_metrics, uint64_t samples, bool json,
                 std::ostream& out) {
  const auto line = json ? echo_stats_json : echo_stats_text;
  for (const Snapshot& snapshot : snapshots) {
    out << line(snapshot.metrics, snapshot.samples, EchoStatsLine::at_second) << "\n";
  }
  out << line(final_metrics, samples, EchoStatsLine::summary) << "\n";
}

}  // namespace

int run_echo_command(CommandArgs args, std::ostream& out, std::ostream& err) {
  std::optional<EchoOptions> options;
  try {
    options = parse_options(args, err);
  } catch (const UsageError& error) {
    return report_usage_error(err, "echo", error);
  }
  if (!options) {
    print_help(out);
    return kExitOk;
  }

  // Both inputs are read whole before OUT is touched: a bad input leaves OUT as it was.
  std::optional<driver::Capture> far = read_capture_reporting(options->far, options->format, err);
  if (!far) return kExitUsage;
  std::optional<driver::Capture> near = read_capture_reporting(options->near, options->format, err);
  if (!near) return kExitUsage;
  if (far->samples.size() != near->samples.size()) {
    err << "ivr-replay: echo: FAR (" << options->far << ") has "
        << sample_count(far->samples.size()) << " but NEAR (" << options->near << ") has "
        << near->samples.size() << "\n";
    return kExitUsage;
  }

  std::vector<Snapshot> snapshots;
  dsp::EchoCancellerMetrics final_metrics;
  cancel(*options, far->samples, near->samples, options->stats ? &snapshots : nullptr,
         final_metrics);

  if (!write_capture_reporting(options->out, near->samples, near->format, err)) return kExitUsage;

  if (options->stats) {
    print_stats(snapshots, final_metrics, near->samples.size(), options->json, out);
  }
  return kExitOk;
}

}  // namespace ivrd::ivr::replay
