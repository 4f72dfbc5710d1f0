// The DAHDI backend on the real DAHDI kernel driver, run inside the QEMU
// guest of tests/dahdi_vm. Two "loc" dynamic spans are wired back to back:
// channel N of span 1 talks to channel N+24 of span 2. Channels 1-4 are
// fxo_ks (extension ports: the side that rings a phone), 25-28 fxs_ks (trunk
// ports: the side a phone company rings). A second, 4-channel pair (spans
// 3 and 4: channels 49-52 fxo_ks, 53-56 fxs_ks) serves the alarm test. Both
// sides are opened through
// ivrd's backend, so every check crosses the kernel driver twice: what one
// DahdiLine does, the other DahdiLine must see.

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include <catch2/catch.hpp>
#include <dahdi/user.h>
#include <sys/ioctl.h>

#include "ivrd/driver/dahdi_card.hpp"
#include "ivrd/dsp/caller_id.hpp"

#include "vm_support.hpp"

using ivrd::driver::Block;
using ivrd::driver::DahdiBridge;
using ivrd::driver::DahdiCard;
using ivrd::driver::DahdiError;
using ivrd::driver::DahdiErrorKind;
using ivrd::driver::DahdiLine;
using ivrd::driver::DahdiOptions;
using ivrd::driver::DahdiSpanInfo;
using ivrd::driver::LineError;
using ivrd::driver::LineEventKind;
using ivrd::driver::PortKind;
using ivrd::driver::RingCadence;
using ivrd::driver::RingRequest;
using ivrd::driver::SpanAlarms;
using ivrd::driver::vmtest::caller_ids;
using ivrd::driver::vmtest::dtmf_digits;
using ivrd::driver::vmtest::Leg;
using ivrd::driver::vmtest::pump;
using ivrd::driver::vmtest::pump_until_event;
using ivrd::driver::vmtest::tone;
using ivrd::driver::vmtest::tone_purity;

namespace {

// An extension port and the trunk port wired to it, both open, settled.
struct Pair {
  explicit Pair(int extension_channel)
      : ext_line(DahdiLine::open(extension_channel)),
        trunk_line(DahdiLine::open(extension_channel + 24)),
        ext(*ext_line),
        trunk(*trunk_line) {
    pump({&ext, &trunk}, 300);
    ext.clear();
    trunk.clear();
  }
  std::vector<Leg*> legs() { return {&ext, &trunk}; }
  std::unique_ptr<DahdiLine> ext_line, trunk_line;
  Leg ext, trunk;
};

template <typename F>
DahdiError open_error(F&& open) {
  try {
    open();
  } catch (const DahdiError& error) {
    std::printf("    refused: %s\n", error.what());
    return error;
  }
  FAIL("expected a DahdiError");
  return DahdiError(DahdiErrorKind::device, "unreachable");
}

// Checks a tone sent by `from` arrived intact on `to`.
void check_tone(Leg& to, double hz, int amplitude) {
  size_t onset = 0;
  while (onset < to.rx.size() && std::abs(to.rx[onset]) < amplitude / 4) ++onset;
  INFO(to.line.name() << " received " << to.rx.size() << " samples, onset at " << onset);
  REQUIRE(onset + 160 + 8000 <= to.rx.size());
  double rms = 0;
  const double purity = tone_purity(to.rx.data() + onset + 160, 8000, hz, &rms);
  std::printf("    %s: %.0f Hz tone after %zu samples, purity %.4f, rms %.0f (sent %.0f)\n",
              to.line.name().c_str(), hz, onset, purity, rms, amplitude / std::sqrt(2.0));
  CHECK(purity > 0.98);
  CHECK(std::abs(rms - amplitude / std::sqrt(2.0)) < 0.05 * amplitude / std::sqrt(2.0));
}

}  // namespace

