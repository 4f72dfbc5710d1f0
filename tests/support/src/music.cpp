#include "ivrd/test_support/music.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <numbers>

#include "ivrd/dsp/dtmf_generator.hpp"
#include "ivrd/test_support/levels.hpp"
#include "ivrd/test_support/rng.hpp"

namespace ivrd::test_support {
namespace {

constexpr double kFs = 8000.0;
constexpr double kMaxPartialHz = 3900.0;
constexpr float kPeakLimit = 29204.0f;  // 1 dB below full scale
constexpr double kTwoPi = 2.0 * std::numbers::pi;

struct Partial {
  double ratio;  // to the fundamental
  double amplitude;
};

struct Timbre {
  std::array<Partial, 12> partials;
  int count;
  double attack_s;
  double release_s;
  double decay_s;  // 0: sustained; else the fundamental's decay time constant
  double vibrato_hz;
  double vibrato_depth;  // relative frequency deviation
};

Timbre timbre_of(Instrument instrument) {
  Timbre t{};
  switch (instrument) {
    case Instrument::organ:
      t.partials = {{{1, 1.0}, {2, 0.6}, {3, 0.35}, {4, 0.3}, {6, 0.15}, {8, 0.1}}};
      t.count = 6;
      t.attack_s = 0.008;
      t.release_s = 0.02;
      break;
    case Instrument::strings:
      for (int k = 1; k <= 12; ++k)
        t.partials[static_cast<size_t>(k - 1)] = {static_cast<double>(k), 1.0 / k};
      t.count = 12;
      t.attack_s = 0.08;
      t.release_s = 0.15;
      t.vibrato_hz = 5.5;
      t.vibrato_depth = 0.004;
      break;
    case Instrument::piano:
      for (int k = 1; k <= 10; ++k) {
        // Slight inharmonicity of stiff strings: f_k = k f0 sqrt(1 + B k^2).
        const double ratio = k * std::sqrt(1.0 + 0.0004 * k * k);
        t.partials[static_cast<size_t>(k - 1)] = {ratio, 1.0 / std::pow(k, 1.3)};
      }
      t.count = 10;
      t.attack_s = 0.003;
      t.release_s = 0.12;
      t.decay_s = 0.9;
      break;
    case Instrument::flute:
      t.partials = {{{1, 1.0}, {2, 0.1}, {3, 0.0316}}};
      t.count = 3;
      t.attack_s = 0.04;
      t.release_s = 0.04;
      t.vibrato_hz = 5.0;
      t.vibrato_depth = 0.003;
      break;
  }
  return t;
}

// Adds one note to buf from offset start: on_len samples held, then release.
void render_note(std::vector<float>& buf, size_t start, size_t on_len, double f0, double amplitude,
                 Instrument instrument, Rng& rng) {
  const Timbre t = timbre_of(instrument);
  const auto release_len = static_cast<size_t>(t.release_s * kFs);
  const size_t total = on_len + release_len;
  if (start >= buf.size()) return;
  const size_t end = std::min(buf.size(), start + total);
  const double vibrato_phase0 = rng.uniform(0.0, kTwoPi);
  std::array<double, 12> phase{};
  for (double& p : phase) p = rng.uniform(0.0, kTwoPi);
  // Envelope value when the release starts, so the release has no step.
  double held = 0.0;
  for (size_t i = start; i < end; ++i) {
    const double t_s = static_cast<double>(i - start) / kFs;
    double envelope;
    if (i - start < on_len) {
      envelope = std::min(1.0, t_s / t.attack_s);
      held = envelope;
    } else {
      const double r = static_cast<double>(i - start - on_len) / static_cast<double>(release_len);
      envelope = held * (1.0 - r);
    }
    const double vibrato =
        1.0 + t.vibrato_depth * std::sin(kTwoPi * t.vibrato_hz * t_s + vibrato_phase0);
    double sample = 0.0;
    for (int k = 0; k < t.count; ++k) {
      const auto& partial = t.partials[static_cast<size_t>(k)];
      const double f = f0 * partial.ratio * vibrato;
      if (f > kMaxPartialHz) break;
      double a = partial.amplitude;
      // Higher partials of struck strings die away faster.
      if (t.decay_s > 0.0) a *= std::exp(-t_s * (1.0 + 0.5 * k) / t.decay_s);
      phase[static_cast<size_t>(k)] += kTwoPi * f / kFs;
      sample += a * std::sin(phase[static_cast<size_t>(k)]);
    }
    buf[i] += static_cast<float>(amplitude * envelope * sample);
  }
}

std::array<int, 64> build_trap_notes(int& count) {
  std::array<int, 64> notes{};
  count = 0;
  for (int note = 40; note <= 100 && count < 64; ++note) {
    const double f = midi_to_hz(note);
    bool trap = false;
    for (int h = 1; h <= 3 && !trap; ++h) {
      for (const float d : dsp::kDtmfLowGroupHz) trap |= std::abs(h * f / d - 1.0) < 0.035;
      for (const float d : dsp::kDtmfHighGroupHz) trap |= std::abs(h * f / d - 1.0) < 0.035;
    }
    if (trap) notes[static_cast<size_t>(count++)] = note;
  }
  return notes;
}

// Trap notes by the DTMF group their fundamental falls near.
constexpr std::array kLowTraps{77, 79, 80, 82};          // F5 G5 G#5 A#5
constexpr std::array kHighTraps{86, 87, 88, 90, 92};     // D6 D#6 E6 F#6 G#6
constexpr std::array kSubharmonicTraps{65, 70, 76, 78};  // F4 A#4 E5 F#5 (2nd harmonic)

constexpr std::array kMajor{0, 2, 4, 5, 7, 9, 11};
constexpr std::array kMinor{0, 2, 3, 5, 7, 8, 10};

template <size_t N>
int pick(const std::array<int, N>& values, Rng& rng) {
  return values[static_cast<size_t>(rng.uniform_int(0, static_cast<int>(N) - 1))];
}

// A note of the scale (key, mode) near a MIDI note.
int scale_note(int key, bool minor, int near, Rng& rng) {
  const auto& scale = minor ? kMinor : kMajor;
  const int octave = near / 12;
  const int degree = scale[static_cast<size_t>(rng.uniform_int(0, 6))];
  return octave * 12 + (key + degree) % 12;
}

double log_uniform(Rng& rng, double lo, double hi) {
  return std::exp(rng.uniform(std::log(lo), std::log(hi)));
}

struct PhraseContext {
  Instrument instrument;
  double detune;  // frequency factor
  int key;
  bool minor;
  const MusicOptions* options;
  size_t offset;  // of the phrase in the whole piece
  std::vector<MusicNote>* score;
};

void play_chord(std::vector<float>& buf, size_t start, size_t length, const PhraseContext& ctx,
                double amplitude, Rng& rng) {
  std::vector<double> freqs;
  const bool trap = rng.chance(ctx.options->trap_probability);
  const int size = rng.uniform_int(2, 4);
  if (trap) {
    freqs.push_back(
        midi_to_hz(rng.chance(0.75) ? pick(kLowTraps, rng) : pick(kSubharmonicTraps, rng)));
    freqs.push_back(midi_to_hz(pick(kHighTraps, rng)));
    for (int i = 2; i < size; ++i)
      freqs.push_back(
          midi_to_hz(scale_note(ctx.key, ctx.minor, 60 + 12 * rng.uniform_int(0, 1), rng)));
  } else {
    const int root = 55 + (ctx.key + kMajor[static_cast<size_t>(rng.uniform_int(0, 6))]) % 12 +
                     12 * rng.uniform_int(0, 1);
    const std::array<int, 4> intervals{0, ctx.minor ? 3 : 4, 7, rng.chance(0.5) ? 10 : 12};
    for (int i = 0; i < size; ++i)
      freqs.push_back(midi_to_hz(root + intervals[static_cast<size_t>(i)]));
  }
  for (double& f : freqs) f *= ctx.detune;
  const double per_note = amplitude / std::sqrt(static_cast<double>(freqs.size()));
  for (const double f : freqs) render_note(buf, start, length, f, per_note, ctx.instrument, rng);
  if (ctx.score != nullptr) {
    ctx.score->push_back({ctx.offset + start, length, ctx.instrument, freqs, trap});
  }
}

void play_melody(std::vector<float>& buf, size_t from, size_t to, const PhraseContext& ctx,
                 double amplitude, Rng& rng) {
  const MusicOptions& o = *ctx.options;
  int note = 72 + rng.uniform_int(0, 12);
  size_t i = from;
  while (i < to) {
    const auto length = static_cast<size_t>(log_uniform(rng, o.min_note_ms, o.max_note_ms) * 8.0);
    const bool trap = rng.chance(o.trap_probability);
    if (trap) {
      note = rng.chance(0.5) ? pick(kLowTraps, rng) : pick(kHighTraps, rng);
    } else {
      note = std::clamp(scale_note(ctx.key, ctx.minor, note + rng.uniform_int(-4, 4), rng), 67, 96);
    }
    const size_t on = std::min(length, to - i);
    const double f = midi_to_hz(note) * ctx.detune;
    render_note(buf, i, on, f, amplitude, ctx.instrument, rng);
    if (ctx.score != nullptr) ctx.score->push_back({ctx.offset + i, on, ctx.instrument, {f}, trap});
    // Mostly legato, sometimes detached.
    i += length + (rng.chance(0.3) ? static_cast<size_t>(rng.uniform(10.0, 120.0) * 8.0) : 0);
  }
}

}  // namespace

std::string_view instrument_name(Instrument instrument) noexcept {
  switch (instrument) {
    case Instrument::organ: return "organ";
    case Instrument::strings: return "strings";
    case Instrument::piano: return "piano";
    case Instrument::flute: return "flute";
  }
  return "?";
}

double midi_to_hz(double note) noexcept { return 440.0 * std::pow(2.0, (note - 69.0) / 12.0); }

std::span<const int> dtmf_trap_notes() noexcept {
  static int count = 0;
  static const std::array<int, 64> notes = build_trap_notes(count);
  return std::span<const int>(notes.data(), static_cast<size_t>(count));
}

std::vector<int16_t> music_on_hold(size_t n, uint64_t seed, const MusicOptions& options,
                                   std::vector<MusicNote>* score) {
  Rng rng(seed);
  std::vector<float> out(n, 0.0f);
  if (options.instruments.empty()) return to_int16(out);
  size_t position = 0;
  while (position < n) {
    const auto phrase_len = static_cast<size_t>(rng.uniform(2.0, 8.0) * kFs);
    const auto tail = static_cast<size_t>(0.2 * kFs);
    std::vector<float> phrase(phrase_len + tail, 0.0f);
    PhraseContext ctx{};
    ctx.instrument = options.instruments[static_cast<size_t>(
        rng.uniform_int(0, static_cast<int>(options.instruments.size()) - 1))];
    ctx.detune =
        std::pow(2.0, rng.uniform(-options.max_detune_cents, options.max_detune_cents) / 1200.0);
    ctx.key = rng.uniform_int(0, 11);
    ctx.minor = rng.chance(0.4);
    ctx.options = &options;
    ctx.offset = position;
    ctx.score = score;
    const double level = rng.uniform(options.min_level_dbm0, options.max_level_dbm0);

    const double style = rng.uniform();
    if (style < 0.5) {
      // Melody over held chords (a pad 0.8..3 s per chord, 10 dB below).
      size_t i = 0;
      while (i < phrase_len) {
        const auto length =
            std::min(phrase_len - i, static_cast<size_t>(rng.uniform(0.8, 3.0) * kFs));
        play_chord(phrase, i, length, ctx, 0.3, rng);
        i += length;
      }
      play_melody(phrase, 0, phrase_len, ctx, 1.0, rng);
    } else if (style < 0.8) {
      // A chord sequence, chords as long as notes.
      size_t i = 0;
      while (i < phrase_len) {
        const auto length = std::min(
            phrase_len - i,
            static_cast<size_t>(log_uniform(rng, options.min_note_ms, options.max_note_ms) * 8.0));
        play_chord(phrase, i, length, ctx, 1.0, rng);
        i += length + (rng.chance(0.3) ? static_cast<size_t>(rng.uniform(10.0, 100.0) * 8.0) : 0);
      }
    } else {
      play_melody(phrase, 0, phrase_len, ctx, 1.0, rng);
    }
    scale_to_active_level(std::span<float>(phrase), level);
    // Keep peaks 1 dB below full scale (a clipped line is a different test).
    float loudest = 0.0f;
    for (const float x : phrase) loudest = std::max(loudest, std::abs(x));
    if (loudest > kPeakLimit) {
      for (float& x : phrase) x *= kPeakLimit / loudest;
    }
    for (size_t i = 0; i < phrase.size() && position + i < n; ++i) out[position + i] = phrase[i];
    // The next phrase starts after this one's release tail: phrases never overlap.
    position += phrase_len + tail + static_cast<size_t>(rng.uniform(0.0, 0.3) * kFs);
  }
  return to_int16(out);
}

}  // namespace ivrd::test_support
