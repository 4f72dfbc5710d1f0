#include <algorithm>
#include <cmath>
#include <cstdint>
#include <exception>
#include <optional>
#include <ostream>
#include <sstream>
#include <string>
#include <vector>

#include <boost/program_options.hpp>

#include "ivrd/driver/audio_file.hpp"
#include "ivrd/dsp/dtmf_detector.hpp"
#include "ivrd/dsp/isa.hpp"
#include "ivrd/ivr/replay.hpp"

#include "command_options.hpp"
#include "event_order.hpp"
#include "text_output.hpp"

namespace ivrd::ivr::replay {
namespace {

namespace po = boost::program_options;

// One DAHDI tick: what the daemon hands the bank per channel every 20 ms.
constexpr size_t kTickSamples = 160;

struct DtmfOptions {
  bool json = false;
  std::optional<driver::AudioFormat> format;
  dsp::Isa isa = dsp::Isa::scalar;
  dsp::DtmfConfig config;
  std::vector<std::string> files;
};

struct Channel {
  std::string file;
  std::vector<int16_t> samples;
  std::vector<dsp::DtmfEvent> digits;
};

std::string administration_names() {
  std::string names;
  for (const dsp::DtmfAdministration& administration : dsp::dtmf_administrations()) {
    if (!names.empty()) names += ", ";
    names += administration.name;
  }
  return names;
}

po::options_description visible_options() {
  po::options_description options("Options");
  options.add_options()                                                          //
      ("help,h", "print this help and exit")                                     //
      ("json", "one JSON object per digit and line instead of text for people")  //
      ("format", po::value<std::string>()->value_name("F"),
       "read every file as F: ulaw, alaw, s16 (also sln, raw) or wav, whatever its "
       "extension")  //
      ("isa", po::value<std::string>()->value_name("I"),
       "kernel variant: scalar, sse41, avx2 or avx512 (default: the best this CPU runs, "
       "lowered by IVRD_ISA)")  //
      ("administration", po::value<std::string>()->value_name("NAME"),
       ("DTMF receiver settings of an administration: " + administration_names()).c_str())  //
      ("min-level", po::value<float>()->value_name("DBM0"),
       "ignore tones weaker than this level per tone, in dBm0");
  return options;
}

void print_help(std::ostream& out) {
  out << "Usage: ivr-replay dtmf [options] FILE...\n"
         "Prints the DTMF digits in each capture file with their start time and duration.\n"
         "Several files are processed as concurrent channels.\n\n"
      << visible_options()
      << "\nOutput: '<file>: <digit>  at <start> ms (<duration> ms)' per digit and a summary\n"
         "line per file; with --json one object per digit and line:\n"
         "  {\"file\": \"a.ul\", \"digit\": \"5\", \"start_ms\": 1234.5, \"end_ms\": 1290.0}\n"
         "Exit status: 0 on success (also when no digit is found), 2 on a usage error or\n"
         "when a file could not be used (the others are still processed).\n";
}

// Returns nothing when --help was asked for.
std::optional<DtmfOptions> parse_options(CommandArgs args, std::ostream& err) {
  const std::optional<po::variables_map> parsed =
      parse_command_line(args, visible_options(), "file", {"--min-level"});
  if (!parsed) return std::nullopt;
  const po::variables_map& values = *parsed;

  DtmfOptions options;
  options.json = values.count("json") != 0;
  if (values.count("format") != 0) {
    options.format = parse_format_option(values["format"].as<std::string>());
  }
  options.isa = values.count("isa") != 0 ? choose_isa(values["isa"].as<std::string>(), err)
                                         : dsp::active_isa();
  if (values.count("administration") != 0) {
    const auto& name = values["administration"].as<std::string>();
    const std::optional<dsp::DtmfConfig> config = dsp::dtmf_config_for(name);
    if (!config) {
      throw UsageError("unknown --administration '" + name + "' (known: " + administration_names() +
                       ")");
    }
    options.config = *config;
  }
  if (values.count("min-level") != 0) {
    const float level = values["min-level"].as<float>();
    if (!std::isfinite(level)) throw UsageError("--min-level must be a finite number of dBm0");
    options.config.min_tone_level_dbm0 = level;
  }
  if (const std::optional<std::string> problem = options.config.validate()) {
    throw UsageError("invalid DTMF receiver settings: " + *problem);
  }
  options.files = files_given(values);
  return options;
}

void detect(std::vector<Channel>& channels, const DtmfOptions& options) {
  if (channels.empty()) return;
  dsp::DtmfDetectorBank bank(channels.size(), options.config, options.isa);
  auto sink = [&channels](size_t channel, const dsp::DtmfEvent& event) {
    if (event.kind == dsp::DtmfEventKind::end) channels[channel].digits.push_back(event);
  };
  size_t longest = 0;
  for (const Channel& channel : channels) longest = std::max(longest, channel.samples.size());

  std::vector<std::span<const int16_t>> blocks(channels.size());
  for (size_t offset = 0; offset < longest; offset += kTickSamples) {
    for (size_t c = 0; c < channels.size(); ++c) {
      const std::vector<int16_t>& samples = channels[c].samples;
      // A channel whose capture has ended gets empty blocks from then on.
      blocks[c] = offset < samples.size()
                      ? std::span<const int16_t>(samples.data() + offset,
                                                 std::min(kTickSamples, samples.size() - offset))
                      : std::span<const int16_t>();
    }
    bank.rx(std::span<const std::span<const int16_t>>(blocks), sink);
  }
  bank.flush(sink);

  for (Channel& channel : channels) {
    sort_by_start(channel.digits);
  }
}

// In the order the digits occur across all files (by start, then by the
// order the files were given), as a rig following several lines sees them.
void print_json(const std::vector<Channel>& channels, std::ostream& out) {
  const auto found = in_time_order<dsp::DtmfEvent>(
      channels, [](const Channel& channel) -> const auto& { return channel.digits; });
  std::vector<std::string> quoted_files;
  for (const Channel& channel : channels) quoted_files.push_back(json_quote(channel.file));
  for (const auto& line : found) {
    const dsp::DtmfEvent& event = *line.event;
    out << "{\"file\": " << quoted_files[line.channel]
        << ", \"digit\": " << json_quote(std::string(1, event.digit))
        << ", \"start_ms\": " << exact_ms_at_8k(event.start_sample)
        << ", \"end_ms\": " << exact_ms_at_8k(event.start_sample + event.duration_samples) << "}\n";
  }
}

void print_text(const std::vector<Channel>& channels, std::ostream& out) {
  for (const Channel& channel : channels) {
    std::string digits;
    for (const dsp::DtmfEvent& event : channel.digits) {
      out << channel.file << ": " << event.digit << "  at " << rounded_ms_at_8k(event.start_sample)
          << " ms (" << rounded_ms_at_8k(event.duration_samples) << " ms)\n";
      digits.push_back(event.digit);
    }
    if (digits.empty()) {
      out << channel.file << ": no digits\n";
    } else {
      out << channel.file << ": " << digits << " (" << digits.size()
          << (digits.size() == 1 ? " digit)\n" : " digits)\n");
    }
  }
}

}  // namespace

int run_dtmf_command(CommandArgs args, std::ostream& out, std::ostream& err) {
  return run_file_command<Channel>("dtmf", args, out, err, parse_options, print_help, detect,
                                   print_json, print_text);
}

}  // namespace ivrd::ivr::replay
