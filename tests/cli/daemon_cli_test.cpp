// The real ivrd binary: --check-config, usage errors, and the daemon on the
// simulated card reloading on SIGHUP and stopping cleanly on SIGTERM.

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <thread>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>

#include "ivrd/ivr/store.hpp"
#include "ivrd/test_support/temp_dir.hpp"

#include "run_program.hpp"

using namespace ivrd::cli_tests;
namespace ts = ivrd::test_support;

namespace {

const std::string kDemoConfig = std::string(IVRD_CONFIG_DIR) + "/demo.toml";

ProgramResult run_ivrd(const std::vector<std::string>& args) {
  return run_program(IVRD_PATH, args);
}

std::string read_text(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST_CASE("ivrd --check-config: OK, or every error with file:line:column and exit 78",
          "[cli][ivrd]") {
  const ProgramResult good = run_ivrd({"--check-config", "--config", kDemoConfig});
  CHECK(good.status == 0);
  CHECK_THAT(good.out, Catch::Contains("configuration OK"));

  ts::TempDir dir("ivrd-check");
  {
    std::ofstream config(dir / "bad.toml");
    config
        << "[appliance]\ntone_zone = \"us\"\noperatr = \"hang_up\"\n\n[incoming]\nmenu = \"mian\"\n"
           "\n[menus.main]\ngreeting = \"nothing\"\n";
  }
  const ProgramResult bad = run_ivrd({"--check-config", "--config", dir / "bad.toml"});
  CHECK(bad.status == 78);
  const auto lines = split_lines(bad.err);
  REQUIRE(lines.size() >= 3);
  CHECK_THAT(bad.err, Catch::Contains(dir / "bad.toml" + ":3:1: error: unknown key 'operatr'"));
  CHECK_THAT(bad.err, Catch::Contains("did you mean 'main'?"));
  for (const auto& line : lines) CHECK_THAT(line, Catch::StartsWith(dir / "bad.toml:"));
}

TEST_CASE("ivrd: unknown options exit 64 with one line and a hint", "[cli][ivrd]") {
  const ProgramResult result = run_ivrd({"--colour"});
  CHECK(result.status == 64);
  const auto lines = split_lines(result.err);
  REQUIRE(lines.size() == 2);
  CHECK_THAT(lines[0], Catch::StartsWith("ivrd: ") && Catch::Contains("--colour"));
  CHECK_THAT(lines[1], Catch::Contains("ivrd --help"));
}

// Starts ivrd in the foreground with its stderr in `log`; returns its pid.
pid_t start_daemon(const std::vector<std::string>& args, const std::filesystem::path& log) {
  std::fflush(stdout);  // nothing buffered may be written twice
  std::fflush(stderr);
  const pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    FILE* out = std::freopen(log.c_str(), "w", stderr);
    if (!out) _exit(127);
    std::vector<char*> argv;
    argv.push_back(const_cast<char*>(IVRD_PATH));
    for (const auto& arg : args) argv.push_back(const_cast<char*>(arg.c_str()));
    argv.push_back(nullptr);
    execv(IVRD_PATH, argv.data());
    _exit(127);
  }
  return pid;
}

int socket_connect(const std::string& path) {
  const int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  path.copy(address.sun_path, sizeof address.sun_path - 1);
  if (connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

// Starts `program` with `args`, its standard output in `out`; returns its pid.
pid_t spawn(const char* program, const std::vector<std::string>& args,
            const std::filesystem::path& out) {
  std::fflush(stdout);  // nothing buffered may be written twice
  std::fflush(stderr);
  const pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    if (!std::freopen(out.c_str(), "w", stdout)) _exit(127);
    std::vector<char*> argv;
    argv.push_back(const_cast<char*>(program));
    for (const auto& arg : args) argv.push_back(const_cast<char*>(arg.c_str()));
    argv.push_back(nullptr);
    execv(program, argv.data());
    _exit(127);
  }
  return pid;
}

// Waits for `text` in `log`, doing `poke` (if any) every half second meanwhile.
bool wait_for_text(const std::filesystem::path& log, const std::string& text, int seconds = 20,
                   const std::function<void()>& poke = {}) {
  const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
  auto next_poke = std::chrono::steady_clock::now();
  while (std::chrono::steady_clock::now() < end) {
    if (read_text(log).find(text) != std::string::npos) return true;
    if (poke && std::chrono::steady_clock::now() >= next_poke) {
      poke();
      next_poke = std::chrono::steady_clock::now() + std::chrono::milliseconds(500);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

TEST_CASE(
    "ivrd on the simulated card: a bad reload keeps the running configuration, "
    "a good one swaps it, SIGTERM stops cleanly",
    "[cli][ivrd]") {
  ts::TempDir dir("ivrd-run");
  std::filesystem::copy_file(kDemoConfig, dir / "ivrd.toml");
  const auto log = dir.path() / "ivrd.log";
  const pid_t pid = start_daemon({"--sim", "--foreground", "--config", dir / "ivrd.toml",
                                  "--socket", dir / "control.sock", "--state-dir", dir / "state"},
                                 log);
  REQUIRE(wait_for_text(log, "ivrd started"));

  // A broken file: every error logged, the old configuration stays.
  {
    std::ofstream config(dir / "ivrd.toml", std::ios::app);
    config << "\n[menus.extra]\ngreting = \"welcome\"\n";
  }
  REQUIRE(kill(pid, SIGHUP) == 0);
  REQUIRE(wait_for_text(log, "reload refused"));
  CHECK_THAT(read_text(log), Catch::Contains("unknown key 'greting'"));

  // Repaired: configuration 2 for new calls.
  std::filesystem::copy_file(kDemoConfig, dir / "ivrd.toml",
                             std::filesystem::copy_options::overwrite_existing);
  REQUIRE(kill(pid, SIGHUP) == 0);
  REQUIRE(wait_for_text(log, "configuration 2 in use for new calls"));

  REQUIRE(kill(pid, SIGTERM) == 0);
  int status = 0;
  REQUIRE(waitpid(pid, &status, 0) == pid);
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
  CHECK_THAT(read_text(log), Catch::Contains("ivrd stopped"));
}

TEST_CASE("ivrd: a configuration with errors refuses to start with exit 78", "[cli][ivrd]") {
  ts::TempDir dir("ivrd-run");
  {
    std::ofstream config(dir / "ivrd.toml");
    config << "[appliance]\nname = 5\n";
  }
  const ProgramResult result = run_ivrd(
      {"--sim", "--foreground", "--config", dir / "ivrd.toml", "--socket", dir / "control.sock"});
  CHECK(result.status == 78);
  CHECK_THAT(result.err, Catch::Contains(dir / "ivrd.toml" + ":2:8: error:"));
}

}  // namespace

TEST_CASE("ivrd --demo-call: the demo call's transcript, and its call record in the store",
          "[cli][ivrd][demo]") {
  ts::TempDir dir("ivrd-demo");
  const ProgramResult result =
      run_ivrd({"--sim", "--foreground", "--config", kDemoConfig, "--demo-call", "--socket",
                dir / "control.sock", "--state-dir", dir / "state"});
  INFO(result.err);
  REQUIRE(result.status == 0);
  CHECK_THAT(result.out, Catch::Contains("Call c-1 on line1 from 5550100 (Demo Caller)"));
  CHECK_THAT(result.out, Catch::Contains("Thank you for calling the demo office."));
  CHECK_THAT(result.out, Catch::Contains("Route reached: extension:support (support)"));

  auto store = ivrd::ivr::Store::open(ivrd::ivr::store_path(dir.path() / "state"));
  const auto calls = store.recent_calls(10);
  REQUIRE(calls.size() == 1);
  CHECK(calls[0].caller_number == "5550100");
  CHECK(calls[0].route == "extension:support");
  CHECK(calls[0].keys == "21");
  CHECK(calls[0].final_menu == "support");
  // Two US rings (2 s on, 4 s off) between the first ring and the answer.
  REQUIRE(calls[0].answered.has_value());
  CHECK(*calls[0].answered - calls[0].started >= std::chrono::seconds(5));
  CHECK(calls[0].ended > *calls[0].answered);
}

ProgramResult run_ivrctl(const std::string& socket, const std::vector<std::string>& args) {
  std::vector<std::string> all = {"--socket", socket};
  all.insert(all.end(), args.begin(), args.end());
  return run_program(IVRCTL_PATH, all);
}

TEST_CASE(
    "ivrctl against the running daemon: sim call with its transcript, show call, "
    "a refused reload, garbage on the socket",
    "[cli][ivrd][ivrctl]") {
  ts::TempDir dir("ivrd-ctl");
  std::filesystem::copy_file(kDemoConfig, dir / "ivrd.toml");
  const auto log = dir.path() / "ivrd.log";
  const std::string socket = dir / "control.sock";
  const pid_t pid = start_daemon({"--sim", "--foreground", "--config", dir / "ivrd.toml",
                                  "--socket", socket, "--state-dir", dir / "state"},
                                 log);
  REQUIRE(wait_for_text(log, "ivrd started"));

  const ProgramResult status = run_ivrctl(socket, {"--json", "status"});
  REQUIRE(status.status == 0);
  const auto status_body = nlohmann::json::parse(status.out);
  CHECK(status_body["backend"] == "sim");
  CHECK(status_body["lines"] == 5);

  // Live events while the call runs, and a scripted call in progress while
  // garbage, an oversize line and a half-written request hit the socket.
  const pid_t monitor =
      spawn(IVRCTL_PATH, {"--socket", socket, "--json", "monitor"}, dir.path() / "monitor.out");
  // The monitor is listening once it shows an event: a short test tone's.
  REQUIRE(wait_for_text(dir.path() / "monitor.out", "test_tone", 20, [&] {
    run_ivrctl(socket, {"tone", "line2", "us/busy", "0.2"});
  }));
  const pid_t caller = spawn(IVRCTL_PATH,
                             {"--socket", socket, "--json", "sim", "call", "--caller-id", "5551234",
                              "wait 2s; press 2; wait 2s; press 1; wait 3s; hangup"},
                             dir.path() / "call.out");
  {
    const int fd = socket_connect(socket);
    REQUIRE(fd >= 0);
    const std::string garbage = "\x01\x02{not json\n{\"command\": \"show call\", \"args\": 5}\n";
    REQUIRE(write(fd, garbage.data(), garbage.size()) == static_cast<ssize_t>(garbage.size()));
    char reply[512];
    CHECK(read(fd, reply, sizeof reply) > 0);
    close(fd);
    const int big = socket_connect(socket);
    REQUIRE(big >= 0);
    const std::string oversize(100 * 1024, 'x');
    (void)!write(big, oversize.data(), oversize.size());
    const int half = socket_connect(socket);
    REQUIRE(half >= 0);
    const std::string part = "{\"command\": \"sta";
    REQUIRE(write(half, part.data(), part.size()) == static_cast<ssize_t>(part.size()));
    CHECK(run_ivrctl(socket, {"status"}).status == 0);  // the others are still served
    close(big);
    close(half);
  }
  int caller_status = 0;
  REQUIRE(waitpid(caller, &caller_status, 0) == caller);
  REQUIRE(WIFEXITED(caller_status));
  REQUIRE(WEXITSTATUS(caller_status) == 0);
  kill(monitor, SIGTERM);
  waitpid(monitor, nullptr, 0);

  const auto body = nlohmann::json::parse(read_text(dir.path() / "call.out"));
  CHECK(body["route"] == "extension:support");
  CHECK(body["ended"] == "caller_hangup");
  bool heard_greeting = false;
  for (const auto& step : body["transcript"]) {
    if (step["what"] == "prompt" &&
        step["detail"].get<std::string>().starts_with("Thank you for calling")) {
      heard_greeting = true;
    }
  }
  CHECK(heard_greeting);

  std::vector<std::string> monitored;
  {
    std::ifstream events(dir.path() / "monitor.out");
    for (std::string line; std::getline(events, line);) {
      if (!line.empty()) monitored.push_back(nlohmann::json::parse(line)["event"]);
    }
  }
  for (const char* expected :
       {"ring", "caller_id", "answered", "menu", "digit", "route", "hangup"}) {
    CAPTURE(expected);
    CHECK(std::count(monitored.begin(), monitored.end(), expected) > 0);
  }

  // A test tone on the other trunk, and one of a zone that does not exist.
  const ProgramResult tone = run_ivrctl(socket, {"--json", "tone", "line2", "uk/busy", "1"});
  INFO(tone.err);
  CHECK(tone.status == 0);
  CHECK(run_ivrctl(socket, {"tone", "line2", "xx/busy"}).status == 1);

  const ProgramResult shown = run_ivrctl(socket, {"--json", "show", "call", body["call"]});
  REQUIRE(shown.status == 0);
  CHECK(nlohmann::json::parse(shown.out)["call"]["digits"] == "21");

  {
    std::ofstream config(dir / "ivrd.toml", std::ios::app);
    config << "\n[menus.extra]\ngreting = \"welcome\"\n";
  }
  const ProgramResult reload = run_ivrctl(socket, {"reload"});
  CHECK(reload.status == 78);
  CHECK_THAT(reload.err, Catch::Contains("unknown key 'greting'"));
  CHECK(nlohmann::json::parse(
            run_ivrctl(socket, {"--json", "status"}).out)["config"]["generation"] == 1);

  REQUIRE(kill(pid, SIGTERM) == 0);
  int exit_status = 0;
  REQUIRE(waitpid(pid, &exit_status, 0) == pid);
  CHECK(WEXITSTATUS(exit_status) == 0);
  CHECK_FALSE(std::filesystem::exists(socket));
}
