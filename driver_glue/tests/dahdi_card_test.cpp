// The DAHDI backend's host-side checks: what can be verified without a DAHDI
// kernel driver. Opening with no /dev/dahdi (the daemon's cue to fall back to
// the simulated card), channel lists, the signalling a port kind needs, and
// the user-space bridge (on the simulated card, through the real DTMF
// detector). Everything that needs the kernel runs in the QEMU guest
// (tests/dahdi_vm).

#include "ivrd/driver/dahdi_card.hpp"

#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include <catch2/catch.hpp>
#include <dahdi/user.h>
#include <sys/stat.h>

#include "ivrd/driver/sim_card.hpp"
#include "ivrd/test_support/seed.hpp"
#include "ivrd/test_support/temp_dir.hpp"

#include "sim_test_support.hpp"

using ivrd::driver::DahdiBridge;
using ivrd::driver::DahdiCard;
using ivrd::driver::DahdiError;
using ivrd::driver::DahdiErrorKind;
using ivrd::driver::DahdiLine;
using ivrd::driver::DahdiOptions;
using ivrd::driver::parse_dahdi_channel_spec;
using ivrd::driver::port_kind_for_dahdi_signalling;
using ivrd::driver::PortKind;
using ivrd::driver::RingCadence;
using ivrd::driver::SimCard;
using ivrd::driver::SpanType;

namespace {

DahdiError error_of(const std::function<void()>& call) {
  try {
    call();
  } catch (const DahdiError& error) {
    return error;
  }
  FAIL("no DahdiError thrown");
  return DahdiError(DahdiErrorKind::device, "unreachable");
}

std::string spec_error(std::string_view spec) {
  const DahdiError error = error_of([&] { parse_dahdi_channel_spec(spec); });
  CHECK(error.kind() == DahdiErrorKind::bad_channel_spec);
  return error.what();
}

}  // namespace

TEST_CASE("no DAHDI device directory: opening says so in one line", "[dahdi]") {
  const ivrd::test_support::TempDir temp("ivrd-dahdi");
  const std::string missing = temp / "dahdi";
  const std::string expected = "dahdi: " + missing + " does not exist (no DAHDI driver loaded)";

  const DahdiError card =
      error_of([&] { DahdiCard::open({.device_dir = missing, .channels = ""}); });
  CHECK(card.kind() == DahdiErrorKind::no_dahdi);
  CHECK(std::string(card.what()) == expected);
  const DahdiError scan = error_of([&] { DahdiCard::scan(missing); });
  CHECK(std::string(scan.what()) == expected);
  const DahdiError line = error_of([&] { DahdiLine::open(1, missing); });
  CHECK(line.kind() == DahdiErrorKind::no_dahdi);
  CHECK(std::string(line.what()) == expected);
  CHECK(std::string(card.what()).find('\n') == std::string::npos);

  // The directory exists but the driver made no nodes in it.
  std::filesystem::create_directory(missing);
  const DahdiError empty = error_of([&] { DahdiCard::scan(missing); });
  CHECK(empty.kind() == DahdiErrorKind::no_dahdi);
  CHECK(std::string(empty.what()) ==
        "dahdi: " + missing + "/ctl does not exist (DAHDI is loaded without spans?)");
  const DahdiError channel = error_of([&] { DahdiLine::open(3, missing); });
  CHECK(std::string(channel.what()) ==
        "dahdi: " + missing + "/channel does not exist (DAHDI is loaded without spans?)");

  // Nodes that are not DAHDI's.
  { std::ofstream(temp / "dahdi/ctl") << "not a device\n"; }
  REQUIRE(::mkfifo((temp / "dahdi/channel").c_str(), 0600) == 0);
  const DahdiError not_ctl = error_of([&] { DahdiCard::scan(missing); });
  CHECK(not_ctl.kind() == DahdiErrorKind::device);
  CHECK(std::string(not_ctl.what()) == "dahdi: " + missing + "/ctl is not a DAHDI control device");
  const DahdiError not_channel = error_of([&] { DahdiLine::open(3, missing); });
  CHECK(not_channel.kind() == DahdiErrorKind::device);
  CHECK(std::string(not_channel.what()) ==
        "dahdi channel 3: DAHDI_SPECIFY failed: Inappropriate ioctl for device (ENOTTY)");

  // The default directory, on a machine without DAHDI (as CI's).
  if (!std::filesystem::exists("/dev/dahdi")) {
    const DahdiError fallback = error_of([] { DahdiCard::open(); });
    CHECK(fallback.kind() == DahdiErrorKind::no_dahdi);
    CHECK(std::string(fallback.what()) ==
          "dahdi: /dev/dahdi does not exist (no DAHDI driver loaded)");
  }
}

