// The whole appliance on real DAHDI channels, inside the QEMU guest of
// tests/dahdi_vm: the same Appliance the daemon runs, on a trunk port
// (channel 27, fxs_ks) and an extension port (channel 2, fxo_ks) of the
// back-to-back loc spans. The test holds the far ends through ivrd's DAHDI
// backend: channel 3 plays the phone company (it rings channel 27 with
// caller ID and keys DTMF), channel 26 plays the phone on the extension
// port. Prompts are tones in WAV files (the guest has no espeak-ng data), so
// what the caller hears can be told apart by frequency.

#include <unistd.h>

#include <filesystem>
#include <memory>
#include <string>

#include <catch2/catch.hpp>

#include "ivrd/driver/audio_file.hpp"
#include "ivrd/driver/dahdi_card.hpp"
#include "ivrd/ivr/appliance.hpp"
#include "ivrd/ivr/config_loader.hpp"

#include "vm_support.hpp"

using ivrd::driver::DahdiLine;
using ivrd::driver::LineEventKind;
using ivrd::driver::RingCadence;
using ivrd::driver::RingRequest;
using ivrd::driver::vmtest::Leg;
using ivrd::driver::vmtest::now_ms;
using ivrd::driver::vmtest::tone;
using ivrd::driver::vmtest::tone_purity;

namespace {

constexpr double kWelcomeHz = 500.0;
constexpr double kPhoneHz = 1400.0;
constexpr double kCallerHz = 700.0;

// Ticks the appliance every 20 ms of real time and services the far ends
// every 2 ms, for up to `ms` or until `done`.
bool run(ivrd::ivr::Appliance& appliance, Leg& exchange, Leg& phone, double ms,
         const std::function<bool()>& done = {}) {
  const double end = now_ms() + ms;
  double next_tick = now_ms();
  while (now_ms() < end) {
    if (now_ms() >= next_tick) {
      appliance.tick();
      next_tick += 20.0;
    }
    exchange.service();
    phone.service();
    if (done && done()) return true;
    usleep(2000);
  }
  return done ? done() : true;
}

// The share of the last `samples` received that is the tone at `hz`.
double purity_of_last(const Leg& leg, double hz, size_t samples, double* rms) {
  if (leg.rx.size() < samples) return 0.0;
  return tone_purity(leg.rx.data() + leg.rx.size() - samples, samples, hz, rms);
}

}  // namespace

TEST_CASE(
    "the appliance answers a call on a DAHDI trunk port, runs the menu and bridges the "
    "caller to a phone on a DAHDI extension port",
    "[vm][appliance]") {
  const std::filesystem::path dir = "/tmp/ivrd-appliance-vm";
  std::filesystem::create_directories(dir);
  ivrd::driver::write_capture(dir / "welcome.wav", tone(kWelcomeHz, 3000, 8000 * 8));

  const std::string toml = R"toml(
[appliance]
name = "DAHDI office"
tone_zone = "us"
prompts_dir = "/tmp/ivrd-appliance-vm"

[spans.card]
backend = "dahdi"

[spans.card.ports]
line = { role = "trunk", channel = 27 }
desk = { role = "extension", channel = 2, number = "200" }

[speech]
voices = { en = "en-us" }

[prompts]
welcome = "welcome.wav"

[incoming]
menu = "main"

[menus.main]
greeting = "welcome"
keys = { 1 = "extension:desk" }
)toml";
  auto loaded = ivrd::ivr::load_config_text(toml, dir / "ivrd.toml");
  for (const auto& error : loaded.errors) std::printf("    %s\n", error.to_string().c_str());
  REQUIRE(loaded.ok());
  ivrd::ivr::Appliance appliance(std::make_shared<const ivrd::ivr::Config>(*loaded.config), {});
  REQUIRE(appliance.sim_card() == nullptr);  // every line is a DAHDI channel

  auto exchange_line = DahdiLine::open(3);
  auto phone_line = DahdiLine::open(26);
  Leg exchange(*exchange_line);
  Leg phone(*phone_line);
  // A trunk port ignores ringing for 2 s after it is opened (docs/dahdi.md).
  run(appliance, exchange, phone, 2500);

  // The phone company rings the trunk with caller ID; the appliance answers
  // after the second ring.
  ivrd::dsp::CallerIdMessage caller_id;
  caller_id.format = ivrd::dsp::CallerIdFormat::bell202_mdmf;
  caller_id.number = "5551234";
  caller_id.name = "DAHDI CALLER";
  exchange.line.ring(RingRequest{RingCadence::us(), caller_id});
  REQUIRE(run(appliance, exchange, phone, 15000,
              [&] { return exchange.has(LineEventKind::ring_off_hook); }));
  REQUIRE(run(appliance, exchange, phone, 2000, [&] { return !appliance.calls().empty(); }));
  exchange.clear();

  // The greeting reaches the caller.
  run(appliance, exchange, phone, 1500);
  double rms = 0.0;
  const double welcome = purity_of_last(exchange, kWelcomeHz, 4000, &rms);
  std::printf("    caller hears the greeting: %.0f Hz purity %.3f, rms %.0f\n", kWelcomeHz, welcome,
              rms);
  CHECK(welcome > 0.9);
  CHECK(rms > 1000.0);

  // Key 1 rings the phone on the extension port; it answers.
  exchange.line.dial_dtmf("1");
  REQUIRE(
      run(appliance, exchange, phone, 4000, [&] { return phone.has(LineEventKind::ring_begin); }));
  phone.line.answer();
  REQUIRE(run(appliance, exchange, phone, 3000, [&] {
    const auto calls = appliance.calls();
    return !calls.empty() && calls.front().state == ivrd::ivr::CallState::bridged;
  }));

  // Bridged: each hears the other.
  exchange.clear();
  phone.clear();
  phone.send(tone(kPhoneHz, 4000, 8000 * 2));
  run(appliance, exchange, phone, 1500);
  const double heard_phone = purity_of_last(exchange, kPhoneHz, 4000, &rms);
  std::printf("    caller hears the phone: %.0f Hz purity %.3f, rms %.0f\n", kPhoneHz, heard_phone,
              rms);
  CHECK(heard_phone > 0.9);
  CHECK(rms > 1500.0);
  run(appliance, exchange, phone, 800);
  exchange.send(tone(kCallerHz, 4000, 8000 * 2));
  run(appliance, exchange, phone, 1500);
  const double heard_caller = purity_of_last(phone, kCallerHz, 4000, &rms);
  std::printf("    phone hears the caller: %.0f Hz purity %.3f, rms %.0f\n", kCallerHz,
              heard_caller, rms);
  CHECK(heard_caller > 0.9);
  CHECK(rms > 1500.0);

  // The phone hangs up: the appliance hangs up the trunk.
  phone.line.hang_up();
  REQUIRE(run(appliance, exchange, phone, 5000, [&] { return !appliance.ended_calls().empty(); }));
  REQUIRE(
      run(appliance, exchange, phone, 3000, [&] { return exchange.has(LineEventKind::on_hook); }));
  const ivrd::ivr::CallInfo& call = appliance.ended_calls().back();
  for (const auto& note : call.history) {
    std::printf("    %6llu ms  %-10s %s\n", static_cast<unsigned long long>(note.ms),
                note.what.c_str(), note.detail.c_str());
  }
  CHECK(call.caller_id == "5551234");
  CHECK(call.caller_name == "DAHDI CALLER");
  CHECK(call.keys == "1");
  CHECK(call.route == "extension:desk");
  CHECK(call.end_reason == "desk hung up");
}
