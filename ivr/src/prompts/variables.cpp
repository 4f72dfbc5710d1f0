#include <cctype>
#include <string>

#include "ivrd/ivr/tts.hpp"

namespace ivrd::ivr {
namespace {

bool valid_name(std::string_view name) {
  if (name.empty() || std::isdigit(static_cast<unsigned char>(name.front()))) return false;
  for (const char c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_') return false;
  }
  return true;
}

std::string quoted(std::string_view text) { return "\"" + std::string(text) + "\""; }

std::string column(size_t index) { return "column " + std::to_string(index + 1); }

}  // namespace

std::string substitute_variables(std::string_view text, const PromptVariables& variables) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '}') {
      if (i + 1 < text.size() && text[i + 1] == '}') {
        out += '}';
        ++i;
        continue;
      }
      throw PromptError(quoted(text), "lone '}' at " + column(i) + " (write '}}' for a brace)");
    }
    if (c != '{') {
      out += c;
      continue;
    }
    if (i + 1 < text.size() && text[i + 1] == '{') {
      out += '{';
      ++i;
      continue;
    }
    const size_t close = text.find('}', i + 1);
    if (close == std::string_view::npos) {
      throw PromptError(quoted(text), "unclosed '{' at " + column(i) + " (write '{{' for a brace)");
    }
    const std::string_view name = text.substr(i + 1, close - i - 1);
    if (!valid_name(name)) {
      throw PromptError(quoted(text), "bad variable name '" + std::string(name) + "' at " +
                                          column(i) + " (letters, digits and '_')");
    }
    const auto value = variables.find(name);
    if (value == variables.end()) {
      throw PromptError(quoted(text), "unknown variable '" + std::string(name) + "'");
    }
    out += value->second;
    i = close;
  }
  return out;
}

}  // namespace ivrd::ivr
