// ivrctl's command line, its tables and its exit codes, run in-process
// against a fake daemon on a real socket.

#include <sstream>

#include <catch2/catch.hpp>

#include "ivrd/ivr/ivrctl.hpp"
#include "ivrd/test_support/temp_dir.hpp"

#include "control_fixtures.hpp"
#include "ctl/command_line.hpp"
#include "ctl/reply_text.hpp"
#include "ctl/table.hpp"

using namespace ivrd::ivr;
using namespace ivrd::ivr::control_test;
namespace ctl = ivrd::ivr::ctl;
namespace ts = ivrd::test_support;

namespace {

ctl::Invocation parse(std::vector<std::string> args) { return ctl::parse_command_line(args); }

struct Run {
  int status;
  std::string out, err;
};

Run ivrctl(std::vector<std::string> args, const char* environment_socket = nullptr) {
  std::ostringstream out, err;
  const int status = ctl::run_ivrctl(args, out, err, environment_socket);
  return {status, out.str(), err.str()};
}

}  // namespace

TEST_CASE("ivrctl's command words become the protocol's requests", "[ivrctl]") {
  CHECK(parse({"status"}).command == "status");
  CHECK(parse({"show", "calls"}).command == "show calls");
  const ctl::Invocation call = parse({"--json", "show", "call", "c-12", "--socket", "/tmp/s"});
  CHECK(call.command == "show call");
  CHECK(call.args == json{{"call", "c-12"}});
  CHECK(call.json);
  CHECK(call.socket == "/tmp/s");

  const ctl::Invocation check = parse({"check-config", "conf/ivrd.toml"});
  REQUIRE(check.args["file"].is_string());
  CHECK(check.args["file"].get<std::string>().front() == '/');
  CHECK_THAT(check.args["file"].get<std::string>(), Catch::EndsWith("/conf/ivrd.toml"));
  CHECK(parse({"check-config"}).args == json::object());

  const ctl::Invocation tone = parse({"tone", "trunk-1", "uk/busy", "2.5"});
  CHECK(tone.args == json{{"line", "trunk-1"}, {"zone", "uk"}, {"tone", "busy"}, {"seconds", 2.5}});

  const ctl::Invocation sim =
      parse({"sim", "call", "--line", "trunk-2", "--caller-id", "5551234", "--name", "JOHN DOE",
             "--max-seconds", "30", "wait 2s; press 1; hangup"});
  CHECK(sim.command == "sim call");
  CHECK(sim.args == json{{"line", "trunk-2"},
                         {"caller_id", "5551234"},
                         {"caller_name", "JOHN DOE"},
                         {"script", "wait 2s; press 1; hangup"},
                         {"max_seconds", 30.0}});
  CHECK(sim.timeout == std::chrono::seconds(45));  // the call's limit and a margin
  CHECK(parse({"sim", "call", "hangup"}).timeout == std::chrono::seconds(135));
  CHECK(parse({"--timeout", "0.5", "status"}).timeout == std::chrono::milliseconds(500));
  CHECK(parse({"status"}).timeout == std::chrono::seconds(10));
}

TEST_CASE("ivrctl usage errors name what is wrong", "[ivrctl]") {
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases{
      {{}, "missing command"},
      {{"reboot"}, "unknown command 'reboot'"},
      {{"--frobnicate", "status"}, "unrecognised option '--frobnicate'"},
      {{"status", "--line", "x"}, "unrecognised option '--line'"},
      {{"status", "now"}, "unexpected argument 'now' after 'status'"},
      {{"show"}, "'show' needs what to show"},
      {{"show", "everything"}, "unknown 'show everything'"},
      {{"show", "call"}, "'show call' needs a call ID"},
      {{"hangup"}, "'hangup' needs a call ID"},
      {{"tone", "trunk-1", "busy"}, "'busy' is not ZONE/TONE"},
      {{"tone", "trunk-1", "us/busy", "0"},
       "SECONDS must be a positive number of seconds, not '0'"},
      {{"sim", "call"}, "'sim call' needs a SCRIPT"},
      {{"sim", "dial"}, "unknown 'sim dial'"},
      {{"sim", "call", "--max-seconds", "x", "hangup"}, "--max-seconds must be a positive number"},
      {{"--timeout", "0", "status"}, "--timeout must be a positive number of seconds, not '0'"},
      {{"--socket"}, "--socket"},
  };
  for (const auto& [args, expected] : cases) {
    INFO("ivrctl " << Catch::Detail::stringify(args));
    const Run run = ivrctl(args);
    CHECK(run.status == ctl::kExitUsage);
    CHECK(run.out.empty());
    CHECK(std::count(run.err.begin(), run.err.end(), '\n') == 1);
    CHECK_THAT(run.err, Catch::StartsWith("ivrctl: ") && Catch::Contains(expected));
  }
}