TEST_CASE("a bad channel list is refused before any device is touched", "[dahdi]") {
  // The spec is checked first: the error is about the spec, not the device.
  const DahdiError error =
      error_of([] { DahdiCard::open({.device_dir = "/nonexistent", .channels = "1-4,x"}); });
  CHECK(error.kind() == DahdiErrorKind::bad_channel_spec);
}

TEST_CASE("parses channel lists as system.conf writes them", "[dahdi]") {
  CHECK(parse_dahdi_channel_spec("1") == std::vector<int>{1});
  CHECK(parse_dahdi_channel_spec("1-4") == std::vector<int>{1, 2, 3, 4});
  CHECK(parse_dahdi_channel_spec("25-28,1-2, 7 ,2") == std::vector<int>{1, 2, 7, 25, 26, 27, 28});
  CHECK(parse_dahdi_channel_spec(" 3 - 5 ") == std::vector<int>{3, 4, 5});
  CHECK(parse_dahdi_channel_spec("4096") == std::vector<int>{4096});
  CHECK(parse_dahdi_channel_spec("6-6") == std::vector<int>{6});
}

TEST_CASE("refuses a malformed channel list, naming the offending item", "[dahdi]") {
  CHECK(spec_error("") == "dahdi channel spec '': no channels");
  CHECK(spec_error("  ") == "dahdi channel spec '  ': no channels");
  CHECK(spec_error("1-x") == "dahdi channel spec '1-x': 'x' is not a channel number");
  CHECK(spec_error("abc") == "dahdi channel spec 'abc': 'abc' is not a channel number");
  CHECK(spec_error("1,,2") == "dahdi channel spec '1,,2': empty item");
  CHECK(spec_error("1,") == "dahdi channel spec '1,': empty item");
  CHECK(spec_error("0") == "dahdi channel spec '0': channel 0 is out of range (1-4096)");
  CHECK(spec_error("4097") == "dahdi channel spec '4097': channel 4097 is out of range (1-4096)");
  CHECK(spec_error("8-3") == "dahdi channel spec '8-3': range '8-3' runs backwards");
  CHECK(spec_error("1-") == "dahdi channel spec '1-': '' is not a channel number");
  CHECK(spec_error("-3") == "dahdi channel spec '-3': '' is not a channel number");
  CHECK(spec_error("1-2-3") == "dahdi channel spec '1-2-3': '2-3' is not a channel number");
  CHECK(spec_error("1.5") == "dahdi channel spec '1.5': '1.5' is not a channel number");
  CHECK(spec_error("99999999999") ==
        "dahdi channel spec '99999999999': '99999999999' is not a channel number");
}

TEST_CASE("fxs_ks channels are trunk ports, fxo_ks extension ports, the rest unsupported",
          "[dahdi]") {
  CHECK(port_kind_for_dahdi_signalling(DAHDI_SIG_FXSKS) == PortKind::trunk);
  CHECK(port_kind_for_dahdi_signalling(DAHDI_SIG_FXOKS) == PortKind::extension);
  for (uint32_t sig :
       {DAHDI_SIG_NONE, DAHDI_SIG_FXSLS, DAHDI_SIG_FXSGS, DAHDI_SIG_FXOLS, DAHDI_SIG_FXOGS,
        DAHDI_SIG_EM, DAHDI_SIG_CLEAR, DAHDI_SIG_HDLCFCS, DAHDI_SIG_CAS, DAHDI_SIG_EM_E1}) {
    INFO(ivrd::driver::dahdi_signalling_name(sig));
    CHECK_FALSE(port_kind_for_dahdi_signalling(sig).has_value());
  }
  // The names agree with the ones PortKind gives for system.conf.
  CHECK(ivrd::driver::dahdi_signalling_name(DAHDI_SIG_FXSKS) ==
        ivrd::driver::dahdi_signalling_name(PortKind::trunk));
  CHECK(ivrd::driver::dahdi_signalling_name(DAHDI_SIG_FXOKS) ==
        ivrd::driver::dahdi_signalling_name(PortKind::extension));
  CHECK(ivrd::driver::dahdi_signalling_name(DAHDI_SIG_NONE) == "unconfigured");
  CHECK(ivrd::driver::dahdi_signalling_name(DAHDI_SIG_CLEAR) == "clear");
  CHECK(ivrd::driver::dahdi_signalling_name(DAHDI_SIG_HDLCFCS) == "hdlcfcs");
  CHECK(ivrd::driver::dahdi_signalling_name(DAHDI_SIG_FXSLS) == "fxs_ls");
  CHECK(ivrd::driver::dahdi_signalling_name(0x12345678u) == "sig 0x12345678");
}

