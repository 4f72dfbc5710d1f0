// ivrctl run as a technician runs it: the real binary in its own process,
// against a stand-in daemon (ivrctl-test-server) on a real socket, output,
// --json and exit codes checked.

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <thread>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>

#include "ivrd/test_support/temp_dir.hpp"

#include "json_line.hpp"
#include "run_program.hpp"

using namespace ivrd::cli_tests;
namespace ts = ivrd::test_support;

extern char** environ;

namespace {

ProgramResult ivrctl(const std::vector<std::string>& args,
                     const std::vector<std::string>& environment = {}) {
  return run_program(IVRCTL_PATH, args, environment);
}

bool accepts_connections(const std::string& path) {
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::strncpy(address.sun_path, path.c_str(), sizeof address.sun_path - 1);
  const bool ok = ::connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) == 0;
  ::close(fd);
  return ok;
}

// ivrctl-test-server on `socket`, for as long as this object lives: its
// standard input is a pipe whose end closes when this object goes.
class TestServer {
 public:
  explicit TestServer(const std::string& socket) {
    int fds[2];
    REQUIRE(pipe2(fds, O_CLOEXEC) == 0);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, fds[0], 0);
    std::string program = IVRCTL_TEST_SERVER_PATH;
    std::string socket_arg = socket;
    char* argv[] = {program.data(), socket_arg.data(), nullptr};
    const int error = posix_spawn(&pid_, program.c_str(), &actions, nullptr, argv, environ);
    posix_spawn_file_actions_destroy(&actions);
    ::close(fds[0]);
    stdin_ = fds[1];
    REQUIRE(error == 0);
    const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!accepts_connections(socket)) {
      REQUIRE(std::chrono::steady_clock::now() < give_up);
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  }
  ~TestServer() {
    ::close(stdin_);
    int status = 0;
    waitpid(pid_, &status, 0);
  }
  TestServer(const TestServer&) = delete;
  TestServer& operator=(const TestServer&) = delete;

 private:
  pid_t pid_ = 0;
  int stdin_ = -1;
};

void check_usage_error(const ProgramResult& result, const std::string& mention) {
  CHECK(result.status == 64);
  CHECK(result.out.empty());
  const auto err = split_lines(result.err);
  REQUIRE(err.size() == 1);
  CHECK_THAT(err[0], Catch::StartsWith("ivrctl: ") && Catch::Contains(mention));
}

}  // namespace

TEST_CASE("ivrctl: usage errors exit 64 with one line naming the problem", "[ivrctl]") {
  check_usage_error(ivrctl({}), "missing command");
  check_usage_error(ivrctl({"reboot"}), "unknown command 'reboot'");
  check_usage_error(ivrctl({"--bogus", "status"}), "unrecognised option '--bogus'");
  check_usage_error(ivrctl({"show", "call"}), "needs a call ID");
  check_usage_error(ivrctl({"tone", "trunk-1", "busy"}), "'busy' is not ZONE/TONE");
}

TEST_CASE("ivrctl: --help lists the commands and exit codes", "[ivrctl]") {
  const ProgramResult result = ivrctl({"--help"});
  CHECK(result.status == 0);
  CHECK(result.err.empty());
  CHECK_THAT(result.out, Catch::Contains("sim call [--line L]"));
  CHECK_THAT(result.out, Catch::Contains("78 configuration errors"));
}

TEST_CASE("ivrctl: without a daemon, exit 2 and say so", "[ivrctl]") {
  ts::TempDir dir("ivrd-ivrctl-cli");
  const std::string socket = dir / "control.sock";
  ProgramResult result = ivrctl({"--socket", socket, "status"});
  CHECK(result.status == 2);
  CHECK(result.out.empty());
  CHECK(result.err == "ivrctl: ivrd is not running (no socket at " + socket + ")\n");
  result = ivrctl({"show", "calls"}, {"IVRD_SOCKET=" + socket});
  CHECK(result.status == 2);
  CHECK_THAT(result.err, Catch::Contains(socket));
}

TEST_CASE("ivrctl: round trips against a daemon's socket", "[ivrctl]") {
  ts::TempDir dir("ivrd-ivrctl-cli");
  const std::string socket = dir / "control.sock";
  const TestServer server(socket);

  ProgramResult result = ivrctl({"--socket", socket, "show", "lines"});
  CHECK(result.status == 0);
  CHECK(result.err.empty());
  CHECK(result.out ==
        "LINE     SPAN   ROLE       LABEL      STATE  CALL\n"
        "trunk-1  span1  trunk      Main line  idle   -\n"
        "ext-10   span1  extension  Reception  idle   -\n");

  result = ivrctl({"status", "--json"}, {"IVRD_SOCKET=" + socket});
  CHECK(result.status == 0);
  REQUIRE(split_lines(result.out).size() == 1);
  const nlohmann::json status = nlohmann::json::parse(result.out);
  CHECK(status["name"] == "ivrd");
  CHECK(status["lines"] == 2);
  CHECK(status["config"]["file"] == "/etc/ivrd/ivrd.toml");

  result = ivrctl({"--socket", socket, "show", "calls"});
  CHECK(result.status == 0);
  CHECK(result.out == "CALL  LINE  DIR  CALLER  NAME  TIME  MENU  STATE  ROUTE\n");

  result = ivrctl({"--socket", socket, "hangup", "c-4"});
  CHECK(result.status == 1);
  CHECK(result.err == "ivrctl: no call 'c-4'\n");

  result = ivrctl({"--socket", socket, "reload"});
  CHECK(result.status == 78);
  CHECK(result.out.empty());
  const auto errors = split_lines(result.err);
  REQUIRE(errors.size() == 2);
  CHECK(errors[0] == "ivrctl: configuration has 1 error; the old one keeps running");
  CHECK(errors[1] ==
        "/etc/ivrd/ivrd.toml:12:5: error: unknown key 'greting' (did you mean 'greeting'?)");

  // The sim call's options arrive as the protocol's arguments; the audio
  // file's name is made absolute for the daemon.
  result = ivrctl({"--socket", socket, "--json", "sim", "call", "--caller-id", "5551234", "--audio",
                   "caller.wav", "wait 2s; press 1; hangup"});
  CHECK(result.status == 0);
  CHECK_THAT(result.out, Catch::Contains(R"("caller_id":"5551234")"));
  CHECK_THAT(result.out, Catch::Contains(R"("script":"wait 2s; press 1; hangup")"));
  CHECK_THAT(result.out, Catch::Contains(R"("audio":"/)"));
}

TEST_CASE("ivrctl: monitor prints one line per event until the daemon stops", "[ivrctl]") {
  ts::TempDir dir("ivrd-ivrctl-cli");
  const std::string socket = dir / "control.sock";
  const bool json = GENERATE(false, true);
  const TestServer server(socket);
  std::vector<std::string> args{"--socket", socket, "monitor"};
  if (json) args.push_back("--json");
  const ProgramResult result = ivrctl(args);
  CHECK(result.status == 0);
  CHECK(result.err == "ivrctl: ivrd closed the monitor connection\n");
  const auto lines = split_lines(result.out);
  REQUIRE(lines.size() == 3);
  if (json) {
    for (size_t i = 0; i < lines.size(); ++i) {
      const JsonObject event = parse_json_object(lines[i]);
      CHECK(std::get<std::string>(event.at("digit")) == std::to_string(i));
    }
  } else {
    CHECK(lines[0] == "21:00:00.000  ring  trunk-1  c-1  digit=0");
    CHECK(lines[2] == "21:00:02.000  digit  trunk-1  c-1  digit=2");
  }
}
