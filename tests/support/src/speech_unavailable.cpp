// Built instead of speech_espeak.cpp when espeak-ng or speexdsp was not found
// at configure time: every call reports why there is no speech.

#include "ivrd/test_support/speech.hpp"

namespace ivrd::test_support {
namespace {
constexpr const char* kReason =
    "ivrd was built without espeak-ng/speexdsp (install libespeak-ng-dev and libspeexdsp-dev, "
    "then re-run cmake)";
}

bool speech_available(std::string* reason) {
  if (reason != nullptr) *reason = kReason;
  return false;
}

Speech synthesize_speech(std::string_view /*utf8_text*/, const SpeechOptions& /*options*/) {
  Speech result;
  result.error = kReason;
  return result;
}

std::vector<Speech> synthesize_speech(std::span<const SpeechRequest> requests) {
  std::vector<Speech> result(requests.size());
  for (Speech& speech : result) speech.error = kReason;
  return result;
}

std::vector<std::string> speech_languages() { return {}; }

}  // namespace ivrd::test_support
