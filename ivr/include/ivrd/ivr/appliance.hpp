#pragma once
// The appliance: every line of a Config's spans, the signalling machine of
// each port, the DSP of every call, and the calls themselves, advanced one
// 20 ms tick at a time. The daemon calls tick() from its event loop (the
// real clock); tests and ivr-replay call it in a loop (a virtual clock), so
// a call of minutes runs in milliseconds and the same way every time.
//
//   auto config = std::make_shared<const Config>(*load_config(path).config);
//   Appliance appliance(config, {});
//   appliance.sim_port("line1")->caller().ring(RingCadence::us()).press("1");
//   for (int i = 0; i < 1000; ++i) appliance.tick();
//
// What one tick does:
//   1. the simulated card, when the appliance has one, runs one block;
//   2. each port's signalling machine reads its line (TrunkInbound on a
//      trunk port, or TrunkOutbound while the port dials out for a call;
//      ExtensionPort on an extension port) and its events move the calls:
//      a trunk answered after its rings starts a call (caller rules, then
//      the calendar choose where it begins), a far end gone ends it, an
//      extension answering joins its call, hanging up ends the bridge;
//   3. the DSP of every connected trunk call, all calls in one pass: the
//      receive block goes through the call's echo canceller (reference: the
//      block last sent on that line) and then its DTMF detector while the
//      call is in the menus; a digit's begin is a key for the menu at once
//      (barge-in), and the next prompt starts in the same tick;
//   4. each call's transmit block: its prompts (PromptPlayer), the zone's
//      ringback while an extension rings or an outside number is dialled, or
//      the other party's audio once bridged.
//
// Calls. A call is an inbound trunk call that was answered. It runs a
// MenuSession (menu_session.hpp) and the routes it leaves by:
//   extension        the port (or the port whose number is the variable's
//                    value) rings with the caller's ID (FSK: Bell 202 in
//                    North American zones, V.23 elsewhere) and the caller
//                    hears ringback; answered: the two are bridged, the trunk
//                    leg through its echo canceller; a phone already
//                    off-hook or ringing: on_busy; nobody answers within
//                    ring_timeout: on_no_answer.
//   outside_number   the first free trunk of the route's list (all trunks by
//                    default) dials the number with call-progress analysis
//                    (TrunkOutbound); answered: bridged, both legs through
//                    their echo cancellers; busy: on_busy; anything else
//                    (no answer within ring_timeout, congestion, SIT, no dial
//                    tone, no free trunk): on_no_answer.
//   message          the prompt plays, then the appliance hangs up.
//   hang_up          the appliance hangs up at once.
// A fallback that names a menu sends the caller back into the menus. A
// bridged call ends when either side hangs up: the other side is hung up
// (a phone still off-hook hears congestion, ExtensionPort's rule).
//
// Configuration. Each call keeps the Config (and its prompts) it started
// with until it ends; reload() swaps in a new one for calls that start
// later. Spans and ports are read once, at construction: a reload that
// changes them is refused.
//
// Errors: the constructor throws ApplianceError (one line) for lines that
// cannot be opened (a DAHDI channel missing or of the wrong role) or
// prompts that cannot be played. tick() never throws: a failure inside one
// call (a prompt that went bad, a line refusing an action) ends that call,
// noted in its history, and the others go on. Not thread-safe: one thread
// owns the appliance (the daemon's event loop).

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "ivrd/driver/sim_card.hpp"
#include "ivrd/dsp/echo_canceller.hpp"
#include "ivrd/ivr/config.hpp"
#include "ivrd/ivr/menu_session.hpp"

