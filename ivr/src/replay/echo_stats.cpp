#include "echo_stats.hpp"

#include <array>
#include <charconv>
#include <cmath>
#include <string_view>

#include "text_output.hpp"

namespace ivrd::ivr::replay {
namespace {

// Fixed-point with `decimals` digits, independent of the locale; "-0.0"
// becomes "0.0". Empty for a value that is not finite.
std::string fixed(double value, int decimals) {
  if (!std::isfinite(value)) return {};
  std::array<char, 64> buffer{};
  const auto [end, error] = std::to_chars(buffer.data(), buffer.data() + buffer.size(), value,
                                          std::chars_format::fixed, decimals);
  if (error != std::errc()) return {};
  std::string text(buffer.data(), end);
  if (text.starts_with('-') && text.find_first_not_of("-0.") == std::string::npos) text.erase(0, 1);
  return text;
}

std::string text_figure(float value) {
  const std::string text = fixed(value, 1);
  return text.empty() ? "nan" : text;
}

std::string json_figure(float value) {
  const std::string text = fixed(value, 1);
  return text.empty() ? "null" : text;
}

std::string two_decimal_seconds(uint64_t samples) {
  // Hundredths of a second, rounded half up: samples / 80.
  const uint64_t hundredths = (samples + 40) / 80;
  const uint64_t fraction = hundredths % 100;
  return std::to_string(hundredths / 100) + (fraction < 10 ? ".0" : ".") + std::to_string(fraction);
}

}  // namespace

std::string exact_seconds_at_8k(uint64_t samples) {
  // One sample is 125 microseconds.
  std::string out = std::to_string(samples / 8000);
  const uint64_t micros = (samples % 8000) * 125;
  std::string digits = std::to_string(micros);
  digits.insert(0, 6 - digits.size(), '0');
  while (digits.size() > 1 && digits.back() == '0') digits.pop_back();
  return out + "." + digits;
}

std::string echo_stats_text(const dsp::EchoCancellerMetrics& metrics, uint64_t samples,
                            EchoStatsLine kind) {
  std::string line = kind == EchoStatsLine::summary ? "summary: " : "";
  line += "t=" + two_decimal_seconds(samples) + "s";
  line += " erle=" + text_figure(metrics.erle_db) + "dB";
  line += " erl=" + text_figure(metrics.erl_db) + "dB";
  line += " residual=" + text_figure(metrics.residual_echo_dbm0) + "dBm0";
  line += " delay=" + text_figure(metrics.echo_delay_ms) + "ms";
  line += " far=" + text_figure(metrics.far_level_dbm0) + "dBm0";
  line += " near=" + text_figure(metrics.near_level_dbm0) + "dBm0";
  line += " background=" + text_figure(metrics.background_level_dbm0) + "dBm0";
  line += " talk=" + std::string(dsp::talk_state_name(metrics.talk_state));
  line += " nlp=" + std::string(dsp::nlp_state_name(metrics.nlp_state));
  line += std::string(" tone_disabled=") + (metrics.disabled_by_tone ? "yes" : "no");
  line += std::string(" converged=") + (metrics.converged ? "yes" : "no");
  if (kind == EchoStatsLine::summary) {
    line += " samples=" + std::to_string(samples);
    line += " filter_updates=" + std::to_string(metrics.filter_updates);
  }
  return line;
}

std::string echo_stats_json(const dsp::EchoCancellerMetrics& metrics, uint64_t samples,
                            EchoStatsLine kind) {
  std::string line = kind == EchoStatsLine::summary ? "{\"summary\":true," : "{";
  line += "\"t\":" + exact_seconds_at_8k(samples);
  line += ",\"erle_db\":" + json_figure(metrics.erle_db);
  line += ",\"erl_db\":" + json_figure(metrics.erl_db);
  line += ",\"residual_echo_dbm0\":" + json_figure(metrics.residual_echo_dbm0);
  line += ",\"echo_delay_ms\":" + json_figure(metrics.echo_delay_ms);
  line += ",\"far_level_dbm0\":" + json_figure(metrics.far_level_dbm0);
  line += ",\"near_level_dbm0\":" + json_figure(metrics.near_level_dbm0);
  line += ",\"background_level_dbm0\":" + json_figure(metrics.background_level_dbm0);
  line += ",\"talk_state\":" + json_quote(dsp::talk_state_name(metrics.talk_state));
  line += ",\"nlp_state\":" + json_quote(dsp::nlp_state_name(metrics.nlp_state));
  line += std::string(",\"disabled_by_tone\":") + (metrics.disabled_by_tone ? "true" : "false");
  line += std::string(",\"converged\":") + (metrics.converged ? "true" : "false");
  if (kind == EchoStatsLine::summary) {
    line += ",\"samples\":" + std::to_string(samples);
    line += ",\"filter_updates\":" + std::to_string(metrics.filter_updates);
  }
  line += "}";
  return line;
}

}  // namespace ivrd::ivr::replay
