// The control socket end to end: every command's round trip through the real
// client, replies given later, monitor streams, and every kind of bad
// client (garbage, NULs, invalid UTF-8, oversize and half-written lines, too
// many clients, a monitor that never reads) refused or closed while a
// well-behaved client on the same server keeps getting answers.

#include <algorithm>

#include <catch2/catch.hpp>

#include "ivrd/test_support/rng.hpp"
#include "ivrd/test_support/seed.hpp"
#include "ivrd/test_support/temp_dir.hpp"

#include "control/protocol.hpp"
#include "control_fixtures.hpp"

using namespace ivrd::ivr;
using namespace ivrd::ivr::control_test;
namespace ts = ivrd::test_support;

namespace {

struct Fixture {
  ts::TempDir dir{"ivrd-control"};
  std::string path = dir / "control.sock";
  FakeHandler handler;
  std::vector<std::string> log;
  ControlServer server{path, {}, handler, [this](const std::string& line) { log.push_back(line); }};

  json reply_to(RawClient& client, const json& request, Clock::time_point now = Clock::now()) {
    REQUIRE(client.send_request(request));
    const std::optional<std::string> line = next_line(server, client, now);
    REQUIRE(line.has_value());
    return json::parse(*line);
  }

  // A well-behaved client's status request is answered.
  void check_still_serving(RawClient& good, Clock::time_point now = Clock::now()) {
    const json reply = reply_to(good, {{"command", "status"}}, now);
    CHECK(reply["ok"] == true);
    CHECK(reply["body"]["name"] == "ivrd");
  }

  size_t log_lines_containing(const std::string& text) const {
    return static_cast<size_t>(std::count_if(log.begin(), log.end(), [&](const std::string& l) {
      return l.find(text) != std::string::npos;
    }));
  }
};

// One protocol line: a JSON object on a line of its own, nothing else.
void check_reply_shape(const std::string& line) {
  INFO("line: " << line);
  CHECK(line.find('\n') == std::string::npos);
  json reply;
  REQUIRE_NOTHROW(reply = json::parse(line));
  REQUIRE(reply.is_object());
  REQUIRE(reply.contains("ok"));
  if (reply["ok"] == false) {
    REQUIRE(reply["error"].is_string());
    CHECK_FALSE(reply["error"].get<std::string>().empty());
    REQUIRE(reply["code"].is_string());
    CHECK(parse_control_error_code(reply["code"].get<std::string>()).has_value());
  }
}

}  // namespace

TEST_CASE("every command makes the round trip through ControlClient", "[control]") {
  ts::TempDir dir("ivrd-control");
  const std::string path = dir / "control.sock";
  FakeHandler handler;
  const std::vector<std::pair<std::string, json>> requests{
      {"status", json::object()},
      {"show spans", json::object()},
      {"show lines", json::object()},
      {"show calls", json::object()},
      {"show call", {{"call", "c-12"}}},
      {"reload", json::object()},
      {"check-config", {{"file", "/etc/ivrd/other.toml"}}},
      {"check-config", json::object()},
      {"hangup", {{"call", "c-12"}}},
      {"tone", {{"line", "trunk-1"}, {"zone", "us"}, {"tone", "busy"}, {"seconds", 2.5}}},
      {"sim call",
       {{"line", "trunk-1"},
        {"caller_id", "5551234"},
        {"caller_name", "JOHN DOE"},
        {"script", "wait 2s; press 1; wait 3s; press 123#; hangup"},
        {"audio", "/tmp/caller.wav"},
        {"max_seconds", 60}}},
  };
  {
    ServerThread thread(path, handler);
    ControlClient client = ControlClient::connect(path);
    for (const auto& [command, args] : requests) {
      INFO(command << " " << args.dump());
      const ControlReply reply = client.request(command, args);
      REQUIRE(reply.ok);
      CHECK(reply.body == canned_body(ControlRequest{command, args, {}}));
    }
    // The same connection also carries refusals and the next request after them.
    const ControlReply missing = client.request("show call", {{"call", "c-99"}});
    CHECK_FALSE(missing.ok);
    CHECK(missing.code == ControlErrorCode::not_found);
    CHECK(missing.error == "no call 'c-99'");
    const ControlReply unknown = client.request("show everything");
    CHECK_FALSE(unknown.ok);
    CHECK(unknown.code == ControlErrorCode::bad_request);
    CHECK_THAT(unknown.error, Catch::Contains("unknown command 'show everything'"));
    CHECK(client.request("status").ok);
  }
  REQUIRE(handler.requests.size() == requests.size() + 2);
  for (size_t i = 0; i < requests.size(); ++i) {
    CHECK(handler.requests[i].command == requests[i].first);
    CHECK(handler.requests[i].args == requests[i].second);
    CHECK(handler.requests[i].peer.uid == geteuid());
    CHECK(handler.requests[i].peer.pid == getpid());
  }
}

