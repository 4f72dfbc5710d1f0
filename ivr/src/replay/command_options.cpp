#include "command_options.hpp"

#include <cctype>
#include <exception>
#include <ostream>

namespace ivrd::ivr::replay {

std::vector<std::string> join_negative_values(CommandArgs args,
                                              std::initializer_list<std::string_view> options) {
  const auto takes_value = [&options](const std::string& arg) {
    for (std::string_view option : options) {
      if (arg == option) return true;
    }
    return false;
  };
  std::vector<std::string> joined;
  for (size_t i = 0; i < args.size(); ++i) {
    if (takes_value(args[i]) && i + 1 < args.size() && args[i + 1].size() > 1 &&
        args[i + 1][0] == '-' &&
        (std::isdigit(static_cast<unsigned char>(args[i + 1][1])) || args[i + 1][1] == '.')) {
      joined.push_back(args[i] + "=" + args[i + 1]);
      ++i;
    } else {
      joined.push_back(args[i]);
    }
  }
  return joined;
}

dsp::Isa choose_isa(const std::string& name, std::ostream& err) {
  const std::optional<dsp::Isa> wanted = dsp::parse_isa(name);
  if (!wanted) {
    throw UsageError("unknown --isa '" + name + "' (choose scalar, sse41, avx2 or avx512)");
  }
  dsp::Isa isa = *wanted;
  while (!dsp::isa_supported(isa)) isa = static_cast<dsp::Isa>(static_cast<int>(isa) - 1);
  if (isa != *wanted) {
    err << "ivr-replay: --isa " << name << " is not supported by this CPU; using "
        << dsp::isa_name(isa) << "\n";
  }
  return isa;
}

driver::AudioFormat parse_format_option(const std::string& name) {
  const std::optional<driver::AudioFormat> format = driver::parse_audio_format(name);
  if (!format) {
    throw UsageError("unknown --format '" + name + "' (choose " +
                     std::string(driver::audio_format_names()) + ")");
  }
  return *format;
}

std::optional<boost::program_options::variables_map> parse_command_line(
    CommandArgs args, const boost::program_options::options_description& visible,
    const char* positional_name, std::initializer_list<std::string_view> negative_value_options) {
  namespace po = boost::program_options;
  po::options_description all = visible;
  all.add_options()(positional_name, po::value<std::vector<std::string>>());
  po::positional_options_description positional;
  positional.add(positional_name, -1);

  po::variables_map values;
  try {
    const std::vector<std::string> joined = join_negative_values(args, negative_value_options);
    po::store(
        po::command_line_parser(joined)
            .options(all)
            .positional(positional)
            .style(po::command_line_style::default_style & ~po::command_line_style::allow_guessing)
            .run(),
        values);
    po::notify(values);
  } catch (const po::error& error) {
    throw UsageError(error.what());
  }
  if (values.count("help") != 0) return std::nullopt;
  return values;
}

std::vector<std::string> files_given(const boost::program_options::variables_map& values) {
  std::vector<std::string> files;
  if (values.count("file") != 0) files = values["file"].as<std::vector<std::string>>();
  if (files.empty()) throw UsageError("missing FILE");
  return files;
}

int report_usage_error(std::ostream& err, std::string_view command, const UsageError& error) {
  err << "ivr-replay: " << error.what() << "\nTry 'ivr-replay " << command
      << " --help' for usage.\n";
  return kExitUsage;
}

std::optional<driver::Capture> read_capture_reporting(const std::string& file,
                                                      std::optional<driver::AudioFormat> format,
                                                      std::ostream& err) {
  try {
    return driver::read_capture(file, format);
  } catch (const driver::AudioFileError& error) {
    err << "ivr-replay: " << file << ": " << error.problem() << "\n";
  } catch (const std::exception& error) {  // e.g. a capture too large for memory
    err << "ivr-replay: " << file << ": " << error.what() << "\n";
  }
  return std::nullopt;
}

bool write_capture_reporting(const std::string& file, std::span<const int16_t> pcm,
                             std::optional<driver::AudioFormat> format, std::ostream& err) {
  try {
    driver::write_capture(file, pcm, format);
    return true;
  } catch (const driver::AudioFileError& error) {
    err << "ivr-replay: " << file << ": " << error.problem() << "\n";
  } catch (const std::exception& error) {
    err << "ivr-replay: " << file << ": " << error.what() << "\n";
  }
  return false;
}

}  // namespace ivrd::ivr::replay
