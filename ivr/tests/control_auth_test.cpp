// Who may use the control socket, and the socket file itself. The tests run
// as root; a forked child that drops to nobody (uid 65534) plays the other
// users, its groups set with setgroups() so no system user has to be made.

#include <fcntl.h>
#include <grp.h>
#include <unistd.h>

#include <fstream>
#include <functional>

#include <catch2/catch.hpp>
#include <sys/stat.h>
#include <sys/wait.h>

#include "ivrd/test_support/temp_dir.hpp"

#include "control_fixtures.hpp"

using namespace ivrd::ivr;
using namespace ivrd::ivr::control_test;
namespace ts = ivrd::test_support;

namespace {

constexpr uid_t kNobody = 65534;
constexpr gid_t kNoGroup = 65534;

std::string group_name(gid_t gid) {
  const group* entry = getgrgid(gid);
  return entry != nullptr ? entry->gr_name : std::string();
}

// A group other than root's and nobody's, for membership by supplementary group.
std::optional<gid_t> some_other_group() {
  for (gid_t gid = 1; gid < 1000; ++gid) {
    if (gid != kNoGroup && !group_name(gid).empty()) return gid;
  }
  return std::nullopt;
}

// A temporary directory others can pass through to reach the socket.
struct OpenDir {
  ts::TempDir dir{"ivrd-control-auth"};
  std::string path = dir / "control.sock";
  OpenDir() { chmod(dir.path().c_str(), 0755); }
};

// What a client running as uid/gid with `groups` gets for a status request:
// the reply line, or "client error: <message>". The parent serves `server`
// meanwhile.
std::string status_as(ControlServer& server, uid_t uid, gid_t gid, std::vector<gid_t> groups) {
  int pipe_fds[2];
  REQUIRE(pipe2(pipe_fds, O_CLOEXEC) == 0);
  const pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    ::close(pipe_fds[0]);
    std::string result;
    if (setgroups(groups.size(), groups.data()) != 0 || setgid(gid) != 0 || setuid(uid) != 0) {
      result = "cannot become the user";
    } else {
      try {
        ControlClient client = ControlClient::connect(server.path());
        result = client.request("status", json::object(), std::chrono::seconds(5)).to_line();
      } catch (const ControlClientError& error) {
        result = std::string("client error ") +
                 (error.kind() == ControlClientError::Kind::permission ? "(permission)" : "") +
                 ": " + error.what();
      }
    }
    [[maybe_unused]] const ssize_t n = ::write(pipe_fds[1], result.data(), result.size());
    _exit(0);
  }
  ::close(pipe_fds[1]);
  fcntl(pipe_fds[0], F_SETFL, O_NONBLOCK);
  std::string output;
  int status = 0;
  bool exited = false;
  pump_until(server, Clock::now(), [&] {
    char chunk[4096];
    ssize_t n;
    while ((n = ::read(pipe_fds[0], chunk, sizeof chunk)) > 0)
      output.append(chunk, static_cast<size_t>(n));
    if (!exited) exited = waitpid(pid, &status, WNOHANG) == pid;
    return exited && n == 0;
  });
  ::close(pipe_fds[0]);
  if (!exited) {
    kill(pid, SIGKILL);
    waitpid(pid, &status, 0);
  }
  return output;
}

}  // namespace

TEST_CASE("the socket file is mode 0660 and belongs to the admin group", "[control][auth]") {
  REQUIRE(geteuid() == 0);
  OpenDir d;
  FakeHandler handler;
  ControlServer server(d.path, {.admin_group = group_name(kNoGroup)}, handler);
  struct stat status {};
  REQUIRE(stat(d.path.c_str(), &status) == 0);
  CHECK(S_ISSOCK(status.st_mode));
  CHECK((status.st_mode & 07777) == 0660);
  CHECK(status.st_gid == kNoGroup);
}

TEST_CASE("a user neither root nor in the admin group is refused, and that is logged",
          "[control][auth]") {
  REQUIRE(geteuid() == 0);
  OpenDir d;
  FakeHandler handler;
  std::vector<std::string> log;
  const std::string admin = GENERATE(std::string("root"), std::string("no-such-group-ivrd"));
  ControlServer server(d.path, {.admin_group = admin}, handler,
                       [&](const std::string& line) { log.push_back(line); });
  // The file's mode would keep nobody out before the daemon sees it; open it
  // to show that the daemon's own check refuses too.
  REQUIRE(chmod(d.path.c_str(), 0666) == 0);
  const std::string expected_error =
      "permission denied: user 'nobody' (uid 65534) is not root or in group '" + admin + "'";
  const std::string line = status_as(server, kNobody, kNoGroup, {});
  CHECK(json::parse(line) == json{{"ok", false}, {"error", expected_error}, {"code", "refused"}});
  REQUIRE(log.size() == 1);
  CHECK_THAT(log[0], Catch::Contains(expected_error));
  CHECK(handler.requests.empty());
  // Root is always let in.
  RawClient root(d.path);
  REQUIRE(root.send_request({{"command", "status"}}));
  const std::optional<std::string> reply = next_line(server, root);
  REQUIRE(reply);
  CHECK(json::parse(*reply)["ok"] == true);
}