TEST_CASE("discovers the loc spans, their channels and which are trunk or extension ports",
          "[vm][discovery]") {
  const std::vector<DahdiSpanInfo> spans = DahdiCard::scan();
  REQUIRE(spans.size() == 4);
  CHECK(spans[2].channels.size() == 4);
  CHECK(spans[3].channels.size() == 4);
  CHECK(spans[2].channels.front().channel == 49);
  CHECK(spans[3].channels.back().channel == 56);
  CHECK(spans[3].channels.back().kind == PortKind::trunk);
  for (const DahdiSpanInfo& span : spans) {
    std::printf("    span %d '%s' (%s) type %s (kernel: '%s'), alarms 0x%x, %zu channels\n",
                span.number, span.name.c_str(), span.description.c_str(),
                std::string(ivrd::driver::span_type_name(span.type)).c_str(),
                span.driver_type.c_str(), span.alarms.bits, span.channels.size());
    CHECK_FALSE(span.alarms.any());
  }
  REQUIRE(spans[0].channels.size() == 24);
  REQUIRE(spans[1].channels.size() == 24);
  CHECK(spans[0].type == ivrd::driver::SpanType::t1);  // 24 channels, no framing set
  for (int i = 0; i < 24; ++i) {
    const auto& one = spans[0].channels[static_cast<size_t>(i)];
    const auto& two = spans[1].channels[static_cast<size_t>(i)];
    CHECK(one.channel == i + 1);
    CHECK(two.channel == i + 25);
    CHECK(one.span == 1);
    CHECK(two.span == 2);
  }
  for (int i = 0; i < 4; ++i) {
    const auto& ext = spans[0].channels[static_cast<size_t>(i)];
    const auto& trunk = spans[1].channels[static_cast<size_t>(i)];
    std::printf("    channel %d '%s' %s -> %s; channel %d '%s' %s -> %s\n", ext.channel,
                ext.name.c_str(), ext.signalling.c_str(),
                ext.kind ? std::string(ivrd::driver::port_kind_name(*ext.kind)).c_str() : "-",
                trunk.channel, trunk.name.c_str(), trunk.signalling.c_str(),
                trunk.kind ? std::string(ivrd::driver::port_kind_name(*trunk.kind)).c_str() : "-");
    CHECK(ext.signalling == "fxo_ks");
    CHECK(ext.kind == PortKind::extension);
    CHECK(trunk.signalling == "fxs_ks");
    CHECK(trunk.kind == PortKind::trunk);
  }
  CHECK(spans[0].channels[4].signalling == "clear");
  CHECK_FALSE(spans[0].channels[4].kind.has_value());
  CHECK(spans[0].channels[23].signalling == "hdlcfcs");

  // Opening everything: the supported channels become lines, the rest are
  // listed, one line each, not dropped.
  DahdiCard card = DahdiCard::open();
  REQUIRE(card.span_count() == 4);
  for (size_t i = 0; i < 4; ++i) CHECK(card.span(i).line_count() == 4);
  CHECK(card.span(0).line(0).kind() == PortKind::extension);
  CHECK(card.span(1).line(0).kind() == PortKind::trunk);
  CHECK(card.span(1).line(3).name() == "dahdi/28");
  REQUIRE(card.find_line(26) != nullptr);
  CHECK(card.find_line(26)->law() == ivrd::dsp::G711Law::ulaw);
  CHECK(card.find_line(5) == nullptr);
  std::printf("    %zu channels skipped, first: %s\n", card.skipped().size(),
              card.skipped().empty() ? "-" : card.skipped().front().c_str());
  CHECK(card.skipped().size() == 40);
  REQUIRE_FALSE(card.skipped().empty());
  CHECK(card.skipped().front() ==
        "dahdi channel 5: signalling 'clear' is not supported (only fxs_ks trunk ports and "
        "fxo_ks extension ports)");
}

TEST_CASE("refuses a channel in use, a missing channel, unsupported signalling and a bad spec",
          "[vm][errors]") {
  auto held = DahdiLine::open(25);
  auto busy = open_error([] { DahdiLine::open(25); });
  CHECK(busy.kind() == DahdiErrorKind::channel_busy);
  CHECK(std::string(busy.what()) == "dahdi channel 25: already in use (EBUSY)");

  auto missing = open_error([] { DahdiLine::open(999); });
  CHECK(missing.kind() == DahdiErrorKind::no_such_channel);
  CHECK(std::string(missing.what()).starts_with("dahdi channel 999: no such channel"));

  auto clear = open_error([] { DahdiLine::open(5); });
  CHECK(clear.kind() == DahdiErrorKind::unsupported_signalling);
  CHECK(std::string(clear.what()).find("'clear'") != std::string::npos);

  auto busy_card = open_error([] { DahdiCard::open({.channels = "1-4,25"}); });
  CHECK(busy_card.kind() == DahdiErrorKind::channel_busy);
  auto spec = open_error([] { DahdiCard::open({.channels = "1-4,x"}); });
  CHECK(spec.kind() == DahdiErrorKind::bad_channel_spec);
  auto absent = open_error([] { DahdiCard::open({.channels = "1,60"}); });
  CHECK(absent.kind() == DahdiErrorKind::no_such_channel);
  CHECK(std::string(absent.what()) == "dahdi channel 60: no such channel");
  auto unsupported = open_error([] { DahdiCard::open({.channels = "1,24"}); });
  CHECK(unsupported.kind() == DahdiErrorKind::unsupported_signalling);
  auto no_dir =
      open_error([] { DahdiCard::open({.device_dir = "/dev/no-dahdi-here", .channels = ""}); });
  CHECK(no_dir.kind() == DahdiErrorKind::no_dahdi);
  for (const auto* message :
       {busy.what(), missing.what(), clear.what(), spec.what(), no_dir.what()}) {
    CHECK(std::string(message).find('\n') == std::string::npos);
  }
  // The channel held is still fine after all that.
  CHECK(held->usable());
}

