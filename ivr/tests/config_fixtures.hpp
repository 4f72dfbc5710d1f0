#pragma once
// Helpers for the configuration tests: the example files, small WAV prompts
// written at test time, and positions of text inside a configuration.

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <string_view>
#include <vector>

#include "ivrd/ivr/config_loader.hpp"

namespace ivrd::ivr::config_test {

inline std::filesystem::path example_config(std::string_view name) {
  return std::filesystem::path(IVRD_CONFIG_DIR) / name;
}

inline std::string read_text(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

inline void write_text(const std::filesystem::path& path, std::string_view text) {
  std::filesystem::create_directories(path.parent_path());
  std::ofstream(path, std::ios::binary) << text;
}

// A 0.1 s WAV file of 16-bit silence at 8 kHz: enough for the loader, which
// checks that prompt files exist.
inline void write_silent_wav(const std::filesystem::path& path) {
  std::filesystem::create_directories(path.parent_path());
  const uint32_t samples = 800, data_bytes = samples * 2;
  std::string wav;
  auto put32 = [&](uint32_t v) {
    for (int i = 0; i < 4; ++i) wav.push_back(static_cast<char>(v >> (8 * i)));
  };
  auto put16 = [&](uint16_t v) {
    for (int i = 0; i < 2; ++i) wav.push_back(static_cast<char>(v >> (8 * i)));
  };
  wav += "RIFF";
  put32(36 + data_bytes);
  wav += "WAVEfmt ";
  put32(16);
  put16(1);      // PCM
  put16(1);      // mono
  put32(8000);   // rate
  put32(16000);  // bytes per second
  put16(2);      // block align
  put16(16);     // bits
  wav += "data";
  put32(data_bytes);
  wav.append(data_bytes, '\0');
  std::ofstream(path, std::ios::binary) << wav;
}

// "file:line:column" of the `occurrence`-th (0-based) appearance of `needle`
// in `text`, counted the way the loader reports positions (1-based).
inline std::string position(const std::filesystem::path& file, std::string_view text,
                            std::string_view needle, int occurrence = 0) {
  size_t at = text.find(needle);
  for (int i = 0; i < occurrence && at != std::string_view::npos; ++i)
    at = text.find(needle, at + 1);
  if (at == std::string_view::npos) return "needle not found: " + std::string(needle);
  const size_t line_start =
      text.rfind('\n', at) == std::string_view::npos ? 0 : text.rfind('\n', at) + 1;
  const auto line = 1 + std::count(text.begin(), text.begin() + static_cast<ptrdiff_t>(at), '\n');
  return file.string() + ":" + std::to_string(line) + ":" + std::to_string(at - line_start + 1);
}

inline std::vector<std::string> error_lines(const ConfigLoadResult& result) {
  std::vector<std::string> lines;
  for (const auto& e : result.errors) lines.push_back(e.to_string());
  return lines;
}

}  // namespace ivrd::ivr::config_test
