#include "ivrd/dsp/dtmf_generator.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>

#include "ivrd/dsp/levels.hpp"

namespace ivrd::dsp {

int dtmf_digit_index(char digit) noexcept {
  if (digit >= 'a' && digit <= 'd') digit = static_cast<char>(digit - 'a' + 'A');
  const size_t position = kDtmfDigits.find(digit);
  return position == std::string_view::npos ? -1 : static_cast<int>(position);
}

bool DtmfGenerator::queue(const DtmfToneSpec& spec) noexcept {
  if (count_ == kQueueCapacity || dtmf_digit_index(spec.digit) < 0) return false;
  if (!(spec.on_ms >= 0.0f) || !(spec.off_ms >= 0.0f)) return false;
  queue_[(head_ + count_) % kQueueCapacity] = spec;
  ++count_;
  return true;
}

size_t DtmfGenerator::queue(std::string_view digits, const DtmfToneSpec& settings) noexcept {
  size_t queued = 0;
  for (char digit : digits) {
    DtmfToneSpec spec = settings;
    spec.digit = digit;
    if (!queue(spec)) break;
    ++queued;
  }
  return queued;
}

void DtmfGenerator::clear() noexcept {
  head_ = 0;
  count_ = 0;
  active_valid_ = false;
}

void DtmfGenerator::start_next() noexcept {
  const DtmfToneSpec& spec = queue_[head_];
  const int index = dtmf_digit_index(spec.digit);
  const double low_hz = kDtmfLowGroupHz[index / 4] * (1.0 + spec.low_offset);
  const double high_hz = kDtmfHighGroupHz[index % 4] * (1.0 + spec.high_offset);
  active_.low_step = 2.0 * std::numbers::pi * low_hz / kSampleRate;
  active_.high_step = 2.0 * std::numbers::pi * high_hz / kSampleRate;
  active_.low_phase = spec.low_phase_rad;
  active_.high_phase = spec.high_phase_rad;
  active_.low_amp = dbm0_to_sine_peak(spec.level_dbm0);
  active_.high_amp = dbm0_to_sine_peak(spec.level_dbm0 + spec.twist_db);
  active_.on_samples = static_cast<uint64_t>(std::llround(spec.on_ms * kSampleRate / 1000.0));
  active_.total_samples =
      active_.on_samples + static_cast<uint64_t>(std::llround(spec.off_ms * kSampleRate / 1000.0));
  active_.position = 0;
  active_valid_ = true;
}

size_t DtmfGenerator::tx(std::span<int16_t> out) noexcept {
  size_t written = 0;
  size_t busy = 0;
  while (written < out.size()) {
    if (!active_valid_) {
      if (count_ == 0) break;
      start_next();
    }
    if (active_.position >= active_.total_samples) {
      active_valid_ = false;
      head_ = (head_ + 1) % kQueueCapacity;
      --count_;
      continue;
    }
    const size_t left = static_cast<size_t>(active_.total_samples - active_.position);
    const size_t run = std::min(left, out.size() - written);
    for (size_t i = 0; i < run; ++i, ++active_.position) {
      double value = 0.0;
      if (active_.position < active_.on_samples) {
        const double n = static_cast<double>(active_.position);
        value = active_.low_amp * std::sin(active_.low_phase + active_.low_step * n) +
                active_.high_amp * std::sin(active_.high_phase + active_.high_step * n);
      }
      out[written + i] = static_cast<int16_t>(std::clamp(std::lround(value), -32768L, 32767L));
    }
    written += run;
    busy += run;
  }
  std::fill(out.begin() + static_cast<std::ptrdiff_t>(written), out.end(), int16_t{0});
  return busy;
}

}  // namespace ivrd::dsp