namespace ivrd::ivr {

class ApplianceError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

enum class LineBackend : uint8_t { sim, dahdi };

struct CallInfo;

struct ApplianceOptions {
  // Run every span on the simulated card, dahdi spans included (ivrd --sim,
  // and the daemon's fallback when there is no /dev/dahdi).
  bool all_sim = false;
  std::string dahdi_dir = "/dev/dahdi";
  // The local wall-clock time at `now_ms` on the appliance's clock, for
  // calendars and the built-in variables `now` and `today`. Default: the
  // system clock in the process's time zone, whatever now_ms is.
  std::function<std::chrono::local_seconds(uint64_t now_ms)> local_time;
  // Ended calls kept with their whole history (ended_calls()).
  size_t ended_calls_kept = 256;
  // Caller rules of kind `lookup`: the fields of `number`'s entry in the
  // store's `directory`, or nothing. Unset: such rules never match.
  std::function<std::optional<PromptVariables>(std::string_view directory, std::string_view number)>
      directory_lookup;
  // Called once for every call that ends, with its whole record (the store
  // writes it as a call record).
  std::function<void(const CallInfo&)> call_ended;
};

enum class CallState : uint8_t {
  menu,      // in the menus (prompts, keys)
  message,   // playing a message before hanging up
  ringing,   // ringing an extension; the caller hears ringback
  dialling,  // dialling an outside number; the caller hears ringback
  bridged,   // talking to the extension or the outside number
  ended,
};
std::string_view call_state_name(CallState state) noexcept;

// One step of a call, for people and tests: "answered", "menu", "greeting",
// "prompt", "key", "entry", "no_input", "invalid", "route", "ring",
// "answered_by", "busy", "no_answer", "dial", "progress", "bridged",
// "hung_up", "error".
struct CallNote {
  uint64_t ms = 0;  // since the call was answered
  std::string what;
  std::string detail;
};

struct EchoSummary {
  float erle_db = 0.0f;
  float erl_db = 0.0f;
  float residual_dbm0 = -100.0f;
  float delay_ms = 0.0f;
  std::string talk;
  std::string nlp;
};

struct CallInfo {
  std::string id;    // "c-1", "c-2", ... in the order calls were answered
  std::string line;  // the trunk port
  std::string caller_id;
  std::string caller_name;
  std::string language;
  CallState state = CallState::menu;
  std::string menu;           // the menu the caller is in, or was last in
  std::string route;          // the last route taken out of the menus
  std::string other_party;    // the extension or trunk port rung or bridged
  std::string entered;        // digits of an entry in progress
  std::string keys;           // every key the caller pressed, in order
  std::string end_reason;     // ended: why ("caller hung up", "message played", ...)
  uint64_t rang_ms = 0;       // the first ring, on the appliance's clock
  uint64_t answered_ms = 0;   // on the appliance's clock
  uint64_t duration_ms = 0;   // so far, or in all
  uint32_t generation = 0;    // of the configuration the call runs on
  PromptVariables variables;  // the call's variables now
  std::vector<CallNote> history;
  EchoSummary echo;  // of the trunk leg
  uint32_t digits_detected = 0;
};

struct PortInfo {
  std::string name;
  std::string span;
  PortRole role = PortRole::trunk;
  std::string label;
  std::string number;  // extension number
  std::string state;   // the signalling machine's state
  std::string call;    // id of the call on it, or empty
};

struct SpanInfo {
  std::string name;
  LineBackend backend = LineBackend::sim;
  std::string type;  // "analog", "T1", "E1"
  std::vector<std::string> alarms;
  size_t lines = 0;
  driver::SpanCounters counters;  // a digital span's error counters (zero for analog)
};

// What the appliance reports as it happens (for ivrctl monitor and logs).
struct ApplianceEvent {
  uint64_t ms = 0;
  std::string event;  // "ring", "caller_id", "answered", "key", "menu", "prompt",
                      // "route", "hangup", "alarm", "reload", "ringing_stopped"
  std::string line;
  std::string call;
  std::string detail;
};

class Appliance {
 public:
  Appliance(std::shared_ptr<const Config> config, ApplianceOptions options);
  ~Appliance();
  Appliance(const Appliance&) = delete;
  Appliance& operator=(const Appliance&) = delete;

  // One 20 ms tick (see the top of this file).
  void tick();
  // Whole ticks, rounded up.
  void run_ms(uint64_t ms);
  uint64_t now_ms() const noexcept;

  // Swaps in `config` for calls that start from now on, after loading its
  // prompts. Returns the problems (one line each) and changes nothing when
  // there are any: its spans or ports differ, or a prompt cannot be played.
  std::vector<std::string> reload(std::shared_ptr<const Config> config);
  const Config& config() const noexcept;
  uint32_t generation() const noexcept;

  // The simulated card and its ports by configuration name (nullptr when the
  // port is not simulated), to script callers and phones.
  driver::SimCard* sim_card() noexcept;
  driver::SimPort* sim_port(std::string_view name) noexcept;

  std::vector<SpanInfo> spans() const;
  std::vector<PortInfo> ports() const;
  // Copies of every call in progress, histories included (for ivrctl); the
  // daemon's tick asks only call_count().
  std::vector<CallInfo> calls() const;
  size_t call_count() const noexcept;
  std::optional<CallInfo> call(std::string_view id) const;
  // Calls that have ended, oldest first, with their whole history (the last
  // ApplianceOptions::ended_calls_kept of them).
  const std::deque<CallInfo>& ended_calls() const noexcept;
  // Hangs up a call in progress. False for an unknown id.
  bool hang_up(std::string_view id);

  // A technician's test tone: plays `tone` ("dial", "ringback", "busy",
  // "congestion", "sit", "disconnect") of tone zone `zone` on a port for
  // `seconds` (0.1-600) at -13 dBm0.
  //   trunk port      the port is seized (off-hook) and the tone sent to the
  //                   line at once; on-hook again when it ends.
  //   extension port  the phone rings; when it is lifted the tone plays, then
  //                   the phone hears congestion (hang up). Not lifted within
  //                   30 s: the tone is not played.
  // `started` is called once: with nothing when the tone starts, or with the
  // reason it will not. Throws ApplianceError at once for an unknown port,
  // zone or tone (message starting "unknown"), or a port in use ("busy").
  void play_test_tone(std::string_view port, std::string_view zone, std::string_view tone,
                      double seconds,
                      std::function<void(std::optional<std::string> problem)> started);

  // Called for every ApplianceEvent, in order, from tick().
  void on_event(std::function<void(const ApplianceEvent&)> listener);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace ivrd::ivr
