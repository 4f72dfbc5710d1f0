#include "ivrd/ivr/appliance.hpp"

#include <algorithm>
#include <cmath>
#include <utility>

#include "engine/appliance_impl.hpp"
#include "engine/call_start.hpp"

namespace ivrd::ivr {

using engine::Call;
using engine::ExtensionSlot;
using engine::Generation;
using engine::TrunkSlot;

namespace {

// Long enough that the route's own ring_timeout (at most 600 s) always
// decides first.
constexpr uint32_t kExtensionMachineNoAnswerMs = 610'000;

std::vector<std::string> alarm_names(driver::SpanAlarms alarms) {
  using A = driver::SpanAlarms;
  std::vector<std::string> names;
  const std::pair<uint32_t, const char*> all[] = {
      {A::kRecover, "recover"}, {A::kLoopback, "loopback"}, {A::kYellow, "yellow"},
      {A::kRed, "red"},         {A::kBlue, "blue"},         {A::kNotOpen, "not_open"}};
  for (const auto& [bit, name] : all) {
    if (alarms.has(bit)) names.emplace_back(name);
  }
  return names;
}

// Spans and ports as the lines see them: a reload may change everything
// else, not these.
bool same_lines(const Config& a, const Config& b) {
  if (a.spans.size() != b.spans.size() || a.appliance.tone_zone != b.appliance.tone_zone) {
    return false;
  }
  for (size_t s = 0; s < a.spans.size(); ++s) {
    const SpanConfig& x = a.spans[s];
    const SpanConfig& y = b.spans[s];
    if (x.name != y.name || x.backend != y.backend || x.ports.size() != y.ports.size())
      return false;
    for (size_t p = 0; p < x.ports.size(); ++p) {
      const PortConfig& u = x.ports[p];
      const PortConfig& v = y.ports[p];
      if (u.name != v.name || u.role != v.role || u.channel != v.channel) return false;
    }
  }
  return true;
}

}  // namespace

std::string_view call_state_name(CallState state) noexcept {
  switch (state) {
    case CallState::menu: return "menu";
    case CallState::message: return "message";
    case CallState::ringing: return "ringing";
    case CallState::dialling: return "dialling";
    case CallState::bridged: return "bridged";
    case CallState::ended: return "ended";
  }
  return "?";
}

const std::string& engine::Call::language() const {
  const auto found = session->variables().find("language");
  return found != session->variables().end() ? found->second : config().speech.default_language;
}

std::chrono::local_seconds Appliance::Impl::local_time() const {
  return options.local_time ? options.local_time(now_ms()) : engine::system_local_time();
}

void Appliance::Impl::emit(std::string event, const std::string& line, const std::string& call,
                           std::string detail) {
  if (listeners.empty()) return;
  const ApplianceEvent happened{now_ms(), std::move(event), line, call, std::move(detail)};
  for (const auto& listener : listeners) listener(happened);
}

std::shared_ptr<Generation> Appliance::Impl::load_generation(std::shared_ptr<const Config> config,
                                                             uint32_t number,
                                                             std::vector<std::string>& problems) {
  auto generation = std::make_shared<Generation>();
  generation->config = std::move(config);
  generation->number = number;
  generation->tts = std::make_unique<Tts>(cache.law(), -18.0, generation->config->speech.rate_wpm);
  generation->prompts =
      std::make_unique<PromptLibrary>(generation->config, cache, *generation->tts);
  problems = generation->prompts->preload();
  return generation;
}

void Appliance::Impl::open_lines(const Config& config) {
  driver::TrunkInboundConfig inbound_config;
  inbound_config.tone_zone = config.appliance.tone_zone;
  driver::ExtensionPortConfig extension_config;
  extension_config.tone_zone = config.appliance.tone_zone;
  extension_config.no_answer_timeout_ms = kExtensionMachineNoAnswerMs;

  // DAHDI channels of every dahdi span are opened together.
  std::string channels;
  for (const SpanConfig& span : config.spans) {
    if (span.backend != SpanBackend::dahdi || options.all_sim) continue;
    for (const PortConfig& port : span.ports) {
      if (!channels.empty()) channels += ',';
      channels += std::to_string(*port.channel);
    }
  }
  if (!channels.empty()) {
    try {
      dahdi.emplace(driver::DahdiCard::open({options.dahdi_dir, channels}));
    } catch (const driver::DahdiError& error) {
      throw ApplianceError(error.what());
    }
  }

  for (const SpanConfig& span : config.spans) {
    std::vector<driver::Line*> lines;
    if (span.backend == SpanBackend::sim || options.all_sim) {
      if (!sim) sim = std::make_unique<driver::SimCard>();
      std::vector<driver::PortKind> kinds;
      for (const PortConfig& port : span.ports) {
        kinds.push_back(port.role == PortRole::trunk ? driver::PortKind::trunk
                                                     : driver::PortKind::extension);
      }
      driver::SimSpan& sim_span = sim->add_span(span.name, driver::SpanType::analog, kinds);
      spans.push_back(SpanEntry{span.name, LineBackend::sim, &sim_span});
      for (size_t i = 0; i < span.ports.size(); ++i) {
        driver::SimPort& port = sim_span.port(i);
        sim_ports.emplace(span.ports[i].name, &port);
        lines.push_back(&port);
      }
    } else {
      driver::Span* dahdi_span = nullptr;
      for (const PortConfig& port : span.ports) {
        driver::DahdiLine* line = dahdi->find_line(*port.channel);
        if (!line) {
          throw ApplianceError(config.file.string() + ":" + std::to_string(port.where.line) + ":" +
                               std::to_string(port.where.column) + ": error: DAHDI channel " +
                               std::to_string(*port.channel) + " of port '" + port.name +
                               "' was not opened");
        }
        const auto wanted =
            port.role == PortRole::trunk ? driver::PortKind::trunk : driver::PortKind::extension;
        if (line->kind() != wanted) {
          throw ApplianceError(config.file.string() + ":" + std::to_string(port.where.line) + ":" +
                               std::to_string(port.where.column) + ": error: DAHDI channel " +
                               std::to_string(*port.channel) + " is signalled " +
                               std::string(driver::dahdi_signalling_name(line->kind())) + ", a " +
                               std::string(driver::port_kind_name(line->kind())) +
                               " port, but port '" + port.name + "' is configured as a " +
                               std::string(port.role == PortRole::trunk ? "trunk" : "extension"));
        }
        for (size_t s = 0; s < dahdi->span_count() && !dahdi_span; ++s) {
          if (dahdi->span(s).number() == line->span_number()) dahdi_span = &dahdi->span(s);
        }
        lines.push_back(line);
      }
      spans.push_back(SpanEntry{span.name, LineBackend::dahdi, dahdi_span});
    }
    for (size_t i = 0; i < span.ports.size(); ++i) {
      const PortConfig& port = span.ports[i];
      const engine::PortSlot identity{port.name, span.name, port.label, lines[i]};
      if (port.role == PortRole::trunk) {
        auto slot = std::make_unique<TrunkSlot>();
        static_cast<engine::PortSlot&>(*slot) = identity;
        slot->inbound = std::make_unique<driver::TrunkInbound>(*lines[i], inbound_config);
        trunks.push_back(std::move(slot));
      } else {
        auto slot = std::make_unique<ExtensionSlot>();
        static_cast<engine::PortSlot&>(*slot) = identity;
        slot->number = port.number;
        slot->machine = std::make_unique<driver::ExtensionPort>(*lines[i], extension_config);
        extensions.push_back(std::move(slot));
      }
    }
  }
}

Appliance::Appliance(std::shared_ptr<const Config> config, ApplianceOptions options)
    : impl_(std::make_unique<Impl>()) {
  impl_->options = std::move(options);
  impl_->zone = dsp::find_tone_zone(config->appliance.tone_zone);
  if (!impl_->zone) {
    throw ApplianceError(config->file.string() + ": error: unknown tone zone '" +
                         config->appliance.tone_zone + "'");
  }
  std::vector<std::string> problems;
  impl_->current = impl_->load_generation(std::move(config), 1, problems);
  if (!problems.empty()) throw ApplianceError(problems.front());
  impl_->open_lines(*impl_->current->config);
}

Appliance::~Appliance() = default;

void Appliance::tick() {
  Impl& a = *impl_;
  if (a.sim) a.sim->tick();
  ++a.ticks;
  for (auto& slot : a.trunks) a.run_trunk_events(*slot);
  for (auto& slot : a.extensions) a.run_extension_events(*slot);
  a.run_test_tones();
  // Every call's DSP in one pass, after every line has been read.
  for (auto& call : a.calls) {
    if (call->state != CallState::ended) a.run_media(*call);
  }
  for (auto& call : a.calls) {
    if (call->state != CallState::ended) a.on_timers(*call);
  }
  a.sweep_ended();
}

void Appliance::run_ms(uint64_t ms) {
  for (uint64_t t = 0; t < (ms + 19) / 20; ++t) tick();
}

uint64_t Appliance::now_ms() const noexcept { return impl_->now_ms(); }

void Appliance::Impl::run_trunk_events(TrunkSlot& slot) {
  if (slot.outbound) {
    slot.outbound->tick();
    // An event may end the outside call, which gives the port back to the
    // inbound machine.
    while (slot.outbound) {
      const auto event = slot.outbound->next_event();
      if (!event) break;
      on_outbound_event(slot, *event);
    }
    return;
  }
  slot.inbound->tick();
  while (auto event = slot.inbound->next_event()) {
    switch (event->kind) {
      case driver::TrunkEventKind::incoming_call:
        slot.caller_id.reset();
        slot.ring_began_ms = now_ms();
        emit("ring", slot.name, "", "");
        break;
      case driver::TrunkEventKind::caller_id: {
        slot.caller_id = event->caller_id;
        const auto& id = event->caller_id;
        emit("caller_id", slot.name, "",
             id.valid ? std::string(id.number.view()) + " " + std::string(id.name.view())
                      : std::string("invalid message"));
        break;
      }
      case driver::TrunkEventKind::answered: start_call(slot); break;
      case driver::TrunkEventKind::ringing_stopped:
        slot.caller_id.reset();
        emit("ringing_stopped", slot.name, "", "");
        break;
      case driver::TrunkEventKind::far_end_hung_up:
        if (slot.call) {
          end_call(
              *slot.call,
              "caller hung up (" + std::string(driver::hang_up_reason_name(event->reason)) + ")",
              false);
        }
        break;
    }
  }
}

void Appliance::Impl::run_extension_events(ExtensionSlot& slot) {
  slot.machine->tick();
  while (auto event = slot.machine->next_event()) on_extension_event(slot, *event);
}

void Appliance::Impl::run_media(Call& call) {
  TrunkSlot& trunk = *call.trunk;
  const size_t received = trunk.inbound->audio().size();
  for (const driver::Block& block : trunk.inbound->audio()) {
    driver::Block rx = block;
    trunk.echo.process(trunk.last_tx, rx);
    if (call.state == CallState::menu) {
      char keys[8];
      size_t count = 0;
      call.dtmf.rx(rx, [&](const dsp::DtmfEvent& event) {
        if (event.kind == dsp::DtmfEventKind::begin && count < sizeof keys) {
          keys[count++] = event.digit;
        }
      });
      for (size_t k = 0; k < count && call.state == CallState::menu; ++k) on_key(call, keys[k]);
    }
    if (call.state == CallState::bridged) {
      if (call.extension) {
        call.extension->machine->write(rx);
      } else if (call.outside) {
        call.outside->line->write(rx);
        call.outside->last_tx = rx;
      }
    }
  }
  if (call.state == CallState::ended) return;
  if (trunk.inbound->state() != driver::TrunkInboundState::connected) return;

  const auto send = [&](const driver::Block& block) {
    trunk.line->write(block);
    trunk.last_tx = block;
  };
  // One block of silence ahead of the first: a tick that comes late then
  // finds the line's transmit buffer still holding audio instead of running
  // dry (a DAHDI channel would play a gap).
  if (!call.lead_sent) {
    call.lead_sent = true;
    send(driver::Block{});
  }
  // As many blocks as the line delivered: the card's clock paces what is
  // sent, not the loop's timer.
  driver::Block tx{};
  switch (call.state) {
    case CallState::menu:
    case CallState::message:
      for (size_t i = 0; i < received; ++i) {
        call.player.tx(tx);
        send(tx);
      }
      break;
    case CallState::ringing:
    case CallState::dialling:
      for (size_t i = 0; i < received; ++i) {
        tx.fill(0);
        if (call.ringback) call.ringback->tx(tx);
        send(tx);
      }
      break;
    case CallState::bridged:
      // The other party's blocks as they came, at the other line's pace.
      if (call.extension) {
        for (const driver::Block& block : call.extension->machine->audio()) send(block);
      } else if (call.outside && call.outside->outbound) {
        for (const driver::Block& block : call.outside->outbound->audio()) {
          driver::Block far = block;
          call.outside->echo.process(call.outside->last_tx, far);
          send(far);
        }
      }
      break;
    case CallState::ended: return;
  }
  if ((call.state == CallState::menu || call.state == CallState::message) &&
      !call.prompts_done_reported && call.player.state() != PlayerState::playing) {
    call.prompts_done_reported = true;
    if (call.state == CallState::message) {
      end_call(call, "message played", true);
    } else {
      call.session->prompts_done(now_ms());
      carry_out_menu(call);
    }
  }
}

void Appliance::Impl::sweep_ended() {
  std::erase_if(calls,
                [](const std::unique_ptr<Call>& call) { return call->state == CallState::ended; });
}

std::vector<std::string> Appliance::reload(std::shared_ptr<const Config> config) {
  Impl& a = *impl_;
  std::vector<std::string> problems;
  if (!same_lines(*a.current->config, *config)) {
    problems.push_back(config->file.string() +
                       ": error: spans, ports or the tone zone differ from the running "
                       "configuration; they change only when ivrd restarts");
    return problems;
  }
  auto generation = a.load_generation(std::move(config), a.current->number + 1, problems);
  if (!problems.empty()) return problems;
  a.current = std::move(generation);
  a.emit("reload", "", "", "generation " + std::to_string(a.current->number));
  return problems;
}

const Config& Appliance::config() const noexcept { return *impl_->current->config; }
uint32_t Appliance::generation() const noexcept { return impl_->current->number; }

driver::SimCard* Appliance::sim_card() noexcept { return impl_->sim.get(); }

driver::SimPort* Appliance::sim_port(std::string_view name) noexcept {
  const auto found = impl_->sim_ports.find(name);
  return found == impl_->sim_ports.end() ? nullptr : found->second;
}

std::vector<SpanInfo> Appliance::spans() const {
  std::vector<SpanInfo> out;
  for (const SpanEntry& entry : impl_->spans) {
    SpanInfo info;
    info.name = entry.name;
    info.backend = entry.backend;
    if (entry.span) {
      info.type = std::string(driver::span_type_name(entry.span->type()));
      info.alarms = alarm_names(entry.span->alarms());
      info.lines = entry.span->line_count();
      info.counters = entry.span->counters();
    }
    out.push_back(std::move(info));
  }
  return out;
}

std::vector<PortInfo> Appliance::ports() const {
  std::vector<PortInfo> out;
  for (const auto& slot : impl_->trunks) {
    PortInfo info{slot->name, slot->span, PortRole::trunk, slot->label, "", "", ""};
    info.state =
        slot->outbound
            ? "outbound " + std::string(driver::trunk_outbound_state_name(slot->outbound->state()))
            : std::string(driver::trunk_inbound_state_name(slot->inbound->state()));
    if (slot->call) info.call = slot->call->id;
    if (slot->dialling_for) info.call = slot->dialling_for->id;
    out.push_back(std::move(info));
  }
  for (const auto& slot : impl_->extensions) {
    PortInfo info{slot->name, slot->span, PortRole::extension, slot->label, slot->number, "", ""};
    info.state = std::string(driver::extension_state_name(slot->machine->state()));
    if (slot->call) info.call = slot->call->id;
    out.push_back(std::move(info));
  }
  return out;
}

std::vector<CallInfo> Appliance::calls() const {
  std::vector<CallInfo> out;
  for (const auto& call : impl_->calls) out.push_back(impl_->info_of(*call));
  return out;
}

std::optional<CallInfo> Appliance::call(std::string_view id) const {
  for (const auto& call : impl_->calls) {
    if (call->id == id) return impl_->info_of(*call);
  }
  for (const CallInfo& ended : impl_->ended) {
    if (ended.id == id) return ended;
  }
  return std::nullopt;
}

size_t Appliance::call_count() const noexcept { return impl_->calls.size(); }

const std::deque<CallInfo>& Appliance::ended_calls() const noexcept { return impl_->ended; }

bool Appliance::hang_up(std::string_view id) {
  for (auto& call : impl_->calls) {
    if (call->id == id && call->state != CallState::ended) {
      impl_->end_call(*call, "hung up by a technician", true);
      impl_->sweep_ended();
      return true;
    }
  }
  return false;
}

void Appliance::Impl::run_test_tones() {
  driver::Block block{};
  for (auto& slot : trunks) {
    if (!slot->test_tone) continue;
    engine::TestTone& tone = *slot->test_tone;
    tone.generator.tx(block);
    slot->line->write(block);
    if (--tone.blocks_left == 0) {
      slot->line->hang_up();
      emit("test_tone", slot->name, "", "ended");
      slot->test_tone.reset();
    }
  }
  for (auto& slot : extensions) {
    if (!slot->test_tone) continue;
    engine::TestTone& tone = *slot->test_tone;
    const driver::ExtensionState state = slot->machine->state();
    if (!tone.playing) {
      if (state == driver::ExtensionState::in_call) {
        tone.playing = true;
        emit("test_tone", slot->name, "", "playing");
        if (tone.started) tone.started(std::nullopt);
      } else if (state != driver::ExtensionState::ringing || now_ms() >= tone.give_up_ms) {
        slot->machine->stop_ringing();
        if (tone.started) tone.started(slot->name + ": the phone was not lifted within 30 s");
        slot->test_tone.reset();
      }
      continue;
    }
    if (state != driver::ExtensionState::in_call) {  // hung up before the end
      slot->test_tone.reset();
      continue;
    }
    tone.generator.tx(block);
    slot->machine->write(block);
    if (--tone.blocks_left == 0) {
      slot->machine->end_call();
      emit("test_tone", slot->name, "", "ended");
      slot->test_tone.reset();
    }
  }
}

void Appliance::play_test_tone(std::string_view port, std::string_view zone_code,
                               std::string_view tone_name, double seconds,
                               std::function<void(std::optional<std::string>)> started) {
  Impl& a = *impl_;
  const dsp::ToneZone* zone = dsp::find_tone_zone(zone_code);
  if (!zone) throw ApplianceError("unknown tone zone '" + std::string(zone_code) + "'");
  const auto kind = dsp::tone_from_name(tone_name);
  if (!kind || !zone->tone(*kind).defined()) {
    throw ApplianceError("unknown tone '" + std::string(tone_name) + "' in zone '" +
                         std::string(zone_code) +
                         "' (dial, ringback, busy, congestion, sit, disconnect)");
  }
  if (!(seconds >= 0.1 && seconds <= 600.0)) {
    throw ApplianceError("a test tone lasts 0.1 to 600 s, not " + std::to_string(seconds));
  }
  constexpr float kTestToneDbm0 = -13.0f;
  engine::TestTone tone{dsp::ToneGenerator(*zone, *kind, kTestToneDbm0),
                        static_cast<uint64_t>(std::ceil(seconds * 50.0)), false, 0,
                        std::move(started)};
  for (auto& slot : a.trunks) {
    if (slot->name != port) continue;
    if (slot->call || slot->dialling_for || !slot->inbound || slot->test_tone ||
        slot->inbound->state() != driver::TrunkInboundState::idle) {
      throw ApplianceError("busy: trunk port '" + slot->name + "' is in use");
    }
    try {
      slot->line->seize();
    } catch (const driver::LineError& error) {
      throw ApplianceError(std::string("busy: ") + error.what());
    }
    tone.playing = true;
    slot->test_tone.emplace(std::move(tone));
    a.emit("test_tone", slot->name, "", std::string(zone_code) + "/" + std::string(tone_name));
    if (slot->test_tone->started) slot->test_tone->started(std::nullopt);
    return;
  }
  for (auto& slot : a.extensions) {
    if (slot->name != port) continue;
    if (slot->call || slot->test_tone || slot->machine->state() != driver::ExtensionState::idle) {
      throw ApplianceError("busy: extension port '" + slot->name + "' is in use");
    }
    if (slot->machine->ring() != driver::RingResult::ringing) {
      throw ApplianceError("busy: extension port '" + slot->name + "' cannot ring now");
    }
    tone.give_up_ms = a.now_ms() + 30000;
    slot->test_tone.emplace(std::move(tone));
    a.emit("test_tone", slot->name, "",
           "ringing for " + std::string(zone_code) + "/" + std::string(tone_name));
    return;
  }
  throw ApplianceError("unknown port '" + std::string(port) + "'");
}

void Appliance::on_event(std::function<void(const ApplianceEvent&)> listener) {
  impl_->listeners.push_back(std::move(listener));
}

}  // namespace ivrd::ivr
