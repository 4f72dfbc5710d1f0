// The control protocol's lines: replies written and read back, error texts
// kept to one valid line whatever they hold, the command table, timestamps.

#include <catch2/catch.hpp>

#include "ivrd/ivr/control.hpp"

#include "control/protocol.hpp"

using namespace ivrd::ivr;
using nlohmann::json;

TEST_CASE("replies are one JSON line and read back as they were", "[control]") {
  const ControlReply ok = ControlReply::success({{"generation", 4}});
  CHECK(ok.to_line() == R"({"body":{"generation":4},"ok":true})");
  const ControlReply back = ControlReply::from_line(ok.to_line());
  CHECK(back.ok);
  CHECK(back.body == json{{"generation", 4}});

  const ControlReply config = ControlReply::config_errors(
      "configuration has 1 error", {"/etc/ivrd/ivrd.toml:3:1: error: unknown key 'x'"});
  const ControlReply config_back = ControlReply::from_line(config.to_line());
  CHECK_FALSE(config_back.ok);
  CHECK(config_back.code == ControlErrorCode::config);
  CHECK(config_back.error == "configuration has 1 error");
  CHECK(config_back.errors == config.errors);

  for (ControlErrorCode code : {ControlErrorCode::refused, ControlErrorCode::bad_request,
                                ControlErrorCode::not_found, ControlErrorCode::failed}) {
    const ControlReply failure = ControlReply::failure(code, "why");
    CHECK(ControlReply::from_line(failure.to_line()).code == code);
    CHECK(parse_control_error_code(control_error_code_name(code)) == code);
  }
}

TEST_CASE("error texts stay on one line of valid JSON whatever they hold", "[control]") {
  std::string text = "two\nlines\r, a NUL ";
  text += '\0';
  text += " and bad UTF-8 \xff\xfe";
  const ControlReply reply = ControlReply::failure(ControlErrorCode::failed, text);
  const std::string line = reply.to_line();
  CHECK(line.find('\n') == std::string::npos);
  json parsed;
  REQUIRE_NOTHROW(parsed = json::parse(line));
  CHECK(parsed["error"] == "two lines , a NUL   and bad UTF-8 \xef\xbf\xbd\xef\xbf\xbd");
}

TEST_CASE("lines that are not replies are named as such", "[control]") {
  CHECK_THROWS_WITH(ControlReply::from_line("hello"), Catch::StartsWith("reply is not JSON"));
  CHECK_THROWS_WITH(ControlReply::from_line("[1]"), "reply is not a JSON object");
  CHECK_THROWS_WITH(ControlReply::from_line("{}"), "reply has no boolean \"ok\"");
  CHECK_THROWS_WITH(ControlReply::from_line(R"({"ok":false})"),
                    "failed reply has no \"error\" string");
  // An unknown code from a newer daemon is still a failure.
  CHECK(ControlReply::from_line(R"({"ok":false,"error":"x","code":"new"})").code ==
        ControlErrorCode::failed);
}

TEST_CASE("the command table names every command and its arguments", "[control]") {
  std::vector<std::string> names;
  for (const ControlCommandSpec& spec : control_commands()) names.emplace_back(spec.name);
  CHECK(names == std::vector<std::string>{"status", "show spans", "show lines", "show calls",
                                          "show call", "reload", "check-config", "hangup",
                                          "monitor", "tone", "sim call"});
  const ControlCommandSpec* sim = find_control_command("sim call");
  REQUIRE(sim != nullptr);
  CHECK(sim->args.size() == 6);
  CHECK(find_control_command("sim") == nullptr);

  const auto parsed = control_detail::parse_request_line(
      R"({"command":"tone","args":{"line":"trunk-1","zone":"us","tone":"busy","seconds":2}})");
  REQUIRE(std::holds_alternative<control_detail::ParsedRequest>(parsed));
  CHECK(std::get<control_detail::ParsedRequest>(parsed).args["seconds"] == 2);
  // args may be left out or null when a command takes none.
  for (const char* line : {R"({"command":"status"})", R"({"command":"status","args":null})",
                           R"({"command":"status","args":{}})"}) {
    const auto request = control_detail::parse_request_line(line);
    REQUIRE(std::holds_alternative<control_detail::ParsedRequest>(request));
    CHECK(std::get<control_detail::ParsedRequest>(request).args == json::object());
  }
}

TEST_CASE("monitor timestamps are UTC with milliseconds", "[control]") {
  using namespace std::chrono;
  const system_clock::time_point t =
      system_clock::time_point(sys_days(year(2026) / December / 7).time_since_epoch()) + hours(21) +
      milliseconds(123);
  CHECK(control_timestamp(t) == "2026-12-07T21:00:00.123Z");
  CHECK(control_timestamp(system_clock::time_point{}) == "1970-01-01T00:00:00.000Z");
}
