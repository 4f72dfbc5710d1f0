#pragma once
// Helpers of the control socket tests: a fake daemon (ControlHandler with
// canned bodies, able to hold replies back), raw socket clients driven from
// the test's thread together with the server, and a server on its own thread
// for the blocking ControlClient.

#include <poll.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <deque>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>
#include <sys/socket.h>
#include <sys/un.h>

#include "ivrd/ivr/control.hpp"

namespace ivrd::ivr::control_test {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

// The body a fake daemon gives each command, shaped as control.hpp documents.
inline json canned_body(const ControlRequest& request) {
  const std::string& c = request.command;
  const json call = {
      {"id", "c-12"},           {"line", "trunk-1"},         {"direction", "inbound"},
      {"caller_id", "5551234"}, {"caller_name", "JOHN DOE"}, {"duration_s", 42.3},
      {"menu", "main"},         {"state", "menu"},           {"route", nullptr}};
  if (c == "status") {
    return {{"name", "ivrd"},
            {"version", "0.1.0"},
            {"uptime_s", 8130.5},
            {"backend", "sim"},
            {"config",
             {{"file", "/etc/ivrd/ivrd.toml"},
              {"generation", 3},
              {"loaded_at", "2026-12-07T19:02:11.000Z"}}},
            {"spans", 1},
            {"lines", 2},
            {"calls", 1}};
  }
  if (c == "show spans") {
    return {{"spans",
             {{{"name", "span1"},
               {"backend", "sim"},
               {"type", "analog"},
               {"alarms", json::array()},
               {"lines", 2},
               {"counters", {{"slips", 0}}}}}}};
  }
  if (c == "show lines") {
    return {{"lines",
             {{{"name", "trunk-1"},
               {"span", "span1"},
               {"role", "trunk"},
               {"label", "Main line"},
               {"state", "in_call"},
               {"call", "c-12"}},
              {{"name", "ext-10"},
               {"span", "span1"},
               {"role", "extension"},
               {"label", "Desk"},
               {"state", "idle"},
               {"call", nullptr}}}}};
  }
  if (c == "show calls") return {{"calls", {call}}};
  if (c == "show call") {
    json detailed = call;
    detailed["id"] = request.args.at("call");
    detailed["language"] = "en";
    detailed["digits"] = "1";
    detailed["variables"] = {{"customer", "yes"}};
    detailed["history"] = {{{"t_ms", 0}, {"event", "ring"}, {"detail", "first ring"}},
                           {{"t_ms", 5200}, {"event", "answered"}, {"detail", ""}}};
    detailed["dsp"] = {{"echo",
                        {{"erle_db", 27.4},
                         {"erl_db", 6.1},
                         {"residual_dbm0", -48.2},
                         {"delay_ms", 10.0},
                         {"talk", "far_end"},
                         {"nlp", "suppressing"}}},
                       {"dtmf_detected", 1}};
    return {{"call", detailed}};
  }
  if (c == "reload") return {{"generation", 4}};
  if (c == "check-config") return {{"summary", "ivrd.toml: 1 span, 2 lines, 3 menus, 4 routes"}};
  if (c == "hangup") return {{"call", request.args.at("call")}};
  if (c == "tone") {
    json body = request.args;
    if (!body.contains("seconds")) body["seconds"] = 5;
    return body;
  }
  if (c == "sim call") {
    return {{"call", "c-13"},
            {"route", "sales"},
            {"ended", "caller_hangup"},
            {"transcript",
             {{{"t_ms", 0}, {"what", "ring"}, {"detail", ""}},
              {{"t_ms", 2000}, {"what", "digit"}, {"detail", "1"}}}}};
  }
  return json::object();
}

// A fake daemon: answers at once with canned_body(), except for requests
// whose command is in `deferred` (kept for the test to answer) and the ids
// named in `unknown_calls` (not_found).
class FakeHandler : public ControlHandler {
 public:
  void handle(const ControlRequest& request, ControlResponder responder) override {
    requests.push_back(request);
    if (deferred.count(request.command) != 0) {
      held.push_back(std::move(responder));
      return;
    }
    if (request.command == "reload" && config_broken) {
      responder.reply(ControlReply::config_errors(
          "configuration has 2 errors; the old one keeps running",
          {"/etc/ivrd/ivrd.toml:3:1: error: unknown key 'greting' (did you mean 'greeting'?)",
           "/etc/ivrd/ivrd.toml:9:7: error: menu 'mian' does not exist"}));
      return;
    }
    if (request.args.contains("call") && request.args["call"] == "c-99") {
      responder.reply(ControlReply::failure(ControlErrorCode::not_found, "no call 'c-99'"));
      return;
    }
    responder.reply(ControlReply::success(canned_body(request)));
  }

