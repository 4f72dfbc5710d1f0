#include "command_options.hpp"

#include <cctype>
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

}  // namespace ivrd::ivr::replay
