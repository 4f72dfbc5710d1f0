#pragma once
// 1200 baud FSK modem for caller ID, both ways, on 8 kHz linear PCM:
//   Bell 202 (Telcordia GR-30): mark 1200 Hz, space 2200 Hz;
//   ITU-T V.23 forward channel, as ETSI EN 300 659-1 and BT SIN 227 use it
//   for caller ID: mark 1300 Hz, space 2100 Hz.
// Characters are sent asynchronously: a start bit (space), 8 data bits least
// significant first, a stop bit (mark); between characters the line rests on
// mark.
//
// FskModulator queues bits (channel seizure, mark, characters) and plays
// them phase-continuously at any level and frequency offset; its bit clock is
// exact (1200 per 8000 samples).
//
// FskDemodulator: the signal is band-limited to 950..2450 Hz (two 4th-order
// Butterworth sections), then correlated with the mark and space tones over a
// sliding window of one bit (7 samples); the difference of the two energies
// is the soft bit. The bit clock restarts at every start bit: the mark-to-
// space crossing of the soft bit is located to a fraction of a sample, the
// ten bits of the character are read at their centres from there (the soft
// bit interpolated between samples), and each transition inside the
// character pulls the clock part of the way toward itself. A
// carrier detector (the share of the signal's power inside the band, and the
// band's level against a floor) gates everything: without carrier nothing is
// decoded. For each character it reports how many bits of steady mark came
// before it and how far that mark's frequency was from nominal (measured from
// the phase advance of the mark correlator over it), which the caller ID receiver
// uses to find message starts and to tell the two modems apart.
//
// Measured (dsp/tests/fsk_modem_test.cpp, docs/callerid.md): every byte
// value from -5 to -44 dBm0 (the carrier floor is -45 dBm0 by default),
// through µ-law and A-law, with tone offsets up to ±1.5 % at 20 dB SNR; the
// caller ID messages built on it decode down to 8-10 dB SNR.
//
// rx() and tx() never allocate, lock or throw; feeding the same audio in any
// block sizes gives the same characters.

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "ivrd/dsp/function_ref.hpp"

namespace ivrd::dsp {

enum class FskModem : uint8_t { bell202, v23 };

struct FskModemParams {
  float mark_hz;
  float space_hz;
  float baud;
};

FskModemParams fsk_modem_params(FskModem modem) noexcept;
std::string_view fsk_modem_name(FskModem modem) noexcept;  // "bell202", "v23"

class FskModulator {
 public:
  static constexpr double kSampleRate = 8000.0;
  static constexpr size_t kQueueBits = 8192;

  // level_dbm0: level of the tone; frequency_offset: relative error of both
  // tones (0.01 for +1 %).
  explicit FskModulator(FskModem modem, float level_dbm0 = -13.0f,
                        float frequency_offset = 0.0f) noexcept;

  // Each returns false (queueing nothing) when the bits do not fit.
  // Alternating 0101... starting with 0, as a channel seizure.
  bool queue_seizure(size_t bits) noexcept;
  bool queue_mark(size_t bits) noexcept;
  // One character: start bit, 8 data bits LSB first, stop bit.
  bool queue_byte(uint8_t value) noexcept;
  bool queue_bytes(std::span<const uint8_t> values) noexcept;

  // Writes the next out.size() samples: the queued bits, then silence.
  // Returns how many samples carried queued bits.
  size_t tx(std::span<int16_t> out) noexcept;

  bool idle() const noexcept { return count_ == 0; }
  // Samples needed to send what is queued now.
  size_t pending_samples() const noexcept;

 private:
  bool push(bool bit) noexcept;

