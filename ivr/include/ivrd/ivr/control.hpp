#pragma once
// ivrd's control socket: the channel between the running daemon and `ivrctl`
// (docs/ivrctl.md is the user's side of the same protocol).
//
// Transport: a Unix stream socket (default /run/ivrd/control.sock). Both
// directions carry JSON text, one object per line ('\n'; a '\r' before it is
// ignored; blank lines are ignored):
//
//   request:  {"command": "show call", "args": {"call": "c-12"}}
//   reply:    {"ok": true, "body": {...}}
//             {"ok": false, "error": "no call 'c-12'", "code": "not_found"}
//             {"ok": false, "error": "...", "code": "config", "errors": ["file:1:2: error: ..."]}
//
// A connection may send any number of requests; they are answered one at a
// time, in order (a second request sent before the first is answered waits in
// the socket). `args` may be left out when a command takes none. A request
// that ends the stream without a final '\n' is still answered.
//
// Error codes (ControlErrorCode): refused (not authorised, too many clients),
// bad_request (the request itself is wrong: not JSON, not an object, no or an
// unknown command, an unknown argument or one of the wrong type, too long,
// not finished in time), not_found (the call, line or file named does not
// exist), failed (the daemon could not do it; also a request the daemon
// dropped), config (reload/check-config: the configuration has errors, each
// in "errors" as "file:line:column: error: ..."). A refusal for lack of
// permission always starts with "permission denied".
//
// `monitor` turns the connection into a stream: after its ok reply, every
// event the daemon publishes arrives as one JSON object per line until the
// client disconnects; anything the client sends afterwards is ignored.
//
// Limits (ControlServerOptions): a request line longer than 64 KiB is
// answered bad_request "request too long" and the connection closed; a
// connection that sends part of a line and then nothing for 5 s is answered
// bad_request and closed; at most 32 clients at once (the next ones get a
// refused line and are closed); a client whose unread output exceeds 1 MiB
// (a monitor that does not read) is dropped. None of this blocks the server:
// all sockets are non-blocking, and every refusal or drop is reported to the
// log callback.
//
// Authorisation: the peer's credentials (SO_PEERCRED, and the peer's
// supplementary groups from SO_PEERGROUPS) are read when it connects. Root
// (uid 0) is allowed, and so is a member of the admin group: by the peer's
// gid, by the user's primary group in the password database, by the user's
// supplementary groups there (getgrouplist), or by the peer process's own
// supplementary groups. An admin group that does not exist allows root only.
// Anyone else gets one line
//   {"ok": false, "code": "refused",
//    "error": "permission denied: user 'bob' (uid 1001) is not root or in group 'ivrd'"}
// and is closed. The socket file is created mode 0660 and given to the admin
// group when it exists. The user and group are looked up (getpwuid_r,
// getgrouplist, getgrnam_r) when a client connects, so membership changes
// apply without a restart; on an appliance these read local files.
//
// Threading: the server, its responders and publish() belong to one thread
// (the daemon's event loop); nothing here locks. The client is a plain
// blocking object for one thread.

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>
#include <sys/types.h>

