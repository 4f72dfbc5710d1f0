#include "bench_common.hpp"

#include <spandsp.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <numbers>

#include "ivrd/dsp/dtmf_generator.hpp"
#include "ivrd/dsp/g711.hpp"
#include "ivrd/dsp/levels.hpp"
#include "ivrd/test_support/levels.hpp"
#include "ivrd/test_support/noise.hpp"
#include "ivrd/test_support/rng.hpp"
#include "ivrd/test_support/speech_like_noise.hpp"

namespace ivrd::bench {

const char kDigits[17] = "123A456B789C*0#D";

int digit_index(char digit) {
  for (int i = 0; i < 16; ++i) {
    if (kDigits[i] == digit) return i;
  }
  return -1;
}

namespace {

class Ours final : public Receiver {
 public:
  Ours(dsp::Isa isa, const dsp::DtmfConfig& config) : detector_(config, isa) {}
  void rx(std::span<const int16_t> pcm) override {
    detector_.rx(pcm, [this](const dsp::DtmfEvent& e) { record(e); });
  }
  void finish() override {
    detector_.flush([this](const dsp::DtmfEvent& e) { record(e); });
  }
  std::string name() const override {
    return "ivrd " + std::string(dsp::isa_name(detector_.isa()));
  }

 private:
  void record(const dsp::DtmfEvent& e) {
    if (e.kind == dsp::DtmfEventKind::end) detections_.push_back({e.digit, e.start_sample});
  }
  dsp::DtmfDetector detector_;
};

class Spandsp final : public Receiver {
 public:
  Spandsp() : state_(dtmf_rx_init(nullptr, &Spandsp::on_digits, this)) {}
  ~Spandsp() override { dtmf_rx_free(state_); }
  Spandsp(const Spandsp&) = delete;
  Spandsp& operator=(const Spandsp&) = delete;
  void rx(std::span<const int16_t> pcm) override {
    // spandsp takes any block length; feed 20 ms blocks as a line would.
    for (size_t i = 0; i < pcm.size(); i += 160) {
      const size_t n = std::min<size_t>(160, pcm.size() - i);
      dtmf_rx(state_, pcm.data() + i, static_cast<int>(n));
      position_ += n;
    }
  }
  void finish() override {
    // Let a digit in progress end: spandsp reports on the rising edge, so
    // nothing is pending; feed a little silence for symmetry with ours.
    static const int16_t silence[160] = {};
    dtmf_rx(state_, silence, 160);
  }
  std::string name() const override { return "spandsp"; }

