#pragma once
// Shared pieces of the DTMF benchmark and measurement tools: our detector and
// spandsp's behind one small interface, a dual-tone generator independent of
// ivrd::dsp's own, the realistic line signal, and argument helpers.
//
// spandsp is a comparator only; its headers stay inside bench_common.cpp.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "ivrd/dsp/dtmf_detector.hpp"
#include "ivrd/dsp/g711.hpp"
#include "ivrd/dsp/isa.hpp"

namespace ivrd::bench {

struct Detection {
  char digit = 0;
  uint64_t sample = 0;  // where the detector reported it (ours: tone start)
};

// A single-channel receiver that records the digits it reports.
class Receiver {
 public:
  virtual ~Receiver() = default;
  virtual void rx(std::span<const int16_t> pcm) = 0;
  // End of input: report a digit still in progress.
  virtual void finish() = 0;
  virtual std::string name() const = 0;
  const std::vector<Detection>& detections() const { return detections_; }

 protected:
  std::vector<Detection> detections_;
};

std::unique_ptr<Receiver> make_ours(dsp::Isa isa, const dsp::DtmfConfig& config = {});
// spandsp 0.0.6 dtmf_rx with its default settings (8 dB normal, 4 dB reverse
// twist, dial-tone filter off). Digits are timed to the 20 ms block in which
// spandsp reported them.
std::unique_ptr<Receiver> make_spandsp();

// A batch of spandsp receivers for the throughput benchmark.
class SpandspBank {
 public:
  explicit SpandspBank(size_t channels);
  ~SpandspBank();
  SpandspBank(const SpandspBank&) = delete;
  SpandspBank& operator=(const SpandspBank&) = delete;
  void rx(size_t channel, const int16_t* pcm, int samples);
  uint64_t digits() const { return digits_; }

 private:
  std::vector<void*> states_;
  uint64_t digits_ = 0;
};
// spandsp's own µ-law expansion (its inline ulaw_to_linear), per sample.
void spandsp_ulaw_decode(const uint8_t* in, int16_t* out, size_t n);

// A DTMF digit, synthesised here (not with ivrd::dsp::DtmfGenerator, so the
// measurement does not lean on the code under test).
struct ToneSpec {
  char digit = '1';
  double low_dbm0 = -10.0;
  double high_dbm0 = -10.0;
  double low_offset = 0.0;  // relative, 0.015 = +1.5 %
  double high_offset = 0.0;
  double low_phase = 0.0;  // radians
  double high_phase = 0.0;
};
// Adds the tone into out[0, samples).
void add_tone(std::span<int16_t> out, const ToneSpec& spec);
int digit_index(char digit);  // 0..15 in "123A456B789C*0#D", -1 otherwise
extern const char kDigits[17];

// About `seconds` of a realistic line, as µ-law bytes: strings of DTMF digits
// at 10 per second (50 ms on, 50 ms off, -8..-20 dBm0 per tone, 0..4 dB
// normal twist) alternating with speech-like noise (-15..-28 dBm0) and
// near-silence, then a G.711 µ-law encoding. digits lists what was sent.
struct LineSignal {
  std::vector<uint8_t> ulaw;
  std::string digits;
};
LineSignal make_line_signal(double seconds, uint64_t seed);

// "all", "active", or a comma-separated list of ISA names; unsupported ones
// are dropped with a note on stderr.
std::vector<dsp::Isa> parse_isa_list(std::string_view text);

// Options both measurement tools take: --seed, --isa, --law and the
// DtmfConfig overrides --max-frequency-deviation, --min-duration-ms and
// --max-dropout-ms (for tuning experiments).
struct ToolOptions {
  uint64_t seed = 1;
  std::string isa = "all";
  std::string law = "ulaw";
  dsp::DtmfConfig config;
};
// Takes arg when it is one of the shared options, reading its value with
// next_value(); false when arg is not one of them.
bool parse_tool_option(std::string_view arg, const std::function<const char*()>& next_value,
                       ToolOptions& options);
// The line --law names: a G.711 law, or nothing for "none"; exits with a
// message on stderr for anything else.
std::optional<dsp::G711Law> line_law(std::string_view law);

// CPU model name from /proc/cpuinfo.
std::string cpu_model();

}  // namespace ivrd::bench
