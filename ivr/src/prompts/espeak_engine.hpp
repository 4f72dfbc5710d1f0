#pragma once
// The process's one espeak-ng instance: initialised on first use, used under
// a process-wide lock. Internal to the prompt layer: <espeak-ng/speak_lib.h>
// and speexdsp stay behind this header.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ivrd::ivr::detail {

// Nothing when espeak-ng is usable, else why not (the first failure is
// remembered; espeak-ng is not retried).
std::optional<std::string> espeak_unavailable_reason();

// Speech for `text` (UTF-8, no markup) in `voice`, at 8 kHz, as espeak-ng
// levels it, at `rate_wpm` words per minute (espeak-ng takes 80-450). Throws
// PromptError naming the voice or the text.
std::vector<int16_t> espeak_synthesise_8k(std::string_view voice, std::string_view text,
                                          int rate_wpm);

}  // namespace ivrd::ivr::detail
