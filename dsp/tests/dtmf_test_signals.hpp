#pragma once
// Receiver test signals built from DtmfToneSpec lists, in the manner of the
// Mitel test tape: every clause of Q.24 / LSSGR becomes a synthetic signal
// whose truth (digits, start and end samples) is known exactly.

#include <string>
#include <vector>

#include "ivrd/dsp/dtmf_detector.hpp"
#include "ivrd/dsp/dtmf_generator.hpp"

namespace ivrd::dsp::testing {

struct ToneTruth {
  char digit;
  size_t start_sample;
  size_t end_sample;
};

struct TestSignal {
  std::vector<int16_t> pcm;
  std::vector<ToneTruth> truth;
};

// Lead-in silence, then each tone and its pause, then trailing silence.
TestSignal make_signal(const std::vector<DtmfToneSpec>& tones, size_t lead_samples = 400,
                       size_t tail_samples = 800);
// The same settings for each digit of a string.
TestSignal make_signal(std::string_view digits, const DtmfToneSpec& settings,
                       size_t lead_samples = 400, size_t tail_samples = 800);

// Completed digits (end events) of one detector over the whole signal.
std::vector<DtmfEvent> detect(std::span<const int16_t> pcm, Isa isa, const DtmfConfig& config = {});
std::string digits_of(const std::vector<DtmfEvent>& events);

}  // namespace ivrd::dsp::testing
