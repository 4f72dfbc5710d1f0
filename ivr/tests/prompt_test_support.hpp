#pragma once
// Helpers of the prompt tests: WAV files in any format (libsndfile), test
// tones and their measured frequency and level.

#include <sndfile.h>

#include <cmath>
#include <cstdint>
#include <numbers>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

namespace ivrd::ivr::testing {

// Writes `frames` frames of a sine of `frequency` Hz and `amplitude` (of full
// scale, 0..1) at `rate` in `format` (SF_FORMAT_WAV | subtype), the same in
// every channel.
inline void write_sine_wav(const std::string& path, int rate, int channels, int format,
                           double frequency, double amplitude, size_t frames) {
  SF_INFO info{};
  info.samplerate = rate;
  info.channels = channels;
  info.format = format;
  SNDFILE* file = sf_open(path.c_str(), SFM_WRITE, &info);
  if (file == nullptr) throw std::runtime_error(path + ": " + sf_strerror(nullptr));
  std::vector<double> data(frames * static_cast<size_t>(channels));
  for (size_t i = 0; i < frames; ++i) {
    const double v =
        amplitude * std::sin(2.0 * std::numbers::pi * frequency * static_cast<double>(i) / rate);
    for (int c = 0; c < channels; ++c) data[i * static_cast<size_t>(channels) + c] = v;
  }
  sf_writef_double(file, data.data(), static_cast<sf_count_t>(frames));
  sf_close(file);
}

// Frequency from the positive-going zero crossings between `from` and `to`
// (interpolated between samples), at 8 kHz.
inline double measured_frequency(std::span<const int16_t> pcm, size_t from, size_t to) {
  double first = -1.0;
  double last = -1.0;
  size_t cycles = 0;
  for (size_t i = from + 1; i < to; ++i) {
    if (pcm[i - 1] < 0 && pcm[i] >= 0) {
      const double at = static_cast<double>(i - 1) +
                        static_cast<double>(-pcm[i - 1]) / static_cast<double>(pcm[i] - pcm[i - 1]);
      if (first < 0.0) {
        first = at;
      } else {
        ++cycles;
      }
      last = at;
    }
  }
  if (cycles == 0) return 0.0;
  return static_cast<double>(cycles) * 8000.0 / (last - first);
}

inline double rms(std::span<const int16_t> pcm) {
  double sum = 0.0;
  for (const int16_t s : pcm) sum += static_cast<double>(s) * s;
  return pcm.empty() ? 0.0 : std::sqrt(sum / static_cast<double>(pcm.size()));
}

}  // namespace ivrd::ivr::testing