TEST_CASE("tables align their columns under a header", "[ivrctl]") {
  ctl::Table table({"LINE", "STATE", "CALL"});
  table.add({"trunk-1", "in_call", "c-12"});
  table.add({"ext-10", "idle", "-"});
  table.add({"Zürich", "ringing", "c-7"});
  std::ostringstream out;
  table.print(out);
  CHECK(out.str() ==
        "LINE     STATE    CALL\n"
        "trunk-1  in_call  c-12\n"
        "ext-10   idle     -\n"
        "Zürich   ringing  c-7\n");
  CHECK(ctl::cell(json("a\x1b[2Jb")) == "a?[2Jb");  // no terminal escapes from the daemon
  CHECK(ctl::cell(json(nullptr)) == "-");
  CHECK(ctl::cell(json(27.44)) == "27.4");
  CHECK(ctl::cell(json(3)) == "3");
  CHECK(ctl::cell(json::array({"red", "yellow"})) == "red,yellow");
  CHECK(ctl::duration_text(42.3) == "42s");
  CHECK(ctl::duration_text(185) == "3m05s");
  CHECK(ctl::duration_text(8130.5) == "2h15m");
}

TEST_CASE("ivrctl prints each command's reply for people and for scripts", "[ivrctl]") {
  ts::TempDir dir("ivrd-ivrctl");
  const std::string socket = dir / "control.sock";
  FakeHandler handler;
  ServerThread thread(socket, handler);

  Run run = ivrctl({"--socket", socket, "show", "lines"});
  CHECK(run.status == 0);
  CHECK(run.err.empty());
  CHECK(run.out ==
        "LINE     SPAN   ROLE       LABEL      STATE    CALL\n"
        "trunk-1  span1  trunk      Main line  in_call  c-12\n"
        "ext-10   span1  extension  Desk       idle     -\n");

  run = ivrctl({"show", "calls"}, socket.c_str());  // the socket from IVRD_SOCKET
  CHECK(run.status == 0);
  CHECK(run.out ==
        "CALL  LINE     DIR      CALLER   NAME      TIME  MENU  STATE  ROUTE\n"
        "c-12  trunk-1  inbound  5551234  JOHN DOE  42s   main  menu   -\n");

  run = ivrctl({"--socket", socket, "status"});
  CHECK(run.out ==
        "ITEM        VALUE\n"
        "daemon      ivrd 0.1.0\n"
        "backend     sim\n"
        "uptime      2h15m\n"
        "config      /etc/ivrd/ivrd.toml\n"
        "generation  3\n"
        "loaded      2026-12-07T19:02:11.000Z\n"
        "spans       1\n"
        "lines       2\n"
        "calls       1\n");

  run = ivrctl({"--socket", socket, "show", "spans"});
  CHECK(run.out ==
        "SPAN   BACKEND  TYPE    ALARMS  LINES  COUNTERS\n"
        "span1  sim      analog  none    2      slips=0\n");

  run = ivrctl({"--socket", socket, "show", "call", "c-12"});
  CHECK(run.status == 0);
  CHECK_THAT(run.out,
             Catch::Contains("echo           erle 27.4 dB, erl 6.1 dB, residual -48.2 dBm0, "
                             "delay 10 ms, talk far_end, nlp suppressing\n"));
  CHECK_THAT(run.out, Catch::Contains("VARIABLE  VALUE\ncustomer  yes\n"));
  CHECK_THAT(run.out, Catch::Contains("T_MS  EVENT     DETAIL\n0     ring      first ring\n"
                                      "5200  answered  -\n"));

  run = ivrctl({"--socket", socket, "sim", "call", "wait 2s; press 1; hangup"});
  CHECK(run.out ==
        "call c-13: route sales, ended caller_hangup\n\n"
        "T_MS  WHAT   DETAIL\n"
        "0     ring   -\n"
        "2000  digit  1\n");
  CHECK(ivrctl({"--socket", socket, "reload"}).out == "configuration reloaded (generation 4)\n");
  CHECK(ivrctl({"--socket", socket, "hangup", "c-12"}).out == "hung up c-12\n");
  CHECK(ivrctl({"--socket", socket, "tone", "trunk-1", "us/busy"}).out ==
        "playing us/busy on trunk-1 for 5 s\n");
  CHECK(ivrctl({"--socket", socket, "check-config"}).out ==
        "configuration OK: ivrd.toml: 1 span, 2 lines, 3 menus, 4 routes\n");

  // --json: the body, one object on one line, for every command.
  for (const std::vector<std::string>& words :
       std::vector<std::vector<std::string>>{{"status"},
                                             {"show", "spans"},
                                             {"show", "lines"},
                                             {"show", "calls"},
                                             {"show", "call", "c-12"},
                                             {"reload"},
                                             {"check-config"},
                                             {"hangup", "c-12"},
                                             {"tone", "trunk-1", "us/busy", "3"},
                                             {"sim", "call", "hangup"}}) {
    std::vector<std::string> args{"--socket", socket, "--json"};
    args.insert(args.end(), words.begin(), words.end());
    run = ivrctl(args);
    INFO(Catch::Detail::stringify(args));
    CHECK(run.status == 0);
    REQUIRE(std::count(run.out.begin(), run.out.end(), '\n') == 1);
    const json body = json::parse(run.out);
    const ctl::Invocation invocation = ctl::parse_command_line(args);
    CHECK(body == canned_body(ControlRequest{invocation.command, invocation.args, {}}));
  }
}

