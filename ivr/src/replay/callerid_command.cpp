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
#include "ivrd/dsp/caller_id.hpp"
#include "ivrd/dsp/isa.hpp"
#include "ivrd/ivr/replay.hpp"

#include "command_options.hpp"
#include "event_order.hpp"
#include "text_output.hpp"

namespace ivrd::ivr::replay {
namespace {

namespace po = boost::program_options;

// One DAHDI tick: what the daemon hands the receiver per channel every 20 ms.
constexpr size_t kTickSamples = 160;

struct CallerIdOptions {
  bool json = false;
  std::optional<driver::AudioFormat> format;
  dsp::Isa isa = dsp::Isa::scalar;
  dsp::CallerIdReceiverConfig config;
  std::vector<std::string> files;
};

struct Channel {
  std::string file;
  std::vector<int16_t> samples;
  std::vector<dsp::CallerIdMessage> messages;
};

po::options_description visible_options() {
  po::options_description options("Options");
  options.add_options()                                                            //
      ("help,h", "print this help and exit")                                       //
      ("json", "one JSON object per message and line instead of text for people")  //
      ("format", po::value<std::string>()->value_name("F"),
       "read every file as F: ulaw, alaw, s16 (also sln, raw) or wav, whatever its "
       "extension")  //
      ("isa", po::value<std::string>()->value_name("I"),
       "DTMF kernel variant: scalar, sse41, avx2 or avx512 (default: the best this CPU runs, "
       "lowered by IVRD_ISA)")  //
      ("min-level", po::value<float>()->value_name("DBM0"),
       "ignore FSK signals weaker than this level, in dBm0 (default -45)");
  return options;
}

void print_help(std::ostream& out) {
  out << "Usage: ivr-replay callerid [options] FILE...\n"
         "Prints the caller ID messages in each capture file: Bell 202 and V.23 FSK (SDMF and\n"
         "MDMF) and DTMF caller ID, with their start time.\n\n"
      << visible_options()
      << "\nOutput: '<file>: <format>  at <start> ms: number <number>, name \"<name>\", date "
         "<MMDDhhmm>'\n"
         "per message and a summary line per file; with --json one object per message and line:\n"
         "  {\"file\": \"a.ul\", \"start_ms\": 1234.5, \"format\": \"bell202_mdmf\", \"number\": "
         "\"5551234\",\n"
         "   \"name\": \"JOHN DOE\", \"datetime\": \"12251030\", \"absence\": null, \"valid\": "
         "true}\n"
         "format is bell202_sdmf, bell202_mdmf, v23_sdmf, v23_mdmf or dtmf; absence is private,\n"
         "out_of_area or null; valid is false when the checksum (or the message) was wrong, and\n"
         "then number, name and datetime are null.\n"
         "Exit status: 0 on success (also when no message is found), 2 on a usage error or\n"
         "when a file could not be used (the others are still processed).\n";
}

// Returns nothing when --help was asked for.
std::optional<CallerIdOptions> parse_options(CommandArgs args, std::ostream& err) {
  const std::optional<po::variables_map> parsed =
      parse_command_line(args, visible_options(), "file", {"--min-level"});
  if (!parsed) return std::nullopt;
  const po::variables_map& values = *parsed;

  CallerIdOptions options;
  options.json = values.count("json") != 0;
  if (values.count("format") != 0) {
    options.format = parse_format_option(values["format"].as<std::string>());
  }
  options.isa = values.count("isa") != 0 ? choose_isa(values["isa"].as<std::string>(), err)
                                         : dsp::active_isa();
  if (values.count("min-level") != 0) {
    const float level = values["min-level"].as<float>();
    if (!std::isfinite(level) || level > 3.0f) {
      throw UsageError("--min-level must be a finite number of dBm0, at most 3");
    }
    options.config.min_level_dbm0 = level;
  }
  options.files = files_given(values);
  return options;
}

void receive(Channel& channel, const CallerIdOptions& options) {
  dsp::CallerIdReceiver receiver(options.config, options.isa);
  auto sink = [&channel](const dsp::CallerIdMessage& message) {
    channel.messages.push_back(message);
  };
  const std::span<const int16_t> samples(channel.samples);
  for (size_t offset = 0; offset < samples.size(); offset += kTickSamples) {
    receiver.rx(samples.subspan(offset, std::min(kTickSamples, samples.size() - offset)), sink);
  }
  receiver.flush(sink);
  sort_by_start(channel.messages);
}

// A JSON string, or null when the text is empty.
std::string json_text_or_null(std::string_view text) {
  return text.empty() ? "null" : json_quote(text);
}

// In the order the messages occur across all files (by start, then by the
// order the files were given), as for ivr-replay dtmf.
void receive_all(std::vector<Channel>& channels, const CallerIdOptions& options) {
  for (Channel& channel : channels) receive(channel, options);
}

void print_json(const std::vector<Channel>& channels, std::ostream& out) {
  const auto found = in_time_order<dsp::CallerIdMessage>(
      channels, [](const Channel& channel) -> const auto& { return channel.messages; });
  std::vector<std::string> quoted_files;
  for (const Channel& channel : channels) quoted_files.push_back(json_quote(channel.file));
  for (const auto& line : found) {
    const dsp::CallerIdMessage& message = *line.event;
    out << "{\"file\": " << quoted_files[line.channel]
        << ", \"start_ms\": " << exact_ms_at_8k(message.start_sample)
        << ", \"format\": " << json_quote(dsp::caller_id_format_name(message.format))
        << ", \"number\": " << json_text_or_null(message.number.view())
        << ", \"name\": " << json_text_or_null(message.name.view())
        << ", \"datetime\": " << json_text_or_null(message.datetime.view())
        << ", \"absence\": " << json_text_or_null(dsp::caller_id_absence_name(message.absence))
        << ", \"valid\": " << (message.valid ? "true" : "false") << "}\n";
  }
}

std::string absence_words(dsp::CallerIdAbsence absence) {
  return absence == dsp::CallerIdAbsence::private_number ? "private" : "out of area";
}

void print_text(const std::vector<Channel>& channels, std::ostream& out) {
  for (const Channel& channel : channels) {
    for (const dsp::CallerIdMessage& message : channel.messages) {
      out << channel.file << ": " << dsp::caller_id_format_name(message.format) << "  at "
          << rounded_ms_at_8k(message.start_sample) << " ms: ";
      if (!message.valid) {
        out << "not valid (checksum or message error)\n";
        continue;
      }
      std::vector<std::string> parts;
      if (message.absence != dsp::CallerIdAbsence::none) {
        parts.push_back("number " + absence_words(message.absence));
      } else if (!message.number.empty()) {
        parts.push_back("number " + message.number.str());
      }
      if (message.name_absence != dsp::CallerIdAbsence::none) {
        parts.push_back("name " + absence_words(message.name_absence));
      } else if (!message.name.empty()) {
        parts.push_back("name \"" + message.name.str() + "\"");
      }
      if (!message.datetime.empty()) parts.push_back("date " + message.datetime.str());
      if (parts.empty()) parts.push_back("no number");
      for (size_t i = 0; i < parts.size(); ++i) out << (i == 0 ? "" : ", ") << parts[i];
      out << "\n";
    }
    const size_t n = channel.messages.size();
    if (n == 0) {
      out << channel.file << ": no caller ID\n";
    } else {
      out << channel.file << ": " << n
          << (n == 1 ? " caller ID message\n" : " caller ID messages\n");
    }
  }
}

}  // namespace

int run_callerid_command(CommandArgs args, std::ostream& out, std::ostream& err) {
  return run_file_command<Channel>("callerid", args, out, err, parse_options, print_help,
                                   receive_all, print_json, print_text);
}

}  // namespace ivrd::ivr::replay
