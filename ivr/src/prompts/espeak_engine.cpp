#include "prompts/espeak_engine.hpp"

#include <algorithm>
#include <cmath>
#include <memory>
#include <mutex>

#include <espeak-ng/speak_lib.h>

#include "ivrd/driver/audio_file.hpp"
#include "ivrd/ivr/prompt_audio.hpp"

namespace ivrd::ivr::detail {
namespace {

// espeak-ng keeps its state in globals and delivers samples through one
// global callback, so every use goes through this lock.
std::mutex g_mutex;
bool g_tried = false;
int g_rate = 0;
std::string g_failure;
std::vector<int16_t>* g_sink = nullptr;

int collect(short* wav, int count, espeak_EVENT* /*events*/) {
  if (wav != nullptr && count > 0 && g_sink != nullptr)
    g_sink->insert(g_sink->end(), wav, wav + count);
  return 0;
}

// Called with g_mutex held.
bool initialise() {
  if (!g_tried) {
    g_tried = true;
    // DONT_EXIT: without it espeak-ng exits the process when its data is missing.
    g_rate = espeak_Initialize(AUDIO_OUTPUT_SYNCHRONOUS, 0, nullptr, espeakINITIALIZE_DONT_EXIT);
    if (g_rate <= 0) {
      g_failure = "espeak-ng failed to initialise (is espeak-ng-data installed?)";
    } else {
      espeak_SetSynthCallback(collect);
    }
  }
  return g_rate > 0;
}

}  // namespace

std::optional<std::string> espeak_unavailable_reason() {
  const std::lock_guard lock(g_mutex);
  if (initialise()) return std::nullopt;
  return g_failure;
}

std::vector<int16_t> espeak_synthesise_8k(std::string_view voice, std::string_view text,
                                          int rate_wpm) {
  std::vector<int16_t> native;
  int rate = 0;
  {
    const std::lock_guard lock(g_mutex);
    if (!initialise()) throw PromptError("espeak-ng", g_failure);
    const std::string voice_name(voice);
    if (espeak_SetVoiceByName(voice_name.c_str()) != EE_OK) {
      throw PromptError(voice_name, "unknown espeak-ng voice");
    }
    // Set for every sentence: the voice call above resets it.
    espeak_SetParameter(espeakRATE, rate_wpm, 0);
    const std::string utterance(text);
    g_sink = &native;
    const espeak_ERROR result = espeak_Synth(utterance.c_str(), utterance.size() + 1, 0,
                                             POS_CHARACTER, 0, espeakCHARS_UTF8, nullptr, nullptr);
    g_sink = nullptr;
    if (result != EE_OK) throw PromptError("\"" + utterance + "\"", "espeak-ng synthesis failed");
    rate = g_rate;
  }
  return driver::resample_to_8k(native, rate);
}

}  // namespace ivrd::ivr::detail
