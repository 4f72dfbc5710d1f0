// The simulated card: its spans, loopback, fault injection and the tick that
// moves every port forward by one block.

#include "ivrd/driver/sim_card.hpp"

#include <stdexcept>
#include <string>

namespace ivrd::driver {

SimPort& SimSpan::port(size_t index) {
  if (index >= ports_.size()) {
    throw std::out_of_range("span " + name_ + " has no line " + std::to_string(index) +
                            " (it has " + std::to_string(ports_.size()) + ")");
  }
  return *ports_[index];
}

void SimSpan::set_alarms(SpanAlarms alarms) {
  if ((alarms.bits & ~SpanAlarms::kAll) != 0) {
    throw std::invalid_argument("span " + name_ + ": unknown alarm bits");
  }
  const bool was = alarms_.any();
  alarms_ = alarms;
  if (was == alarms_.any()) return;
  for (auto& port : ports_) {
    port->emit(alarms_.any() ? LineEventKind::alarm : LineEventKind::no_alarm, card_->now_sample());
  }
}

void SimSpan::add_errors(const SpanCounters& errors) noexcept {
  counters_.framing_errors += errors.framing_errors;
  counters_.crc4_errors += errors.crc4_errors;
  counters_.code_violations += errors.code_violations;
  counters_.ebit_errors += errors.ebit_errors;
  counters_.bipolar_violations += errors.bipolar_violations;
  counters_.errored_seconds += errors.errored_seconds;
}

SimCard::SimCard(const SimConfig& config) : config_(config) {
  if (config_.queue_blocks == 0) throw std::invalid_argument("sim card: queue_blocks must be > 0");
}

SimSpan& SimCard::add_span(std::string name, SpanType type, const std::vector<PortKind>& ports) {
  if (ports.empty()) throw std::invalid_argument("span " + name + " has no ports");
  auto span = std::make_unique<SimSpan>(std::move(name), type);
  span->card_ = this;
  for (size_t i = 0; i < ports.size(); ++i) {
    span->ports_.push_back(std::make_unique<SimPort>(
        *this, *span, span->name() + "/" + std::to_string(i + 1), ports[i]));
  }
  spans_.push_back(std::move(span));
  return *spans_.back();
}

SimSpan& SimCard::span(size_t index) {
  if (index >= spans_.size()) {
    throw std::out_of_range("the sim card has no span " + std::to_string(index));
  }
  return *spans_[index];
}

void SimCard::loopback(SimPort& a, SimPort& b) {
  if (&a == &b) throw std::invalid_argument(a.name() + ": cannot loop a port back to itself");
  if (a.loopback_ || b.loopback_) {
    throw std::invalid_argument((a.loopback_ ? a.name() : b.name()) + " is already in loopback");
  }
  a.loopback_ = &b;
  b.loopback_ = &a;
}

void SimCard::tick() {
  // Every port's transmit block first, so a loopback peer hears this tick's.
  for (auto& span : spans_) {
    for (auto& port : span->ports_) port->take_tx();
  }
  const uint64_t first = now_sample();
  for (auto& span : spans_) {
    for (auto& port : span->ports_) port->run_tick(first);
  }
  ++ticks_;
}

void SimCard::run_ms(uint64_t ms) {
  const uint64_t ticks = (ms_to_samples(ms) + kBlockSamples - 1) / kBlockSamples;
  for (uint64_t i = 0; i < ticks; ++i) tick();
}

}  // namespace ivrd::driver
