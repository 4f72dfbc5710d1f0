// A stand-in for ivrd's control socket, for ivrctl's program tests: a real
// ControlServer answering with fixed bodies.
//
//   ivrctl-test-server SOCKET
//
// Serves until its standard input ends (the test holds the other end of a
// pipe, so the server also goes when the test dies). When a monitor client
// connects it publishes three events and then stops, which ends the
// client's stream.

#include <poll.h>
#include <unistd.h>

#include <chrono>
#include <iostream>
#include <string>

#include "ivrd/ivr/control.hpp"

namespace {

using nlohmann::json;
using namespace ivrd::ivr;

class CannedDaemon : public ControlHandler {
 public:
  void handle(const ControlRequest& request, ControlResponder responder) override {
    const std::string& c = request.command;
    if (c == "status") {
      responder.reply(ControlReply::success({{"name", "ivrd"},
                                             {"version", "0.1.0"},
                                             {"uptime_s", 75.0},
                                             {"backend", "sim"},
                                             {"config",
                                              {{"file", "/etc/ivrd/ivrd.toml"},
                                               {"generation", 1},
                                               {"loaded_at", "2026-12-07T21:00:00.000Z"}}},
                                             {"spans", 1},
                                             {"lines", 2},
                                             {"calls", 0}}));
    } else if (c == "show lines") {
      responder.reply(ControlReply::success({{"lines",
                                              {{{"name", "trunk-1"},
                                                {"span", "span1"},
                                                {"role", "trunk"},
                                                {"label", "Main line"},
                                                {"state", "idle"},
                                                {"call", nullptr}},
                                               {{"name", "ext-10"},
                                                {"span", "span1"},
                                                {"role", "extension"},
                                                {"label", "Reception"},
                                                {"state", "idle"},
                                                {"call", nullptr}}}}}));
    } else if (c == "show calls") {
      responder.reply(ControlReply::success({{"calls", json::array()}}));
    } else if (c == "show call" || c == "hangup") {
      responder.reply(
          ControlReply::failure(ControlErrorCode::not_found,
                                "no call '" + request.args["call"].get<std::string>() + "'"));
    } else if (c == "reload" || c == "check-config") {
      responder.reply(ControlReply::config_errors(
          "configuration has 1 error; the old one keeps running",
          {"/etc/ivrd/ivrd.toml:12:5: error: unknown key 'greting' (did you mean 'greeting'?)"}));
    } else if (c == "sim call") {
      // Echoes the request, so the test sees what ivrctl sent.
      responder.reply(ControlReply::success({{"call", "c-1"},
                                             {"route", nullptr},
                                             {"ended", "caller_hangup"},
                                             {"transcript", json::array()},
                                             {"request", request.args}}));
    } else {
      responder.reply(ControlReply::success());
    }
  }
};

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: ivrctl-test-server SOCKET\n";
    return 64;
  }
  try {
    CannedDaemon daemon;
    ControlServer server(argv[1], {.admin_group = ""}, daemon,
                         [](const std::string& line) { std::cerr << line << '\n'; });
    for (;;) {
      pollfd fds[2] = {{server.epoll_fd(), POLLIN, 0}, {STDIN_FILENO, POLLIN, 0}};
      ::poll(fds, 2, 100);
      if ((fds[1].revents & (POLLIN | POLLHUP)) != 0) {
        char byte;
        if (::read(STDIN_FILENO, &byte, 1) <= 0) return 0;
      }
      server.service(std::chrono::steady_clock::now());
      if (server.monitor_count() > 0) {
        for (int i = 0; i < 3; ++i) {
          server.publish({{"t", "2026-12-07T21:00:0" + std::to_string(i) + ".000Z"},
                          {"event", i == 0 ? "ring" : "digit"},
                          {"line", "trunk-1"},
                          {"call", "c-1"},
                          {"digit", std::to_string(i)}});
        }
        return 0;  // closing the server ends the monitor's stream
      }
    }
  } catch (const std::exception& error) {
    std::cerr << "ivrctl-test-server: " << error.what() << '\n';
    return 1;
  }
}