TEST_CASE("carries audio both ways between a trunk port and an extension port", "[vm][audio]") {
  Pair pair(1);
  CHECK(pair.ext.line.kind() == PortKind::extension);
  CHECK(pair.trunk.line.kind() == PortKind::trunk);
  CHECK(pair.ext.line.law() == ivrd::dsp::G711Law::ulaw);
  pair.ext.send(tone(1000.0, 8000, 16000));
  pair.trunk.send(tone(1500.0, 6000, 16000));
  pump(pair.legs(), 2600);
  check_tone(pair.trunk, 1000.0, 8000);
  check_tone(pair.ext, 1500.0, 6000);
  // system.conf attaches MG2 to channel 1; the backend keeps it inactive.
  std::ifstream proc("/proc/dahdi/1");
  std::string row, channel_one;
  while (std::getline(proc, row)) {
    if (row.find("DYN/loc/1:0/1 ") != std::string::npos) channel_one = row;
  }
  std::printf("    /proc/dahdi/1: %s\n", channel_one.c_str());
  CHECK(channel_one.find("(EC: MG2 - INACTIVE)") != std::string::npos);
}

TEST_CASE("seize, flash and hang-up on a trunk port reach the extension port", "[vm][hook]") {
  Pair pair(2);
  pair.trunk.line.seize();
  CHECK(pair.trunk.line.off_hook());
  REQUIRE(pump_until_event(pair.legs(), pair.ext, LineEventKind::ring_off_hook, 3000));
  CHECK(pair.ext.line.off_hook());
  // DAHDI refuses a flash during its debounce after going off-hook (600 ms).
  CHECK_THROWS_WITH(
      pair.trunk.line.flash(),
      Catch::StartsWith("dahdi/26: cannot flash: the channel is still changing hook state"));
  pump(pair.legs(), 1000);

  pair.trunk.line.flash();
  REQUIRE(pump_until_event(pair.legs(), pair.ext, LineEventKind::wink_flash, 3000));
  CHECK_FALSE(pair.ext.has(LineEventKind::on_hook));
  CHECK(pair.ext.line.off_hook());

  pair.trunk.line.hang_up();
  CHECK_FALSE(pair.trunk.line.off_hook());
  REQUIRE(pump_until_event(pair.legs(), pair.ext, LineEventKind::on_hook, 4000));
  CHECK_FALSE(pair.ext.line.off_hook());
  // Refused actions name the line and change nothing.
  CHECK_THROWS_WITH(pair.trunk.line.hang_up(),
                    "dahdi/26: cannot hang up: the line is already on-hook");
  CHECK_THROWS_WITH(pair.trunk.line.answer(), "dahdi/26: cannot answer: the line is not ringing");
  CHECK_THROWS_AS(pair.ext.line.answer(), LineError);
}

