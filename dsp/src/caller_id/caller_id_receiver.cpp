// Both FSK demodulators and the DTMF path on one stream; when both
// demodulators decode the same burst, the better frequency fit names the
// modem.

#include <algorithm>

#include "ivrd/dsp/caller_id.hpp"

namespace ivrd::dsp {
namespace {

// A message is held this long after its last character so that the other
// demodulator's version of the same burst (complete within a bit or two) can
// be compared with it.
constexpr uint64_t kHoldSamples = 200;
// Relative error of the mark frequency above which a message was not sent
// with this modem: the other modem's mark is 8 % away.
constexpr float kMaxFit = 0.04f;

bool overlaps(const CallerIdMessage& a, const CallerIdMessage& b) {
  return a.start_sample <= b.end_sample && b.start_sample <= a.end_sample;
}

CallerIdFormat with_modem(CallerIdFormat format, int modem) {
  const bool sdmf = format == CallerIdFormat::bell202_sdmf || format == CallerIdFormat::v23_sdmf;
  if (modem == 0) return sdmf ? CallerIdFormat::bell202_sdmf : CallerIdFormat::bell202_mdmf;
  return sdmf ? CallerIdFormat::v23_sdmf : CallerIdFormat::v23_mdmf;
}

}  // namespace

CallerIdReceiver::CallerIdReceiver(const CallerIdReceiverConfig& config, Isa isa)
    : config_(config),
      demodulators_{FskDemodulator(FskModem::bell202, {config.min_level_dbm0}),
                    FskDemodulator(FskModem::v23, {config.min_level_dbm0})},
      assemblers_{detail::FskMessageAssembler(FskModem::bell202),
                  detail::FskMessageAssembler(FskModem::v23)},
      dtmf_(DtmfConfig{}, isa) {}

void CallerIdReceiver::on_fsk_message(int modem, const CallerIdMessage& message,
                                      float fit) noexcept {
  if (fit > kMaxFit) return;
  std::array<Pending, kPending>& slots = pending_[modem];
  Pending* slot = &slots[0];
  for (Pending& candidate : slots) {
    if (!candidate.used) {
      slot = &candidate;
      break;
    }
    if (candidate.deadline < slot->deadline) slot = &candidate;
  }
  // All slots held (not possible at 1200 baud within the hold time): the
  // oldest is dropped.
  slot->used = true;
  slot->message = message;
  slot->fit = fit;
  slot->deadline = message.end_sample + kHoldSamples;
}

void CallerIdReceiver::resolve(int modem, size_t index, CallerIdSink& sink) noexcept {
  Pending& mine = pending_[modem][index];
  CallerIdMessage best = mine.message;
  float best_fit = mine.fit;
  int best_modem = modem;
  for (Pending& other : pending_[1 - modem]) {
    if (!other.used || !overlaps(other.message, mine.message)) continue;
    const bool other_fits_better = other.fit < best_fit;
    // The modem is the one whose tones fit; the content is a valid decode
    // when there is one.
    if (other_fits_better) {
      best_modem = 1 - modem;
      best_fit = other.fit;
    }
    if (other.message.valid != best.valid ? other.message.valid : other_fits_better) {
      const uint64_t start = std::min(best.start_sample, other.message.start_sample);
      best = other.message;
      best.start_sample = start;
    }
    other.used = false;
  }
  best.format = with_modem(best.format, best_modem);
  mine.used = false;
  sink(best);
}

void CallerIdReceiver::resolve_due(uint64_t now, CallerIdSink& sink) noexcept {
  for (;;) {
    int due_modem = -1;
    size_t due_index = 0;
    for (int m = 0; m < kModems; ++m) {
      for (size_t i = 0; i < kPending; ++i) {
        const Pending& p = pending_[m][i];
        if (!p.used || p.deadline > now) continue;
        if (due_modem < 0 || p.deadline < pending_[due_modem][due_index].deadline) {
          due_modem = m;
          due_index = i;
        }
      }
    }
    if (due_modem < 0) return;
    resolve(due_modem, due_index, sink);
  }
}

void CallerIdReceiver::rx(std::span<const int16_t> pcm, CallerIdSink sink) noexcept {
  const std::array<bool, kModems> enabled{config_.bell202, config_.v23};
  CallerIdMessage message;
  float fit = 0.0f;
  auto on_bell = [&](const FskCharacter& c) {
    if (assemblers_[0].add(c, &message, &fit)) on_fsk_message(0, message, fit);
  };
  auto on_v23 = [&](const FskCharacter& c) {
    if (assemblers_[1].add(c, &message, &fit)) on_fsk_message(1, message, fit);
  };
  FskCharacterSink bell_sink(on_bell), v23_sink(on_v23);
  for (int16_t sample : pcm) {
    if (enabled[0]) {
      demodulators_[0].rx_sample(sample, bell_sink);
      assemblers_[0].tick(sample_count_);
    }
    if (enabled[1]) {
      demodulators_[1].rx_sample(sample, v23_sink);
      assemblers_[1].tick(sample_count_);
    }
    resolve_due(sample_count_, sink);
    ++sample_count_;
  }
  if (config_.dtmf) {
    dtmf_.rx(pcm, [&](const DtmfEvent& event) {
      if (dtmf_assembler_.add(event, &message)) sink(message);
    });
  }
}

void CallerIdReceiver::flush(CallerIdSink sink) noexcept {
  resolve_due(UINT64_MAX, sink);
  if (config_.dtmf) {
    CallerIdMessage message;
    dtmf_.flush([&](const DtmfEvent& event) {
      if (dtmf_assembler_.add(event, &message)) sink(message);
    });
  }
}

}  // namespace ivrd::dsp
