// What calls do: how one starts, what the menus' actions become, the routes
// (ringing an extension, dialling out, a message), and how a call ends.

#include <algorithm>
#include <cstdio>
#include <utility>

#include "ivrd/ivr/sim_calls.hpp"

#include "engine/appliance_impl.hpp"
#include "engine/call_start.hpp"

namespace ivrd::ivr {

using engine::Call;
using engine::ExtensionSlot;
using engine::TrunkSlot;

namespace {

constexpr float kRingbackLevelDbm0 = -18.0f;

// What a trunk dials: the route's number without the '+' of international
// notation (an analog line dials the prefix the number is written with);
// ',' stays, a 2 s pause for the trunk dialler.
std::string dialable(std::string_view number) {
  std::string out;
  for (const char c : number) {
    if (c != '+') out.push_back(c);
  }
  return out;
}

}  // namespace

void Appliance::Impl::note(Call& call, std::string what, std::string detail) {
  const uint64_t at = now_ms() - call.answered_ms;
  emit(what, call.trunk->name, call.id, detail);
  call.history.push_back(CallNote{at, std::move(what), std::move(detail)});
}

void Appliance::Impl::start_call(TrunkSlot& slot) {
  auto owned = std::make_unique<Call>();
  Call& call = *owned;
  call.id = "c-" + std::to_string(next_call++);
  call.generation = current;
  call.trunk = &slot;
  call.answered_ms = now_ms();
  call.rang_ms = std::min(slot.ring_began_ms, call.answered_ms);
  if (slot.caller_id && slot.caller_id->valid) {
    call.caller_id = std::string(slot.caller_id->number.view());
    call.caller_name = std::string(slot.caller_id->name.view());
  }
  slot.caller_id.reset();
  slot.call = &call;
  slot.echo.reset();
  slot.last_tx = {};
  calls.push_back(std::move(owned));

  const Config& config = call.config();
  const auto when = local_time();
  PromptVariables variables =
      engine::builtin_variables(config, call.caller_id, call.caller_name, when);
  const auto rule = engine::match_caller_rule(config, call.caller_id, options.directory_lookup);
  if (rule) {
    for (const auto& [name, value] : rule->variables) variables[name] = value;
    call.caller_name = variables["caller_name"];
  }
  const std::string& menu = engine::answering_menu(config, when);
  call.session.emplace(config, menu, std::move(variables));
  note(call, "answered",
       (call.caller_id.empty() ? std::string("no caller ID") : "from " + call.caller_id) +
           (call.caller_name.empty() ? "" : " (" + call.caller_name + ")") + ", configuration " +
           std::to_string(call.generation->number));
  if (rule) {
    note(call, "caller_rule",
         "line " + std::to_string(rule->rule->where.line) +
             (rule->rule->route.empty() ? "" : ", straight to " + rule->rule->route));
  }
  if (rule && !rule->rule->route.empty()) {
    call.session->take_route(rule->rule->route, now_ms());
  } else {
    call.session->start(now_ms());
  }
  carry_out_menu(call);
}

void Appliance::Impl::carry_out_menu(Call& call) {
  MenuSession& session = *call.session;
  while (auto action = session.next_action()) {
    // The session's own notes first, so the history reads in order.
    const auto& notes = session.history();
    for (; call.session_notes_copied < notes.size(); ++call.session_notes_copied) {
      const MenuNote& n = notes[call.session_notes_copied];
      note(call, n.what, n.detail);
    }
    switch (action->kind) {
      case MenuActionKind::play: {
        PromptSequence sequence;
        std::string said;
        try {
          for (const std::string& name : action->prompts) {
            for (auto& audio :
                 call.generation->prompts->resolve(name, call.language(), session.variables())) {
              sequence.push_back(std::move(audio));
            }
            if (!said.empty()) said += " | ";
            said += call.generation->prompts->describe(name, call.language(), session.variables());
          }
        } catch (const std::exception& error) {
          note(call, "error", error.what());
          end_call(call, std::string("prompt failed: ") + error.what(), true);
          return;
        }
        call.player.play(sequence);
        call.prompts_done_reported = false;
        note(call, "prompt", said);
        break;
      }
      case MenuActionKind::stop:
        call.player.stop();
        call.prompts_done_reported = true;
        break;
      case MenuActionKind::leave: take_route(call, action->route); break;
    }
    if (call.state == CallState::ended) return;
  }
  const auto& notes = session.history();
  for (; call.session_notes_copied < notes.size(); ++call.session_notes_copied) {
    const MenuNote& n = notes[call.session_notes_copied];
    note(call, n.what, n.detail);
  }
}

void Appliance::Impl::take_route(Call& call, const std::string& name) {
  const Config& config = call.config();
  call.route = name;
  const auto found = config.routes.find(name);
  if (found == config.routes.end()) {
    // The loader defines every route the file names; only the built-in
    // hang_up (the loop guard's default) may be absent.
    end_call(call,
             name == "hang_up" ? "hung up by route 'hang_up'" : "unknown route '" + name + "'",
             true);
    return;
  }
  const Route& route = found->second;
  call.active_route = &route;
  call.player.stop();
  call.prompts_done_reported = true;
  switch (route.kind()) {
    case RouteKind::menu:
      call.state = CallState::menu;
      call.session->take_route(name, now_ms());
      carry_out_menu(call);
      return;
    case RouteKind::message_then_hang_up: {
      const auto& message = std::get<MessageThenHangUpRoute>(route.target).message;
      if (message.empty()) {
        end_call(call, "hung up by route '" + name + "'", true);
        return;
      }
      try {
        call.player.play(
            call.generation->prompts->resolve(message, call.language(), call.session->variables()));
      } catch (const std::exception& error) {
        end_call(call, std::string("prompt failed: ") + error.what(), true);
        return;
      }
      call.prompts_done_reported = false;
      call.state = CallState::message;
      note(call, "prompt",
           call.generation->prompts->describe(message, call.language(), call.session->variables()));
      return;
    }
    case RouteKind::extension: ring_extension(call, std::get<ExtensionRoute>(route.target)); return;
    case RouteKind::outside_number:
      dial_outside(call, std::get<OutsideNumberRoute>(route.target));
      return;
  }
}

void Appliance::Impl::fall_back(Call& call, const std::string& route, const std::string& why) {
  note(call, why, "then " + route);
  if (call.ringback) call.ringback.reset();
  take_route(call, route);
}

ExtensionSlot* Appliance::Impl::extension_for(const Call& call, const ExtensionRoute& route) {
  std::string wanted_number;
  if (!route.number_variable.empty()) {
    const auto value = call.session->variables().find(route.number_variable);
    if (value == call.session->variables().end()) return nullptr;
    wanted_number = value->second;
  }
  for (auto& slot : extensions) {
    if (route.number_variable.empty() ? slot->name == route.port
                                      : (!slot->number.empty() && slot->number == wanted_number)) {
      return slot.get();
    }
  }
  return nullptr;
}

void Appliance::Impl::ring_extension(Call& call, const ExtensionRoute& route) {
  ExtensionSlot* slot = extension_for(call, route);
  if (!slot) {
    fall_back(call, route.on_no_answer, "no_such_extension");
    return;
  }
  if (slot->call) {
    fall_back(call, route.on_busy, "busy");
    return;
  }
  dsp::CallerIdMessage caller_id;
  caller_id.format = caller_id_format_for_zone(call.config().appliance.tone_zone);
  if (call.caller_id.empty()) {
    caller_id.absence = dsp::CallerIdAbsence::out_of_area;
  } else {
    caller_id.number = call.caller_id;
  }
  if (!call.caller_name.empty()) caller_id.name = call.caller_name;
  {
    const auto when = local_time();
    const auto day = std::chrono::floor<std::chrono::days>(when);
    const std::chrono::year_month_day ymd{day};
    const auto minutes = std::chrono::duration_cast<std::chrono::minutes>(when - day).count();
    char stamp[16];
    std::snprintf(stamp, sizeof stamp, "%02u%02u%02d%02d", static_cast<unsigned>(ymd.month()) % 100,
                  static_cast<unsigned>(ymd.day()) % 100, static_cast<int>(minutes / 60 % 24),
                  static_cast<int>(minutes % 60));
    caller_id.datetime = stamp;
  }
  driver::RingResult result = driver::RingResult::line_alarm;
  try {
    result = slot->machine->ring(caller_id);
  } catch (const std::exception& error) {
    note(call, "error", error.what());
  }
  switch (result) {
    case driver::RingResult::ringing: break;
    case driver::RingResult::phone_off_hook:
    case driver::RingResult::already_ringing: fall_back(call, route.on_busy, "busy"); return;
    case driver::RingResult::line_alarm: fall_back(call, route.on_no_answer, "no_answer"); return;
  }
  slot->call = &call;
  call.extension = slot;
  call.other_party = slot->name;
  call.state = CallState::ringing;
  call.ring_deadline_ms = now_ms() + static_cast<uint64_t>(route.ring_timeout.count()) * 1000;
  call.ringback.emplace(*zone, dsp::CallProgressTone::ringback, kRingbackLevelDbm0);
  note(call, "ring", slot->name + (slot->number.empty() ? "" : " (" + slot->number + ")"));
}

void Appliance::Impl::dial_outside(Call& call, const OutsideNumberRoute& route) {
  TrunkSlot* chosen = nullptr;
  const auto free = [&](const TrunkSlot& slot) {
    return &slot != call.trunk && !slot.call && !slot.dialling_for && slot.inbound &&
           slot.inbound->state() == driver::TrunkInboundState::idle;
  };
  if (route.trunks.empty()) {
    for (auto& slot : trunks) {
      if (free(*slot)) {
        chosen = slot.get();
        break;
      }
    }
  } else {
    for (const std::string& name : route.trunks) {
      for (auto& slot : trunks) {
        if (slot->name == name && free(*slot)) chosen = slot.get();
      }
      if (chosen) break;
    }
  }
  if (!chosen) {
    fall_back(call, route.on_no_answer, "no_free_trunk");
    return;
  }
  driver::TrunkOutboundConfig outbound_config;
  outbound_config.tone_zone = call.config().appliance.tone_zone;
  outbound_config.dial_tone = driver::DialToneHandling::prefer;
  outbound_config.no_answer_timeout_ms = static_cast<uint32_t>(route.ring_timeout.count()) * 1000;
  const uint64_t line_sample = chosen->inbound->now_sample();
  chosen->inbound.reset();
  chosen->outbound =
      std::make_unique<driver::TrunkOutbound>(*chosen->line, outbound_config, line_sample);
  chosen->dialling_for = &call;
  chosen->echo.reset();
  chosen->last_tx = {};
  call.outside = chosen;
  call.other_party = chosen->name;
  call.state = CallState::dialling;
  call.ringback.emplace(*zone, dsp::CallProgressTone::ringback, kRingbackLevelDbm0);
  const std::string number = dialable(route.number);
  note(call, "dial", number + " on " + chosen->name);
  bool started = false;
  try {
    started = chosen->outbound->dial(number);
  } catch (const std::exception& error) {
    note(call, "error", error.what());
  }
  if (!started) {
    release_outside(*chosen);
    call.outside = nullptr;
    fall_back(call, route.on_no_answer, "dial_failed");
  }
}

void Appliance::Impl::release_outside(TrunkSlot& slot) {
  if (!slot.outbound) return;
  slot.outbound->hang_up();
  driver::TrunkInboundConfig inbound_config;
  inbound_config.tone_zone = current->config->appliance.tone_zone;
  slot.inbound = std::make_unique<driver::TrunkInbound>(*slot.line, inbound_config,
                                                        slot.outbound->now_sample());
  slot.outbound.reset();
  slot.dialling_for = nullptr;
}

void Appliance::Impl::on_outbound_event(TrunkSlot& slot, const driver::OutboundEvent& event) {
  Call* call = slot.dialling_for;
  if (!call) return;
  const auto* route =
      call->active_route ? std::get_if<OutsideNumberRoute>(&call->active_route->target) : nullptr;
  switch (event.kind) {
    case driver::OutboundEventKind::dial_tone:
    case driver::OutboundEventKind::dialling:
    case driver::OutboundEventKind::dialled:
    case driver::OutboundEventKind::ringback:
      note(*call, "progress", std::string(driver::outbound_event_name(event.kind)));
      return;
    case driver::OutboundEventKind::answered:
      call->state = CallState::bridged;
      call->ringback.reset();
      note(*call, "bridged",
           slot.name + " (answer by " + std::string(driver::answer_detection_name(event.answer)) +
               ")");
      return;
    case driver::OutboundEventKind::failed: {
      const std::string result(driver::outbound_result_name(event.result));
      release_outside(slot);
      call->outside = nullptr;
      if (!route) {
        end_call(*call, "outside call failed: " + result, true);
      } else if (event.result == driver::OutboundResult::busy) {
        fall_back(*call, route->on_busy, "busy");
      } else {
        fall_back(*call, route->on_no_answer, result);
      }
      return;
    }
    case driver::OutboundEventKind::far_end_hung_up:
      end_call(
          *call,
          "outside party hung up (" + std::string(driver::hang_up_reason_name(event.reason)) + ")",
          true);
      return;
  }
}

void Appliance::Impl::on_extension_event(ExtensionSlot& slot, const driver::ExtensionEvent& event) {
  using Kind = driver::ExtensionEventKind;
  Call* call = slot.call;
  switch (event.kind) {
    case Kind::answered:
      if (call && call->state == CallState::ringing) {
        call->state = CallState::bridged;
        call->ringback.reset();
        note(*call, "bridged", slot.name);
      }
      return;
    case Kind::hung_up:
    case Kind::alarm:
      if (call && call->state == CallState::bridged) {
        end_call(*call, slot.name + (event.kind == Kind::alarm ? " went into alarm" : " hung up"),
                 true);
      } else if (call && call->state == CallState::ringing && event.kind == Kind::alarm) {
        not_answered(*call);
      }
      return;
    case Kind::no_answer:
      if (call && call->state == CallState::ringing) not_answered(*call);
      return;
    case Kind::number_dialled:
      // Calls from the phones are not routed by this version: the phone
      // hears congestion, as from an exchange with no route for the number.
      emit("dialled", slot.name, "", event.digits);
      slot.machine->end_call();
      return;
    case Kind::off_hook:
    case Kind::congestion:
    case Kind::lockout:
    case Kind::flash:
    case Kind::alarm_cleared: return;
  }
}

void Appliance::Impl::not_answered(Call& call) {
  call.extension->call = nullptr;
  call.extension = nullptr;
  const auto& route = std::get<ExtensionRoute>(call.active_route->target);
  fall_back(call, route.on_no_answer, "no_answer");
}

void Appliance::Impl::on_key(Call& call, char digit) {
  ++call.digits_detected;
  call.keys.push_back(digit);
  call.session->key(digit, now_ms());
  carry_out_menu(call);
}

void Appliance::Impl::on_timers(Call& call) {
  switch (call.state) {
    case CallState::menu:
      call.session->tick(now_ms());
      carry_out_menu(call);
      return;
    case CallState::ringing:
      if (now_ms() >= call.ring_deadline_ms && call.extension) {
        // Refused when the phone was lifted in the same instant: the answer wins.
        if (!call.extension->machine->stop_ringing()) return;
        not_answered(call);
      }
      return;
    default: return;
  }
}

void Appliance::Impl::end_call(Call& call, std::string reason, bool hang_up_trunk) {
  if (call.state == CallState::ended) return;
  TrunkSlot& trunk = *call.trunk;
  if (hang_up_trunk) trunk.inbound->hang_up();
  if (call.extension) {
    ExtensionSlot& slot = *call.extension;
    if (call.state == CallState::ringing) {
      slot.machine->stop_ringing();
    } else if (call.state == CallState::bridged) {
      slot.machine->end_call();
    }
    slot.call = nullptr;
    call.extension = nullptr;
  }
  if (call.outside) {
    release_outside(*call.outside);
    call.outside = nullptr;
  }
  call.player.stop();
  call.ringback.reset();
  trunk.call = nullptr;
  call.end_reason = reason;
  note(call, "hung_up", reason);
  call.ended_ms = now_ms();
  call.state = CallState::ended;
  ended.push_back(info_of(call));
  while (ended.size() > options.ended_calls_kept) ended.pop_front();
  if (options.call_ended) options.call_ended(ended.back());
}

CallInfo Appliance::Impl::info_of(const Call& call) const {
  CallInfo info;
  info.id = call.id;
  info.line = call.trunk->name;
  info.caller_id = call.caller_id;
  info.caller_name = call.caller_name;
  info.language = call.language();
  info.state = call.state;
  info.menu = call.session->menu();
  info.route = call.route;
  info.other_party = call.other_party;
  info.entered = call.session->entered_digits();
  info.keys = call.keys;
  info.end_reason = call.end_reason;
  info.rang_ms = call.rang_ms;
  info.answered_ms = call.answered_ms;
  info.duration_ms = (call.state == CallState::ended ? call.ended_ms : now_ms()) - call.answered_ms;
  info.generation = call.generation->number;
  info.variables = call.session->variables();
  info.history = call.history;
  const dsp::EchoCancellerMetrics& echo = call.trunk->echo.metrics();
  info.echo = EchoSummary{echo.erle_db,
                          echo.erl_db,
                          echo.residual_echo_dbm0,
                          echo.echo_delay_ms,
                          std::string(dsp::talk_state_name(echo.talk_state)),
                          std::string(dsp::nlp_state_name(echo.nlp_state))};
  info.digits_detected = call.digits_detected;
  return info;
}

}  // namespace ivrd::ivr