TEST_CASE("ringing an extension port with a cadence rings the trunk port, with FSK caller ID",
          "[vm][ring]") {
  Pair pair(3);
  ivrd::dsp::CallerIdMessage cid;
  cid.format = ivrd::dsp::CallerIdFormat::bell202_mdmf;
  cid.number = "5551234567";
  cid.name = "Alice Example";
  cid.datetime = "12071830";
  RingRequest request;
  request.cadence = RingCadence{{1000, 2500}};
  request.caller_id = cid;
  // DAHDI ignores ringing on an fxs_ks channel for 2 s after it was opened
  // or went on-hook (RING_DEBOUNCE_TIME): let that pass first.
  pump(pair.legs(), 2000);
  pair.ext.line.ring(request);
  CHECK(pair.ext.line.ringing());
  CHECK_THROWS_WITH(pair.ext.line.ring(request), "dahdi/3: cannot ring: already ringing");

  // Two whole rings: ring_begin at the start of each, ring_off_hook after.
  REQUIRE(
      pump(pair.legs(), 9000, [&] { return pair.trunk.count(LineEventKind::ring_begin) >= 3; }));
  CHECK(pair.trunk.count(LineEventKind::ring_off_hook) >= 2);
  CHECK(pair.ext.has(LineEventKind::ringer_off));
  std::vector<uint64_t> begins;
  for (const auto& e : pair.trunk.events) {
    if (e.kind == LineEventKind::ring_begin) begins.push_back(e.sample);
  }
  const double period_ms = static_cast<double>(begins[2] - begins[1]) / 8.0;
  std::printf("    ring period on the trunk port: %.0f ms (cadence 1000 + 2500)\n", period_ms);
  CHECK(std::abs(period_ms - 3500.0) < 200.0);

  // The caller ID between the first and second ring, decoded from the trunk
  // port's receive audio by ivrd's receiver.
  // The caller ID level the trunk port received, per 100 ms, from the end
  // of the first ring to the start of the second.
  const size_t gap_start = static_cast<size_t>(begins[0] - pair.trunk.rx_origin) + 8000;
  const size_t gap_end = static_cast<size_t>(begins[1] - pair.trunk.rx_origin);
  std::printf("    trunk port level between rings (dBFS per 100 ms):");
  for (size_t at = gap_start; at + 800 <= gap_end && at + 800 <= pair.trunk.rx.size(); at += 800) {
    double energy = 0;
    for (size_t i = at; i < at + 800; ++i) energy += double(pair.trunk.rx[i]) * pair.trunk.rx[i];
    std::printf(" %.0f", 10 * std::log10(energy / 800 / (32768.0 * 32768.0) + 1e-12));
  }
  std::printf("\n");
  CHECK(pair.ext.line.tx_dropped() == 0);
  const auto messages = caller_ids(pair.trunk.rx);
  REQUIRE(messages.size() == 1);
  CHECK(messages[0].valid);
  CHECK(messages[0].number == "5551234567");
  CHECK(messages[0].name == "Alice Example");
  CHECK(messages[0].datetime == "12071830");
  const uint64_t cid_start = pair.trunk.rx_origin + messages[0].start_sample;
  const uint64_t cid_end = pair.trunk.rx_origin + messages[0].end_sample;
  std::printf(
      "    caller ID on the trunk port: number %s, name '%s', from %.0f to %.0f ms, "
      "%.0f ms after the first ring ended\n",
      messages[0].number.str().c_str(), messages[0].name.str().c_str(),
      static_cast<double>(cid_start) / 8.0, static_cast<double>(cid_end) / 8.0,
      static_cast<double>(cid_start - begins[0]) / 8.0 - 1000.0);
  // 500 ms after the ring (GR-30), give or take the blocks in flight.
  CHECK(cid_start > begins[0] + 8000 + 3200);
  CHECK(cid_start < begins[0] + 8000 + 5600);
  CHECK(cid_end < begins[1]);

  // Answer: the extension port sees the phone off-hook and stops ringing.
  pair.ext.clear();
  pair.trunk.line.answer();
  REQUIRE(pump_until_event(pair.legs(), pair.ext, LineEventKind::ring_off_hook, 3000));
  CHECK(pair.ext.line.off_hook());
  CHECK_FALSE(pair.ext.line.ringing());
  pair.trunk.clear();
  pump(pair.legs(), 4000);
  CHECK_FALSE(pair.trunk.has(LineEventKind::ring_begin));

  pair.trunk.line.hang_up();
  REQUIRE(pump_until_event(pair.legs(), pair.ext, LineEventKind::on_hook, 4000));

  // Ringing stopped by the appliance before any answer.
  pump(pair.legs(), 2000);
  pair.trunk.clear();
  pair.ext.line.ring({RingCadence{{800, 1200}}, std::nullopt});
  REQUIRE(pump_until_event(pair.legs(), pair.trunk, LineEventKind::ring_begin, 3000));
  pair.ext.line.stop_ringing();
  CHECK_FALSE(pair.ext.line.ringing());
  pump(pair.legs(), 1000);
  pair.trunk.clear();
  pump(pair.legs(), 2500);
  CHECK_FALSE(pair.trunk.has(LineEventKind::ring_begin));
}

