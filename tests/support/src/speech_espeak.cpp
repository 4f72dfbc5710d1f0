// Speech from espeak-ng, resampled to 8 kHz with speexdsp.
//
// Why a child process: espeak-ng keeps synthesis state in function-local
// statics (the pitch-flutter index, the AGC and cycle counters of its wave
// generator) that carry from one utterance to the next and that no API call
// resets, not even espeak_Terminate() + espeak_Initialize(). The same text
// and voice therefore come out different depending on what the process said
// before, which breaks "the same seed gives the same signal". Each batch of
// requests is rendered in a short-lived fork()ed child that initialises
// espeak-ng from scratch, so every request starts from the same state. The
// parent never initialises espeak-ng itself (a child would inherit its
// state). Cost: a few milliseconds per batch.
//
// Forking is safe here because the callers (tests, benchmark tools) fork
// while single-threaded or at least not while other threads hold the
// allocator's locks; the mutex below serialises our own callers.

#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <mutex>
#include <optional>
#include <string>

#include <espeak-ng/speak_lib.h>
#include <speex/speex_resampler.h>
#include <sys/types.h>
#include <sys/wait.h>

#include "ivrd/test_support/speech.hpp"

namespace ivrd::test_support {
namespace {

constexpr std::array<std::string_view, 10> kCandidateLanguages{"en", "en-us", "de", "fr", "es",
                                                               "it", "nl",    "pt", "sv", "pl"};

struct Request {
  std::string text;  // empty: only check that the voice exists
  SpeechOptions options;
};

struct Rendered {
  std::vector<int16_t> native;  // at the synthesiser's rate
  std::string error;
};

constexpr int32_t kStatusOk = 0;
constexpr int32_t kStatusNoVoice = 1;
constexpr int32_t kStatusSynthFailed = 2;

std::mutex g_mutex;
std::vector<int16_t>* g_capture = nullptr;  // child only: where samples go

int collect_samples(short* wav, int count, espeak_EVENT* /*events*/) {
  if (wav != nullptr && count > 0 && g_capture != nullptr) {
    g_capture->insert(g_capture->end(), wav, wav + count);
  }
  return 0;  // continue synthesis
}

bool write_all(int fd, const void* data, size_t size) {
  const auto* p = static_cast<const char*>(data);
  while (size > 0) {
    const ssize_t n = ::write(fd, p, size);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    p += n;
    size -= static_cast<size_t>(n);
  }
  return true;
}

bool read_all(int fd, void* data, size_t size) {
  auto* p = static_cast<char*>(data);
  while (size > 0) {
    const ssize_t n = ::read(fd, p, size);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    p += n;
    size -= static_cast<size_t>(n);
  }
  return true;
}

// Child: rate (int32, <= 0 on failure), then per request: status (int32),
// sample count (uint32), samples.
[[noreturn]] void child_main(int fd, const std::vector<Request>& requests) {
  // DONT_EXIT: without it espeak-ng calls exit() when its data is missing.
  const int32_t rate =
      espeak_Initialize(AUDIO_OUTPUT_SYNCHRONOUS, 0, nullptr, espeakINITIALIZE_DONT_EXIT);
  bool ok = write_all(fd, &rate, sizeof rate);
  if (rate > 0) {
    espeak_SetSynthCallback(collect_samples);
    std::vector<int16_t> samples;
    for (const Request& request : requests) {
      if (!ok) break;
      samples.clear();
      int32_t status = kStatusOk;
      const SpeechOptions& o = request.options;
      if (espeak_SetVoiceByName(o.voice.c_str()) != EE_OK) {
        status = kStatusNoVoice;
      } else if (!request.text.empty()) {
        espeak_SetParameter(espeakRATE, std::clamp(o.words_per_minute, 80, 450), 0);
        espeak_SetParameter(espeakPITCH, std::clamp(o.pitch, 0, 100), 0);
        espeak_SetParameter(espeakRANGE, std::clamp(o.pitch_range, 0, 100), 0);
        g_capture = &samples;
        if (espeak_Synth(request.text.c_str(), request.text.size() + 1, 0, POS_CHARACTER, 0,
                         espeakCHARS_UTF8, nullptr, nullptr) != EE_OK) {
          status = kStatusSynthFailed;
          samples.clear();
        }
        g_capture = nullptr;
      }
      const auto count = static_cast<uint32_t>(samples.size());
      ok = write_all(fd, &status, sizeof status) && write_all(fd, &count, sizeof count) &&
           write_all(fd, samples.data(), samples.size() * sizeof(int16_t));
    }
  }
  ::close(fd);
  ::_exit(ok ? 0 : 1);  // no atexit handlers, no flushing of the parent's buffers
}

// Renders requests in a fresh child; rate receives the synthesiser's rate.
// Returns the reason when nothing could be rendered.
std::optional<std::string> render(const std::vector<Request>& requests, std::vector<Rendered>& out,
                                  int& rate) {
  const std::lock_guard lock(g_mutex);
  int fds[2];
  if (::pipe(fds) != 0) return std::string("pipe() failed: ") + std::strerror(errno);
  const pid_t pid = ::fork();
  if (pid < 0) {
    ::close(fds[0]);
    ::close(fds[1]);
    return std::string("fork() failed: ") + std::strerror(errno);
  }
  if (pid == 0) {
    ::close(fds[0]);
    child_main(fds[1], requests);
  }
  ::close(fds[1]);
  std::optional<std::string> failure;
  int32_t child_rate = 0;
  if (!read_all(fds[0], &child_rate, sizeof child_rate)) {
    failure = "the espeak-ng child process died during start-up";
  } else if (child_rate <= 0) {
    failure = "espeak-ng failed to initialise (is espeak-ng-data installed?)";
  } else {
    rate = child_rate;
    out.clear();
    for (const Request& request : requests) {
      int32_t status = 0;
      uint32_t count = 0;
      Rendered r;
      if (!read_all(fds[0], &status, sizeof status) || !read_all(fds[0], &count, sizeof count)) {
        failure = "the espeak-ng child process died";
        break;
      }
      r.native.resize(count);
      if (!read_all(fds[0], r.native.data(), count * sizeof(int16_t))) {
        failure = "the espeak-ng child process died";
        break;
      }
      if (status == kStatusNoVoice)
        r.error = "espeak-ng has no voice '" + request.options.voice + "'";
      if (status == kStatusSynthFailed) r.error = "espeak_Synth failed";
      out.push_back(std::move(r));
    }
  }
  ::close(fds[0]);
  int wstatus = 0;
  while (::waitpid(pid, &wstatus, 0) < 0 && errno == EINTR) {
  }
  return failure;
}

std::vector<int16_t> resample_to_8k(const std::vector<int16_t>& in, int rate, std::string& error) {
  if (in.empty()) return {};
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

std::vector<Speech> synthesize_speech(std::span<const SpeechRequest> items) {
  std::vector<Request> requests;
  requests.reserve(items.size());
  for (const auto& [text, options] : items)
    requests.push_back({text.empty() ? " " : text, options});
  std::vector<Rendered> rendered;
  int rate = 0;
  std::vector<Speech> result(items.size());
  if (auto failure = render(requests, rendered, rate)) {
    for (Speech& s : result) s.error = *failure;
    return result;
  }
  for (size_t i = 0; i < result.size(); ++i) {
    result[i].error = rendered[i].error;
    if (result[i].ok()) result[i].pcm = resample_to_8k(rendered[i].native, rate, result[i].error);
    if (!result[i].ok()) result[i].pcm.clear();
  }
  return result;
}

Speech synthesize_speech(std::string_view utf8_text, const SpeechOptions& options) {
  const SpeechRequest request{std::string(utf8_text), options};
  return std::move(synthesize_speech(std::span(&request, 1)).front());
}

bool speech_available(std::string* reason) {
  static const Speech probe = synthesize_speech("test");
  std::string why = probe.error;
  if (why.empty() && probe.pcm.empty()) why = "espeak-ng produced no samples";
  if (reason != nullptr) *reason = why;
  return why.empty();
}

std::vector<std::string> speech_languages() {
  static const std::vector<std::string> languages = [] {
    std::vector<Request> probes;
    for (const std::string_view language : kCandidateLanguages) {
      probes.push_back({"", {std::string(language), 160, 50, 50}});
    }
    std::vector<Rendered> rendered;
    int rate = 0;
    std::vector<std::string> found;
    if (render(probes, rendered, rate)) return found;
    for (size_t i = 0; i < probes.size(); ++i) {
      if (rendered[i].error.empty()) found.push_back(probes[i].options.voice);
    }
    return found;
  }();
  return languages;
}

}  // namespace ivrd::test_support