  std::vector<ControlRequest> requests;
  std::map<std::string, int> deferred;
  std::deque<ControlResponder> held;
  bool config_broken = false;
};

// A socket connected to the server, used without blocking from the test's
// thread; every wait also runs the server's service().
class RawClient {
 public:
  explicit RawClient(const std::string& path) {
    fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::strncpy(address.sun_path, path.c_str(), sizeof address.sun_path - 1);
    if (::connect(fd_, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0) {
      const int error = errno;
      ::close(fd_);
      throw std::runtime_error(std::string("connect: ") + std::strerror(error));
    }
  }
  ~RawClient() { close(); }
  RawClient(const RawClient&) = delete;
  RawClient& operator=(const RawClient&) = delete;

  void close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }
  void shut_writing() { ::shutdown(fd_, SHUT_WR); }
  int fd() const { return fd_; }

  // Sends all of `bytes` (the socket buffer is ample for the tests' requests).
  bool send(const std::string& bytes) {
    size_t sent = 0;
    while (sent < bytes.size()) {
      const ssize_t n = ::send(fd_, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
      if (n > 0) {
        sent += static_cast<size_t>(n);
      } else if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
        return false;  // the server does not read (yet)
      } else {
        return false;
      }
    }
    return true;
  }
  bool send_request(const json& request) { return send(request.dump() + "\n"); }

  // Reads what is there; false at end of stream or a reset.
  bool receive() {
    char chunk[65536];
    for (;;) {
      const ssize_t n = ::recv(fd_, chunk, sizeof chunk, MSG_DONTWAIT);
      if (n > 0) {
        buffer_.append(chunk, static_cast<size_t>(n));
        continue;
      }
      if (n == 0) {
        closed_ = true;
        return false;
      }
      if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) return true;
      closed_ = true;
      return false;
    }
  }

  std::optional<std::string> take_line() {
    const size_t end = buffer_.find('\n');
    if (end == std::string::npos) return std::nullopt;
    std::string line = buffer_.substr(0, end);
    buffer_.erase(0, end + 1);
    return line;
  }

  bool closed() const { return closed_; }
  const std::string& buffered() const { return buffer_; }

 private:
  int fd_ = -1;
  std::string buffer_;
  bool closed_ = false;
};

// Runs the server until `done()` or about two seconds of real time pass
// (generous: everything here is local and immediate). `now` is the clock
// given to service().
template <class Done>
bool pump_until(ControlServer& server, Clock::time_point now, Done done) {
  const auto give_up = Clock::now() + std::chrono::seconds(2);
  while (!done()) {
    if (Clock::now() > give_up) return false;
    pollfd p{server.epoll_fd(), POLLIN, 0};
    ::poll(&p, 1, 2);
    server.service(now);
  }
  return true;
}

// The next line the server sends to `client`, running the server meanwhile;
// nothing if none comes (or the connection ends first).
inline std::optional<std::string> next_line(ControlServer& server, RawClient& client,
                                            Clock::time_point now = Clock::now()) {
  std::optional<std::string> line;
  pump_until(server, now, [&] {
    client.receive();
    if ((line = client.take_line())) return true;
    return client.closed();
  });
  if (!line) line = client.take_line();
  return line;
}

// Whether the server closed `client` (end of stream after any lines).
inline bool closed_by_server(ControlServer& server, RawClient& client,
                             Clock::time_point now = Clock::now()) {
  return pump_until(server, now, [&] {
    client.receive();
    return client.closed();
  });
}

// The server on a thread of its own, serving in real time, for the blocking
// ControlClient. The handler runs on that thread.
class ServerThread {
 public:
  ServerThread(const std::string& path, ControlHandler& handler, ControlServerOptions options = {})
      : server_(path, std::move(options), handler,
                [this](const std::string& line) { log.push_back(line); }) {
    thread_ = std::thread([this] {
      while (!stop_) {
        pollfd p{server_.epoll_fd(), POLLIN, 0};
        ::poll(&p, 1, 5);
        server_.service(Clock::now());
        if (publish_count_ > published_) {
          server_.publish(json{{"t", "2026-12-07T21:00:00.123Z"},
                               {"event", "digit"},
                               {"line", "trunk-1"},
                               {"call", "c-12"},
                               {"digit", "5"},
                               {"n", published_}});
          ++published_;
        }
      }
    });
  }
  ~ServerThread() {
    stop_ = true;
    thread_.join();
  }
  // Asks the server's thread to publish n more events, one per turn.
  void publish_events(int n) { publish_count_ += n; }
  std::vector<std::string> log;  // read only after the thread stopped

 private:
  ControlServer server_;
  std::atomic<bool> stop_{false};
  std::atomic<int> publish_count_{0};
  int published_ = 0;
  std::thread thread_;
};

}  // namespace ivrd::ivr::control_test
