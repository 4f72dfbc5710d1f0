// Throughput of DTMF detection on many channels, ours per instruction set
// against spandsp's dtmf_rx, on the same µ-law line signal.
//
// Each benchmark iteration is one 20 ms tick: 160 µ-law bytes per channel are
// expanded to linear (included in the time) and fed to that channel's
// detector. Channels read the same 10 s line signal from different offsets.
// items/s counts samples; channels_per_core = samples per second / 8000, the
// number of live channels one core could serve with this work alone.

#include <cstdio>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>

#include "ivrd/dsp/dtmf_detector.hpp"
#include "ivrd/dsp/g711.hpp"
#include "ivrd/dsp/isa.hpp"

#include "bench_common.hpp"

namespace {

using ivrd::bench::LineSignal;
namespace dsp = ivrd::dsp;

constexpr size_t kTick = 160;
constexpr double kLineSeconds = 10.0;
constexpr uint64_t kLineSeed = 20240601;

const LineSignal& line() {
  static const LineSignal signal = ivrd::bench::make_line_signal(kLineSeconds, kLineSeed);
  return signal;
}

// Start of channel c's next tick, spreading channels over the signal.
struct Cursor {
  size_t ticks_in_line = 0;
  size_t tick = 0;
  size_t offset(size_t channel) const { return ((channel * 37 + tick) % ticks_in_line) * kTick; }
};

void set_counters(benchmark::State& state, size_t channels) {
  const double samples =
      static_cast<double>(state.iterations()) * static_cast<double>(channels * kTick);
  state.SetItemsProcessed(static_cast<int64_t>(samples));
  state.counters["channels_per_core"] =
      benchmark::Counter(samples / 8000.0, benchmark::Counter::kIsRate);
}

void bm_ours_bank(benchmark::State& state, dsp::Isa isa) {
  const auto channels = static_cast<size_t>(state.range(0));
  const auto& bytes = line().ulaw;
  dsp::DtmfDetectorBank bank(channels, {}, isa);
  std::vector<int16_t> pcm(channels * kTick);
  std::vector<const int16_t*> blocks(channels);
  for (size_t c = 0; c < channels; ++c) blocks[c] = pcm.data() + c * kTick;
  Cursor cursor{bytes.size() / kTick, 0};
  uint64_t events = 0;
  for (auto _ : state) {
    for (size_t c = 0; c < channels; ++c) {
      dsp::g711_decode(dsp::G711Law::ulaw, std::span(bytes).subspan(cursor.offset(c), kTick),
                       std::span(pcm).subspan(c * kTick, kTick), isa);
    }
    bank.rx(blocks, kTick, [&events](size_t, const dsp::DtmfEvent&) { ++events; });
    ++cursor.tick;
  }
  benchmark::DoNotOptimize(events);
  set_counters(state, channels);
}

// The same work through one DtmfDetector per channel, to show what the bank
// adds or not.
void bm_ours_detectors(benchmark::State& state, dsp::Isa isa) {
  const auto channels = static_cast<size_t>(state.range(0));
  const auto& bytes = line().ulaw;
  std::vector<dsp::DtmfDetector> detectors;
  detectors.reserve(channels);
  for (size_t c = 0; c < channels; ++c) detectors.emplace_back(dsp::DtmfConfig{}, isa);
  std::vector<int16_t> pcm(kTick);
  Cursor cursor{bytes.size() / kTick, 0};
  uint64_t events = 0;
  for (auto _ : state) {
    for (size_t c = 0; c < channels; ++c) {
      dsp::g711_decode(dsp::G711Law::ulaw, std::span(bytes).subspan(cursor.offset(c), kTick), pcm,
                       isa);
      detectors[c].rx(pcm, [&events](const dsp::DtmfEvent&) { ++events; });
    }
    ++cursor.tick;
  }
  benchmark::DoNotOptimize(events);
  set_counters(state, channels);
}

enum class SpandspDecode { spandsp_ulaw, ivrd_g711 };

void bm_spandsp(benchmark::State& state, SpandspDecode decode) {
  const auto channels = static_cast<size_t>(state.range(0));
  const auto& bytes = line().ulaw;
  ivrd::bench::SpandspBank bank(channels);
  std::vector<int16_t> pcm(kTick);
  Cursor cursor{bytes.size() / kTick, 0};
  for (auto _ : state) {
    for (size_t c = 0; c < channels; ++c) {
      const uint8_t* in = bytes.data() + cursor.offset(c);
      if (decode == SpandspDecode::spandsp_ulaw) {
        ivrd::bench::spandsp_ulaw_decode(in, pcm.data(), kTick);
      } else {
        dsp::g711_decode(dsp::G711Law::ulaw, std::span(in, kTick), pcm);
      }
      bank.rx(c, pcm.data(), static_cast<int>(kTick));
    }
    ++cursor.tick;
  }
  benchmark::DoNotOptimize(bank.digits());
  set_counters(state, channels);
}

void bm_g711_decode(benchmark::State& state, dsp::Isa isa) {
  const auto n = static_cast<size_t>(state.range(0));
  std::vector<uint8_t> in(n);
  for (size_t i = 0; i < n; ++i) in[i] = line().ulaw[i % line().ulaw.size()];
  std::vector<int16_t> out(n);
  for (auto _ : state) {
    dsp::g711_decode(dsp::G711Law::ulaw, in, out, isa);
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()) * static_cast<int64_t>(n));
}

