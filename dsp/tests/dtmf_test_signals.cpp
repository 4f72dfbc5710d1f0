#include "dtmf_test_signals.hpp"

#include <cmath>

namespace ivrd::dsp::testing {

TestSignal make_signal(const std::vector<DtmfToneSpec>& tones, size_t lead_samples,
                       size_t tail_samples) {
  TestSignal signal;
  signal.pcm.assign(lead_samples, 0);
  for (const DtmfToneSpec& spec : tones) {
    DtmfGenerator generator;
    generator.queue(spec);
    const size_t on = static_cast<size_t>(std::llround(spec.on_ms * 8.0));
    const size_t off = static_cast<size_t>(std::llround(spec.off_ms * 8.0));
    const size_t start = signal.pcm.size();
    signal.pcm.resize(start + on + off);
    generator.tx(std::span<int16_t>(signal.pcm).subspan(start));
    signal.truth.push_back({spec.digit, start, start + on});
  }
  signal.pcm.resize(signal.pcm.size() + tail_samples, 0);
  return signal;
}

TestSignal make_signal(std::string_view digits, const DtmfToneSpec& settings, size_t lead_samples,
                       size_t tail_samples) {
  std::vector<DtmfToneSpec> tones;
  for (char digit : digits) {
    DtmfToneSpec spec = settings;
    spec.digit = digit;
    tones.push_back(spec);
  }
  return make_signal(tones, lead_samples, tail_samples);
}

std::vector<DtmfEvent> detect(std::span<const int16_t> pcm, Isa isa, const DtmfConfig& config) {
  DtmfDetector detector(config, isa);
  std::vector<DtmfEvent> events;
  auto sink = [&events](const DtmfEvent& event) {
    if (event.kind == DtmfEventKind::end) events.push_back(event);
  };
  detector.rx(pcm, sink);
  detector.flush(sink);
  return events;
}

std::string digits_of(const std::vector<DtmfEvent>& events) {
  std::string digits;
  for (const DtmfEvent& event : events) digits += event.digit;
  return digits;
}

}  // namespace ivrd::dsp::testing
