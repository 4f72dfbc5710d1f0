#pragma once
// The lines `ivr-replay echo --stats` prints; internal to the ivr library.
//
// One line per metrics snapshot, without the newline:
//   plain: "t=1.00s erle=27.4dB erl=6.1dB residual=-48.2dBm0 delay=10.0ms
//           far=-16.0dBm0 near=-22.1dBm0 background=-70.0dBm0 talk=far_end
//           nlp=suppressing tone_disabled=no converged=yes"
//          (one line; the summary starts with "summary: " and ends with
//          " samples=<n> filter_updates=<n>")
//   JSON:  {"t":1.0,"erle_db":27.4,"erl_db":6.1,"residual_echo_dbm0":-48.2,
//           "echo_delay_ms":10.0,"far_level_dbm0":-16.0,"near_level_dbm0":-22.1,
//           "background_level_dbm0":-70.0,"talk_state":"far_end",
//           "nlp_state":"suppressing","disabled_by_tone":false,"converged":true}
//          (the summary starts with "summary":true and ends with "samples" and
//          "filter_updates"; the keys are the EchoCancellerMetrics fields)
// Figures have one decimal; t is the time in seconds at the end of the audio
// processed so far (`samples` at 8 kHz): two decimals in the plain line,
// exact in JSON. A figure that is not finite is "nan" in the plain line and
// null in JSON, so every JSON line stays valid.

#include <cstdint>
#include <string>

#include "ivrd/dsp/echo_canceller.hpp"

namespace ivrd::ivr::replay {

enum class EchoStatsLine : uint8_t { at_second, summary };

std::string echo_stats_text(const dsp::EchoCancellerMetrics& metrics, uint64_t samples,
                            EchoStatsLine kind);
std::string echo_stats_json(const dsp::EchoCancellerMetrics& metrics, uint64_t samples,
                            EchoStatsLine kind);

// Seconds at 8 kHz, exact: samples / 8000 with one to six decimals
// ("1.0", "0.999875"), whatever the locale.
std::string exact_seconds_at_8k(uint64_t samples);

}  // namespace ivrd::ivr::replay
