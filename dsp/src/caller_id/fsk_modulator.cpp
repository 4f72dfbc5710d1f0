#include <cmath>
#include <numbers>

#include "ivrd/dsp/fsk_modem.hpp"
#include "ivrd/dsp/levels.hpp"

namespace ivrd::dsp {
namespace {

// The bit clock counts in units of 1 / (8000 * 1200) s: a sample is 1200 of
// them and a bit 8000, so 1200 baud stays exact over any length.
constexpr uint32_t kClockPerSample = 1200;
constexpr uint32_t kClockPerBit = 8000;

}  // namespace

FskModemParams fsk_modem_params(FskModem modem) noexcept {
  switch (modem) {
    case FskModem::bell202: return {1200.0f, 2200.0f, 1200.0f};
    case FskModem::v23: return {1300.0f, 2100.0f, 1200.0f};
  }
  return {1200.0f, 2200.0f, 1200.0f};
}

std::string_view fsk_modem_name(FskModem modem) noexcept {
  return modem == FskModem::bell202 ? "bell202" : "v23";
}

FskModulator::FskModulator(FskModem modem, float level_dbm0, float frequency_offset) noexcept {
  const FskModemParams params = fsk_modem_params(modem);
  const double scale = 2.0 * std::numbers::pi * (1.0 + frequency_offset) / kSampleRate;
  mark_step_ = scale * params.mark_hz;
  space_step_ = scale * params.space_hz;
  amplitude_ = dbm0_to_sine_peak(level_dbm0);
}

bool FskModulator::push(bool bit) noexcept {
  if (count_ == kQueueBits) return false;
  const size_t at = (head_ + count_) % kQueueBits;
  const auto mask = static_cast<uint8_t>(1u << (at % 8));
  if (bit) {
    bits_[at / 8] = static_cast<uint8_t>(bits_[at / 8] | mask);
  } else {
    bits_[at / 8] = static_cast<uint8_t>(bits_[at / 8] & ~mask);
  }
  ++count_;
  return true;
}

bool FskModulator::queue_seizure(size_t bits) noexcept {
  if (bits > kQueueBits - count_) return false;
  for (size_t i = 0; i < bits; ++i) push(i % 2 == 1);
  return true;
}

bool FskModulator::queue_mark(size_t bits) noexcept {
  if (bits > kQueueBits - count_) return false;
  for (size_t i = 0; i < bits; ++i) push(true);
  return true;
}

bool FskModulator::queue_byte(uint8_t value) noexcept {
  if (kQueueBits - count_ < 10) return false;
  push(false);
  for (int i = 0; i < 8; ++i) push(((value >> i) & 1) != 0);
  push(true);
  return true;
}

bool FskModulator::queue_bytes(std::span<const uint8_t> values) noexcept {
  if (values.size() * 10 > kQueueBits - count_) return false;
  for (uint8_t value : values) queue_byte(value);
  return true;
}

size_t FskModulator::pending_samples() const noexcept {
  if (count_ == 0) return 0;
  const uint64_t clock = static_cast<uint64_t>(count_) * kClockPerBit - bit_clock_;
  return static_cast<size_t>((clock + kClockPerSample - 1) / kClockPerSample);
}

size_t FskModulator::tx(std::span<int16_t> out) noexcept {
  size_t produced = 0;
  for (int16_t& sample : out) {
    if (count_ == 0) {
      sample = 0;
      continue;
    }
    const bool bit = ((bits_[head_ / 8] >> (head_ % 8)) & 1) != 0;
    phase_ += bit ? mark_step_ : space_step_;
    if (phase_ > std::numbers::pi) phase_ -= 2.0 * std::numbers::pi;
    sample = static_cast<int16_t>(std::lround(amplitude_ * std::sin(phase_)));
    ++produced;
    bit_clock_ += kClockPerSample;
    if (bit_clock_ >= kClockPerBit) {
      bit_clock_ -= kClockPerBit;
      head_ = (head_ + 1) % kQueueBits;
      --count_;
      if (count_ == 0) bit_clock_ = 0;
    }
  }
  return produced;
}

}  // namespace ivrd::dsp
