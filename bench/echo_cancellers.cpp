#include "echo_cancellers.hpp"

#include <fcntl.h>
#include <spandsp.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <stdexcept>
#include <utility>

#include <speex/speex_echo.h>

namespace ivrd::bench {
namespace {

class Ours final : public EchoUnderTest {
 public:
  Ours(const dsp::EchoCancellerConfig& config, dsp::Isa isa, std::string suffix)
      : canceller_(config, isa), suffix_(std::move(suffix)) {}
  void process(std::span<const int16_t> tx, std::span<const int16_t> rx,
               std::span<int16_t> out) override {
    std::copy(rx.begin(), rx.end(), out.begin());
    canceller_.process(tx, out);
  }
  std::string name() const override {
    return "ivrd " + std::string(dsp::isa_name(canceller_.isa())) + suffix_;
  }

 private:
  dsp::EchoCanceller canceller_;
  std::string suffix_;
};

class Spandsp final : public EchoUnderTest {
 public:
  Spandsp(int taps, bool nlp) : nlp_(nlp) {
    const StdoutSilenced quiet;
    state_ = echo_can_init(taps,
                           ECHO_CAN_USE_ADAPTION | (nlp ? ECHO_CAN_USE_NLP | ECHO_CAN_USE_CNG : 0));
    if (state_ == nullptr) throw std::runtime_error("spandsp echo_can_init failed");
  }
  ~Spandsp() override {
    const StdoutSilenced quiet;
    echo_can_free(state_);
  }
  Spandsp(const Spandsp&) = delete;
  Spandsp& operator=(const Spandsp&) = delete;

  void process(std::span<const int16_t> tx, std::span<const int16_t> rx,
               std::span<int16_t> out) override {
    const StdoutSilenced quiet;  // a no-op inside a caller's StdoutSilenced
    for (size_t i = 0; i < out.size(); ++i) out[i] = echo_can_update(state_, tx[i], rx[i]);
  }
  std::string name() const override { return nlp_ ? "spandsp, NLP" : "spandsp"; }

 private:
  echo_can_state_t* state_ = nullptr;
  bool nlp_;
};

class Speex final : public EchoUnderTest {
 public:
  explicit Speex(int taps) : state_(speex_echo_state_init(static_cast<int>(kEchoBlock), taps)) {
    if (state_ == nullptr) throw std::runtime_error("speex_echo_state_init failed");
    int rate = 8000;
    speex_echo_ctl(state_, SPEEX_ECHO_SET_SAMPLING_RATE, &rate);
  }
  ~Speex() override { speex_echo_state_destroy(state_); }
  Speex(const Speex&) = delete;
  Speex& operator=(const Speex&) = delete;

  void process(std::span<const int16_t> tx, std::span<const int16_t> rx,
               std::span<int16_t> out) override {
    if (out.size() % kEchoBlock != 0) {
      throw std::invalid_argument("speex_echo needs whole 160-sample frames");
    }
    for (size_t i = 0; i < out.size(); i += kEchoBlock) {
      // Near end (what the line returned) first, then the far end (what was
      // played), as speex_echo.h names them: rec, play.
      speex_echo_cancellation(state_, rx.data() + i, tx.data() + i, out.data() + i);
    }
  }
  std::string name() const override { return "speexdsp"; }

 private:
  SpeexEchoState* state_;
};

int g_silenced_depth = 0;
int g_saved_stdout = -1;

}  // namespace

std::unique_ptr<EchoUnderTest> make_ours_echo(const dsp::EchoCancellerConfig& config, dsp::Isa isa,
                                              std::string name_suffix) {
  return std::make_unique<Ours>(config, isa, std::move(name_suffix));
}

std::unique_ptr<EchoUnderTest> make_spandsp_echo(int taps, bool nlp) {
  return std::make_unique<Spandsp>(taps, nlp);
}

std::unique_ptr<EchoUnderTest> make_speex_echo(int taps) { return std::make_unique<Speex>(taps); }

StdoutSilenced::StdoutSilenced() {
  if (g_silenced_depth++ > 0) return;
  // Whatever we printed must reach the real stdout before fd 1 moves.
  std::fflush(stdout);
  const int null_fd = ::open("/dev/null", O_WRONLY | O_CLOEXEC);
  if (null_fd < 0) return;  // left as is: the text shows, the figures are the same
  g_saved_stdout = ::dup(STDOUT_FILENO);
  if (g_saved_stdout >= 0) ::dup2(null_fd, STDOUT_FILENO);
  ::close(null_fd);
}

StdoutSilenced::~StdoutSilenced() {
  if (--g_silenced_depth > 0) return;
  // spandsp's text still in stdio's buffer goes to /dev/null, not to the report.
  std::fflush(stdout);
  if (g_saved_stdout >= 0) {
    ::dup2(g_saved_stdout, STDOUT_FILENO);
    ::close(g_saved_stdout);
    g_saved_stdout = -1;
  }
}

double spandsp_debug_printf_ns() {
  constexpr int kSamples = 500'000;
  double best = 1e30;
  const StdoutSilenced quiet;
  for (int round = 0; round < 3; ++round) {
    volatile int value = -1234;  // varying values of 1..5 digits, as spandsp's are
    const auto start = std::chrono::steady_clock::now();
    for (int i = 0; i < kSamples; ++i) {
      // The two lines echo_can_update() prints on every sample.
      std::printf("echo is %d\n", value);
      std::printf("Narrowband score %4d %5d at %d\n", 0, 0, i);
      value = value * 7 % 30011;
    }
    const std::chrono::duration<double, std::nano> took = std::chrono::steady_clock::now() - start;
    best = std::min(best, took.count() / kSamples);
  }
  return best;
}

std::string spandsp_version() {
#ifdef IVRD_SPANDSP_VERSION
  return IVRD_SPANDSP_VERSION;
#else
  return "?";
#endif
}

std::string speexdsp_version() {
#ifdef IVRD_SPEEXDSP_VERSION
  return IVRD_SPEEXDSP_VERSION;
#else
  return "?";
#endif
}

}  // namespace ivrd::bench
