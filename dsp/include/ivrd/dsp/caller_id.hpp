#pragma once
// Caller ID (calling line identity presentation, on-hook): the message layer,
// an encoder to bytes and to audio, and a receiver that finds messages in a
// continuous stream of 8 kHz linear PCM.
//
// FSK messages (Telcordia GR-30 for Bell 202; ETSI EN 300 659-3 / BT SIN 227
// for V.23), sent with the modem of fsk_modem.hpp as 8N1 characters:
//   SDMF, type 0x04: length, "MMDDhhmm", then the number or a single 'O'
//     (out of area / unavailable) or 'P' (private), checksum;
//   MDMF, type 0x80 (ETSI "call set-up"): length, then parameters, each a
//     type, a length and a value: 0x01 date and time "MMDDhhmm", 0x02 calling
//     number, 0x04 reason for absence of the number ('O' or 'P'), 0x07 name
//     (ISO 8859-1), 0x08 reason for absence of the name; other parameters are
//     skipped. Then the checksum.
// The checksum is the two's complement of the sum of all bytes before it
// (type and length included), so all bytes add up to 0 mod 256.
//
// DTMF caller ID (ETSI ES 200 778-1 annex B style, as in the Nordic
// countries, the Netherlands, India, ...): 'A' or 'D', the digits, 'C'
// (or '#'); for an absent number 'B' and a two-digit code, "00" unavailable,
// "10" private, then 'C'. Read with ivrd's DTMF detector.
//
// Names are ISO 8859-1 on the line and UTF-8 in CallerIdMessage.
//
// CallerIdReceiver runs both FSK demodulators and a DTMF detector on the
// same audio. A message needs at least 10 bits of steady mark before its
// type byte (the channel seizure may be missing or short), a known type and
// length, every character framed, and no gap of more than 30 bit times
// between characters. A message whose checksum (or structure) fails is
// reported with valid = false and its number, name and date left empty: a
// corrupted number is never reported. When both demodulators decode the
// same burst, the one whose tone frequencies fit best names the modem.
//
// Measured (bench/callerid_bench.cpp, docs/callerid.md; 40-byte MDMF
// messages through a µ-law line): every message from -5 to -44 dBm0; at
// 10 dB SNR 100 % (Bell 202) and 99 % (V.23), at 8 dB 99.5 % and 94.5 %;
// tone offsets of ±3 %; no false messages in minutes of speech, noise and
// music. spandsp's adsi_rx on the same signals: down to -30 dBm0 (Bell 202)
// and -20 dBm0 (V.23), 90.5 % and 64.5 % at 10 dB SNR.
//
// rx() never allocates, locks or throws, and reports the same messages at the
// same samples whatever the block sizes.

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "ivrd/dsp/dtmf_detector.hpp"
#include "ivrd/dsp/fsk_modem.hpp"
#include "ivrd/dsp/function_ref.hpp"
#include "ivrd/dsp/isa.hpp"

namespace ivrd::dsp {

// How a message was sent. v23_sdmf (type 0x04 on V.23) is rare but exists.
enum class CallerIdFormat : uint8_t { bell202_sdmf, bell202_mdmf, v23_sdmf, v23_mdmf, dtmf };
std::string_view caller_id_format_name(CallerIdFormat format) noexcept;
std::optional<CallerIdFormat> parse_caller_id_format(std::string_view name) noexcept;

enum class CallerIdAbsence : uint8_t { none, private_number, out_of_area };
// "private", "out_of_area", or "" for none.
std::string_view caller_id_absence_name(CallerIdAbsence absence) noexcept;

// Text of bounded length, so a message can be built on the hot path without
// allocating. assign() truncates to N bytes (never inside a UTF-8 sequence).
template <size_t N>
class CallerIdText {
 public:
  static constexpr size_t kCapacity = N;
  CallerIdText() = default;
  CallerIdText(std::string_view text) noexcept { assign(text); }  // NOLINT: like a string
  CallerIdText& operator=(std::string_view text) noexcept {
    assign(text);
    return *this;
  }
  void assign(std::string_view text) noexcept {
    size_t n = text.size() < N ? text.size() : N;
    if (n < text.size()) {
      while (n > 0 && (static_cast<unsigned char>(text[n]) & 0xC0) == 0x80) --n;
    }
    for (size_t i = 0; i < n; ++i) data_[i] = text[i];
    size_ = n;
  }
  bool push_back(char c) noexcept {
    if (size_ == N) return false;
    data_[size_++] = c;
    return true;
  }
  void clear() noexcept { size_ = 0; }
  std::string_view view() const noexcept { return {data_.data(), size_}; }
  std::string str() const { return std::string(view()); }
  size_t size() const noexcept { return size_; }
  bool empty() const noexcept { return size_ == 0; }
  friend bool operator==(const CallerIdText& a, const CallerIdText& b) noexcept {
    return a.view() == b.view();
  }
  friend bool operator==(const CallerIdText& a, std::string_view b) noexcept {
    return a.view() == b;
  }

