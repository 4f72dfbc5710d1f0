#pragma once
// The appliance's insides, shared by its source files (appliance.cpp: lines,
// the tick and queries; call_flow.cpp: what calls do).

#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "ivrd/driver/dahdi_card.hpp"
#include "ivrd/driver/extension_port.hpp"
#include "ivrd/driver/sim_card.hpp"
#include "ivrd/driver/trunk_inbound.hpp"
#include "ivrd/driver/trunk_outbound.hpp"
#include "ivrd/dsp/dtmf_detector.hpp"
#include "ivrd/dsp/echo_canceller.hpp"
#include "ivrd/dsp/tone_generator.hpp"
#include "ivrd/ivr/appliance.hpp"
#include "ivrd/ivr/menu_session.hpp"
#include "ivrd/ivr/prompt_library.hpp"
#include "ivrd/ivr/prompt_player.hpp"

namespace ivrd::ivr::engine {

// One loaded configuration with its prompts. Calls hold the one they
// started with.
struct Generation {
  std::shared_ptr<const Config> config;
  uint32_t number = 0;
  std::unique_ptr<Tts> tts;
  std::unique_ptr<PromptLibrary> prompts;
};

struct Call;

// A technician's test tone on a port (Appliance::play_test_tone).
struct TestTone {
  dsp::ToneGenerator generator;
  uint64_t blocks_left = 0;
  bool playing = false;     // extension: waiting for the phone until then
  uint64_t give_up_ms = 0;  // extension: not lifted by then
  std::function<void(std::optional<std::string>)> started;
};

// What every port of the appliance has, whatever its role.
struct PortSlot {
  std::string name;
  std::string span;
  std::string label;
  driver::Line* line = nullptr;
};

struct TrunkSlot : PortSlot {
  std::unique_ptr<driver::TrunkInbound> inbound;    // except while dialling out
  std::unique_ptr<driver::TrunkOutbound> outbound;  // while dialling out for a call
  Call* call = nullptr;                             // the caller on this trunk
  Call* dialling_for = nullptr;                     // the call this trunk dialled out for
  std::optional<dsp::CallerIdMessage> caller_id;    // of the call ringing in
  uint64_t ring_began_ms = 0;                       // of the call ringing in
  dsp::EchoCanceller echo;
  driver::Block last_tx{};  // the canceller's reference: the block last sent
  std::optional<TestTone> test_tone;
};

struct ExtensionSlot : PortSlot {
  std::string number;
  std::unique_ptr<driver::ExtensionPort> machine;
  Call* call = nullptr;  // the call ringing this phone or bridged to it
  std::optional<TestTone> test_tone;
};

struct Call {
  std::string id;
  std::shared_ptr<Generation> generation;
  TrunkSlot* trunk = nullptr;
  std::optional<MenuSession> session;
  size_t session_notes_copied = 0;
  PromptPlayer player;
  bool prompts_done_reported = true;
  bool lead_sent = false;  // the block of silence sent ahead of the first
  dsp::DtmfDetector dtmf;
  uint32_t digits_detected = 0;
  CallState state = CallState::menu;
  std::string caller_id;
  std::string caller_name;
  uint64_t rang_ms = 0;
  uint64_t answered_ms = 0;
  uint64_t ended_ms = 0;
  std::string route;
  std::string other_party;
  std::string keys;
  std::string end_reason;
  std::vector<CallNote> history;
  // Routes in progress.
  const Route* active_route = nullptr;
  ExtensionSlot* extension = nullptr;
  TrunkSlot* outside = nullptr;
  uint64_t ring_deadline_ms = 0;
  std::optional<dsp::ToneGenerator> ringback;

  const Config& config() const { return *generation->config; }
  const std::string& language() const;
};

}  // namespace ivrd::ivr::engine

namespace ivrd::ivr {

struct SpanEntry {
  std::string name;
  LineBackend backend = LineBackend::sim;
  driver::Span* span = nullptr;
};

struct Appliance::Impl {
  ApplianceOptions options;
  PromptCache cache{dsp::G711Law::ulaw};
  std::shared_ptr<engine::Generation> current;
  const dsp::ToneZone* zone = nullptr;

  std::unique_ptr<driver::SimCard> sim;
  std::optional<driver::DahdiCard> dahdi;
  std::vector<SpanEntry> spans;
  std::vector<std::unique_ptr<engine::TrunkSlot>> trunks;
  std::vector<std::unique_ptr<engine::ExtensionSlot>> extensions;
  std::map<std::string, driver::SimPort*, std::less<>> sim_ports;

  std::vector<std::unique_ptr<engine::Call>> calls;
  std::deque<CallInfo> ended;
  uint64_t ticks = 0;
  uint64_t next_call = 1;
  std::vector<std::function<void(const ApplianceEvent&)>> listeners;

  uint64_t now_ms() const noexcept { return ticks * 20; }
  std::chrono::local_seconds local_time() const;
  void emit(std::string event, const std::string& line, const std::string& call,
            std::string detail);

  // Set-up (appliance.cpp).
  void open_lines(const Config& config);
  std::shared_ptr<engine::Generation> load_generation(std::shared_ptr<const Config> config,
                                                      uint32_t number,
                                                      std::vector<std::string>& problems);

  // The tick (appliance.cpp).
  void run_trunk_events(engine::TrunkSlot& slot);
  void run_extension_events(engine::ExtensionSlot& slot);
  void run_media(engine::Call& call);
  void sweep_ended();
  void run_test_tones();

  // Calls (call_flow.cpp).
  void start_call(engine::TrunkSlot& slot);
  void carry_out_menu(engine::Call& call);
  void take_route(engine::Call& call, const std::string& route);
  void fall_back(engine::Call& call, const std::string& route, const std::string& why);
  void ring_extension(engine::Call& call, const ExtensionRoute& route);
  void dial_outside(engine::Call& call, const OutsideNumberRoute& route);
  // The phone rang and nobody lifted it (timeout, or its span in alarm).
  void not_answered(engine::Call& call);
  void on_key(engine::Call& call, char digit);
  void on_timers(engine::Call& call);
  void on_outbound_event(engine::TrunkSlot& slot, const driver::OutboundEvent& event);
  void on_extension_event(engine::ExtensionSlot& slot, const driver::ExtensionEvent& event);
  void end_call(engine::Call& call, std::string reason, bool hang_up_trunk);
  void release_outside(engine::TrunkSlot& slot);
  void note(engine::Call& call, std::string what, std::string detail);
  CallInfo info_of(const engine::Call& call) const;
  engine::ExtensionSlot* extension_for(const engine::Call& call, const ExtensionRoute& route);
};

}  // namespace ivrd::ivr
