#include <algorithm>
#include <cmath>
#include <complex>
#include <numbers>

#include "ivrd/dsp/fsk_modem.hpp"
#include "ivrd/dsp/levels.hpp"

#include "phase.hpp"

namespace ivrd::dsp {
namespace {

// The band both modems' tones and most of their sidebands fall in. Outside it
// there is only noise (and speech, mostly below it), so the share of power in
// the band is the carrier detector, and the correlators see less noise.
constexpr double kBandLowHz = 950.0;
constexpr double kBandHighHz = 2450.0;
// Q of the two sections of a 4th-order Butterworth filter.
constexpr std::array<double, 2> kButterworthQ{0.54119610, 1.30656296};

// Carrier: on when the band holds this share of the power, off below the
// lower one (white noise puts about 40 % there, an FSK signal over 85 %).
constexpr float kCarrierOnShare = 0.6f;
constexpr float kCarrierOffShare = 0.45f;
// Power averaging: about 4 ms.
constexpr float kPowerSmoothing = 1.0f / 32.0f;
constexpr uint32_t kMaxMarkSamples = 8000;
// Share of a transition's timing error corrected at once: 0.3..0.5 gives the
// fewest errors at 6..10 dB SNR (1 lets the noise of each edge through, 0 is
// the start bit's edge alone).
constexpr float kClockGain = 0.4f;
// A bit whose tone carries less than this share of the band's power is not
// one (see sample_bit()).
constexpr float kMinBitShare = 0.1f;
// Samples over which the mark's phase advance is measured.
constexpr int kLag = FskDemodulator::kLag;

struct Coefficients {
  double b0, b1, b2, a1, a2;
};

// Audio EQ cookbook (R. Bristow-Johnson) high- and low-pass sections.
Coefficients section(bool high_pass, double hz, double q) {
  const double w0 = 2.0 * std::numbers::pi * hz / FskDemodulator::kSampleRate;
  const double cosw = std::cos(w0);
  const double alpha = std::sin(w0) / (2.0 * q);
  const double a0 = 1.0 + alpha;
  const double b1 = high_pass ? -(1.0 + cosw) : 1.0 - cosw;
  return {std::abs(b1) / 2.0 / a0, b1 / a0, std::abs(b1) / 2.0 / a0, -2.0 * cosw / a0,
          (1.0 - alpha) / a0};
}

double magnitude(const Coefficients& c, double hz) {
  const std::complex<double> z =
      std::polar(1.0, -2.0 * std::numbers::pi * hz / FskDemodulator::kSampleRate);
  return std::abs((c.b0 + c.b1 * z + c.b2 * z * z) / (1.0 + c.a1 * z + c.a2 * z * z));
}

double phase(const Coefficients& c, double hz) {
  const std::complex<double> z =
      std::polar(1.0, -2.0 * std::numbers::pi * hz / FskDemodulator::kSampleRate);
  return std::arg((c.b0 + c.b1 * z + c.b2 * z * z) / (1.0 + c.a1 * z + c.a2 * z * z));
}

}  // namespace

FskDemodulator::FskDemodulator(FskModem modem, const FskDemodulatorConfig& config) noexcept
    : modem_(modem), config_(config) {
  const FskModemParams params = fsk_modem_params(modem);
  mark_hz_ = params.mark_hz;
  space_hz_ = params.space_hz;
  samples_per_bit_ = static_cast<float>(kSampleRate / params.baud);

  double mark_gain = 1.0, space_gain = 1.0;
  for (size_t i = 0; i < 4; ++i) {
    const bool high_pass = i < 2;
    const Coefficients c =
        section(high_pass, high_pass ? kBandLowHz : kBandHighHz, kButterworthQ[i % 2]);
    band_[i].b0 = static_cast<float>(c.b0);
    band_[i].b1 = static_cast<float>(c.b1);
    band_[i].b2 = static_cast<float>(c.b2);
    band_[i].a1 = static_cast<float>(c.a1);
    band_[i].a2 = static_cast<float>(c.a2);
    mark_gain *= magnitude(c, mark_hz_);
    space_gain *= magnitude(c, space_hz_);
  }
  space_gain_ = static_cast<float>(mark_gain / space_gain);
  // Group delay of the band filter between the two tones, from its phase
  // slope, so that reported times refer to the signal as it arrived.
  const double centre = (mark_hz_ + space_hz_) / 2.0;
  double phase_low = 0.0, phase_high = 0.0;
  for (size_t i = 0; i < 4; ++i) {
    const bool high_pass = i < 2;
    const Coefficients c =
        section(high_pass, high_pass ? kBandLowHz : kBandHighHz, kButterworthQ[i % 2]);
    phase_low += phase(c, centre - 1.0);
    phase_high += phase(c, centre + 1.0);
  }
  double slope = phase_high - phase_low;
  while (slope > std::numbers::pi) slope -= 2.0 * std::numbers::pi;
  while (slope < -std::numbers::pi) slope += 2.0 * std::numbers::pi;
  filter_delay_ = static_cast<float>(-slope / (2.0 * 2.0 * std::numbers::pi) * kSampleRate);

  for (int k = 0; k < kWindow; ++k) {
    const double mark_w = 2.0 * std::numbers::pi * mark_hz_ / kSampleRate * k;
    const double space_w = 2.0 * std::numbers::pi * space_hz_ / kSampleRate * k;
    mark_re_[k] = static_cast<float>(std::cos(mark_w));
    mark_im_[k] = static_cast<float>(std::sin(mark_w));
    space_re_[k] = static_cast<float>(std::cos(space_w) * space_gain_);
    space_im_[k] = static_cast<float>(std::sin(space_w) * space_gain_);
  }
  const double peak = dbm0_to_sine_peak(config_.min_level_dbm0);
  min_band_power_ = static_cast<float>(peak * peak / 2.0);
}

void FskDemodulator::rx(std::span<const int16_t> pcm, FskCharacterSink sink) noexcept {
  for (int16_t sample : pcm) rx_sample(sample, sink);
}

void FskDemodulator::reset_character() noexcept {
  state_ = State::hunt;
  character_ = {};
}

void FskDemodulator::rx_sample(int16_t sample, FskCharacterSink& sink) noexcept {
  const auto x = static_cast<float>(sample);
  float y = x;
  for (Biquad& section : band_) y = section.run(y);

  band_power_ += (y * y - band_power_) * kPowerSmoothing;
  total_power_ += (x * x - total_power_) * kPowerSmoothing;
  if (!carrier_) {
    if (band_power_ >= min_band_power_ && band_power_ >= kCarrierOnShare * total_power_) {
      carrier_ = true;
      const auto delay = static_cast<uint64_t>(std::lround(filter_delay_));
      carrier_start_ = sample_count_ > delay ? sample_count_ - delay : 0;
      mark_samples_ = 0;
      mark_advance_re_ = mark_advance_im_ = 0.0;
    }
  } else if (band_power_ < 0.5f * min_band_power_ ||
             band_power_ < kCarrierOffShare * total_power_) {
    carrier_ = false;
    reset_character();
  }

  std::copy_backward(history_.begin(), history_.end() - 1, history_.end());
  history_[0] = y;
  float mi = 0, mq = 0, si = 0, sq = 0;
  for (int k = 0; k < kWindow; ++k) {
    mi += history_[k] * mark_re_[k];
    mq += history_[k] * mark_im_[k];
    si += history_[k] * space_re_[k];
    sq += history_[k] * space_im_[k];
  }
  mark_i_ = mi;
  mark_q_ = mq;
  // The mark correlator kLag samples ago, then this sample's in its place.
  lag_mark_i_ = lagged_mark_i_[lag_index_];
  lag_mark_q_ = lagged_mark_q_[lag_index_];
  lagged_mark_i_[lag_index_] = mi;
  lagged_mark_q_[lag_index_] = mq;
  lag_index_ = (lag_index_ + 1) % kLag;
  space_i_ = si;
  space_q_ = sq;
  const float mark_energy = mi * mi + mq * mq;
  const float space_energy = si * si + sq * sq;
  strongest_ = std::max(mark_energy, space_energy);
  previous_soft_ = soft_;
  soft_ = (mark_energy - space_energy) / (mark_energy + space_energy + 1e-3f);

  if (carrier_) {
    if (state_ == State::hunt) {
      if (previous_soft_ >= 0.0f && soft_ < 0.0f) {
        // The soft bit crosses zero when the window is centred on the edge.
        const float fraction = previous_soft_ / (previous_soft_ - soft_);
        const float crossing_ago = 1.0f - fraction;  // samples before this one
        state_ = State::receive;
        bit_index_ = 0;
        shift_ = 0;
        countdown_ = 0.5f * samples_per_bit_ - crossing_ago;
        const double edge = static_cast<double>(sample_count_) - crossing_ago -
                            static_cast<double>(kWindow - 1) / 2.0 - filter_delay_;
        character_ = {};
        character_.start_sample = edge > 0.0 ? static_cast<uint64_t>(std::lround(edge)) : 0;
        character_.mark_bits_before =
            static_cast<uint32_t>(static_cast<float>(mark_samples_) / samples_per_bit_);
        character_.carrier_start_sample = carrier_start_;
        if (mark_samples_ > 0) {
          // The advance expected at the nominal frequency is taken out first,
          // so the angle left is small and never wraps.
          const double nominal = 2.0 * std::numbers::pi * mark_hz_ / kSampleRate * kLag;
          const double c = std::cos(nominal), s = std::sin(nominal);
          const double re = mark_advance_re_ * c + mark_advance_im_ * s;
          const double im = mark_advance_im_ * c - mark_advance_re_ * s;
          character_.mark_error = static_cast<float>(detail::phase_angle(im, re) / nominal);
        }
      } else if (soft_ >= 0.0f) {
        mark_samples_ = std::min(mark_samples_ + 1, kMaxMarkSamples);
        // Phase advance over kLag samples, not one: the correlator's image
        // (at minus the tone's frequency, 18 dB down for V.23) biases a
        // one-sample advance by more than 1 %, a kLag-sample one by kLag
        // times less.
        mark_advance_re_ += static_cast<double>(mark_i_ * lag_mark_i_ + mark_q_ * lag_mark_q_);
        mark_advance_im_ += static_cast<double>(mark_q_ * lag_mark_i_ - mark_i_ * lag_mark_q_);
      }
    } else {
      countdown_ -= 1.0f;
      if ((previous_soft_ >= 0.0f) != (soft_ >= 0.0f)) {
        // A transition between two bits: it lies half a bit before the next
        // centre. Pull the clock part of the way toward it, so that timing
        // noise of the start bit's edge is averaged out over the character.
        const float fraction = previous_soft_ / (previous_soft_ - soft_);
        const float from_edge = 0.5f * samples_per_bit_ - (1.0f - fraction);
        const float error = from_edge - countdown_;
        if (std::abs(error) < 0.3f * samples_per_bit_) countdown_ += kClockGain * error;
      }
      if (countdown_ <= 0.0f) {
        // The bit centre lies between the previous sample and this one.
        const float ago = -countdown_;
        countdown_ += samples_per_bit_;
        sample_bit(soft_ * (1.0f - ago) + previous_soft_ * ago, sink);
      }
    }
  }
  ++sample_count_;
}

void FskDemodulator::sample_bit(float soft, FskCharacterSink& sink) noexcept {
  const bool mark = soft >= 0.0f;
  // A tone of power P gives a correlator energy of kWindow^2 P / 2. Far less
  // than the band's (slowly averaged) power means the signal has just
  // stopped: what is left is the filters ringing down, not a bit.
  if (strongest_ < kMinBitShare * static_cast<float>(kWindow * kWindow) * 0.5f * band_power_) {
    reset_character();
    mark_samples_ = 0;
    mark_advance_re_ = mark_advance_im_ = 0.0;
    return;
  }
  if (bit_index_ == 0) {
    if (mark) {
      // Not a start bit after all (a noise spike in the mark): keep hunting,
      // and keep counting the mark.
      reset_character();
      return;
    }
  } else if (bit_index_ <= 8) {
    if (mark) shift_ = static_cast<uint8_t>(shift_ | (1u << (bit_index_ - 1)));
  } else {
    character_.value = shift_;
    character_.framed = mark;
    character_.end_sample = sample_count_;
    sink(character_);
    reset_character();
    mark_samples_ = 0;
    mark_advance_re_ = mark_advance_im_ = 0.0;
    return;
  }
  ++bit_index_;
}

}  // namespace ivrd::dsp