TEST_CASE("line events carry DAHDI's event codes, so the backend maps them 1:1", "[dahdi]") {
  using ivrd::driver::LineEventKind;
  CHECK(static_cast<int>(LineEventKind::on_hook) == DAHDI_EVENT_ONHOOK);
  CHECK(static_cast<int>(LineEventKind::ring_off_hook) == DAHDI_EVENT_RINGOFFHOOK);
  CHECK(static_cast<int>(LineEventKind::wink_flash) == DAHDI_EVENT_WINKFLASH);
  CHECK(static_cast<int>(LineEventKind::alarm) == DAHDI_EVENT_ALARM);
  CHECK(static_cast<int>(LineEventKind::no_alarm) == DAHDI_EVENT_NOALARM);
  CHECK(static_cast<int>(LineEventKind::dial_complete) == DAHDI_EVENT_DIALCOMPLETE);
  CHECK(static_cast<int>(LineEventKind::ringer_on) == DAHDI_EVENT_RINGERON);
  CHECK(static_cast<int>(LineEventKind::ringer_off) == DAHDI_EVENT_RINGEROFF);
  CHECK(static_cast<int>(LineEventKind::polarity) == DAHDI_EVENT_POLARITY);
  CHECK(static_cast<int>(LineEventKind::ring_begin) == DAHDI_EVENT_RINGBEGIN);
  using ivrd::driver::SpanAlarms;
  CHECK(SpanAlarms::kRed == DAHDI_ALARM_RED);
  CHECK(SpanAlarms::kYellow == DAHDI_ALARM_YELLOW);
  CHECK(SpanAlarms::kBlue == DAHDI_ALARM_BLUE);
  CHECK(SpanAlarms::kLoopback == DAHDI_ALARM_LOOPBACK);
  CHECK(SpanAlarms::kRecover == DAHDI_ALARM_RECOVER);
  CHECK(SpanAlarms::kNotOpen == DAHDI_ALARM_NOTOPEN);
}

TEST_CASE("the user-space bridge carries a caller's keys to a phone and back", "[dahdi]") {
  const ivrd::test_support::Seed seed("dahdi bridge digits");
  std::mt19937_64 rng(seed);
  const std::string keys = "0123456789*#ABCD";
  auto random_digits = [&](size_t n) {
    std::string digits;
    for (size_t i = 0; i < n; ++i) digits += keys[rng() % keys.size()];
    return digits;
  };
  const std::string caller_digits = random_digits(6);
  const std::string phone_digits = random_digits(5);

  SimCard card;
  auto& span = card.add_span("analog", SpanType::analog, {PortKind::trunk, PortKind::extension});
  auto& trunk = span.port(0);
  auto& ext = span.port(1);
  trunk.caller().ring(RingCadence::us(), 1).wait_ms(600).press(caller_digits).wait_ms(8000);
  ext.phone().off_hook().wait_ms(2000).dial(phone_digits).wait_ms(6000);

  DahdiBridge bridge(trunk, ext);
  size_t moved = 0;
  bool answered = false;
  for (int tick = 0; tick < 600; ++tick) {  // 12 s
    card.tick();
    while (trunk.next_event()) {
    }
    while (ext.next_event()) {
    }
    if (!answered && card.now_sample() >= 8000) {  // 1 s into the first ring
      trunk.answer();
      answered = true;
    }
    moved += bridge.step();
  }
  CHECK(answered);
  CHECK(bridge.dropped() == 0);
  CHECK(moved > 1000);
  CHECK(ivrd::driver::testing::dtmf_digits(ext.phone().heard()) == caller_digits);
  CHECK(ivrd::driver::testing::dtmf_digits(trunk.caller().heard()) == phone_digits);
}