 private:
  static void on_digits(void* user, const char* digits, int len) {
    auto* self = static_cast<Spandsp*>(user);
    for (int i = 0; i < len; ++i) self->detections_.push_back({digits[i], self->position_});
  }
  dtmf_rx_state_t* state_;
  uint64_t position_ = 0;
};

void count_digits(void* user, const char* /*digits*/, int len) {
  *static_cast<uint64_t*>(user) += static_cast<uint64_t>(len);
}

}  // namespace

std::unique_ptr<Receiver> make_ours(dsp::Isa isa, const dsp::DtmfConfig& config) {
  return std::make_unique<Ours>(isa, config);
}

std::unique_ptr<Receiver> make_spandsp() { return std::make_unique<Spandsp>(); }

SpandspBank::SpandspBank(size_t channels) {
  for (size_t c = 0; c < channels; ++c)
    states_.push_back(dtmf_rx_init(nullptr, count_digits, &digits_));
}

SpandspBank::~SpandspBank() {
  for (void* s : states_) dtmf_rx_free(static_cast<dtmf_rx_state_t*>(s));
}

void SpandspBank::rx(size_t channel, const int16_t* pcm, int samples) {
  dtmf_rx(static_cast<dtmf_rx_state_t*>(states_[channel]), pcm, samples);
}

void spandsp_ulaw_decode(const uint8_t* in, int16_t* out, size_t n) {
  for (size_t i = 0; i < n; ++i) out[i] = ulaw_to_linear(in[i]);
}

void add_tone(std::span<int16_t> out, const ToneSpec& spec) {
  const int index = digit_index(spec.digit);
  if (index < 0) return;
  const double low_hz =
      dsp::kDtmfLowGroupHz[static_cast<size_t>(index / 4)] * (1.0 + spec.low_offset);
  const double high_hz =
      dsp::kDtmfHighGroupHz[static_cast<size_t>(index % 4)] * (1.0 + spec.high_offset);
  const double low_amp = dsp::dbm0_to_sine_peak(spec.low_dbm0);
  const double high_amp = dsp::dbm0_to_sine_peak(spec.high_dbm0);
  const double w_low = 2.0 * std::numbers::pi * low_hz / 8000.0;
  const double w_high = 2.0 * std::numbers::pi * high_hz / 8000.0;
  for (size_t i = 0; i < out.size(); ++i) {
    const double t = static_cast<double>(i);
    const double x = low_amp * std::sin(w_low * t + spec.low_phase) +
                     high_amp * std::sin(w_high * t + spec.high_phase);
    out[i] = test_support::to_int16(out[i] + x);
  }
}

LineSignal make_line_signal(double seconds, uint64_t seed) {
  test_support::Rng rng(seed);
  const auto total = static_cast<size_t>(seconds * 8000.0);
  std::vector<int16_t> pcm(total, 0);
  LineSignal line;
  size_t i = 0;
  int part = 0;
  while (i < total) {
    switch (part++ % 3) {
      case 0: {  // a string of 5..15 digits, 50 ms on / 50 ms off
        const int count = rng.uniform_int(5, 15);
        const double level = rng.uniform(-20.0, -8.0);
        const double twist = rng.uniform(0.0, 4.0);
        for (int d = 0; d < count && i + 800 <= total; ++d) {
          ToneSpec spec;
          spec.digit = kDigits[rng.uniform_int(0, 15)];
          spec.low_dbm0 = level;
          spec.high_dbm0 = level + twist;
          spec.low_phase = rng.uniform(0.0, 2.0 * std::numbers::pi);
          spec.high_phase = rng.uniform(0.0, 2.0 * std::numbers::pi);
          add_tone(std::span(pcm).subspan(i, 400), spec);
          line.digits.push_back(spec.digit);
          i += 800;
        }
        break;
      }
      case 1: {  // speech-like noise
        const auto n = std::min(total - i, static_cast<size_t>(rng.uniform(1.0, 2.5) * 8000.0));
        const auto speech =
            test_support::speech_like_noise(n, rng.uniform(-28.0, -15.0), rng.next());
        std::copy(speech.begin(), speech.end(), pcm.begin() + static_cast<std::ptrdiff_t>(i));
        i += n;
        break;
      }
      default: {  // line noise only
        i += std::min(total - i, static_cast<size_t>(rng.uniform(0.3, 1.0) * 8000.0));
        break;
      }
    }
  }
  const auto hiss = test_support::white_noise(total, -65.0, rng.next());
  pcm = test_support::mix(pcm, hiss);
  line.ulaw.resize(total);
  dsp::g711_encode(dsp::G711Law::ulaw, pcm, line.ulaw, dsp::Isa::scalar);
  return line;
}

std::vector<dsp::Isa> parse_isa_list(std::string_view text) {
  std::vector<dsp::Isa> out;
  if (text == "all") return dsp::supported_isas();
  if (text == "active") return {dsp::active_isa()};
  while (!text.empty()) {
    const size_t comma = text.find(',');
    const std::string_view name = text.substr(0, comma);
    if (const auto isa = dsp::parse_isa(name); isa && dsp::isa_supported(*isa)) {
      out.push_back(*isa);
    } else {
      std::fprintf(stderr, "ignoring instruction set '%.*s' (unknown or not supported here)\n",
                   static_cast<int>(name.size()), name.data());
    }
    text = comma == std::string_view::npos ? std::string_view{} : text.substr(comma + 1);
  }
  return out;
}

bool parse_tool_option(std::string_view arg, const std::function<const char*()>& next_value,
                       ToolOptions& options) {
  if (arg == "--seed") {
    options.seed = std::strtoull(next_value(), nullptr, 0);
  } else if (arg == "--isa") {
    options.isa = next_value();
  } else if (arg == "--law") {
    options.law = next_value();
  } else if (arg == "--max-frequency-deviation") {
    options.config.max_frequency_deviation = std::strtof(next_value(), nullptr);
  } else if (arg == "--min-duration-ms") {
    options.config.min_duration_ms = std::strtof(next_value(), nullptr);
  } else if (arg == "--max-dropout-ms") {
    options.config.max_dropout_ms = std::strtof(next_value(), nullptr);
  } else {
    return false;
  }
  return true;
}

std::optional<dsp::G711Law> line_law(std::string_view law) {
  if (law == "ulaw") return dsp::G711Law::ulaw;
  if (law == "alaw") return dsp::G711Law::alaw;
  if (law == "none") return std::nullopt;
  std::fprintf(stderr, "unknown --law '%.*s' (ulaw, alaw or none)\n", static_cast<int>(law.size()),
               law.data());
  std::exit(2);
}

std::string cpu_model() {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("model name", 0) == 0) {
      const size_t colon = line.find(':');
      if (colon != std::string::npos) return line.substr(colon + 2);
    }
  }
  return "unknown CPU";
}

}  // namespace ivrd::bench
