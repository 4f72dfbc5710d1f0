#pragma once
// The order in which ivr-replay prints events found in several captures;
// internal to the ivr library.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace ivrd::ivr::replay {

// One event of one channel (the index of its file).
template <class Event>
struct ChannelEvent {
  std::size_t channel;
  const Event* event;
};

// Every channel's events (events_of(channel), each with a start_sample) in
// the order they occur across all files: by start, then by the order the
// files were given, as a rig following several lines at once sees them.
template <class Event, class Channel, class EventsOf>
std::vector<ChannelEvent<Event>> in_time_order(const std::vector<Channel>& channels,
                                               EventsOf events_of) {
  std::vector<ChannelEvent<Event>> found;
  for (std::size_t c = 0; c < channels.size(); ++c) {
    for (const Event& event : events_of(channels[c])) found.push_back({c, &event});
  }
  std::stable_sort(found.begin(), found.end(), [](const auto& a, const auto& b) {
    const uint64_t start_a = a.event->start_sample, start_b = b.event->start_sample;
    return start_a != start_b ? start_a < start_b : a.channel < b.channel;
  });
  return found;
}

// A channel's own events by start (a detector may report a later-starting
// event first, when the earlier one needed longer to be sure of).
template <class Event>
void sort_by_start(std::vector<Event>& events) {
  std::stable_sort(events.begin(), events.end(),
                   [](const Event& a, const Event& b) { return a.start_sample < b.start_sample; });
}

}  // namespace ivrd::ivr::replay