TEST_CASE("configuration errors come back with every error line", "[control]") {
  ts::TempDir dir("ivrd-control");
  FakeHandler handler;
  handler.config_broken = true;
  ServerThread thread(dir / "control.sock", handler);
  ControlClient client = ControlClient::connect(dir / "control.sock");
  const ControlReply reply = client.request("reload");
  CHECK_FALSE(reply.ok);
  CHECK(reply.code == ControlErrorCode::config);
  REQUIRE(reply.errors.size() == 2);
  CHECK(reply.errors[0] ==
        "/etc/ivrd/ivrd.toml:3:1: error: unknown key 'greting' (did you mean 'greeting'?)");
}

TEST_CASE("a reply given later arrives, and the next request waits its turn", "[control]") {
  Fixture f;
  f.handler.deferred["sim call"] = 1;
  RawClient client(f.path);
  // Both requests in one write: the second is taken only after the first's reply.
  REQUIRE(client.send(R"({"command":"sim call","args":{"script":"wait 30s; hangup"}})"
                      "\n"
                      R"({"command":"status"})"
                      "\n"));
  REQUIRE(pump_until(f.server, Clock::now(), [&] { return f.handler.held.size() == 1; }));
  for (int i = 0; i < 20; ++i) f.server.service(Clock::now());
  client.receive();
  CHECK(client.buffered().empty());
  CHECK(f.handler.requests.size() == 1);
  CHECK(f.handler.held.front().client_present());

  // Meanwhile another client is served.
  RawClient other(f.path);
  f.check_still_serving(other);

  ControlResponder responder = std::move(f.handler.held.front());
  f.handler.held.pop_front();
  responder.reply(ControlReply::success({{"call", "c-13"}, {"ended", "caller_hangup"}}));
  CHECK_FALSE(responder.client_present());
  responder.reply(ControlReply::success({{"twice", true}}));  // at most once: ignored

  std::optional<std::string> line = next_line(f.server, client);
  REQUIRE(line);
  CHECK(json::parse(*line) ==
        json{{"ok", true}, {"body", {{"call", "c-13"}, {"ended", "caller_hangup"}}}});
  line = next_line(f.server, client);
  REQUIRE(line);
  CHECK(json::parse(*line)["body"]["name"] == "ivrd");
  CHECK(f.handler.requests.size() == 3);  // sim call, other's status, status
}

TEST_CASE("a responder dropped without a reply answers failed, request dropped", "[control]") {
  Fixture f;
  f.handler.deferred["hangup"] = 1;
  RawClient client(f.path);
  REQUIRE(client.send_request({{"command", "hangup"}, {"args", {{"call", "c-12"}}}}));
  REQUIRE(pump_until(f.server, Clock::now(), [&] { return f.handler.held.size() == 1; }));
  f.handler.held.clear();
  const std::optional<std::string> line = next_line(f.server, client);
  REQUIRE(line);
  CHECK(json::parse(*line) ==
        json{{"ok", false}, {"error", "request dropped"}, {"code", "failed"}});
  f.check_still_serving(client);
}