namespace ivrd::ivr {

// The socket ivrctl uses unless --socket or IVRD_SOCKET says otherwise.
inline constexpr std::string_view kDefaultControlSocket = "/run/ivrd/control.sock";

// ---------------------------------------------------------------------------
// Commands and their bodies
//
// The server checks every request against this table before the handler sees
// it: the command must be one of these names, args an object holding only the
// listed keys, each of its type, the required ones present. `monitor` is
// served by ControlServer itself and never reaches the handler.
//
// Reply bodies the daemon produces (keys in this order; times in ms or s as
// named; strings are UTF-8; "-" is never used for a missing value: null is):
//
// status → {"name": "ivrd", "version": "0.1.0", "uptime_s": 8130.5,
//           "backend": "sim" | "dahdi",
//           "config": {"file": "/etc/ivrd/ivrd.toml", "generation": 3,
//                      "loaded_at": "2026-12-07T19:02:11.000Z"},
//           "spans": 1, "lines": 8, "calls": 2}
//
// show spans → {"spans": [{"name": "span1", "backend": "dahdi", "type": "analog" | "t1" | "e1",
//               "alarms": [] | ["red", "yellow", "blue", "loopback", "recovering"],
//               "lines": 4, "counters": {"<name>": <number>, ...}}]}
//     counters are the span's error counters ("framing_errors", "crc4_errors",
//     "code_violations", ...); ivrctl prints them as name=value.
//
// show lines → {"lines": [{"name": "trunk-1", "span": "span1", "role": "trunk" | "extension",
//               "label": "Main line", "state": "idle" | "ringing" | "in_call" | ...,
//               "call": null | "c-12"}]}
//
// show calls → {"calls": [<call>...]} with
//     <call> = {"id": "c-12", "line": "trunk-1", "direction": "inbound" | "outbound",
//               "caller_id": "5551234" | null, "caller_name": "JOHN DOE" | null,
//               "duration_s": 42.3, "menu": "main" | null, "state": "menu" | ...,
//               "route": "sales" | null}
//
// show call {"call": "c-12"} → {"call": <call> plus
//     "language": "en", "digits": "12#", "variables": {"<name>": "<value>", ...},
//     "history": [{"t_ms": 0, "event": "ring", "detail": "..."}, ...],
//     "dsp": {"echo": {"erle_db": 27.4, "erl_db": 6.1, "residual_dbm0": -48.2,
//                      "delay_ms": 10.0, "talk": "far_end", "nlp": "suppressing"} | null,
//             "dtmf_detected": 3}}
//     An unknown id → not_found "no call 'c-99'".
//
// reload → {"generation": 4}; a configuration with errors → config, with
//     "errors" (the old configuration keeps running).
//
// check-config {"file": optional absolute path; default the running file}
//     → {"summary": "ivrd.toml: 2 spans, 8 lines, 5 menus, 7 routes"} or config errors.
//
// hangup {"call": "c-12"} → {"call": "c-12"}; not_found for an unknown id.
//
// tone {"line": "trunk-1", "zone": "us", "tone": "busy", "seconds": 5 (optional)}
//     → {"line": "trunk-1", "zone": "us", "tone": "busy", "seconds": 5}, sent
//     when the tone starts; not_found for an unknown line, zone or tone.
//
// sim call {"line": optional trunk port, "caller_id": optional, "caller_name": optional,
//           "script": "wait 2s; press 1; wait 3s; press 123#; hangup",
//           "audio": optional absolute path, "max_seconds": optional (default 120)}
//     → at the end of the call: {"call": "c-13", "route": "sales" | null,
//        "ended": "caller_hangup" | "ivr_hangup" | "max_seconds" | ...,
//        "transcript": [{"t_ms": 0, "what": "ring", "detail": "..."}, ...]}
//     Script grammar (parsed by the daemon): steps separated by ';', each
//     `wait <n>s` or `wait <n>ms`, `press <digits>` (0-9, *, #, A-D; each
//     digit a 100 ms tone and a 100 ms gap), `say <file>` or `hangup`.
//
// monitor → {} then events, one per line:
//     {"t": "2026-12-07T21:00:00.123Z", "event": "ring" | "caller_id" | "answered" |
//      "digit" | "menu" | "prompt" | "route" | "hangup" | "alarm" | "reload",
//      "line": "trunk-1" | null, "call": "c-12" | null, ...event fields}
//     (control_timestamp() makes "t".)

enum class ControlArgType { string, positive_number };

struct ControlArgSpec {
  std::string_view name;
  ControlArgType type;
  bool required;
};

struct ControlCommandSpec {
  std::string_view name;  // "show call"
  std::span<const ControlArgSpec> args;
};

// Every command the protocol knows, in the order docs/ivrctl.md lists them.
std::span<const ControlCommandSpec> control_commands() noexcept;
// The command of that name, or nullptr.
const ControlCommandSpec* find_control_command(std::string_view name) noexcept;

// "2026-12-07T21:00:00.123Z": the monitor events' "t", UTC, millisecond precision.
std::string control_timestamp(std::chrono::system_clock::time_point when);

// ---------------------------------------------------------------------------
// Requests and replies

enum class ControlErrorCode { refused, bad_request, not_found, failed, config };

std::string_view control_error_code_name(ControlErrorCode code) noexcept;
std::optional<ControlErrorCode> parse_control_error_code(std::string_view name) noexcept;

struct ControlReply {
  bool ok = true;
  nlohmann::json body = nlohmann::json::object();  // ok replies
  std::string error;                               // failed replies: one line
  ControlErrorCode code = ControlErrorCode::failed;
  std::vector<std::string> errors;  // config: one "file:line:column: error: ..." each

