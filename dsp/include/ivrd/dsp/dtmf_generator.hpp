#pragma once
// DTMF generator (ITU-T Q.23 frequencies) for 8 kHz linear PCM.
//
// Each queued tone sets its own level per tone in dBm0, twist, frequency
// offsets, duration and the pause after it, so the same block both dials out
// and builds receiver test signals (the Q.24 / Bellcore conformance cases).
// Phase is continuous within a tone; each tone starts at the phases its spec
// gives. The queue has a fixed capacity: tx() never allocates, blocks or
// throws.

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace ivrd::dsp {

inline constexpr std::array<float, 4> kDtmfLowGroupHz{697.0f, 770.0f, 852.0f, 941.0f};
inline constexpr std::array<float, 4> kDtmfHighGroupHz{1209.0f, 1336.0f, 1477.0f, 1633.0f};
// Keypad layout: row = low group index, column = high group index.
inline constexpr std::string_view kDtmfDigits = "123A456B789C*0#D";

// Index into kDtmfDigits, or -1 for a character that is not a DTMF digit
// (lower-case a-d are accepted).
int dtmf_digit_index(char digit) noexcept;

struct DtmfToneSpec {
  char digit = '0';
  // Level of the low-group tone; the high-group tone is level + twist.
  float level_dbm0 = -10.0f;
  // Positive: high group louder ("normal" or "forward" twist);
  // negative: low group louder ("reverse" twist).
  float twist_db = 0.0f;
  // Relative frequency errors, e.g. 0.015 for +1.5 %.
  float low_offset = 0.0f;
  float high_offset = 0.0f;
  float on_ms = 50.0f;
  float off_ms = 50.0f;
  float low_phase_rad = 0.0f;
  float high_phase_rad = 0.0f;
};

class DtmfGenerator {
 public:
  static constexpr size_t kQueueCapacity = 128;
  static constexpr double kSampleRate = 8000.0;

  DtmfGenerator() = default;

  // Adds one tone; false when the queue is full or the digit is invalid.
  bool queue(const DtmfToneSpec& spec) noexcept;
  // Adds each digit of a string with the same settings; stops at the first
  // invalid digit or when full and returns how many were queued.
  size_t queue(std::string_view digits, const DtmfToneSpec& settings) noexcept;

  // Writes the next out.size() samples: tones, their pauses, then silence
  // once the queue is empty. Returns how many samples belonged to queued
  // tones or pauses (less than out.size() only when the queue ran dry).
  size_t tx(std::span<int16_t> out) noexcept;

  bool idle() const noexcept { return count_ == 0; }
  void clear() noexcept;

 private:
  struct Active {
    double low_step = 0, high_step = 0;  // radians per sample
    double low_phase = 0, high_phase = 0;
    double low_amp = 0, high_amp = 0;
    uint64_t on_samples = 0, total_samples = 0, position = 0;
  };
  void start_next() noexcept;

  std::array<DtmfToneSpec, kQueueCapacity> queue_{};
  size_t head_ = 0;
  size_t count_ = 0;
  bool active_valid_ = false;
  Active active_{};
};

}  // namespace ivrd::dsp