TEST_CASE("a reply to a client that has gone, or after the server, does nothing", "[control]") {
  std::optional<ControlResponder> outliving;
  {
    Fixture f;
    f.handler.deferred["sim call"] = 1;
    {
      RawClient client(f.path);
      REQUIRE(client.send_request({{"command", "sim call"}, {"args", {{"script", "hangup"}}}}));
      REQUIRE(pump_until(f.server, Clock::now(), [&] { return f.handler.held.size() == 1; }));
    }
    REQUIRE(pump_until(f.server, Clock::now(), [&] { return f.server.client_count() == 0; }));
    CHECK_FALSE(f.handler.held.front().client_present());
    f.handler.held.front().reply(ControlReply::success());
    f.handler.held.pop_front();

    RawClient second(f.path);
    REQUIRE(second.send_request({{"command", "sim call"}, {"args", {{"script", "hangup"}}}}));
    REQUIRE(pump_until(f.server, Clock::now(), [&] { return f.handler.held.size() == 1; }));
    outliving = std::move(f.handler.held.front());
    f.handler.held.pop_front();
  }
  CHECK_FALSE(outliving->client_present());
  outliving->reply(ControlReply::success());
  outliving.reset();
}

TEST_CASE("a handler that throws leaves the client answered and the server up", "[control]") {
  class Throwing : public ControlHandler {
   public:
    void handle(const ControlRequest&, ControlResponder) override {
      throw std::runtime_error("broken invariant in call c-3");
    }
  } handler;
  ts::TempDir dir("ivrd-control");
  std::vector<std::string> log;
  ControlServer server(dir / "control.sock", {}, handler,
                       [&](const std::string& line) { log.push_back(line); });
  RawClient client(dir / "control.sock");
  for (int round = 0; round < 2; ++round) {
    REQUIRE(client.send_request({{"command", "status"}}));
    const std::optional<std::string> line = next_line(server, client);
    REQUIRE(line);
    CHECK(json::parse(*line)["code"] == "failed");
  }
  REQUIRE(log.size() == 2);
  CHECK_THAT(log[0], Catch::Contains("broken invariant in call c-3"));
}

TEST_CASE("monitor streams every published event, in order, to monitor clients only", "[control]") {
  Fixture f;
  RawClient first(f.path), second(f.path), plain(f.path);
  for (RawClient* monitor : {&first, &second}) {
    const json reply = f.reply_to(*monitor, {{"command", "monitor"}});
    CHECK(reply == json{{"ok", true}, {"body", json::object()}});
  }
  CHECK(f.server.monitor_count() == 2);
  f.check_still_serving(plain);
  std::vector<json> events;
  for (int i = 0; i < 5; ++i) {
    events.push_back({{"t", control_timestamp(std::chrono::system_clock::now())},
                      {"event", i == 0 ? "ring" : "digit"},
                      {"line", "trunk-1"},
                      {"call", "c-12"},
                      {"digit", std::to_string(i)}});
    f.server.publish(events.back());
  }
  for (RawClient* monitor : {&first, &second}) {
    for (const json& event : events) {
      const std::optional<std::string> line = next_line(f.server, *monitor);
      REQUIRE(line);
      CHECK(json::parse(*line) == event);
    }
  }
  // Requests on a monitor connection are ignored; the plain client saw no event.
  REQUIRE(first.send_request({{"command", "status"}}));
  for (int i = 0; i < 10; ++i) f.server.service(Clock::now());
  first.receive();
  CHECK(first.buffered().empty());
  f.check_still_serving(plain);
  plain.receive();
  CHECK(plain.buffered().empty());

  first.close();
  REQUIRE(pump_until(f.server, Clock::now(), [&] { return f.server.monitor_count() == 1; }));
}

