// A technician's test tone (ivrctl tone): played on a trunk port to the line,
// or to a phone on an extension port once lifted, and recognised there as the
// zone's tone by the call-progress detector.

#include <catch2/catch.hpp>

#include "ivrd/dsp/call_progress_detector.hpp"
#include "ivrd/dsp/tone_zone.hpp"

#include "call_rig.hpp"

namespace ivrd::test {
namespace {

// The tones the zone's detector recognises in `pcm`.
std::vector<dsp::CallProgressTone> tones_in(const std::vector<int16_t>& pcm, const char* zone) {
  dsp::CallProgressDetector detector(*dsp::find_tone_zone(zone));
  std::vector<dsp::CallProgressTone> found;
  const auto sink = [&](const dsp::CallProgressEvent& event) {
    if (event.kind == dsp::CallProgressEventKind::begin) found.push_back(event.tone);
  };
  detector.rx(pcm, sink);
  detector.flush(sink);
  return found;
}

TEST_CASE("test tone on a trunk port: the line hears the zone's tone, then the port is idle",
          "[calls][test_tone]") {
  CallRig rig;
  // The exchange's side of the line, listening from the seizure on.
  rig.caller("line2").expect_outbound("uk");
  std::vector<std::optional<std::string>> reports;
  rig.appliance().play_test_tone(
      "line2", "uk", "busy", 3.0,
      [&](std::optional<std::string> problem) { reports.push_back(problem); });
  REQUIRE(reports.size() == 1);
  CHECK_FALSE(reports[0].has_value());
  CHECK(rig.appliance().sim_port("line2")->off_hook());
  rig.run_ms(3500);
  CHECK_FALSE(rig.appliance().sim_port("line2")->off_hook());
  const auto found = tones_in(rig.caller("line2").heard(), "uk");
  REQUIRE_FALSE(found.empty());
  CHECK(found.front() == dsp::CallProgressTone::busy);

  // The port takes calls again.
  rig.ring_in("5551111", "line2").wait_ms(1000).hang_up(driver::Supervision::loop_current_drop);
  REQUIRE(rig.run_until_idle());
  CHECK(rig.last_call().line == "line2");
}

TEST_CASE("test tone on an extension port: the phone rings, hears the tone once lifted",
          "[calls][test_tone]") {
  CallRig rig;
  rig.phone("sales").wait_for_ring().wait_ms(500).off_hook().wait_ms(4000).hang_up();
  std::vector<std::optional<std::string>> reports;
  rig.appliance().play_test_tone(
      "sales", "de", "congestion", 3.0,
      [&](std::optional<std::string> problem) { reports.push_back(problem); });
  CHECK(reports.empty());  // not before the phone is lifted
  rig.run_ms(5000);
  REQUIRE(reports.size() == 1);
  CHECK_FALSE(reports[0].has_value());
  const auto found = tones_in(rig.phone("sales").heard(), "de");
  REQUIRE_FALSE(found.empty());
  CHECK(found.front() == dsp::CallProgressTone::congestion);
}

TEST_CASE("test tone: unknown ports, zones and tones, busy ports, a phone not lifted",
          "[calls][test_tone]") {
  CallRig rig;
  const auto none = [](std::optional<std::string>) {};
  CHECK_THROWS_WITH(rig.appliance().play_test_tone("line9", "us", "busy", 1, none),
                    Catch::StartsWith("unknown port 'line9'"));
  CHECK_THROWS_WITH(rig.appliance().play_test_tone("line1", "xx", "busy", 1, none),
                    Catch::StartsWith("unknown tone zone 'xx'"));
  CHECK_THROWS_WITH(rig.appliance().play_test_tone("line1", "us", "hum", 1, none),
                    Catch::StartsWith("unknown tone 'hum'"));
  CHECK_THROWS_WITH(rig.appliance().play_test_tone("line1", "us", "busy", 0, none),
                    Catch::Contains("0.1 to 600 s"));

  rig.phone("support").off_hook();
  rig.run_ms(100);
  CHECK_THROWS_WITH(rig.appliance().play_test_tone("support", "us", "busy", 1, none),
                    Catch::StartsWith("busy"));

  std::vector<std::optional<std::string>> reports;
  rig.appliance().play_test_tone(
      "reception", "us", "dial", 1,
      [&](std::optional<std::string> problem) { reports.push_back(problem); });
  rig.run_ms(31000);
  REQUIRE(reports.size() == 1);
  REQUIRE(reports[0].has_value());
  CHECK_THAT(*reports[0], Catch::Contains("not lifted within 30 s"));
  CHECK_FALSE(rig.phone("reception").ringing());
}

}  // namespace
}  // namespace ivrd::test