 private:
  std::array<char, N> data_{};
  size_t size_ = 0;
};

struct CallerIdMessage {
  CallerIdFormat format = CallerIdFormat::bell202_mdmf;
  // False when the checksum or the message's structure was wrong: number,
  // name and datetime are then empty, whatever was received.
  bool valid = true;
  CallerIdText<32> number;                          // as sent (digits, sometimes '+', '*', '#')
  CallerIdText<160> name;                           // UTF-8
  CallerIdText<8> datetime;                         // "MMDDhhmm", or empty when not sent
  CallerIdAbsence absence = CallerIdAbsence::none;  // of the number
  CallerIdAbsence name_absence = CallerIdAbsence::none;  // MDMF only
  // First sample of the signal that carried the message (the FSK carrier, or
  // the DTMF start digit) and the sample at which it was complete.
  uint64_t start_sample = 0;
  uint64_t end_sample = 0;
};

// --- Encoding -------------------------------------------------------------

// The FSK message bytes, checksum included: SDMF for *_sdmf formats (number,
// or 'O'/'P' for an absence), MDMF otherwise (date, number or its absence,
// name or its absence, each only when set). Names are converted to ISO
// 8859-1 ('?' for characters it lacks). Empty for the dtmf format.
std::vector<uint8_t> caller_id_bytes(const CallerIdMessage& message);

// The DTMF digits for the dtmf format: "A<number>C", "B00C" or "B10C".
std::string caller_id_dtmf_digits(const CallerIdMessage& message);

struct CallerIdAudioOptions {
  float level_dbm0 = -13.0f;      // FSK tone level, or DTMF level per tone
  float frequency_offset = 0.0f;  // relative, all tones
  // Channel seizure and mark bits before the message; negative: the
  // standard's (Bell 202: 300 and 180; V.23 / ETSI: 96 and 80).
  int seizure_bits = -1;
  int mark_bits = -1;
  int trailing_mark_bits = 2;  // after the checksum
  float dtmf_on_ms = 60.0f, dtmf_off_ms = 60.0f;
};

// The whole signal for message (format chooses modem and layout), starting
// with the first bit or digit and ending with the last.
std::vector<int16_t> caller_id_audio(const CallerIdMessage& message,
                                     const CallerIdAudioOptions& options = {});
// Any bytes (a test can corrupt them) sent with a modem.
std::vector<int16_t> caller_id_fsk_audio(std::span<const uint8_t> bytes, FskModem modem,
                                         const CallerIdAudioOptions& options = {});

// --- Decoding -------------------------------------------------------------

// Parses complete message bytes (type, length, body, checksum) received with
// `modem`. Nothing when the type is not SDMF or MDMF or the length byte does
// not match the size; otherwise a message, valid only when the checksum and
// the structure are right.
std::optional<CallerIdMessage> parse_caller_id_bytes(std::span<const uint8_t> bytes,
                                                     FskModem modem) noexcept;

// ISO 8859-1 to UTF-8 and back ('?' for code points past U+00FF or invalid
// UTF-8), for names.
std::string latin1_to_utf8(std::string_view latin1);
std::string utf8_to_latin1(std::string_view utf8);

struct CallerIdReceiverConfig {
  bool bell202 = true;
  bool v23 = true;
  bool dtmf = true;
  // Weakest FSK signal decoded.
  float min_level_dbm0 = -45.0f;
};

using CallerIdSink = FunctionRef<void(const CallerIdMessage&)>;

namespace detail {
// Gathers one demodulator's characters into messages (internal).
class FskMessageAssembler {
 public:
  static constexpr size_t kMaxBytes = 258;
  explicit FskMessageAssembler(FskModem modem) noexcept : modem_(modem) {}
  // True when a message is complete; it is then in *out.
  bool add(const FskCharacter& character, CallerIdMessage* out, float* fit) noexcept;
  // Gives up a message in progress when no character came for too long.
  void tick(uint64_t sample) noexcept;

 private:
  FskModem modem_;
  std::array<uint8_t, kMaxBytes> bytes_{};
  size_t count_ = 0;
  size_t expected_ = 0;
  bool framing_error_ = false;
  uint64_t start_sample_ = 0;
  uint64_t last_end_ = 0;
  float mark_error_ = 0.0f;  // of the mark before the type byte
};

// Turns DTMF digits into caller ID messages (internal).
class DtmfCallerIdAssembler {
 public:
  bool add(const DtmfEvent& digit, CallerIdMessage* out) noexcept;

 private:
  CallerIdText<40> digits_;
  bool active_ = false;
  uint64_t start_sample_ = 0;
  uint64_t last_end_ = 0;
};
}  // namespace detail

class CallerIdReceiver {
 public:
  static constexpr double kSampleRate = 8000.0;

  explicit CallerIdReceiver(const CallerIdReceiverConfig& config = {}, Isa isa = active_isa());

  // Messages are passed to sink once complete (an FSK message about 25 ms
  // after its last character, so the two demodulators can be compared).
  void rx(std::span<const int16_t> pcm, CallerIdSink sink) noexcept;
  // End of the recording: reports what is still held back.
  void flush(CallerIdSink sink) noexcept;

  uint64_t samples_seen() const noexcept { return sample_count_; }

 private:
  struct Pending {
    bool used = false;
    CallerIdMessage message;
    float fit = 0.0f;  // lower is better
    uint64_t deadline = 0;
  };
  static constexpr size_t kPending = 4;
  static constexpr int kModems = 2;

  void on_fsk_message(int modem, const CallerIdMessage& message, float fit) noexcept;
  void resolve_due(uint64_t now, CallerIdSink& sink) noexcept;
  void resolve(int modem, size_t index, CallerIdSink& sink) noexcept;

  CallerIdReceiverConfig config_;
  std::array<FskDemodulator, kModems> demodulators_;
  std::array<detail::FskMessageAssembler, kModems> assemblers_;
  std::array<std::array<Pending, kPending>, kModems> pending_{};
  DtmfDetector dtmf_;
  detail::DtmfCallerIdAssembler dtmf_assembler_;
  uint64_t sample_count_ = 0;
};

}  // namespace ivrd::dsp