  double mark_step_ = 0.0, space_step_ = 0.0;  // radians per sample
  double amplitude_ = 0.0;
  double phase_ = 0.0;
  uint32_t bit_clock_ = 0;  // in units of 1/(8000*1200) s: +1200 per sample
  std::array<uint8_t, kQueueBits / 8> bits_{};
  size_t head_ = 0, count_ = 0;
};

struct FskDemodulatorConfig {
  // Carrier below this band level is ignored.
  float min_level_dbm0 = -45.0f;
};

struct FskCharacter {
  uint8_t value = 0;
  bool framed = true;  // the stop bit was mark
  // The start bit's leading edge, counted from the first sample fed.
  uint64_t start_sample = 0;
  // Sample at which the character was complete (the stop bit's centre).
  uint64_t end_sample = 0;
  // Bits of steady mark (with carrier) right before the start bit, capped
  // at 1200.
  uint32_t mark_bits_before = 0;
  // Sample at which the carrier carrying this character came on.
  uint64_t carrier_start_sample = 0;
  // Relative frequency error ((measured - nominal) / nominal) of the steady
  // mark before the start bit, measured over all of it; 0 when there was
  // none.
  float mark_error = 0.0f;
};

using FskCharacterSink = FunctionRef<void(const FskCharacter&)>;

class FskDemodulator {
 public:
  static constexpr double kSampleRate = 8000.0;
  static constexpr int kWindow = 7;  // correlation window, about one bit
  static constexpr int kLag = 7;     // span of the mark frequency measurement

  explicit FskDemodulator(FskModem modem, const FskDemodulatorConfig& config = {}) noexcept;

  void rx(std::span<const int16_t> pcm, FskCharacterSink sink) noexcept;
  // One sample; for receivers that interleave several blocks sample by sample.
  void rx_sample(int16_t sample, FskCharacterSink& sink) noexcept;

  FskModem modem() const noexcept { return modem_; }
  uint64_t samples_seen() const noexcept { return sample_count_; }
  bool carrier() const noexcept { return carrier_; }

 private:
  struct Biquad {
    float b0 = 1, b1 = 0, b2 = 0, a1 = 0, a2 = 0;
    float z1 = 0, z2 = 0;
    float run(float x) noexcept {
      const float y = b0 * x + z1;
      z1 = b1 * x - a1 * y + z2;
      z2 = b2 * x - a2 * y;
      return y;
    }
  };
  enum class State : uint8_t { hunt, receive };

  void sample_bit(float soft, FskCharacterSink& sink) noexcept;
  void reset_character() noexcept;

  FskModem modem_;
  FskDemodulatorConfig config_;
  float mark_hz_ = 0, space_hz_ = 0;
  float samples_per_bit_ = 0;
  std::array<Biquad, 4> band_{};
  // Correlator taps e^{j w k}, k = 0..kWindow-1, and the space correlator's
  // gain correction for the band filter.
  std::array<float, kWindow> mark_re_{}, mark_im_{}, space_re_{}, space_im_{};
  float space_gain_ = 1.0f;
  float filter_delay_ = 0.0f;             // of the band filter, in samples
  std::array<float, kWindow> history_{};  // newest first
  float band_power_ = 0.0f, total_power_ = 0.0f;
  float min_band_power_ = 0.0f;
  bool carrier_ = false;
  uint64_t carrier_start_ = 0;

  // Soft bit of this and the previous sample, this sample's correlators, and
  // the mark correlator kLag samples back.
  float soft_ = 0.0f, previous_soft_ = 0.0f;
  float strongest_ = 0.0f;  // the larger correlator energy
  float mark_i_ = 0, mark_q_ = 0, space_i_ = 0, space_q_ = 0;
  std::array<float, kLag> lagged_mark_i_{}, lagged_mark_q_{};
  int lag_index_ = 0;
  float lag_mark_i_ = 0, lag_mark_q_ = 0;

  State state_ = State::hunt;
  uint32_t mark_samples_ = 0;  // steady mark while hunting
  float countdown_ = 0.0f;     // samples to the next bit centre
  int bit_index_ = 0;          // 0 start, 1..8 data, 9 stop
  uint8_t shift_ = 0;
  FskCharacter character_{};
  // Phase advance of the mark correlator summed over the steady mark.
  double mark_advance_re_ = 0.0, mark_advance_im_ = 0.0;
  uint64_t sample_count_ = 0;
};

}  // namespace ivrd::dsp