  static ControlReply success(nlohmann::json body = nlohmann::json::object());
  static ControlReply failure(ControlErrorCode code, std::string error);
  static ControlReply config_errors(std::string error, std::vector<std::string> errors);

  // The reply as one protocol line without the '\n'. Line breaks in error
  // texts become spaces; bytes that are not UTF-8 become U+FFFD.
  std::string to_line() const;
  // Reads a reply line; std::invalid_argument naming the problem when the
  // line is not a reply.
  static ControlReply from_line(std::string_view line);
};

// Who is on the other end of a connection (from SO_PEERCRED).
struct PeerCredentials {
  pid_t pid = 0;
  uid_t uid = 0;
  gid_t gid = 0;
  std::string user;  // the user name, or "" when the uid has none
};

struct ControlRequest {
  std::string command;  // a name from control_commands()
  nlohmann::json args;  // an object, checked against the command's spec
  PeerCredentials peer;
};

namespace control_detail {
struct Connection;
}

// The way to answer one request: reply() now (inside handle()) or later, at
// most once, on the server's thread. Movable, not copyable. If the client has
// gone (or the server was destroyed) reply() does nothing. A responder
// destroyed without replying answers failed "request dropped".
class ControlResponder {
 public:
  ControlResponder() = default;
  ControlResponder(ControlResponder&& other) noexcept;
  ControlResponder& operator=(ControlResponder&& other) noexcept;
  ControlResponder(const ControlResponder&) = delete;
  ControlResponder& operator=(const ControlResponder&) = delete;
  ~ControlResponder();

  void reply(ControlReply reply);
  // Whether reply() may still be called and someone is there to read it.
  bool client_present() const noexcept;

 private:
  friend struct control_detail::Connection;
  ControlResponder(std::weak_ptr<control_detail::Connection> connection, uint64_t serial) noexcept;
  std::weak_ptr<control_detail::Connection> connection_;
  uint64_t serial_ = 0;
};

// The daemon's side: answers every well-formed request except monitor.
class ControlHandler {
 public:
  virtual ~ControlHandler() = default;
  // Called on the server's thread from service(). An exception thrown here is
  // logged and the request answered failed (unless it was answered already).
  virtual void handle(const ControlRequest& request, ControlResponder responder) = 0;
};

// One line for the daemon's log: refusals, drops, closed connections.
using ControlLogFn = std::function<void(const std::string& line)>;

struct ControlServerOptions {
  std::string admin_group = "ivrd";      // besides root; "" or an unknown group: root only
  size_t max_request_bytes = 64 * 1024;  // the line, without its '\n'
  std::chrono::milliseconds request_timeout{5000};  // part of a line, then silence
  size_t max_clients = 32;
  size_t max_pending_output = 1024 * 1024;  // unread output per client before it is dropped
};

// The listening side, for the daemon's epoll loop.
//
//   ControlServer server("/run/ivrd/control.sock", {.admin_group = "ivrd"}, handler, log);
//   add server.epoll_fd() to the loop's epoll set (EPOLLIN);
//   whenever it is readable, or at server.next_deadline():  server.service(now);
//   for every call event:  server.publish(event);
//
// epoll_fd() is the server's own epoll set (listening socket, clients, and an
// eventfd the responders and publish() poke). It is readable exactly when
// service() has something to do; service() never blocks. Timeouts are
// measured on the steady clock given to service(), so a test can drive them.
class ControlServer {
 public:
  // Creates the socket file at `path` (mode 0660, group admin_group when it
  // exists) and listens. A stale socket file (nobody accepts on it) is
  // replaced; a live one (another daemon) or a path that exists and is not a
  // socket gives std::runtime_error naming the path, as do bind/listen errors
  // (std::system_error, with errno).
  ControlServer(std::string path, ControlServerOptions options, ControlHandler& handler,
                ControlLogFn log = {});
  ~ControlServer();  // closes every connection and removes the socket file (if still ours)
  ControlServer(const ControlServer&) = delete;
  ControlServer& operator=(const ControlServer&) = delete;

