#pragma once
// Drives a simulated card tick by tick and records what the appliance side of
// each tapped line received, as a test (or the daemon) would read it.

#include <algorithm>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "ivrd/driver/sim_card.hpp"
#include "ivrd/dsp/caller_id.hpp"
#include "ivrd/dsp/dtmf_detector.hpp"

namespace ivrd::driver::testing {

struct Tap {
  explicit Tap(SimPort& p) : port(p) {}
  SimPort& port;
  std::vector<int16_t> rx;
  std::vector<LineEvent> events;

  void drain() {
    while (auto block = port.read()) rx.insert(rx.end(), block->begin(), block->end());
    while (auto event = port.next_event()) events.push_back(*event);
  }
};

// Runs whole ticks for `ms`, draining the taps after each; `before_tick` runs
// before every tick, where the appliance would write and act.
inline void run_ms(SimCard& card, uint64_t ms, std::vector<Tap*> taps,
                   const std::function<void()>& before_tick = {}) {
  const uint64_t ticks = ms_to_samples(ms) / kBlockSamples;
  for (uint64_t i = 0; i < ticks; ++i) {
    if (before_tick) before_tick();
    card.tick();
    for (Tap* tap : taps) tap->drain();
  }
}

inline std::string dtmf_digits(const std::vector<int16_t>& pcm) {
  dsp::DtmfDetector detector;
  std::string digits;
  auto sink = [&](const dsp::DtmfEvent& event) {
    if (event.kind == dsp::DtmfEventKind::end) digits += event.digit;
  };
  detector.rx(pcm, sink);
  detector.flush(sink);
  return digits;
}

inline std::vector<dsp::CallerIdMessage> caller_ids(const std::vector<int16_t>& pcm) {
  dsp::CallerIdReceiver receiver;
  std::vector<dsp::CallerIdMessage> messages;
  auto sink = [&](const dsp::CallerIdMessage& message) { messages.push_back(message); };
  // In 20 ms blocks, as the daemon will feed it.
  for (size_t at = 0; at < pcm.size(); at += kBlockSamples) {
    const size_t n = std::min(kBlockSamples, pcm.size() - at);
    receiver.rx(std::span<const int16_t>(pcm.data() + at, n), sink);
  }
  receiver.flush(sink);
  return messages;
}

inline std::vector<LineEventKind> kinds(const std::vector<LineEvent>& events) {
  std::vector<LineEventKind> out;
  for (const auto& event : events) out.push_back(event.kind);
  return out;
}

// A recognisable block: every sample differs from its neighbours.
inline Block pattern_block(int seed) {
  Block block{};
  for (size_t i = 0; i < kBlockSamples; ++i) {
    block[i] = static_cast<int16_t>((seed * 977 + static_cast<int>(i) * 131) % 20000 - 10000);
  }
  return block;
}

// A caller ID message with every field, in the given format.
inline dsp::CallerIdMessage sample_caller_id(dsp::CallerIdFormat format) {
  dsp::CallerIdMessage m;
  m.format = format;
  m.number = "5551234567";
  m.name = "Alice Example";
  m.datetime = "12071830";
  return m;
}

}  // namespace ivrd::driver::testing
