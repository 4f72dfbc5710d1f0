#include "ivrd/ivr/prompt_audio.hpp"

#include <cstdio>
#include <system_error>
#include <utility>

#include "ivrd/driver/audio_file.hpp"

namespace ivrd::ivr {
namespace fs = std::filesystem;
namespace {

std::string seconds_text(double seconds) {
  char text[32];
  std::snprintf(text, sizeof text, "%.1f s", seconds);
  return text;
}

}  // namespace

PromptError::PromptError(std::string item, std::string problem)
    : std::runtime_error(item + ": " + problem),
      item_(std::move(item)),
      problem_(std::move(problem)) {}

std::shared_ptr<const PromptAudio> make_prompt_audio(std::vector<int16_t> linear, dsp::G711Law law,
                                                     std::string source) {
  auto audio = std::make_shared<PromptAudio>();
  audio->coded.resize(linear.size());
  dsp::g711_encode(law, linear, audio->coded);
  audio->linear = std::move(linear);
  audio->law = law;
  audio->source = std::move(source);
  return audio;
}

PromptCache::PromptCache(dsp::G711Law law, PromptLimits limits) : law_(law), limits_(limits) {}

std::shared_ptr<const PromptAudio> PromptCache::load(const fs::path& path) {
  const std::string name = path.string();
  const std::string key = path.lexically_normal().string();

  std::error_code error;
  const fs::file_status status = fs::status(path, error);
  if (status.type() == fs::file_type::not_found) throw PromptError(name, "missing prompt file");
  if (error) throw PromptError(name, "cannot open: " + error.message());
  if (!fs::is_regular_file(status)) throw PromptError(name, "not a regular file");
  const uintmax_t bytes = fs::file_size(path, error);
  if (error) throw PromptError(name, "cannot open: " + error.message());
  const fs::file_time_type modified = fs::last_write_time(path, error);
  if (error) throw PromptError(name, "cannot open: " + error.message());
  if (bytes == 0) throw PromptError(name, "empty file");
  if (bytes > limits_.max_file_bytes) {
    throw PromptError(name, "too large: " + std::to_string(bytes) + " bytes (limit " +
                                std::to_string(limits_.max_file_bytes) + ")");
  }

  const std::lock_guard lock(mutex_);
  if (const auto found = entries_.find(key); found != entries_.end() &&
                                             found->second.modified == modified &&
                                             found->second.bytes == bytes) {
    return found->second.audio;
  }

  driver::Capture capture;
  try {
    capture = driver::read_capture(path);
  } catch (const driver::AudioFileError& e) {
    throw PromptError(name, e.problem());
  }
  const double seconds = static_cast<double>(capture.samples.size()) / kPromptSampleRate;
  if (seconds > limits_.max_seconds) {
    throw PromptError(name, "too long: " + seconds_text(seconds) + " (limit " +
                                seconds_text(limits_.max_seconds) + ")");
  }
  auto audio = make_prompt_audio(std::move(capture.samples), law_, name);
  entries_[key] = Entry{modified, bytes, audio};
  ++reads_;
  return audio;
}

size_t PromptCache::reads() const {
  const std::lock_guard lock(mutex_);
  return reads_;
}

size_t PromptCache::size() const {
  const std::lock_guard lock(mutex_);
  return entries_.size();
}

void PromptCache::clear() {
  const std::lock_guard lock(mutex_);
  entries_.clear();
}

}  // namespace ivrd::ivr
