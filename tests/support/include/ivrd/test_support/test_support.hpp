#pragma once
// Everything in ivrd::test_support: seeded generators for noise, speech,
// speech-like noise and music, levels, mixing and a G.711 line.

#include "ivrd/test_support/g711_line.hpp"
#include "ivrd/test_support/levels.hpp"
#include "ivrd/test_support/music.hpp"
#include "ivrd/test_support/noise.hpp"
#include "ivrd/test_support/rng.hpp"
#include "ivrd/test_support/seed.hpp"
#include "ivrd/test_support/speech.hpp"
#include "ivrd/test_support/speech_like_noise.hpp"
