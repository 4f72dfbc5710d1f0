#pragma once
// One client of the control socket; internal to the ivr library.

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "ivrd/ivr/control.hpp"

namespace ivrd::ivr::control_detail {

struct Connection {
  using TimePoint = std::chrono::steady_clock::time_point;

  ControlServer::Impl* server = nullptr;
  uint64_t id = 0;  // the epoll key; never reused, unlike fd numbers
  int fd = -1;
  PeerCredentials peer;
  std::string in;   // received, not yet taken as requests
  std::string out;  // to send, from out_sent on
  size_t out_sent = 0;
  bool monitor = false;                       // a stream of events since its monitor request
  bool pending = false;                       // a request awaits the handler's reply
  uint64_t serial = 0;                        // of the latest request handed to the handler
  bool eof = false;                           // the peer shut down its sending side
  bool closing = false;                       // close once `out` is sent
  bool dead = false;                          // closed; responders find nobody
  uint32_t interest = 0;                      // the epoll events registered now
  std::optional<TimePoint> partial_since;     // a line began and has not ended
  std::optional<TimePoint> closing_deadline;  // give up sending by then

  size_t unsent() const noexcept { return out.size() - out_sent; }
  std::string describe() const;

  static ControlResponder responder(const std::shared_ptr<Connection>& connection,
                                    uint64_t serial) {
    return ControlResponder(connection, serial);
  }
};

}  // namespace ivrd::ivr::control_detail