TEST_CASE("ivrctl's exit codes say what went wrong", "[ivrctl]") {
  ts::TempDir dir("ivrd-ivrctl");
  const std::string socket = dir / "control.sock";

  Run run = ivrctl({"--socket", socket, "status"});
  CHECK(run.status == ctl::kExitUnreachable);
  CHECK(run.err == "ivrctl: ivrd is not running (no socket at " + socket + ")\n");

  class Refusing : public FakeHandler {
   public:
    void handle(const ControlRequest& request, ControlResponder responder) override {
      if (request.command == "hangup") {
        responder.reply(ControlReply::failure(
            ControlErrorCode::refused,
            "permission denied: user 'bob' (uid 1001) is not root or in group 'ivrd'"));
      } else if (request.command == "sim call") {
        held.push_back(std::move(responder));  // never answered in time
      } else {
        FakeHandler::handle(request, std::move(responder));
      }
    }
  } handler;
  handler.config_broken = true;
  ServerThread thread(socket, handler);

  run = ivrctl({"--socket", socket, "reload"});
  CHECK(run.status == ctl::kExitConfig);
  CHECK(run.out.empty());
  CHECK(run.err ==
        "ivrctl: configuration has 2 errors; the old one keeps running\n"
        "/etc/ivrd/ivrd.toml:3:1: error: unknown key 'greting' (did you mean 'greeting'?)\n"
        "/etc/ivrd/ivrd.toml:9:7: error: menu 'mian' does not exist\n");

  run = ivrctl({"--socket", socket, "show", "call", "c-99"});
  CHECK(run.status == ctl::kExitFailed);
  CHECK(run.err == "ivrctl: no call 'c-99'\n");

  run = ivrctl({"--socket", socket, "hangup", "c-1"});
  CHECK(run.status == ctl::kExitPermission);
  CHECK_THAT(run.err, Catch::StartsWith("ivrctl: permission denied"));

  run = ivrctl({"--socket", socket, "--timeout", "0.2", "sim", "call", "wait 1s"});
  CHECK(run.status == ctl::kExitUnreachable);
  CHECK(run.err == "ivrctl: no reply from ivrd within 0.2 s\n");

  CHECK(ivrctl({"--help"}).status == 0);
  CHECK_THAT(ivrctl({"--help"}).out, Catch::Contains("77 permission denied"));
}

TEST_CASE("ivrctl monitor prints one line per event", "[ivrctl]") {
  const json event = {{"t", "2026-12-07T21:00:00.123Z"},
                      {"event", "caller_id"},
                      {"line", "trunk-1"},
                      {"call", "c-12"},
                      {"number", "5551234"},
                      {"name", "JOHN DOE"}};
  CHECK(ctl::event_text(event) ==
        "21:00:00.123  caller_id  trunk-1  c-12  name=\"JOHN DOE\"  number=5551234");
  CHECK(ctl::event_text({{"t", "2026-12-07T21:00:01.000Z"}, {"event", "reload"}}) ==
        "21:00:01.000  reload  -  -");
}
