#pragma once
// Captures for the ivr-replay command tests, written at run time into a fresh
// temporary directory that is removed afterwards.

#include <stdlib.h>

#include <filesystem>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "ivrd/driver/audio_file.hpp"
#include "ivrd/dsp/dtmf_generator.hpp"
#include "ivrd/ivr/replay.hpp"
#include "ivrd/test_support/temp_dir.hpp"

namespace ivrd::ivr::testing {

struct TempDir : test_support::TempDir {
  TempDir() : test_support::TempDir("ivrd-ivr") {}
};

// `lead_ms` of silence, then the digits (each on_ms on, off_ms off) at the
// given level, then `trail_ms` of silence.
inline std::vector<int16_t> dialled(const std::string& digits, float lead_ms, float on_ms = 80.0f,
                                    float off_ms = 80.0f, float level_dbm0 = -10.0f,
                                    float trail_ms = 200.0f) {
  dsp::DtmfGenerator generator;
  dsp::DtmfToneSpec spec;
  spec.level_dbm0 = level_dbm0;
  spec.on_ms = on_ms;
  spec.off_ms = off_ms;
  generator.queue(digits, spec);
  const auto lead = static_cast<size_t>(lead_ms * 8.0f);
  const auto body =
      static_cast<size_t>(static_cast<float>(digits.size()) * (on_ms + off_ms) * 8.0f);
  std::vector<int16_t> samples(lead + body + static_cast<size_t>(trail_ms * 8.0f), 0);
  generator.tx(std::span<int16_t>(samples).subspan(lead));
  return samples;
}

struct RunResult {
  int status = -1;
  std::string out;
  std::string err;
};

inline RunResult replay(const std::vector<std::string>& args) {
  std::ostringstream out, err;
  RunResult result;
  result.status = replay::run_replay(args, out, err);
  result.out = out.str();
  result.err = err.str();
  return result;
}

inline std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> result;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) result.push_back(line);
  return result;
}

}  // namespace ivrd::ivr::testing