TEST_CASE("DTMF dialled on one side is detected by ivrd's DtmfDetector on the other",
          "[vm][dtmf]") {
  Pair pair(4);
  pair.trunk.line.seize();
  REQUIRE(pump_until_event(pair.legs(), pair.ext, LineEventKind::ring_off_hook, 3000));
  pair.trunk.clear();
  pair.ext.clear();

  pair.trunk.line.dial_dtmf("1234567890*#ABCD");
  CHECK_THROWS_WITH(pair.trunk.line.dial_dtmf("5"),
                    "dahdi/28: cannot dial: still dialling the previous digits");
  REQUIRE(pump_until_event(pair.legs(), pair.trunk, LineEventKind::dial_complete, 8000));
  pump(pair.legs(), 300);
  const std::string heard = dtmf_digits(pair.ext.rx);
  std::printf("    trunk dialled 1234567890*#ABCD, extension port heard %s\n", heard.c_str());
  CHECK(heard == "1234567890*#ABCD");

  pair.ext.line.dial_dtmf("42#");
  REQUIRE(pump_until_event(pair.legs(), pair.ext, LineEventKind::dial_complete, 4000));
  pump(pair.legs(), 300);
  const std::string back = dtmf_digits(pair.trunk.rx);
  std::printf("    extension dialled 42#, trunk port heard %s\n", back.c_str());
  CHECK(back == "42#");
  CHECK_THROWS_WITH(pair.ext.line.dial_pulse("1"),
                    "dahdi/4: cannot pulse dial on an extension port");
}

TEST_CASE("pulse dialling on a trunk port is decoded by the kernel on the extension port",
          "[vm][pulse]") {
  Pair pair(1);
  pair.trunk.line.seize();
  REQUIRE(pump_until_event(pair.legs(), pair.ext, LineEventKind::ring_off_hook, 3000));
  // The phone starts dialling at once: the extension port was not rung, so
  // the line left the channel alone and the kernel counts every pulse.
  pair.trunk.clear();
  pair.ext.clear();
  pair.trunk.line.dial_pulse("305");
  REQUIRE(pump_until_event(pair.legs(), pair.trunk, LineEventKind::dial_complete, 10000));
  pump(pair.legs(), 1000);
  std::printf("    trunk pulsed 305, extension port decoded '%s'\n",
              pair.ext.line.pulse_digits().c_str());
  CHECK(pair.ext.line.pulse_digits() == "305");
  CHECK_FALSE(pair.ext.has(LineEventKind::on_hook));
}

TEST_CASE("polarity reversal: the loc span driver cannot produce it, and says so",
          "[vm][polarity]") {
  // Only span drivers of analog hardware (wctdm, wcaxx, xpp) implement
  // DAHDI_SETPOLARITY and raise DAHDI_EVENT_POLARITY; dynamic spans carry
  // hook bits only. The backend must say so in one line, and nothing reaches
  // the trunk port.
  Pair pair(2);
  try {
    pair.ext.line.set_polarity(true);
    FAIL("DAHDI_SETPOLARITY was accepted on a loc span");
  } catch (const LineError& error) {
    std::printf("    %s\n", error.what());
    CHECK(std::string(error.what()).starts_with("dahdi/2: cannot reverse polarity"));
  }
  pump(pair.legs(), 1000);
  CHECK_FALSE(pair.trunk.has(LineEventKind::polarity));
  CHECK_THROWS_AS(pair.trunk.line.set_polarity(true), LineError);
}

