#include "ivrd/ivr/demo_capture.hpp"

#include <cmath>

#include <catch2/catch.hpp>

#include "ivrd/dsp/dtmf_detector.hpp"
#include "ivrd/dsp/levels.hpp"

using ivrd::ivr::make_demo_capture;

namespace {

double level_dbm0(std::span<const int16_t> samples) {
  double sum = 0.0;
  for (int16_t s : samples) sum += static_cast<double>(s) * s;
  return ivrd::dsp::mean_square_to_dbm0(sum / static_cast<double>(samples.size()));
}

}  // namespace

TEST_CASE("the demo capture is the same on every run") {
  const auto a = make_demo_capture();
  const auto b = make_demo_capture();
  CHECK(a.digits == "0612345678");
  CHECK(a.samples == b.samples);
  CHECK(make_demo_capture("0612345678", 1).samples != a.samples);
}

TEST_CASE("the demo capture has silence around, digits 60-90 ms long 60-120 ms apart") {
  const auto demo = make_demo_capture();
  REQUIRE(demo.tone_start.size() == 10);
  REQUIRE(demo.tone_end.size() == 10);
  for (size_t i = 0; i < 10; ++i) {
    const uint64_t on = demo.tone_end[i] - demo.tone_start[i];
    CHECK(on >= 480);
    CHECK(on <= 720);
    if (i + 1 < 10) {
      const uint64_t off = demo.tone_start[i + 1] - demo.tone_end[i];
      CHECK(off >= 480);
      CHECK(off <= 960);
    }
  }
  for (size_t n = 0; n < 2400; ++n) REQUIRE(demo.samples[n] == 0);
  for (size_t n = demo.samples.size() - 2400; n < demo.samples.size(); ++n) {
    REQUIRE(demo.samples[n] == 0);
  }
}

TEST_CASE("the demo capture's noise is speech-like and well below the tones") {
  const auto demo = make_demo_capture();
  // The talking, wherever no tone sounds.
  std::vector<int16_t> talk;
  for (size_t n = 2400; n < demo.samples.size() - 2400; ++n) {
    bool in_tone = false;
    for (size_t i = 0; i < demo.tone_start.size(); ++i) {
      in_tone = in_tone || (n >= demo.tone_start[i] && n < demo.tone_end[i]);
    }
    if (!in_tone) talk.push_back(demo.samples[n]);
  }
  const double noise = level_dbm0(talk);
  CHECK(noise < -30.0);
  CHECK(noise > -45.0);
  // The loudest tone pair is at least 20 dB above the noise, the weakest about 18.
  double loudest = -200.0, weakest = 200.0;
  for (size_t i = 0; i < demo.tone_start.size(); ++i) {
    const double level = level_dbm0(std::span<const int16_t>(
        demo.samples.data() + demo.tone_start[i], demo.tone_end[i] - demo.tone_start[i]));
    loudest = std::max(loudest, level);
    weakest = std::min(weakest, level);
  }
  CHECK(loudest - noise > 20.0);
  CHECK(weakest - noise == Approx(18.0).margin(3.0));
  CHECK(loudest == Approx(-3.0).margin(1.5));   // a pair at -6 dBm0 per tone
  CHECK(weakest == Approx(-16.0).margin(1.5));  // a pair at -19 dBm0 per tone
}

TEST_CASE("the detector finds the demo number at the right places") {
  const auto demo = make_demo_capture();
  ivrd::dsp::DtmfDetector detector;
  std::vector<ivrd::dsp::DtmfEvent> found;
  auto sink = [&](const ivrd::dsp::DtmfEvent& event) {
    if (event.kind == ivrd::dsp::DtmfEventKind::end) found.push_back(event);
  };
  detector.rx(demo.samples, sink);
  detector.flush(sink);
  std::string digits;
  for (const auto& event : found) digits.push_back(event.digit);
  CHECK(digits == demo.digits);
  REQUIRE(found.size() == demo.tone_start.size());
  for (size_t i = 0; i < found.size(); ++i) {
    CHECK(static_cast<double>(found[i].start_sample) ==
          Approx(static_cast<double>(demo.tone_start[i])).margin(80));
    CHECK(static_cast<double>(found[i].start_sample + found[i].duration_samples) ==
          Approx(static_cast<double>(demo.tone_end[i])).margin(80));
  }
}

TEST_CASE("the demo generator refuses what is not a DTMF digit") {
  CHECK_THROWS_AS(make_demo_capture("12x"), std::invalid_argument);
  CHECK_THROWS_AS(make_demo_capture(std::string(65, '1')), std::invalid_argument);
  CHECK(make_demo_capture("").digits.empty());
}
