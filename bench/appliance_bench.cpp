// The whole appliance under load: 120 simultaneous calls (four E1 spans'
// worth of trunk ports) in the menus on the simulated card, every channel
// with its full DSP (echo canceller, DTMF detector, disconnect supervision
// with the call-progress detector), callers pressing keys as DTMF audio over
// line noise. Reports the CPU time one core spends per 20 ms tick, and the
// share of real time that is, with the simulated card's own work (the 120
// far ends, their DTMF generators and the line noise) measured apart.
//
//   ivrd_appliance_bench [SECONDS] [CALLS]   (defaults 60 and 120)

#include <time.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "ivrd/driver/sim_card.hpp"
#include "ivrd/dsp/isa.hpp"
#include "ivrd/ivr/appliance.hpp"
#include "ivrd/ivr/config_loader.hpp"

namespace {

using namespace ivrd;

double thread_cpu_seconds() {
  timespec now{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
  return static_cast<double>(now.tv_sec) + static_cast<double>(now.tv_nsec) * 1e-9;
}

// Four E1 spans of 30 trunk ports, a menu tree the callers wander through.
std::string office(int calls) {
  std::string toml = R"toml(
[appliance]
name = "Load test"
tone_zone = "us"

[speech]
voices = { en = "en-us" }

[prompts]
welcome = { say = "Welcome. For sales press one. For support press two. To hear this again press star." }
sales = { say = "Sales. Press star to go back, or hash for the main menu." }
support = { say = "Support. Press star to go back." }

[incoming]
menu = "main"

[menus.main]
greeting = "welcome"
keys = { 1 = "menu:sales", 2 = "menu:support", "*" = "repeat" }
no_input = { timeout = 10, tries = 10, then = "hang_up" }

[menus.sales]
greeting = "sales"
keys = { "*" = "back", "#" = "top" }
no_input = { timeout = 10, tries = 10, then = "hang_up" }

[menus.support]
greeting = "support"
keys = { "*" = "back" }
no_input = { timeout = 10, tries = 10, then = "hang_up" }

[loop_guard]
max_greetings = 1000
)toml";
  for (int span = 0; span < (calls + 29) / 30; ++span) {
    toml +=
        "\n[spans.e1" + std::string(1, static_cast<char>('a' + span)) + "]\nbackend = \"sim\"\n";
    toml += "[spans.e1" + std::string(1, static_cast<char>('a' + span)) + ".ports]\n";
    for (int port = 0; port < 30 && span * 30 + port < calls; ++port) {
      toml += "t" + std::to_string(span * 30 + port + 1) + " = { role = \"trunk\" }\n";
    }
  }
  return toml;
}

}  // namespace

