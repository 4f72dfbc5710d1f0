// Speech from espeak-ng, resampled to 8 kHz with speexdsp.

#include <espeak-ng/speak_lib.h>
#include <speex/speex_resampler.h>

#include <algorithm>
#include <array>
#include <mutex>
#include <string>

#include "ivrd/test_support/speech.hpp"

namespace ivrd::test_support {
namespace {

constexpr std::array<std::string_view, 10> kCandidateLanguages{"en", "en-us", "de", "fr", "es",
                                                               "it", "nl", "pt", "sv", "pl"};

// espeak-ng is one global synthesiser: everything below runs under this lock.
std::mutex g_mutex;
std::vector<int16_t>* g_capture = nullptr;  // where the callback appends samples
bool g_initialised = false;
int g_rate = 0;
std::string g_init_error;

int collect_samples(short* wav, int count, espeak_EVENT* /*events*/) {
  if (wav != nullptr && count > 0 && g_capture != nullptr) {
    g_capture->insert(g_capture->end(), wav, wav + count);
  }
  return 0;  // continue synthesis
}

// Returns an empty string when espeak-ng is ready, else the reason.
const std::string& initialise_locked() {
  if (!g_initialised) {
    g_initialised = true;
    // DONT_EXIT: without it espeak-ng calls exit() when its data is missing.
    const int rate = espeak_Initialize(AUDIO_OUTPUT_SYNCHRONOUS, 0, nullptr,
                                       espeakINITIALIZE_DONT_EXIT);
    if (rate <= 0) {
      g_init_error = "espeak-ng failed to initialise (is espeak-ng-data installed?)";
    } else {
      g_rate = rate;
      espeak_SetSynthCallback(collect_samples);
    }
  }
  return g_init_error;
}

std::vector<int16_t> resample_to_8k(const std::vector<int16_t>& in, int rate, std::string& error) {
  int status = 0;
  SpeexResamplerState* resampler =
      speex_resampler_init(1, static_cast<spx_uint32_t>(rate), 8000, 8, &status);
  if (resampler == nullptr) {
    error = "speexdsp resampler failed to initialise";
    return {};
  }
  // Drop the filter's leading delay so speech starts where espeak put it; feed
  // zeros at the end so its tail comes out.
  speex_resampler_skip_zeros(resampler);
  std::vector<int16_t> padded(in);
  padded.resize(in.size() + static_cast<size_t>(speex_resampler_get_input_latency(resampler)), 0);

  std::vector<int16_t> out(padded.size() * 8000 / static_cast<size_t>(rate) + 64);
  size_t consumed = 0, produced = 0;
  while (consumed < padded.size() && produced < out.size()) {
    auto in_len = static_cast<spx_uint32_t>(padded.size() - consumed);
    auto out_len = static_cast<spx_uint32_t>(out.size() - produced);
    speex_resampler_process_int(resampler, 0, padded.data() + consumed, &in_len,
                                out.data() + produced, &out_len);
    if (in_len == 0 && out_len == 0) break;
    consumed += in_len;
    produced += out_len;
  }
  speex_resampler_destroy(resampler);
  out.resize(std::min(produced, in.size() * 8000 / static_cast<size_t>(rate)));
  return out;
}

}  // namespace

bool speech_available(std::string* reason) {
  const Speech probe = synthesize_speech("test");
  if (probe.ok() && probe.pcm.empty()) {
    if (reason != nullptr) *reason = "espeak-ng produced no samples";
    return false;
  }
  if (!probe.ok() && reason != nullptr) *reason = probe.error;
  return probe.ok();
}

Speech synthesize_speech(std::string_view utf8_text, const SpeechOptions& options) {
  Speech result;
  std::vector<int16_t> native;
  int rate = 0;
  {
    const std::lock_guard lock(g_mutex);
    if (const std::string& error = initialise_locked(); !error.empty()) {
      result.error = error;
      return result;
    }
    if (espeak_SetVoiceByName(options.voice.c_str()) != EE_OK) {
      result.error = "espeak-ng has no voice '" + options.voice + "'";
      return result;
    }
    espeak_SetParameter(espeakRATE, std::clamp(options.words_per_minute, 80, 450), 0);
    espeak_SetParameter(espeakPITCH, std::clamp(options.pitch, 0, 100), 0);
    espeak_SetParameter(espeakRANGE, std::clamp(options.pitch_range, 0, 100), 0);
    const std::string text(utf8_text);
    g_capture = &native;
    const espeak_ERROR status = espeak_Synth(text.c_str(), text.size() + 1, 0, POS_CHARACTER, 0,
                                             espeakCHARS_UTF8, nullptr, nullptr);
    g_capture = nullptr;
    if (status != EE_OK) {
      result.error = "espeak_Synth failed with status " + std::to_string(static_cast<int>(status));
      return result;
    }
    rate = g_rate;
  }
  result.pcm = resample_to_8k(native, rate, result.error);
  if (!result.ok()) result.pcm.clear();
  return result;
}

std::vector<std::string> speech_languages() {
  std::vector<std::string> languages;
  const std::lock_guard lock(g_mutex);
  if (!initialise_locked().empty()) return languages;
  for (const std::string_view language : kCandidateLanguages) {
    const std::string name(language);
    if (espeak_SetVoiceByName(name.c_str()) == EE_OK) languages.push_back(name);
  }
  return languages;
}

}  // namespace ivrd::test_support