TEST_CASE("ControlClient::monitor hands over events until told to stop", "[control]") {
  ts::TempDir dir("ivrd-control");
  FakeHandler handler;
  ServerThread thread(dir / "control.sock", handler);
  thread.publish_events(100000);
  ControlClient client = ControlClient::connect(dir / "control.sock");
  std::vector<json> seen;
  const ControlReply reply = client.monitor([&](const json& event) {
    seen.push_back(event);
    return seen.size() < 3;
  });
  CHECK(reply.ok);
  REQUIRE(seen.size() == 3);
  for (size_t i = 0; i < seen.size(); ++i) {
    CHECK(seen[i]["event"] == "digit");
    if (i > 0) CHECK(seen[i]["n"].get<int>() == seen[i - 1]["n"].get<int>() + 1);
  }
}

TEST_CASE("bad requests are refused with one line naming the problem; the connection goes on",
          "[control]") {
  Fixture f;
  RawClient bad(f.path), good(f.path);
  const std::vector<std::pair<std::string, std::string>> cases{
      {"hello", "invalid JSON"},
      {std::string("{\"command\":\"st\0tus\"}", 20), "invalid JSON"},
      {std::string("\0\0\0\0", 4), "invalid JSON"},
      {"{\"command\":\"status\xff\xfe\"}", "invalid JSON"},
      {"{\"command\":\"\xc3\x28\"}", "invalid JSON"},
      {"[\"status\"]", "must be a JSON object, not an array"},
      {"42", "must be a JSON object, not a number"},
      {"{}", "has no \"command\""},
      {"{\"args\":{}}", "has no \"command\""},
      {"{\"command\":7}", "\"command\" must be a string, not a number"},
      {"{\"command\":\"reboot\"}", "unknown command 'reboot'"},
      {"{\"command\":\"status\",\"extra\":1}", "unknown key 'extra'"},
      {"{\"command\":\"status\",\"args\":[1]}", "\"args\" of 'status' must be an object"},
      {"{\"command\":\"status\",\"args\":{\"x\":1}}", "unknown argument 'x' for 'status'"},
      {"{\"command\":\"show call\"}", "'show call' needs the argument 'call'"},
      {"{\"command\":\"show call\",\"args\":{\"call\":12}}",
       "argument 'call' of 'show call' must be a string, not a number"},
      {"{\"command\":\"hangup\",\"args\":{\"call\":null}}", "must be a string, not null"},
      {"{\"command\":\"tone\",\"args\":{\"line\":\"t\",\"zone\":\"us\",\"tone\":\"busy\","
       "\"seconds\":-1}}",
       "'seconds' of 'tone' must be a positive number, not -1"},
      {"{\"command\":\"sim call\",\"args\":{\"script\":\"hangup\",\"max_seconds\":\"60\"}}",
       "'max_seconds' of 'sim call' must be a positive number, not a string"},
      {"{\"command\":\"status\"", "invalid JSON"},
      {"{\"command\":\"status\",\"args\":{\"x\":1e999}}", "invalid JSON: number overflow"},
  };
  for (const auto& [text, expected] : cases) {
    INFO("request: " << json(text).dump(-1, ' ', false, json::error_handler_t::replace));
    REQUIRE(bad.send(text + "\n"));
    const std::optional<std::string> line = next_line(f.server, bad);
    REQUIRE(line);
    check_reply_shape(*line);
    const json reply = json::parse(*line);
    CHECK(reply["ok"] == false);
    CHECK(reply["code"] == "bad_request");
    CHECK_THAT(reply["error"].get<std::string>(), Catch::Contains(expected));
    f.check_still_serving(good);
  }
  // After all that, the same connection still takes a good request.
  f.check_still_serving(bad);
  CHECK(f.handler.requests.size() == cases.size() + 1);  // only the good ones got through
}