TEST_CASE("two calls bridged in user space hear each other", "[vm][bridge]") {
  // Phones on trunk ports 25 and 26 call into extension ports 1 and 2; the
  // appliance bridges the two extension ports; each phone's DTMF reaches
  // the other phone through two kernel hops and the bridge. The phones dial
  // one after the other: DAHDI mutes a channel's receive while it dials.
  Pair one(1);
  Pair two(2);
  std::vector<Leg*> phones = {&one.trunk, &two.trunk};
  one.trunk.line.seize();
  two.trunk.line.seize();
  REQUIRE(pump({&one.ext, &two.ext, &one.trunk, &two.trunk}, 3000, [&] {
    return one.ext.has(LineEventKind::ring_off_hook) && two.ext.has(LineEventKind::ring_off_hook);
  }));
  DahdiBridge bridge(one.ext.line, two.ext.line);
  one.trunk.clear();
  two.trunk.clear();
  size_t moved = 0;
  auto run_bridge = [&](double ms) {
    const double end = ivrd::driver::vmtest::now_ms() + ms;
    while (ivrd::driver::vmtest::now_ms() < end) {
      moved += bridge.step();
      for (Leg* phone : phones) phone->service();
      usleep(2000);
    }
  };
  one.trunk.line.dial_dtmf("159");
  run_bridge(1400);
  two.trunk.line.dial_dtmf("26#");
  run_bridge(1400);
  std::printf("    bridge moved %zu blocks, dropped %zu\n", moved, bridge.dropped());
  const std::string at_two = dtmf_digits(two.trunk.rx);
  const std::string at_one = dtmf_digits(one.trunk.rx);
  std::printf(
      "    phone 25 dialled 159, phone 26 heard %s; phone 26 dialled 26#, phone 25 heard %s\n",
      at_two.c_str(), at_one.c_str());
  CHECK(at_two == "159");
  CHECK(at_one == "26#");
  CHECK(moved > 200);  // about 2 x 140 blocks in 2.8 s
}

namespace {

int dynamic_span(unsigned long request, const char* addr, int channels) {
  const int ctl = ::open("/dev/dahdi/ctl", O_RDWR);
  if (ctl < 0) return errno;
  dahdi_dynamic_span span{};
  std::snprintf(span.driver, sizeof(span.driver), "loc");
  std::snprintf(span.addr, sizeof(span.addr), "%s", addr);
  span.numchans = channels;
  span.timing = 0;
  const int rc = ::ioctl(ctl, request, &span);
  const int err = rc == 0 ? 0 : errno;
  ::close(ctl);
  return err;
}

}  // namespace

// Run last: it takes span 4 away and brings it back unconfigured.
TEST_CASE("a span whose peer goes away is in red alarm, its lines say so, other lines keep working",
          "[vm][alarm]") {
  DahdiCard card = DahdiCard::open({.device_dir = "/dev/dahdi", .channels = "49-52"});
  REQUIRE(card.span_count() == 1);
  auto& span = card.span(0);
  CHECK(span.number() == 3);
  std::vector<Leg> legs;
  for (size_t i = 0; i < span.line_count(); ++i) legs.emplace_back(span.dahdi_line(i));
  Pair other(1);  // span 1 <-> span 2, not involved
  std::vector<Leg*> all = other.legs();
  for (Leg& leg : legs) all.push_back(&leg);
  pump(all, 300);
  CHECK_FALSE(span.alarms().any());

  {
    // A span cannot be removed under an open channel: the kernel refuses.
    auto trunk = DahdiLine::open(53);
    const int err = dynamic_span(DAHDI_DYNAMIC_DESTROY, "2:1", 4);
    std::printf("    removing span 4 with channel 53 open: %s\n", std::strerror(err));
    CHECK(err == EBUSY);
  }
  REQUIRE(dynamic_span(DAHDI_DYNAMIC_DESTROY, "2:1", 4) == 0);
  std::printf("    span 4 removed\n");
  REQUIRE(pump(all, 5000, [&] {
    return std::all_of(legs.begin(), legs.end(),
                       [](const Leg& l) { return l.has(LineEventKind::alarm); });
  }));
  const SpanAlarms alarms = span.alarms();
  std::printf("    span 3 alarms 0x%x\n", alarms.bits);
  CHECK(alarms.has(SpanAlarms::kRed));

  // Meanwhile the other pair carries audio both ways, and the lines in alarm
  // neither throw nor fail.
  other.ext.clear();
  other.trunk.clear();
  other.ext.send(tone(1000.0, 8000, 12000));
  other.trunk.send(tone(1500.0, 6000, 12000));
  const size_t before = legs[0].blocks_read;
  pump(all, 2000);
  check_tone(other.trunk, 1000.0, 8000);
  check_tone(other.ext, 1500.0, 6000);
  std::printf("    %zu blocks read on %s in 2 s of red alarm\n", legs[0].blocks_read - before,
              legs[0].line.name().c_str());
  for (Leg& leg : legs) CHECK(leg.line.usable());
  CHECK_FALSE(other.ext.has(LineEventKind::alarm));
  CHECK_FALSE(other.trunk.has(LineEventKind::alarm));

  REQUIRE(dynamic_span(DAHDI_DYNAMIC_CREATE, "2:1", 4) == 0);
  std::printf("    span 4 created again\n");
  REQUIRE(pump(all, 5000, [&] {
    return std::all_of(legs.begin(), legs.end(),
                       [](const Leg& l) { return l.has(LineEventKind::no_alarm); });
  }));
  CHECK_FALSE(span.alarms().has(SpanAlarms::kRed));
  const size_t recovered = legs[0].blocks_read;
  pump(all, 1000);
  std::printf("    %zu blocks read on %s in 1 s after the alarm cleared\n",
              legs[0].blocks_read - recovered, legs[0].line.name().c_str());
  CHECK(legs[0].blocks_read - recovered > 25);
}

