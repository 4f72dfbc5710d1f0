#pragma once
// The line echo cancellers ivrd_echo_bench compares, behind one interface:
// ours (ivrd::dsp::EchoCanceller), spandsp 0.0.6's echo_can and speexdsp's
// MDF canceller (speex_echo). spandsp and speexdsp are comparators only: their
// headers stay inside echo_cancellers.cpp, and only the bench tool links them.
//
// Not thread-safe: spandsp's canceller is used with standard output pointed at
// /dev/null (see StdoutSilenced), which is process-wide state.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include "ivrd/dsp/echo_canceller.hpp"
#include "ivrd/dsp/isa.hpp"

namespace ivrd::bench {

// Samples per call in the bench: 20 ms, one line block, and speex's frame.
inline constexpr size_t kEchoBlock = 160;

class EchoUnderTest {
 public:
  virtual ~EchoUnderTest() = default;
  // tx: what was sent to the line; rx: what came back (the same instants);
  // out: rx with the echo removed. All three the same length, a multiple of
  // kEchoBlock (speex works on whole frames; throws std::invalid_argument).
  virtual void process(std::span<const int16_t> tx, std::span<const int16_t> rx,
                       std::span<int16_t> out) = 0;
  virtual std::string name() const = 0;
};

// Ours, with this configuration and instruction set.
std::unique_ptr<EchoUnderTest> make_ours_echo(const dsp::EchoCancellerConfig& config, dsp::Isa isa,
                                              std::string name_suffix = {});

// spandsp 0.0.6 echo_can_init(taps, ECHO_CAN_USE_ADAPTION), plus NLP and
// comfort noise (ECHO_CAN_USE_NLP | ECHO_CAN_USE_CNG) when nlp is set; one
// echo_can_update() per sample.
std::unique_ptr<EchoUnderTest> make_spandsp_echo(int taps, bool nlp = false);

// speexdsp speex_echo_state_init(160, taps) at 8000 Hz, one
// speex_echo_cancellation() per 160-sample frame; no preprocessor (which is
// where speex's residual echo suppression lives), so no NLP.
std::unique_ptr<EchoUnderTest> make_speex_echo(int taps);

// Debian's spandsp 0.0.6 is built with debugging left in: echo_can_update()
// printf()s two lines on every sample ("echo is %d", "Narrowband score ...").
// While one of these lives, file descriptor 1 points at /dev/null (stdout
// flushed before and after), so that text never reaches the terminal or a
// captured report. Nests: only the outermost one redirects, so a whole timed
// loop can be wrapped once.
class StdoutSilenced {
 public:
  StdoutSilenced();
  ~StdoutSilenced();
  StdoutSilenced(const StdoutSilenced&) = delete;
  StdoutSilenced& operator=(const StdoutSilenced&) = delete;
};

// Cost of that debug text, in nanoseconds per sample (the same two printf()
// calls), measured with stdout silenced as in the bench: for an estimate of
// spandsp's speed without it.
double spandsp_debug_printf_ns();

std::string spandsp_version();
std::string speexdsp_version();

}  // namespace ivrd::bench