TEST_CASE("random garbage lines each get one bad_request line", "[control]") {
  const ts::Seed seed("control: random garbage");
  ts::Rng rng(seed.derive("bytes"));
  Fixture f;
  RawClient bad(f.path), good(f.path);
  const std::string pieces[] = {"{",     "}",       "[",          "]",        "\"command\"",
                                ":",     ",",       "\"status\"", "\"args\"", "null",
                                "1e999", "\\u0000", "\\ud800",    "\"",       " "};
  for (int round = 0; round < 150; ++round) {
    std::string text;
    const int length = rng.uniform_int(1, 60);
    for (int i = 0; i < length; ++i) {
      if (rng.chance(0.5)) {
        text += pieces[rng.uniform_int(0, static_cast<int>(std::size(pieces)) - 1)];
      } else {
        char c = static_cast<char>(rng.uniform_int(0, 255));
        if (c == '\n') c = '\0';
        text += c;
      }
    }
    INFO("seed " << seed.value() << " round " << round);
    const bool blank = text.find_first_not_of(" \t\r") == std::string::npos;
    if (blank) continue;  // blank lines are skipped without a reply
    REQUIRE(bad.send(text + "\n"));
    const std::optional<std::string> line = next_line(f.server, bad);
    REQUIRE(line);
    check_reply_shape(*line);
    if (round % 10 == 0) f.check_still_serving(good);
  }
  f.check_still_serving(good);
  f.check_still_serving(bad);
}

TEST_CASE("a request longer than 64 KiB is refused and its connection closed", "[control]") {
  Fixture f;
  RawClient good(f.path);
  SECTION("exactly 64 KiB is still a request") {
    RawClient client(f.path);
    std::string request = R"({"command":"status"})";
    request.append(64 * 1024 - request.size(), ' ');
    REQUIRE(client.send(request + "\n"));
    const std::optional<std::string> line = next_line(f.server, client);
    REQUIRE(line);
    CHECK(json::parse(*line)["ok"] == true);
  }
  SECTION("one byte more, with or without its end of line") {
    const bool with_newline = GENERATE(true, false);
    RawClient client(f.path);
    std::string request = R"({"command":"status"})";
    request.append(64 * 1024 + 1 - request.size(), ' ');
    if (with_newline) request += "\n";
    // The rest may not be taken any more once the server has refused the line.
    client.send(request);
    const std::optional<std::string> line = next_line(f.server, client);
    REQUIRE(line);
    CHECK(json::parse(*line) == json{{"ok", false},
                                     {"error", "request too long (more than 65536 bytes)"},
                                     {"code", "bad_request"}});
    CHECK(closed_by_server(f.server, client));
    CHECK(f.log_lines_containing("request longer than 65536 bytes") == 1);
  }
  SECTION("megabytes without an end of line") {
    RawClient client(f.path);
    const std::string chunk(256 * 1024, 'x');
    for (int i = 0; i < 8; ++i) {
      client.send(chunk);
      for (int k = 0; k < 3; ++k) f.server.service(Clock::now());
    }
    const std::optional<std::string> line = next_line(f.server, client);
    REQUIRE(line);
    CHECK(json::parse(*line)["code"] == "bad_request");
    CHECK(closed_by_server(f.server, client));
  }
  f.check_still_serving(good);
}