// Run after everything else, on freshly configured spans: span 3 is taken
// away for good. (Not span 4: dahdi_dynamic clocks every dynamic span from
// the most recently created one, span 4, and an unassigned span is no
// longer clocked, so unassigning span 4 would stop them all.)
TEST_CASE("a channel whose span vanishes mid-call reports one alarm; the other lines keep working",
          "[vm][vanish]") {
  DahdiCard card = DahdiCard::open({.device_dir = "/dev/dahdi", .channels = "49,53"});
  REQUIRE(card.span_count() == 2);
  DahdiLine& ext = card.span(0).dahdi_line(0);
  DahdiLine& trunk = card.span(1).dahdi_line(0);
  REQUIRE(ext.channel() == 49);
  Leg ext_leg(ext), trunk_leg(trunk);
  Pair other(1);
  std::vector<Leg*> all = other.legs();
  all.push_back(&ext_leg);
  all.push_back(&trunk_leg);
  trunk.seize();
  REQUIRE(pump_until_event(all, ext_leg, LineEventKind::ring_off_hook, 3000));

  // Unassigning the span (as dahdi_span_assignments does) detaches every
  // open file of its channels: the kernel answers them ENODEV from then on.
  const std::string span_dir =
      "/sys/bus/dahdi_spans/devices/span-" + std::to_string(ext.span_number());
  std::string local;
  std::ifstream(span_dir + "/local_spanno") >> local;
  const std::string unassign =
      std::filesystem::canonical(span_dir).parent_path().string() + "/unassign_span";
  std::printf("    writing %s to %s\n", local.c_str(), unassign.c_str());
  { std::ofstream(unassign) << local << "\n"; }

  REQUIRE(pump_until_event(all, ext_leg, LineEventKind::alarm, 3000));
  CHECK_FALSE(ext.usable());
  CHECK_THROWS_WITH(ext.ring(RingRequest{}),
                    "dahdi/49: cannot ring: the phone is off-hook");  // state is checked first
  CHECK_THROWS_WITH(ext.dial_dtmf("1"), "dahdi/49: cannot dial: the channel's device failed");
  CHECK_FALSE(ext.read().has_value());
  const Block silence{};
  CHECK_FALSE(ext.write(silence));
  const SpanAlarms gone = card.span(0).alarms();
  std::printf("    span %d alarms now 0x%x\n", card.span(0).number(), gone.bits);
  CHECK(gone.has(SpanAlarms::kNotOpen));

  // The far side's span goes into alarm (the peer is gone); the other pair
  // carries audio both ways.
  other.ext.clear();
  other.trunk.clear();
  other.ext.send(tone(1000.0, 8000, 12000));
  other.trunk.send(tone(1500.0, 6000, 12000));
  REQUIRE(pump_until_event(all, trunk_leg, LineEventKind::alarm, 4000));
  pump(all, 2000);
  check_tone(other.trunk, 1000.0, 8000);
  check_tone(other.ext, 1500.0, 6000);
  const SpanAlarms far = card.span(1).alarms();
  std::printf("    span %d (the far side) alarms 0x%x\n", card.span(1).number(), far.bits);
  CHECK(far.any());
  CHECK(trunk.usable());
  CHECK_FALSE(other.ext.has(LineEventKind::alarm));
  CHECK_FALSE(other.trunk.has(LineEventKind::alarm));
  CHECK(ext_leg.count(LineEventKind::alarm) == 1);  // said once
}
