// DAHDI spans and the card that opens them.

#include <unistd.h>

#include <algorithm>
#include <stdexcept>
#include <string>

#include "ivrd/driver/dahdi_card.hpp"

#include "dahdi/dahdi_device.hpp"

namespace ivrd::driver {

DahdiSpan::DahdiSpan(int ctl_fd, const DahdiSpanInfo& info)
    : ctl_fd_(ctl_fd),
      number_(info.number),
      name_(info.name),
      type_(info.type),
      alarms_(info.alarms),
      counters_(info.counters) {}

void DahdiSpan::refresh() const noexcept {
  const auto status = dahdi::span_status(ctl_fd_, number_);
  if (!status || status->name != name_) {
    // The span is gone (or its number now belongs to another one).
    alarms_.bits |= SpanAlarms::kNotOpen;
    return;
  }
  alarms_ = status->alarms;
  counters_ = status->counters;
}

SpanAlarms DahdiSpan::alarms() const noexcept {
  refresh();
  return alarms_;
}

SpanCounters DahdiSpan::counters() const noexcept {
  refresh();
  return counters_;
}

DahdiLine& DahdiSpan::dahdi_line(size_t index) {
  if (index >= lines_.size()) {
    throw std::out_of_range(name_ + ": no line " + std::to_string(index) + " (it has " +
                            std::to_string(lines_.size()) + ")");
  }
  return *lines_[index];
}

DahdiCard DahdiCard::open(const DahdiOptions& options) {
  std::vector<int> wanted;
  if (!options.channels.empty()) wanted = parse_dahdi_channel_spec(options.channels);
  const std::vector<DahdiSpanInfo> found = scan(options.device_dir);

  DahdiCard card;
  card.ctl_fd_ = dahdi::open_ctl(options.device_dir);
  std::vector<int> known;
  for (const DahdiSpanInfo& info : found) {
    auto span = std::unique_ptr<DahdiSpan>(new DahdiSpan(card.ctl_fd_, info));
    for (const DahdiChannelInfo& channel : info.channels) {
      known.push_back(channel.channel);
      const bool asked = std::binary_search(wanted.begin(), wanted.end(), channel.channel);
      if (!wanted.empty() && !asked) continue;
      if (!channel.kind) {
        if (asked || channel.sigtype != 0) {
          std::string message = "dahdi channel " + std::to_string(channel.channel) +
                                ": signalling '" + channel.signalling +
                                "' is not supported (only fxs_ks trunk ports and fxo_ks "
                                "extension ports)";
          if (asked) throw DahdiError(DahdiErrorKind::unsupported_signalling, message);
          card.skipped_.push_back(std::move(message));
        }
        continue;
      }
      span->lines_.push_back(DahdiLine::open(channel.channel, options.device_dir));
    }
    if (!span->lines_.empty()) card.spans_.push_back(std::move(span));
  }
  for (int channel : wanted) {
    if (std::find(known.begin(), known.end(), channel) == known.end()) {
      throw DahdiError(DahdiErrorKind::no_such_channel,
                       "dahdi channel " + std::to_string(channel) + ": no such channel");
    }
  }
  return card;
}

DahdiCard::DahdiCard(DahdiCard&& other) noexcept
    : ctl_fd_(other.ctl_fd_), spans_(std::move(other.spans_)), skipped_(std::move(other.skipped_)) {
  other.ctl_fd_ = -1;
}

DahdiCard& DahdiCard::operator=(DahdiCard&& other) noexcept {
  if (this != &other) {
    spans_.clear();
    if (ctl_fd_ >= 0) ::close(ctl_fd_);
    ctl_fd_ = other.ctl_fd_;
    spans_ = std::move(other.spans_);
    skipped_ = std::move(other.skipped_);
    other.ctl_fd_ = -1;
  }
  return *this;
}

DahdiCard::~DahdiCard() {
  spans_.clear();
  if (ctl_fd_ >= 0) ::close(ctl_fd_);
}

DahdiSpan& DahdiCard::span(size_t index) {
  if (index >= spans_.size()) {
    throw std::out_of_range("dahdi: no span " + std::to_string(index) + " (" +
                            std::to_string(spans_.size()) + " opened)");
  }
  return *spans_[index];
}

DahdiLine* DahdiCard::find_line(int channel) noexcept {
  for (auto& span : spans_) {
    for (auto& line : span->lines_) {
      if (line->channel() == channel) return line.get();
    }
  }
  return nullptr;
}

}  // namespace ivrd::driver