TEST_CASE("a half-written request is closed after 5 s of silence on the injected clock",
          "[control]") {
  Fixture f;
  RawClient good(f.path), slow(f.path);
  const Clock::time_point t0 = Clock::now();
  REQUIRE(slow.send(R"({"command":"sta)"));
  REQUIRE(pump_until(f.server, t0, [&] { return f.server.next_deadline().has_value(); }));
  CHECK(*f.server.next_deadline() == t0 + std::chrono::seconds(5));

  // More bytes restart the wait.
  const Clock::time_point t1 = t0 + std::chrono::seconds(3);
  REQUIRE(slow.send("tu"));
  REQUIRE(pump_until(f.server, t1,
                     [&] { return *f.server.next_deadline() == t1 + std::chrono::seconds(5); }));
  f.server.service(t1 + std::chrono::milliseconds(4999));
  slow.receive();
  CHECK_FALSE(slow.closed());
  CHECK(slow.buffered().empty());
  f.check_still_serving(good, t1 + std::chrono::milliseconds(4999));

  f.server.service(t1 + std::chrono::seconds(5));
  const std::optional<std::string> line = next_line(f.server, slow, t1 + std::chrono::seconds(5));
  REQUIRE(line);
  const json reply = json::parse(*line);
  CHECK(reply["code"] == "bad_request");
  CHECK_THAT(reply["error"].get<std::string>(), Catch::StartsWith("half-written request"));
  CHECK(closed_by_server(f.server, slow, t1 + std::chrono::seconds(5)));
  CHECK(f.log_lines_containing("half-written request") == 1);
  CHECK_FALSE(f.server.next_deadline().has_value());
  f.check_still_serving(good, t1 + std::chrono::seconds(6));
}

TEST_CASE("a request ended by closing the sending side is answered, then closed", "[control]") {
  Fixture f;
  RawClient client(f.path);
  REQUIRE(client.send(R"({"command":"status"})"));  // no '\n', as `printf ... | socat` sends
  client.shut_writing();
  const std::optional<std::string> line = next_line(f.server, client);
  REQUIRE(line);
  CHECK(json::parse(*line)["ok"] == true);
  CHECK(closed_by_server(f.server, client));
}

TEST_CASE("40 clients at once: 32 are served, 8 refused and closed", "[control]") {
  Fixture f;
  std::vector<std::unique_ptr<RawClient>> clients;
  for (int i = 0; i < 40; ++i) clients.push_back(std::make_unique<RawClient>(f.path));
  REQUIRE(pump_until(f.server, Clock::now(), [&] {
    return f.server.client_count() == 32 && f.log_lines_containing("too many clients") == 8;
  }));
  int refused = 0, served = 0;
  RawClient* a_served_client = nullptr;
  for (auto& client : clients) {
    client->send_request({{"command", "status"}});
    const std::optional<std::string> line = next_line(f.server, *client);
    REQUIRE(line);
    const json reply = json::parse(*line);
    if (reply["ok"] == true) {
      ++served;
      a_served_client = client.get();
    } else {
      CHECK(reply ==
            json{{"ok", false}, {"error", "too many clients (32 connected)"}, {"code", "refused"}});
      CHECK(closed_by_server(f.server, *client));
      ++refused;
    }
  }
  CHECK(served == 32);
  CHECK(refused == 8);
  // When one leaves, a newcomer gets its place.
  REQUIRE(a_served_client != nullptr);
  a_served_client->close();
  REQUIRE(pump_until(f.server, Clock::now(), [&] { return f.server.client_count() == 31; }));
  RawClient late(f.path);
  f.check_still_serving(late);
}

TEST_CASE("a monitor that does not read is dropped past 1 MiB; others are unaffected",
          "[control]") {
  Fixture f;
  RawClient sleeper(f.path), reader(f.path), good(f.path);
  f.reply_to(sleeper, {{"command", "monitor"}});
  f.reply_to(reader, {{"command", "monitor"}});
  const std::string padding(4000, 'p');
  size_t published = 0, read_events = 0;
  while (f.server.monitor_count() == 2 && published < 2000) {
    f.server.publish({{"event", "prompt"}, {"n", published}, {"text", padding}});
    ++published;
    f.server.service(Clock::now());
    reader.receive();
    while (const std::optional<std::string> line = reader.take_line()) {
      CHECK(json::parse(*line)["n"] == read_events);
      ++read_events;
    }
    if (published % 50 == 0) f.check_still_serving(good);
  }
  CHECK(f.server.monitor_count() == 1);
  CHECK(f.log_lines_containing("bytes of output unread") == 1);
  // The socket buffer holds some; the server held the rest, up to 1 MiB.
  const size_t bytes = published * (padding.size() + 40);
  CHECK(bytes > 1024 * 1024);
  CHECK(bytes < 4 * 1024 * 1024);
  INFO("monitor dropped after " << published << " events (~" << bytes / 1024 << " KiB unread)");
  CHECK(closed_by_server(f.server, sleeper));
  f.check_still_serving(good);
  f.server.publish({{"event", "hangup"}, {"n", published}});
  ++published;
  REQUIRE(pump_until(f.server, Clock::now(), [&] {
    reader.receive();
    while (const std::optional<std::string> line = reader.take_line()) ++read_events;
    return read_events == published;
  }));
}