  int fd() const noexcept;        // the listening socket
  int epoll_fd() const noexcept;  // poll this one
  const std::string& path() const noexcept;

  // Accepts, reads, answers and writes whatever is ready, without blocking,
  // and closes connections whose time ran out at `now`.
  void service(std::chrono::steady_clock::time_point now);
  // The earliest time service() must be called even if epoll_fd() stays
  // quiet (a half-written request's expiry), or nothing.
  std::optional<std::chrono::steady_clock::time_point> next_deadline() const;

  // Queues `event` (one JSON object) to every monitor client.
  void publish(const nlohmann::json& event);

  size_t client_count() const noexcept;
  size_t monitor_count() const noexcept;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

// ---------------------------------------------------------------------------
// The client (ivrctl's side)

class ControlClientError : public std::runtime_error {
 public:
  enum class Kind {
    not_running,  // no socket file, or nobody accepts on it
    permission,   // the socket file cannot be opened by this user
    timeout,      // no reply in time
    closed,       // the daemon closed the connection without a reply
    protocol,     // the daemon sent something that is not a reply
    io,           // any other socket error
  };
  ControlClientError(Kind kind, const std::string& message)
      : std::runtime_error(message), kind_(kind) {}
  Kind kind() const noexcept { return kind_; }

 private:
  Kind kind_;
};

class ControlClient {
 public:
  // Connects to the socket at `path`. ControlClientError: not_running with
  // "ivrd is not running (no socket at PATH)" or "ivrd is not running (PATH
  // refuses connections)", permission with "permission denied: cannot connect
  // to PATH (root or ivrd's admin group needed)", io otherwise.
  static ControlClient connect(const std::string& path);
  ControlClient(ControlClient&& other) noexcept;
  ControlClient& operator=(ControlClient&& other) noexcept;
  ~ControlClient();

  // Sends one request and waits up to `timeout` for its reply (ok or not).
  // ControlClientError (timeout, closed, protocol, io) when no reply comes.
  ControlReply request(std::string_view command,
                       const nlohmann::json& args = nlohmann::json::object(),
                       std::chrono::milliseconds timeout = std::chrono::seconds(10));

  // Sends monitor; a refusal is returned as it came. After the ok reply,
  // calls on_event for every event until it returns false (the reply is then
  // the ok one) or the daemon closes the connection (likewise).
  ControlReply monitor(const std::function<bool(const nlohmann::json& event)>& on_event,
                       std::chrono::milliseconds timeout = std::chrono::seconds(10));

  int fd() const noexcept { return fd_; }

 private:
  explicit ControlClient(int fd) noexcept : fd_(fd) {}
  // The next line, waiting until `deadline` (or forever without one).
  std::optional<std::string> read_line(
      std::optional<std::chrono::steady_clock::time_point> deadline);
  void send_line(const std::string& line, std::chrono::steady_clock::time_point deadline);

  int fd_ = -1;
  std::string buffer_;
};

}  // namespace ivrd::ivr
