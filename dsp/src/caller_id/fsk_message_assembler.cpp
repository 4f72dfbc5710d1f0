// One demodulator's characters to caller ID messages: find the type byte
// after steady mark, collect as many bytes as the length byte says, parse.

#include <cmath>

#include "ivrd/dsp/caller_id.hpp"

namespace ivrd::dsp::detail {
namespace {

constexpr float kSamplesPerBit = 8000.0f / 1200.0f;
// The mark before a message: Bell 202 sends 180 bits, ETSI 80 +/- 25; a
// short one is tolerated, but some is needed to tell a message from the
// characters of the channel seizure (0x55 back to back) or of noise.
constexpr uint32_t kMinMarkBits = 10;
// Longest mark between two characters of one message.
constexpr float kMaxGapBits = 30.0f;

bool plausible_length(uint8_t type, uint8_t length) {
  // SDMF: the date and at most a long number; MDMF: at least one parameter.
  return type == 0x04 ? length >= 8 && length <= 48 : length >= 2;
}

}  // namespace

void FskMessageAssembler::tick(uint64_t sample) noexcept {
  if (count_ > 0 && sample > last_end_ &&
      static_cast<float>(sample - last_end_) > (kMaxGapBits + 10.0f) * kSamplesPerBit) {
    count_ = 0;
  }
}

bool FskMessageAssembler::add(const FskCharacter& character, CallerIdMessage* out,
                              float* fit) noexcept {
  if (count_ > 0) {
    // The next start bit may be located a sample before the stop bit's centre.
    const float gap = character.start_sample > last_end_
                          ? static_cast<float>(character.start_sample - last_end_) / kSamplesPerBit
                          : 0.0f;
    if (gap > kMaxGapBits || character.carrier_start_sample != start_sample_) count_ = 0;
  }
  if (count_ == 0) {
    if (!character.framed || character.mark_bits_before < kMinMarkBits ||
        (character.value != 0x04 && character.value != 0x80)) {
      return false;
    }
    start_sample_ = character.carrier_start_sample;
    framing_error_ = false;
    mark_error_ = character.mark_error;
    expected_ = 0;
  }
  bytes_[count_++] = character.value;
  last_end_ = character.end_sample;
  if (!character.framed) framing_error_ = true;

  if (count_ == 2) {
    if (!plausible_length(bytes_[0], bytes_[1])) {
      count_ = 0;
      return false;
    }
    expected_ = static_cast<size_t>(bytes_[1]) + 3;
  }
  if (count_ < 3 || count_ != expected_) return false;

  std::optional<CallerIdMessage> message =
      parse_caller_id_bytes(std::span<const uint8_t>(bytes_.data(), count_), modem_);
  count_ = 0;
  if (!message) return false;
  if (framing_error_) {
    // A character without its stop bit is not trusted, whatever the checksum.
    message->valid = false;
    message->number.clear();
    message->name.clear();
    message->datetime.clear();
    message->absence = message->name_absence = CallerIdAbsence::none;
  }
  message->start_sample = start_sample_;
  message->end_sample = character.end_sample;
  *out = *message;
  *fit = std::abs(mark_error_);
  return true;
}

}  // namespace ivrd::dsp::detail