void bm_spandsp_ulaw_decode(benchmark::State& state) {
  const auto n = static_cast<size_t>(state.range(0));
  std::vector<uint8_t> in(n);
  for (size_t i = 0; i < n; ++i) in[i] = line().ulaw[i % line().ulaw.size()];
  std::vector<int16_t> out(n);
  for (auto _ : state) {
    ivrd::bench::spandsp_ulaw_decode(in.data(), out.data(), n);
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()) * static_cast<int64_t>(n));
}

// Both detectors must find the digits of the line signal, or the timing
// compares different work. Printed before the benchmarks run.
void sanity_check() {
  const LineSignal& signal = line();
  std::vector<int16_t> pcm(signal.ulaw.size());
  dsp::g711_decode(dsp::G711Law::ulaw, signal.ulaw, pcm, dsp::Isa::scalar);
  std::fprintf(stderr, "line signal: %.0f s, %zu digits sent\n", kLineSeconds,
               signal.digits.size());
  std::vector<std::unique_ptr<ivrd::bench::Receiver>> receivers;
  for (const dsp::Isa isa : dsp::supported_isas()) receivers.push_back(ivrd::bench::make_ours(isa));
  receivers.push_back(ivrd::bench::make_spandsp());
  for (auto& rx : receivers) {
    rx->rx(pcm);
    rx->finish();
    std::string got;
    for (const auto& d : rx->detections()) got.push_back(d.digit);
    std::fprintf(stderr, "  %-12s detected %3zu digits, %s\n", rx->name().c_str(), got.size(),
                 got == signal.digits ? "all correct" : "DIFFERENT from those sent");
  }
}

}  // namespace

int main(int argc, char** argv) {
  std::fprintf(stderr, "CPU: %s; active ISA: %.*s\n", ivrd::bench::cpu_model().c_str(),
               static_cast<int>(dsp::isa_name(dsp::active_isa()).size()),
               dsp::isa_name(dsp::active_isa()).data());
  sanity_check();
  for (const int64_t channels : {64, 256}) {
    for (const dsp::Isa isa : dsp::supported_isas()) {
      const std::string name(dsp::isa_name(isa));
      benchmark::RegisterBenchmark(("dtmf/ivrd_bank/" + name).c_str(), bm_ours_bank, isa)
          ->Arg(channels)
          ->ArgName("channels");
    }
    for (const dsp::Isa isa : dsp::supported_isas()) {
      const std::string name(dsp::isa_name(isa));
      benchmark::RegisterBenchmark(("dtmf/ivrd_detectors/" + name).c_str(), bm_ours_detectors, isa)
          ->Arg(channels)
          ->ArgName("channels");
    }
    benchmark::RegisterBenchmark("dtmf/spandsp/spandsp_ulaw", bm_spandsp,
                                 SpandspDecode::spandsp_ulaw)
        ->Arg(channels)
        ->ArgName("channels");
    benchmark::RegisterBenchmark("dtmf/spandsp/ivrd_g711", bm_spandsp, SpandspDecode::ivrd_g711)
        ->Arg(channels)
        ->ArgName("channels");
  }
  for (const dsp::Isa isa : dsp::supported_isas()) {
    const std::string name(dsp::isa_name(isa));
    benchmark::RegisterBenchmark(("g711_decode/ivrd/" + name).c_str(), bm_g711_decode, isa)
        ->Arg(160)
        ->Arg(65536)
        ->ArgName("bytes");
  }
  benchmark::RegisterBenchmark("g711_decode/spandsp", bm_spandsp_ulaw_decode)
      ->Arg(160)
      ->Arg(65536)
      ->ArgName("bytes");

  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