TEST_CASE("the socket file's mode keeps other users out first", "[control][auth]") {
  REQUIRE(geteuid() == 0);
  OpenDir d;
  FakeHandler handler;
  ControlServer server(d.path, {.admin_group = "root"}, handler);
  const std::string line = status_as(server, kNobody, kNoGroup, {});
  CHECK(line == "client error (permission): permission denied: cannot connect to " + d.path +
                    " (root or ivrd's admin group needed)");
}

TEST_CASE("a member of the admin group is let in by primary or supplementary group",
          "[control][auth]") {
  REQUIRE(geteuid() == 0);
  OpenDir d;
  FakeHandler handler;
  std::vector<std::string> log;
  SECTION("by its gid (nobody's own group)") {
    ControlServer server(d.path, {.admin_group = group_name(kNoGroup)}, handler,
                         [&](const std::string& l) { log.push_back(l); });
    const json reply = json::parse(status_as(server, kNobody, kNoGroup, {}));
    CHECK(reply["ok"] == true);
    REQUIRE(handler.requests.size() == 1);
    CHECK(handler.requests[0].peer.uid == kNobody);
    CHECK(handler.requests[0].peer.user == "nobody");
  }
  SECTION("by a supplementary group given with setgroups()") {
    const std::optional<gid_t> other = some_other_group();
    REQUIRE(other);
    ControlServer server(d.path, {.admin_group = group_name(*other)}, handler,
                         [&](const std::string& l) { log.push_back(l); });
    const json reply = json::parse(status_as(server, kNobody, kNoGroup, {*other}));
    CHECK(reply["ok"] == true);
    // Without that group the same user is kept out (by the file's mode).
    const std::string refused = status_as(server, kNobody, kNoGroup, {});
    CHECK_THAT(refused, Catch::StartsWith("client error (permission)"));
  }
  CHECK(log.empty());
}

TEST_CASE("a stale socket file is replaced, a live one is not", "[control][auth]") {
  ts::TempDir dir("ivrd-control");
  const std::string path = dir / "control.sock";
  FakeHandler handler;
  SECTION("stale: left by a daemon that died") {
    {
      const int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
      sockaddr_un address{};
      address.sun_family = AF_UNIX;
      std::strncpy(address.sun_path, path.c_str(), sizeof address.sun_path - 1);
      REQUIRE(bind(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) == 0);
      REQUIRE(listen(fd, 1) == 0);
      ::close(fd);
    }
    try {
      ControlClient::connect(path);
      FAIL("connected to a stale socket");
    } catch (const ControlClientError& error) {
      CHECK(error.kind() == ControlClientError::Kind::not_running);
      CHECK(std::string(error.what()) == "ivrd is not running (" + path + " refuses connections)");
    }
    ControlServer server(path, {}, handler);
    RawClient client(path);
    REQUIRE(client.send_request({{"command", "status"}}));
    const std::optional<std::string> reply = next_line(server, client);
    REQUIRE(reply);
    CHECK(json::parse(*reply)["ok"] == true);
  }
  SECTION("live: a second daemon is refused and the first keeps its socket") {
    ControlServer first(path, {}, handler);
    try {
      ControlServer second(path, {}, handler);
      FAIL("a second server started on a live socket");
    } catch (const std::runtime_error& error) {
      CHECK(std::string(error.what()) ==
            "control socket " + path + " is in use: another ivrd is running");
    }
    RawClient client(path);
    REQUIRE(client.send_request({{"command", "status"}}));
    const std::optional<std::string> reply = next_line(first, client);
    REQUIRE(reply);
    CHECK(json::parse(*reply)["ok"] == true);
  }
  SECTION("something else at the path is left alone") {
    std::ofstream(path) << "not a socket\n";
    CHECK_THROWS_WITH(ControlServer(path, {}, handler),
                      "control socket path " + path + " exists and is not a socket");
    std::ifstream in(path);
    std::string content;
    std::getline(in, content);
    CHECK(content == "not a socket");
  }
  SECTION("the daemon removes its socket file when it stops, not someone else's") {
    { ControlServer server(path, {}, handler); }
    CHECK_FALSE(std::filesystem::exists(path));
    {
      ControlServer server(path, {}, handler);
      std::filesystem::remove(path);
      std::ofstream(path) << "another file\n";
    }
    CHECK(std::filesystem::exists(path));
  }
  SECTION("no socket at all") {
    try {
      ControlClient::connect(path);
      FAIL("connected to nothing");
    } catch (const ControlClientError& error) {
      CHECK(error.kind() == ControlClientError::Kind::not_running);
      CHECK(std::string(error.what()) == "ivrd is not running (no socket at " + path + ")");
    }
  }
}
