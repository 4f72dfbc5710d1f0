#include <algorithm>
#include <cmath>
#include <cstdint>
#include <exception>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include <boost/program_options.hpp>

#include "ivrd/driver/audio_file.hpp"
#include "ivrd/dsp/call_progress_detector.hpp"
#include "ivrd/dsp/tone_zone.hpp"
#include "ivrd/ivr/replay.hpp"

#include "command_options.hpp"
#include "event_order.hpp"
#include "text_output.hpp"

namespace ivrd::ivr::replay {
namespace {

namespace po = boost::program_options;

// One DAHDI tick: what the daemon hands each channel's detector every 20 ms.
constexpr size_t kTickSamples = 160;

struct TonesOptions {
  bool json = false;
  std::optional<driver::AudioFormat> format;
  const dsp::ToneZone* zone = nullptr;
  dsp::CallProgressConfig config;
  std::vector<std::string> files;
};

struct Channel {
  std::string file;
  std::vector<int16_t> samples;
  std::vector<dsp::CallProgressEvent> tones;
};

po::options_description visible_options() {
  po::options_description options("Options");
  options.add_options()                                                         //
      ("help,h", "print this help and exit")                                    //
      ("json", "one JSON object per tone and line instead of text for people")  //
      ("zone", po::value<std::string>()->value_name("ZZ"),
       "the country tone zone of the line, as libtonezone names it: us (default), uk, de, "
       "fr, au, ...")  //
      ("format", po::value<std::string>()->value_name("F"),
       "read every file as F: ulaw, alaw, s16 (also sln, raw) or wav, whatever its "
       "extension")  //
      ("in-call",
       "the captures are of answered calls: report busy and congestion as "
       "disconnect")  //
      ("min-level", po::value<float>()->value_name("DBM0"),
       "ignore tones weaker than this level, in dBm0 (default -45)");
  return options;
}

void print_help(std::ostream& out) {
  out << "Usage: ivr-replay tones [options] FILE...\n"
         "Prints the call-progress tones (dial, ringback, busy, congestion, sit, disconnect)\n"
         "in each capture file with their start time and duration, recognised by frequency\n"
         "and cadence as the zone's tone table gives them.\n"
         "Several files are processed as concurrent channels.\n\n"
      << visible_options()
      << "\nOutput: '<file>: <tone>  at <start> ms (<duration> ms)' per tone and a summary\n"
         "line per file; with --json one object per tone and line:\n"
         "  {\"file\": \"a.ul\", \"tone\": \"busy\", \"start_ms\": 1000.0, \"end_ms\": "
         "4500.0}\n"
         "Exit status: 0 on success (also when no tone is found), 2 on a usage error or\n"
         "when a file could not be used (the others are still processed).\n";
}

// Returns nothing when --help was asked for.
std::optional<TonesOptions> parse_options(CommandArgs args) {
  const std::optional<po::variables_map> parsed =
      parse_command_line(args, visible_options(), "file", {"--min-level"});
  if (!parsed) return std::nullopt;
  const po::variables_map& values = *parsed;

  TonesOptions options;
  options.json = values.count("json") != 0;
  if (values.count("format") != 0) {
    options.format = parse_format_option(values["format"].as<std::string>());
  }
  const std::string zone = values.count("zone") != 0 ? values["zone"].as<std::string>() : "us";
  options.zone = dsp::find_tone_zone(zone);
  if (options.zone == nullptr) {
    throw UsageError("unknown --zone '" + zone + "' (" + dsp::tone_zone_hint(zone) + ")");
  }
  options.config.in_call = values.count("in-call") != 0;
  if (values.count("min-level") != 0) {
    const float level = values["min-level"].as<float>();
    if (!std::isfinite(level)) throw UsageError("--min-level must be a finite number of dBm0");
    options.config.min_level_dbm0 = level;
  }
  if (const std::optional<std::string> problem = options.config.validate()) {
    throw UsageError("invalid tone detector settings: " + *problem);
  }
  options.files = files_given(values);
  return options;
}

void detect(std::vector<Channel>& channels, const TonesOptions& options) {
  std::vector<dsp::CallProgressDetector> detectors;
  detectors.reserve(channels.size());
  for (size_t c = 0; c < channels.size(); ++c)
    detectors.emplace_back(*options.zone, options.config);
  size_t longest = 0;
  for (const Channel& channel : channels) longest = std::max(longest, channel.samples.size());

  for (size_t offset = 0; offset < longest; offset += kTickSamples) {
    for (size_t c = 0; c < channels.size(); ++c) {
      const std::vector<int16_t>& samples = channels[c].samples;
      if (offset >= samples.size()) continue;  // this capture has ended
      auto sink = [&channels, c](const dsp::CallProgressEvent& event) {
        if (event.kind == dsp::CallProgressEventKind::end) channels[c].tones.push_back(event);
      };
      detectors[c].rx(std::span<const int16_t>(samples.data() + offset,
                                               std::min(kTickSamples, samples.size() - offset)),
                      sink);
    }
  }
  for (size_t c = 0; c < channels.size(); ++c) {
    auto sink = [&channels, c](const dsp::CallProgressEvent& event) {
      if (event.kind == dsp::CallProgressEventKind::end) channels[c].tones.push_back(event);
    };
    detectors[c].flush(sink);
    sort_by_start(channels[c].tones);
  }
}

// In the order the tones occur across all files (by start, then by the order
// the files were given).
void print_json(const std::vector<Channel>& channels, std::ostream& out) {
  const auto found = in_time_order<dsp::CallProgressEvent>(
      channels, [](const Channel& channel) -> const auto& { return channel.tones; });
  std::vector<std::string> quoted_files;
  for (const Channel& channel : channels) quoted_files.push_back(json_quote(channel.file));
  for (const auto& line : found) {
    const dsp::CallProgressEvent& event = *line.event;
    out << "{\"file\": " << quoted_files[line.channel]
        << ", \"tone\": " << json_quote(dsp::tone_name(event.tone))
        << ", \"start_ms\": " << exact_ms_at_8k(event.start_sample)
        << ", \"end_ms\": " << exact_ms_at_8k(event.end_sample) << "}\n";
  }
}

void print_text(const std::vector<Channel>& channels, std::ostream& out) {
  for (const Channel& channel : channels) {
    for (const dsp::CallProgressEvent& event : channel.tones) {
      out << channel.file << ": " << dsp::tone_name(event.tone) << "  at "
          << rounded_ms_at_8k(event.start_sample) << " ms ("
          << rounded_ms_at_8k(event.end_sample - event.start_sample) << " ms)\n";
    }
    const size_t n = channel.tones.size();
    if (n == 0) {
      out << channel.file << ": no tones\n";
    } else {
      out << channel.file << ": " << n << (n == 1 ? " tone\n" : " tones\n");
    }
  }
}

}  // namespace

int run_tones_command(CommandArgs args, std::ostream& out, std::ostream& err) {
  return run_file_command<Channel>(
      "tones", args, out, err, [](CommandArgs a, std::ostream&) { return parse_options(a); },
      print_help, detect, print_json, print_text);
}

}  // namespace ivrd::ivr::replay
