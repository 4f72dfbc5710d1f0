#include "ivrd/ivr/prompt_library.hpp"

#include <charconv>
#include <filesystem>
#include <optional>
#include <utility>

#include "ivrd/ivr/prompt_fragments.hpp"
#include "ivrd/ivr/spoken.hpp"

namespace ivrd::ivr {
namespace {

constexpr std::string_view kLanguagePlaceholder = "{language}";

// A piece of spoken text: literal text (plain variables left in for
// substitute_variables) or one "{name:format}".
struct TextPiece {
  std::string text;
  std::string variable;  // set for a formatted value
  std::string format;
};

std::vector<TextPiece> split_formatted(const std::string& text) {
  std::vector<TextPiece> pieces(1);
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if ((c == '{' || c == '}') && i + 1 < text.size() && text[i + 1] == c) {
      pieces.back().text += text.substr(i, 2);  // an escaped brace stays escaped
      ++i;
      continue;
    }
    if (c == '{') {
      const size_t close = text.find('}', i);
      const size_t colon = text.find(':', i);
      if (close != std::string::npos && colon != std::string::npos && colon < close) {
        TextPiece formatted;
        formatted.variable = text.substr(i + 1, colon - i - 1);
        formatted.format = text.substr(colon + 1, close - colon - 1);
        pieces.push_back(std::move(formatted));
        pieces.emplace_back();
        i = close;
        continue;
      }
    }
    pieces.back().text.push_back(c);
  }
  return pieces;
}

bool blank(std::string_view text) {
  return text.find_first_not_of(" \t\r\n,.;") == std::string_view::npos;
}

std::optional<int> number_in(std::string_view text) {
  int value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

// "HH:MM" -> hour and minute.
std::optional<std::pair<int, int>> time_in(std::string_view text) {
  if (text.size() != 5 || text[2] != ':') return std::nullopt;
  const auto hour = number_in(text.substr(0, 2));
  const auto minute = number_in(text.substr(3, 2));
  if (!hour || !minute || *hour > 23 || *minute > 59) return std::nullopt;
  return std::pair{*hour, *minute};
}

std::optional<ivr::Date> date_in(std::string_view text) {
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') return std::nullopt;
  const auto year = number_in(text.substr(0, 4));
  const auto month = number_in(text.substr(5, 2));
  const auto day = number_in(text.substr(8, 2));
  if (!year || !month || !day) return std::nullopt;
  return ivr::Date{*year, *month, *day};
}

std::string digits_spaced(std::string_view digits) {
  std::string out;
  for (const char c : digits) {
    if (!out.empty()) out.push_back(' ');
    if (c == '*') {
      out += "star";
    } else if (c == '#') {
      out += "hash";
    } else {
      out.push_back(c);
    }
  }
  return out;
}

}  // namespace

PromptLibrary::PromptLibrary(std::shared_ptr<const Config> config, PromptCache& cache, Tts& tts)
    : config_(std::move(config)), cache_(cache), tts_(tts) {}

const std::string& PromptLibrary::language_or_default(std::string_view language) const {
  const auto found = config_->speech.voices.find(std::string(language));
  if (found != config_->speech.voices.end()) return found->first;
  return config_->speech.default_language;
}

std::vector<std::string> PromptLibrary::preload() {
  std::vector<std::string> problems;
  for (const auto& [name, prompt] : config_->prompts) {
    for (const auto& [language, voice] : config_->speech.voices) {
      try {
        if (prompt.is_file()) {
          resolve(name, language, {});
          continue;
        }
        const auto& texts = std::get<PromptSpeech>(prompt.content).text;
        const auto text = texts.find(language);
        const std::string& spoken =
            text != texts.end() ? text->second : texts.at(config_->speech.default_language);
        if (spoken.find('{') == std::string::npos) resolve(name, language, {});
      } catch (const PromptError& error) {
        problems.push_back(config_->file.string() + ":" + std::to_string(prompt.where.line) + ":" +
                           std::to_string(prompt.where.column) + ": error: prompt '" + name +
                           "' (" + language + "): " + error.what());
        break;  // one line per prompt is enough
      }
    }
  }
  return problems;
}

PromptSequence PromptLibrary::resolve(std::string_view name, std::string_view language,
                                      const PromptVariables& variables) {
  const auto found = config_->prompts.find(std::string(name));
  if (found == config_->prompts.end()) {
    throw PromptError("prompt '" + std::string(name) + "'", "not in the configuration");
  }
  const std::string& lang = language_or_default(language);
  const Prompt& prompt = found->second;
  if (const auto* file = std::get_if<PromptFile>(&prompt.content)) {
    std::string relative = file->file;
    for (size_t at = relative.find(kLanguagePlaceholder); at != std::string::npos;
         at = relative.find(kLanguagePlaceholder)) {
      relative.replace(at, kLanguagePlaceholder.size(), lang);
    }
    return {cache_.load(config_->appliance.prompts_dir / relative)};
  }
  const auto& texts = std::get<PromptSpeech>(prompt.content).text;
  const auto text = texts.find(lang);
  return speak(lang,
               text != texts.end() ? text->second : texts.at(config_->speech.default_language),
               variables);
}

PromptSequence PromptLibrary::speak(const std::string& language, const std::string& text,
                                    const PromptVariables& variables) {
  const std::string& voice = config_->speech.voices.at(language);
  const std::optional<Language> fragment_language = parse_language(language);
  const std::filesystem::path fragment_dir =
      config_->appliance.prompts_dir / "fragments" / language;
  const bool use_fragments = fragment_language && std::filesystem::is_directory(fragment_dir);

  PromptSequence sequence;
  for (const TextPiece& piece : split_formatted(text)) {
    if (piece.variable.empty()) {
      if (!blank(piece.text)) sequence.push_back(tts_.say(voice, piece.text, variables));
      continue;
    }
    const auto value_at = variables.find(piece.variable);
    if (value_at == variables.end()) {
      throw PromptError("\"" + text + "\"", "unknown variable '" + piece.variable + "'");
    }
    const std::string& value = value_at->second;
    const auto bad_value = [&](std::string_view expected) {
      return PromptError("variable '" + piece.variable + "'",
                         "'" + value + "' is not " + std::string(expected));
    };
    Fragments fragments;
    std::string words;
    if (piece.format == "number") {
      const auto number = number_in(value);
      if (!number || *number < 0) throw bad_value("a number");
      if (fragment_language) fragments = spoken_number(*fragment_language, uint64_t(*number));
      words = value;
    } else if (piece.format == "digits") {
      if (value.empty() || value.find_first_not_of("0123456789*#") != std::string::npos) {
        throw bad_value("digits");
      }
      if (fragment_language) fragments = spoken_digits(*fragment_language, value);
      words = digits_spaced(value);
    } else if (piece.format == "time") {
      const auto time = time_in(value);
      if (!time) throw bad_value("a time HH:MM");
      if (fragment_language) {
        fragments = spoken_time(*fragment_language, time->first, time->second, ClockStyle::h24);
      }
      words = value;
    } else if (piece.format == "date") {
      const auto date = date_in(value);
      if (!date) throw bad_value("a date YYYY-MM-DD");
      if (fragment_language) fragments = spoken_date(*fragment_language, *date);
      words = value;
    } else {
      throw PromptError("\"" + text + "\"", "unknown way to say a value: '" + piece.format + "'");
    }
    if (use_fragments) {
      FragmentLibrary library(cache_, &tts_, {{*fragment_language, fragment_dir}});
      for (auto& audio : library.resolve(*fragment_language, fragments).audio) {
        sequence.push_back(std::move(audio));
      }
    } else {
      sequence.push_back(tts_.say_literal(voice, words));
    }
  }
  return sequence;
}

std::string PromptLibrary::describe(std::string_view name, std::string_view language,
                                    const PromptVariables& variables) const {
  const auto found = config_->prompts.find(std::string(name));
  if (found == config_->prompts.end()) return "[" + std::string(name) + "]";
  const std::string& lang = language_or_default(language);
  if (const auto* file = std::get_if<PromptFile>(&found->second.content)) {
    return "[" + file->file + "]";
  }
  const auto& texts = std::get<PromptSpeech>(found->second.content).text;
  const auto text = texts.find(lang);
  std::string spoken =
      text != texts.end() ? text->second : texts.at(config_->speech.default_language);
  // Formatted values read as their plain value in a transcript.
  std::string plain;
  for (const TextPiece& piece : split_formatted(spoken)) {
    plain += piece.variable.empty() ? piece.text : "{" + piece.variable + "}";
  }
  try {
    return substitute_variables(plain, variables);
  } catch (const PromptError&) {
    return plain;
  }
}

}  // namespace ivrd::ivr
