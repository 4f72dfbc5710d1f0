// Parser of libtonezone's tone descriptions (grammar in tone_zone.hpp).

#include <cctype>
#include <charconv>
#include <string>
#include <string_view>

#include "ivrd/dsp/tone_zone.hpp"

namespace ivrd::dsp {
namespace {

constexpr std::array<std::string_view, kCallProgressToneCount> kToneNames{
    "dial", "ringback", "busy", "congestion", "sit", "disconnect"};

bool read_number(std::string_view& text, long& value) {
  const char* first = text.data();
  const char* last = text.data() + text.size();
  const auto [end, ec] = std::from_chars(first, last, value);
  if (ec != std::errc() || end == first) return false;
  text.remove_prefix(static_cast<size_t>(end - first));
  return true;
}

// One segment; false with *error set when it does not parse.
bool parse_segment(std::string_view text, ToneSegment& segment, std::string& error) {
  const std::string quoted = "'" + std::string(text) + "'";
  if (!text.empty() && text.front() == '!') {
    segment.once = true;
    text.remove_prefix(1);
  }
  long frequency = 0;
  if (!read_number(text, frequency) || frequency < 0 || frequency > 4000) {
    error = "segment " + quoted + ": expected a frequency in Hz (0 to 4000)";
    return false;
  }
  if (frequency > 0) {
    segment.frequencies_hz[0] = static_cast<float>(frequency);
    segment.frequency_count = 1;
  }
  while (!text.empty() && text.front() != '/') {
    const char op = text.front();
    text.remove_prefix(1);
    if (op == '@') {
      segment.level_db = -10.0f;
      continue;
    }
    long value = 0;
    if ((op != '+' && op != '*') || !read_number(text, value) || value <= 0 || value > 4000) {
      error = "segment " + quoted + ": expected '+F', '*F', '@' or '/MS' after a frequency";
      return false;
    }
    if (segment.frequency_count == 0) {
      error = "segment " + quoted + ": silence cannot be combined with a frequency";
      return false;
    }
    if (op == '*') {
      if (segment.modulation_hz != 0.0f || segment.frequency_count != 1) {
        error = "segment " + quoted + ": '*' modulates one frequency by one frequency";
        return false;
      }
      segment.modulation_hz = static_cast<float>(value);
    } else {
      if (segment.frequency_count == 3 || segment.modulation_hz != 0.0f) {
        error = "segment " + quoted + ": at most three frequencies, and none with '*'";
        return false;
      }
      segment.frequencies_hz[static_cast<size_t>(segment.frequency_count++)] =
          static_cast<float>(value);
    }
  }
  if (!text.empty()) {
    text.remove_prefix(1);  // '/'
    long ms = 0;
    if (!read_number(text, ms) || ms < 0 || ms > 600000) {
      error = "segment " + quoted + ": expected a duration in ms after '/'";
      return false;
    }
    segment.duration_ms = static_cast<uint32_t>(ms);
    // libtonezone stops at the first character sscanf does not read; the
    // table has one such typo ("!400/100!0/100", New Zealand's dial recall),
    // which it plays as "!400/100". Do the same.
  }
  return true;
}

}  // namespace

std::string_view tone_name(CallProgressTone tone) noexcept {
  const auto index = static_cast<size_t>(tone);
  return index < kToneNames.size() ? kToneNames[index] : std::string_view("?");
}

std::optional<CallProgressTone> tone_from_name(std::string_view name) noexcept {
  for (size_t i = 0; i < kToneNames.size(); ++i) {
    if (kToneNames[i] == name) return static_cast<CallProgressTone>(i);
  }
  return std::nullopt;
}

size_t ToneDefinition::repeat_start() const noexcept {
  for (size_t i = 0; i < segments.size(); ++i) {
    if (!segments[i].once) return i;
  }
  return segments.size();
}

std::optional<ToneDefinition> parse_tone_description(std::string_view text, std::string* error) {
  ToneDefinition tone;
  tone.description = std::string(text);
  std::string problem;
  if (text.empty()) problem = "empty tone description";
  while (problem.empty() && !text.empty()) {
    const size_t comma = text.find(',');
    const std::string_view part = text.substr(0, comma);
    text = comma == std::string_view::npos ? std::string_view() : text.substr(comma + 1);
    if (part.empty()) {
      problem = "empty segment";
      break;
    }
    ToneSegment segment;
    if (!parse_segment(part, segment, problem)) break;
    // A segment of no time ("950/0") plays nothing: DAHDI skips it too.
    if (segment.duration_ms == 0 && part.find('/') != std::string_view::npos) continue;
    tone.segments.push_back(segment);
  }
  if (problem.empty() && tone.segments.empty()) problem = "no segment lasts any time";
  if (!problem.empty()) {
    if (error != nullptr) *error = problem;
    return std::nullopt;
  }
  return tone;
}

}  // namespace ivrd::dsp
