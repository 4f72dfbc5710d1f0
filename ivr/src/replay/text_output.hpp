#pragma once
// Small text helpers for ivr-replay's output; internal to the ivr library.

#include <cstdint>
#include <string>
#include <string_view>

namespace ivrd::ivr::replay {

// A JSON string literal, quotes included. Control characters, quotes and
// backslashes are escaped; valid UTF-8 passes through; each byte that is not
// part of valid UTF-8 (a Linux file name may hold any byte) becomes U+FFFD,
// so the output is always valid JSON.
std::string json_quote(std::string_view text);

// Milliseconds at 8 kHz, exact: sample / 8 with one to three decimals
// ("1234.5", "0.125", "10.0"), whatever the locale.
std::string exact_ms_at_8k(uint64_t samples);

// Milliseconds at 8 kHz with one decimal, for people.
std::string rounded_ms_at_8k(uint64_t samples);

}  // namespace ivrd::ivr::replay
