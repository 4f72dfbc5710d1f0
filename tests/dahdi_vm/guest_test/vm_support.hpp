#pragma once
// Drives DAHDI lines in real time inside the test guest: reads every block
// and event the kernel has, sends queued audio one block per block received,
// and prints each event as it comes, so a failing run shows what happened.

#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <numbers>
#include <string>
#include <vector>

#include "ivrd/driver/dahdi_card.hpp"
#include "ivrd/dsp/caller_id.hpp"
#include "ivrd/dsp/dtmf_detector.hpp"

#include "sim_test_support.hpp"

namespace ivrd::driver::vmtest {

inline double now_ms() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<double>(ts.tv_sec) * 1000.0 + static_cast<double>(ts.tv_nsec) / 1e6;
}

struct Leg {
  explicit Leg(DahdiLine& l) : line(l) {}
  DahdiLine& line;
  std::vector<int16_t> rx;
  uint64_t rx_origin = 0;  // the line's sample clock at rx[0]
  std::vector<LineEvent> events;
  std::vector<int16_t> to_send;
  size_t sent = 0;
  size_t blocks_read = 0;

  // Queues audio to send: two blocks at once, so the kernel always has the
  // next one when the guest is slow to run, then one per block received.
  void send(const std::vector<int16_t>& pcm) {
    to_send = pcm;
    sent = 0;
    send_block();
    send_block();
  }
  void send_block() {
    if (sent >= to_send.size()) return;
    Block out{};
    const size_t n = std::min(kBlockSamples, to_send.size() - sent);
    std::copy_n(to_send.begin() + static_cast<std::ptrdiff_t>(sent), n, out.begin());
    line.write(out);
    sent += n;
  }
  void service() {
    while (auto block = line.read()) {
      ++blocks_read;
      rx.insert(rx.end(), block->begin(), block->end());
      send_block();
    }
    while (auto event = line.next_event()) {
      std::printf("    %-9s %-14s at sample %llu (%.0f ms)\n", line.name().c_str(),
                  std::string(line_event_name(event->kind)).c_str(),
                  static_cast<unsigned long long>(event->sample),
                  static_cast<double>(event->sample) / 8.0);
      events.push_back(*event);
    }
  }
  bool has(LineEventKind kind) const {
    return std::any_of(events.begin(), events.end(),
                       [&](const LineEvent& e) { return e.kind == kind; });
  }
  size_t count(LineEventKind kind) const {
    return static_cast<size_t>(std::count_if(events.begin(), events.end(),
                                             [&](const LineEvent& e) { return e.kind == kind; }));
  }
  void clear() {
    rx_origin = line.now_sample();
    rx.clear();
    events.clear();
  }
};

// Services the legs every 2 ms for up to `ms`, or until `done` is true.
inline bool pump(const std::vector<Leg*>& legs, double ms, const std::function<bool()>& done = {}) {
  const double end = now_ms() + ms;
  while (now_ms() < end) {
    for (Leg* leg : legs) leg->service();
    if (done && done()) return true;
    usleep(2000);
  }
  for (Leg* leg : legs) leg->service();
  return done ? done() : true;
}

inline bool pump_until_event(const std::vector<Leg*>& legs, Leg& watched, LineEventKind kind,
                             double ms) {
  return pump(legs, ms, [&] { return watched.has(kind); });
}

inline std::vector<int16_t> tone(double hz, double amplitude, size_t samples) {
  std::vector<int16_t> out(samples);
  for (size_t i = 0; i < samples; ++i) {
    out[i] = static_cast<int16_t>(std::lround(
        amplitude * std::sin(2 * std::numbers::pi * hz * static_cast<double>(i) / 8000.0)));
  }
  return out;
}

// Share of the signal's energy at `hz` (1 for a pure tone) and its RMS.
inline double tone_purity(const int16_t* x, size_t n, double hz, double* rms) {
  const double c = 2 * std::cos(2 * std::numbers::pi * hz / 8000.0);
  double s1 = 0, s2 = 0, energy = 0;
  for (size_t i = 0; i < n; ++i) {
    const double s0 = x[i] + c * s1 - s2;
    s2 = s1;
    s1 = s0;
    energy += static_cast<double>(x[i]) * x[i];
  }
  *rms = std::sqrt(energy / static_cast<double>(n));
  if (energy == 0) return 0;
  return 2 * (s1 * s1 + s2 * s2 - c * s1 * s2) / (static_cast<double>(n) * energy);
}

// Digits and caller ID messages in received audio, as the simulated card's
// tests decode them.
using testing::caller_ids;
using testing::dtmf_digits;

}  // namespace ivrd::driver::vmtest