int main(int argc, char** argv) {
  const int seconds = argc > 1 ? std::atoi(argv[1]) : 60;
  const int calls = argc > 2 ? std::atoi(argv[2]) : 120;
  if (seconds <= 0 || calls <= 0 || calls > 26 * 30) {
    std::fprintf(stderr, "usage: ivrd_appliance_bench [SECONDS>0] [CALLS 1..780]\n");
    return 64;
  }
  auto loaded = ivr::load_config_text(office(calls), "/tmp/ivrd-appliance-bench.toml");
  if (!loaded.ok()) {
    for (const auto& error : loaded.errors) std::fprintf(stderr, "%s\n", error.to_string().c_str());
    return 1;
  }
  ivr::ApplianceOptions options;
  ivr::Appliance appliance(std::make_shared<const ivr::Config>(std::move(*loaded.config)), options);

  // Every caller rings at once, then presses a key every 1.5-4 s for the
  // whole run: 1 or 2 into a submenu, * or # back.
  std::mt19937 random(7);
  std::uniform_int_distribution<uint32_t> pause(1500, 4000);
  const uint32_t run_ms = static_cast<uint32_t>(seconds) * 1000 + 20000;
  for (int i = 1; i <= calls; ++i) {
    driver::SimCaller& caller = appliance.sim_port("t" + std::to_string(i))->caller();
    caller.line_noise(-55.0f, static_cast<uint64_t>(i));
    caller.ring(driver::RingCadence::us());
    const char* keys[] = {"1", "*", "2", "*", "1", "#"};
    for (uint32_t t = 0, k = 0; t < run_ms; ++k) {
      const uint32_t wait = pause(random);
      caller.wait_ms(wait).press(keys[k % 6]);
      t += wait + 100;
    }
  }

  // Ring, caller ID window, answer: all calls in the menus after two rings.
  while (appliance.calls().size() < static_cast<size_t>(calls) && appliance.now_ms() < 20000) {
    appliance.tick();
  }
  if (appliance.calls().size() < static_cast<size_t>(calls)) {
    std::fprintf(stderr, "only %zu of %d calls answered\n", appliance.calls().size(), calls);
    return 1;
  }

  // The simulated card alone, for the same time: the far ends' share.
  driver::SimCard& card = *appliance.sim_card();
  const uint64_t ticks = static_cast<uint64_t>(seconds) * 50;
  double appliance_cpu = 0.0, worst_tick = 0.0;
  std::vector<double> tick_cpu;
  tick_cpu.reserve(ticks);
  uint64_t keys_before = 0;
  for (const auto& call : appliance.calls()) keys_before += call.keys.size();
  for (uint64_t t = 0; t < ticks; ++t) {
    const double start = thread_cpu_seconds();
    appliance.tick();
    const double spent = thread_cpu_seconds() - start;
    appliance_cpu += spent;
    worst_tick = std::max(worst_tick, spent);
    tick_cpu.push_back(spent);
  }
  uint64_t keys = 0;
  for (const auto& call : appliance.calls()) keys += call.keys.size();
  const size_t still_in_calls = appliance.calls().size();

  // The card's own cost per tick, measured on a copy of the load: a second
  // card with the same far ends, ticked without the appliance.
  driver::SimCard far_only;
  std::vector<driver::PortKind> kinds(static_cast<size_t>(calls), driver::PortKind::trunk);
  driver::SimSpan& span = far_only.add_span("far", driver::SpanType::e1, kinds);
  for (int i = 0; i < calls; ++i) {
    driver::SimCaller& caller = span.port(static_cast<size_t>(i)).caller();
    caller.line_noise(-55.0f, static_cast<uint64_t>(i + 1));
    caller.ring(driver::RingCadence::us());
  }
  double card_cpu = 0.0;
  for (uint64_t t = 0; t < ticks; ++t) {
    const double start = thread_cpu_seconds();
    far_only.tick();
    card_cpu += thread_cpu_seconds() - start;
    // Drain what the appliance would read.
    for (int i = 0; i < calls; ++i) {
      auto& port = span.port(static_cast<size_t>(i));
      while (port.read()) {
      }
      while (port.next_event()) {
      }
    }
  }
  (void)card;

  const double real = static_cast<double>(ticks) * 0.020;
  std::printf("calls in the menus      %zu (of %d), %d s of calls, ISA %s\n", still_in_calls, calls,
              seconds, std::string(dsp::isa_name(dsp::active_isa())).c_str());
  std::printf("keys acted on           %llu\n",
              static_cast<unsigned long long>(keys - keys_before));
  std::printf("CPU per 20 ms tick      %.3f ms (worst %.3f ms)\n",
              appliance_cpu / static_cast<double>(ticks) * 1e3, worst_tick * 1e3);
  std::sort(tick_cpu.begin(), tick_cpu.end());
  const auto percentile = [&](double p) {
    return tick_cpu[std::min(tick_cpu.size() - 1,
                             static_cast<size_t>(p * static_cast<double>(tick_cpu.size())))] *
           1e3;
  };
  const auto over =
      std::count_if(tick_cpu.begin(), tick_cpu.end(), [](double t) { return t > 0.020; });
  std::printf(
      "tick CPU percentiles    median %.2f ms, 99 %% %.2f ms, 99.9 %% %.2f ms; %lld of %llu ticks "
      "over 20 ms\n",
      percentile(0.5), percentile(0.99), percentile(0.999), static_cast<long long>(over),
      static_cast<unsigned long long>(ticks));
  std::printf("share of one core       %.1f %% (appliance and simulated far ends)\n",
              100.0 * appliance_cpu / real);
  std::printf("simulated far ends      %.1f %% of one core (ringing far ends, no keys)\n",
              100.0 * card_cpu / real);
  std::printf("appliance alone, about  %.1f %% of one core\n",
              100.0 * (appliance_cpu - card_cpu) / real);
  return 0;
}
