#pragma once
// Synthetic music on hold, built as the classic DTMF talk-off trap.
//
// Music is the hardest everyday signal for a DTMF receiver: sustained notes,
// several at once, on equal-tempered pitches some of which fall within the
// receiver's ±1.5 % acceptance band of a DTMF frequency:
//   low group:  F5 698.5 Hz (697, +0.2 %), G5 784.0 (770, +1.8 %),
//               G#5 830.6 (852, -2.5 %), A#5 932.3 (941, -0.9 %)
//   high group: D6 1174.7 (1209, -2.8 %), D#6 1244.5 (1209, +2.9 %),
//               E6 1318.5 (1336, -1.3 %), F#6 1480.0 (1477, +0.2 %),
//               G#6 1661.2 (1633, +1.7 %)
// and notes an octave or a twelfth below whose 2nd or 3rd harmonic lands
// there (F4, A#4, E5, F#5, ...). A pure two-note chord F5 + F#6 *is* a "3"
// as far as Q.24 is concerned; what saves a receiver is usually the rest of
// the music (other partials, other notes, short notes, vibrato).
//
// The generator plays phrases of 2..8 s separated by 0.2..0.5 s, each with one
// instrument and a level drawn from [min_level_dbm0, max_level_dbm0] (or
// lower where its peaks would come within 1 dB of full scale): melodies with note durations
// of 50..800 ms over held 2..4 note chords, or chord sequences. A share of
// the notes (trap_probability) is drawn from the trap pitches above, chords
// then pairing a low-group-near and a high-group-near note. Instruments:
//   organ   – sustained, harmonics 1, 2, 3, 4, 6, 8;
//   strings – sawtooth-like 1/k partials, slow attack, 5.5 Hz vibrato;
//   piano   – fast attack, partials decaying faster the higher they are,
//             slight inharmonicity;
//   flute   – nearly pure: the fundamental, a 2nd harmonic at -20 dB and a
//             3rd at -30 dB, gentle vibrato; the worst case.
// Partials above 3.9 kHz are left out (no aliasing). Each phrase may be
// detuned by up to max_detune_cents from A = 440 Hz, as recordings are.

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

namespace ivrd::test_support {

enum class Instrument : uint8_t { organ, strings, piano, flute };
std::string_view instrument_name(Instrument instrument) noexcept;

struct MusicOptions {
  double min_level_dbm0 = -20.0;  // total level of each phrase
  double max_level_dbm0 = -5.0;
  std::vector<Instrument> instruments{Instrument::organ, Instrument::strings, Instrument::piano,
                                      Instrument::flute};
  double trap_probability = 0.5;
  double max_detune_cents = 10.0;
  double min_note_ms = 50.0;
  double max_note_ms = 800.0;
};

// One sounding note or chord, for finding what was playing at a sample.
struct MusicNote {
  size_t start_sample = 0;
  size_t length = 0;  // until release starts
  Instrument instrument = Instrument::organ;
  std::vector<double> frequencies_hz;
  bool trap = false;  // drawn from the DTMF-near pitches
};

// Equal-tempered frequency of a MIDI note number (69 = A4 = 440 Hz).
double midi_to_hz(double note) noexcept;

// MIDI notes whose fundamental, 2nd or 3rd harmonic lies within 3.5 % of a
// DTMF frequency.
std::span<const int> dtmf_trap_notes() noexcept;

// n samples of music at 8 kHz; when score is given, the notes played are
// appended to it. Deterministic by seed.
std::vector<int16_t> music_on_hold(size_t n, uint64_t seed, const MusicOptions& options = {},
                                   std::vector<MusicNote>* score = nullptr);

}  // namespace ivrd::test_support
