#pragma once
// A composite source signal (CSS) in the manner of ITU-T P.501, the test
// signal G.168 uses for echo-canceller convergence: periods of 350 ms, each
// 48.62 ms of a voiced sound, 200 ms of pseudo-noise and 101.38 ms of
// silence, every other period with its sign inverted. Unlike speech it never
// pauses for long, so it measures how fast a canceller learns, apart from
// where a talker happens to pause.
//
// The voiced part here is synthesised (harmonics of 150 Hz shaped by three
// vowel formants), not P.501's recorded waveform; the pseudo-noise is white
// Gaussian noise band-limited to the telephone band. Both parts have the same
// mean square, set so that the signal's active level (levels.hpp) is
// active_level_dbm0. Deterministic by seed.

#include <cstddef>
#include <cstdint>
#include <vector>

namespace ivrd::test_support {

std::vector<int16_t> composite_source_signal(size_t n, double active_level_dbm0, uint64_t seed);

}  // namespace ivrd::test_support
