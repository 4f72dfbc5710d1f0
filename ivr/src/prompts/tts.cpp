#include "ivrd/ivr/tts.hpp"

#include <algorithm>
#include <cmath>

#include "ivrd/dsp/levels.hpp"

#include "prompts/espeak_engine.hpp"

namespace ivrd::ivr {
namespace {

constexpr size_t kFrame = 160;            // 20 ms
constexpr double kActiveWindowDb = 30.0;  // frames this far below the loudest still count

bool audible(const std::vector<int16_t>& pcm) {
  return std::any_of(pcm.begin(), pcm.end(), [](int16_t s) { return s > 64 || s < -64; });
}

void scale_to_level(std::vector<int16_t>& pcm, double target_dbm0) {
  const double level = active_level_dbm0(pcm);
  if (level <= -150.0) return;
  const double gain = std::pow(10.0, (target_dbm0 - level) / 20.0);
  for (int16_t& s : pcm) {
    s = static_cast<int16_t>(std::clamp(std::lround(s * gain), -32768L, 32767L));
  }
}

}  // namespace

double active_level_dbm0(std::span<const int16_t> pcm) {
  std::vector<double> powers;
  powers.reserve(pcm.size() / kFrame + 1);
  for (size_t start = 0; start < pcm.size(); start += kFrame) {
    const size_t end = std::min(pcm.size(), start + kFrame);
    double sum = 0.0;
    for (size_t i = start; i < end; ++i) sum += static_cast<double>(pcm[i]) * pcm[i];
    powers.push_back(sum / static_cast<double>(end - start));
  }
  const double loudest = powers.empty() ? 0.0 : *std::max_element(powers.begin(), powers.end());
  if (loudest <= 0.0) return -200.0;
  const double floor = loudest * std::pow(10.0, -kActiveWindowDb / 10.0);
  double sum = 0.0;
  size_t active = 0;
  for (const double p : powers) {
    if (p >= floor) {
      sum += p;
      ++active;
    }
  }
  return dsp::mean_square_to_dbm0(sum / static_cast<double>(active));
}

std::optional<std::string> tts_unavailable_reason() { return detail::espeak_unavailable_reason(); }

Tts::Tts(dsp::G711Law law, double active_level_dbm0, int rate_wpm)
    : law_(law), level_dbm0_(active_level_dbm0), rate_wpm_(rate_wpm) {}

std::shared_ptr<const PromptAudio> Tts::say(std::string_view voice, std::string_view text,
                                            const PromptVariables& variables) {
  return say_literal(voice, substitute_variables(text, variables));
}

std::shared_ptr<const PromptAudio> Tts::say_literal(std::string_view voice, std::string_view text) {
  const bool blank = std::all_of(text.begin(), text.end(), [](char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
  });
  if (blank) throw PromptError("tts:" + std::string(voice), "empty text");
  auto key = std::make_pair(std::string(voice), std::string(text));
  {
    const std::lock_guard lock(mutex_);
    if (const auto found = cache_.find(key); found != cache_.end()) return found->second;
  }
  std::vector<int16_t> pcm = detail::espeak_synthesise_8k(voice, text, rate_wpm_);
  if (!audible(pcm)) throw PromptError("\"" + key.second + "\"", "espeak-ng produced no audio");
  scale_to_level(pcm, level_dbm0_);
  auto audio = make_prompt_audio(std::move(pcm), law_, "tts:" + key.first + ":" + key.second);
  const std::lock_guard lock(mutex_);
  ++renders_;
  return cache_.try_emplace(std::move(key), std::move(audio)).first->second;
}

size_t Tts::size() const {
  const std::lock_guard lock(mutex_);
  return cache_.size();
}

size_t Tts::renders() const {
  const std::lock_guard lock(mutex_);
  return renders_;
}

void Tts::clear() {
  const std::lock_guard lock(mutex_);
  cache_.clear();
}

}  // namespace ivrd::ivr
