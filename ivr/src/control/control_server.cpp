#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <exception>
#include <map>
#include <system_error>
#include <variant>

#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>

#include "ivrd/ivr/control.hpp"

#include "connection.hpp"
#include "listen_socket.hpp"
#include "peer_auth.hpp"
#include "protocol.hpp"

namespace ivrd::ivr {

using control_detail::Connection;
using TimePoint = std::chrono::steady_clock::time_point;

namespace {

constexpr uint64_t kListenerKey = 0;
constexpr uint64_t kWakeKey = 1;
constexpr size_t kReadChunk = 16 * 1024;
// Bytes read from one client per service() call, so one busy client cannot
// starve the others; epoll reports the rest next time.
constexpr size_t kReadPerService = 128 * 1024;

}  // namespace

std::string control_detail::Connection::describe() const {
  std::string who = "client pid " + std::to_string(peer.pid);
  if (!peer.user.empty()) who += " (" + peer.user + ")";
  return who;
}

struct ControlServer::Impl {
  std::string path;
  ControlServerOptions options;
  ControlHandler& handler;
  ControlLogFn log;
  control_detail::ListeningSocket listener;
  int epoll = -1;
  int wake = -1;
  uint64_t next_id = 2;
  std::map<uint64_t, std::shared_ptr<Connection>> connections;
  std::map<uint64_t, std::weak_ptr<Connection>> ready;  // buffered input to look at
  TimePoint now{};

  Impl(std::string socket_path, ControlServerOptions server_options, ControlHandler& h,
       ControlLogFn log_fn)
      : path(std::move(socket_path)),
        options(std::move(server_options)),
        handler(h),
        log(std::move(log_fn)) {}

  void say(const std::string& line) const {
    if (log) log("control: " + line);
  }

  void register_fd(int fd, uint64_t key, uint32_t events) {
    epoll_event event{};
    event.events = events;
    event.data.u64 = key;
    if (epoll_ctl(epoll, EPOLL_CTL_ADD, fd, &event) != 0) {
      throw std::system_error(errno, std::generic_category(), "epoll_ctl for control socket");
    }
  }

  void poke() const {
    const uint64_t one = 1;
    [[maybe_unused]] const ssize_t n = ::write(wake, &one, sizeof one);
  }

  void update_interest(Connection& c) {
    if (c.dead) return;
    uint32_t wanted = 0;
    if (!c.pending && !c.closing && !c.eof) wanted |= EPOLLIN | EPOLLRDHUP;
    if (c.unsent() > 0) wanted |= EPOLLOUT;
    if (wanted == c.interest) return;
    epoll_event event{};
    event.events = wanted;
    event.data.u64 = c.id;
    epoll_ctl(epoll, EPOLL_CTL_MOD, c.fd, &event);
    c.interest = wanted;
  }

  void close_connection(Connection& c) {
    if (c.dead) return;
    c.dead = true;
    epoll_ctl(epoll, EPOLL_CTL_DEL, c.fd, nullptr);
    ::close(c.fd);
    ready.erase(c.id);
    connections.erase(c.id);  // may destroy c: touch nothing after this
  }

  // Sends what it can; false when the connection was closed.
  bool flush(Connection& c) {
    while (c.unsent() > 0) {
      const ssize_t n =
          ::send(c.fd, c.out.data() + c.out_sent, c.unsent(), MSG_NOSIGNAL | MSG_DONTWAIT);
      if (n > 0) {
        c.out_sent += static_cast<size_t>(n);
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
      close_connection(c);  // the client has gone
      return false;
    }
    if (c.unsent() == 0) {
      c.out.clear();
      c.out_sent = 0;
      if (c.closing) {
        close_connection(c);
        return false;
      }
    } else if (c.out_sent > c.out.size() / 2) {
      c.out.erase(0, c.out_sent);
      c.out_sent = 0;
    }
    update_interest(c);
    return true;
  }

  // Queues one line; false when the connection was closed (gone, or dropped
  // for not reading).
  bool send_line(Connection& c, const std::string& line) {
    c.out += line;
    c.out += '\n';
    if (!flush(c)) return false;
    if (c.unsent() > options.max_pending_output) {
      say("dropped " + c.describe() + ": " + std::to_string(c.unsent()) +
          " bytes of output unread");
      close_connection(c);
      return false;
    }
    return true;
  }

  // Answers, then closes once the answer is sent (or the time is up).
  void close_after(Connection& c, const std::string& line) {
    c.closing = true;
    c.closing_deadline = now + options.request_timeout;
    c.partial_since.reset();
    c.in.clear();
    send_line(c, line);
  }

  void refuse_at_once(int fd, const std::string& error) {
    const std::string line =
        ControlReply::failure(ControlErrorCode::refused, error).to_line() + "\n";
    [[maybe_unused]] const ssize_t n =
        ::send(fd, line.data(), line.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    ::close(fd);
  }

  void accept_clients() {
    for (;;) {
      const int fd = accept4(listener.fd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
      if (fd < 0) {
        if (errno == EINTR || errno == ECONNABORTED) continue;
        if (errno != EAGAIN && errno != EWOULDBLOCK) {
          say(std::string("cannot accept a client: ") + std::strerror(errno));
        }
        return;
      }
      if (connections.size() >= options.max_clients) {
        const std::string error =
            "too many clients (" + std::to_string(options.max_clients) + " connected)";
        say("refused a client: " + error);
        refuse_at_once(fd, error);
        continue;
      }
      auto c = std::make_shared<Connection>();
      c->server = this;
      c->fd = fd;
      c->id = next_id++;
      std::vector<gid_t> peer_groups;
      try {
        c->peer = control_detail::peer_credentials(fd, peer_groups);
      } catch (const std::system_error& error) {
        say(std::string("refused a client: ") + error.what());
        refuse_at_once(fd, "permission denied: no peer credentials");
        continue;
      }
      if (const std::optional<std::string> refusal =
              control_detail::refuse_peer(c->peer, peer_groups, options.admin_group)) {
        say("refused pid " + std::to_string(c->peer.pid) + ": " + *refusal);
        refuse_at_once(fd, *refusal);
        continue;
      }
      c->interest = EPOLLIN | EPOLLRDHUP;
      try {
        register_fd(fd, c->id, c->interest);
      } catch (const std::system_error& error) {
        say(std::string("refused a client: ") + error.what());
        ::close(fd);
        continue;
      }
      connections.emplace(c->id, std::move(c));
    }
  }

  void read_from(const std::shared_ptr<Connection>& c) {
    std::array<char, kReadChunk> buffer;
    size_t total = 0;
    bool arrived = false;
    while (total < kReadPerService && !c->eof) {
      const ssize_t n = ::recv(c->fd, buffer.data(), buffer.size(), MSG_DONTWAIT);
      if (n > 0) {
        total += static_cast<size_t>(n);
        if (c->monitor) continue;  // a stream does not take requests any more
        c->in.append(buffer.data(), static_cast<size_t>(n));
        arrived = true;
        // Past the limit there is no point reading on: the line is refused.
        if (c->in.size() > options.max_request_bytes + 2 && c->in.find('\n') == std::string::npos) {
          break;
        }
        continue;
      }
      if (n == 0) {
        c->eof = true;
        break;
      }
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) break;
      close_connection(*c);
      return;
    }
    if (arrived) c->partial_since = now;
    take_requests(c);
  }

  // Hands complete lines to the handler, one request at a time.
  void take_requests(const std::shared_ptr<Connection>& c) {
    while (!c->dead && !c->pending && !c->closing) {
      const size_t end = c->in.find('\n');
      std::string line;
      if (end != std::string::npos) {
        line = c->in.substr(0, end);
        c->in.erase(0, end + 1);
      } else if (c->in.size() > options.max_request_bytes + 1 ||
                 (c->in.size() == options.max_request_bytes + 1 && c->in.back() != '\r')) {
        too_long(*c);
        return;
      } else if (c->eof && !c->in.empty()) {
        line = std::move(c->in);
        c->in.clear();
      } else {
        break;
      }
      if (!line.empty() && line.back() == '\r') line.pop_back();
      if (line.size() > options.max_request_bytes) {
        too_long(*c);
        return;
      }
      if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
      take_request(c, line);
    }
    if (c->dead) return;
    if (c->in.empty() || c->pending || c->closing) c->partial_since.reset();
    if (c->eof && c->in.empty() && !c->pending && !c->monitor && !c->closing) {
      c->closing = true;
      c->closing_deadline = now + options.request_timeout;
      if (!flush(*c)) return;
    }
    update_interest(*c);
  }

  void too_long(Connection& c) {
    say("closed " + c.describe() + ": request longer than " +
        std::to_string(options.max_request_bytes) + " bytes");
    close_after(c, ControlReply::failure(ControlErrorCode::bad_request,
                                         "request too long (more than " +
                                             std::to_string(options.max_request_bytes) + " bytes)")
                       .to_line());
  }

  void take_request(const std::shared_ptr<Connection>& c, const std::string& line) {
    std::variant<control_detail::ParsedRequest, ControlReply> parsed;
    try {
      parsed = control_detail::parse_request_line(line);
    } catch (const std::exception& error) {  // never let one request take the server down
      parsed = ControlReply::failure(ControlErrorCode::bad_request,
                                     std::string("unreadable request: ") + error.what());
    }
    if (auto* refusal = std::get_if<ControlReply>(&parsed)) {
      send_line(*c, refusal->to_line());
      return;
    }
    auto& request = std::get<control_detail::ParsedRequest>(parsed);
    if (request.command == "monitor") {
      c->monitor = true;
      c->in.clear();
      send_line(*c, ControlReply::success().to_line());
      return;
    }
    c->pending = true;
    const uint64_t serial = ++c->serial;
    ControlRequest control_request{std::move(request.command), std::move(request.args), c->peer};
    try {
      handler.handle(control_request, Connection::responder(c, serial));
    } catch (const std::exception& error) {
      say("request '" + control_request.command + "' of " + c->describe() +
          " failed: " + error.what());
    } catch (...) {
      say("request '" + control_request.command + "' of " + c->describe() + " failed");
    }
  }

  void deliver(const std::shared_ptr<Connection>& c, uint64_t serial, const ControlReply& reply) {
    if (c->dead || !c->pending || c->serial != serial) return;
    c->pending = false;
    if (!send_line(*c, reply.to_line())) return;
    // Requests that arrived meanwhile wait in `in` (or in the socket, which
    // update_interest() now reads again).
    if (!c->in.empty() || c->eof) {
      ready.emplace(c->id, c);
      poke();
    }
    update_interest(*c);
  }

  void expire(TimePoint at) {
    std::vector<std::shared_ptr<Connection>> late;
    for (const auto& [id, c] : connections) {
      if ((c->partial_since && *c->partial_since + options.request_timeout <= at) ||
          (c->closing_deadline && *c->closing_deadline <= at)) {
        late.push_back(c);
      }
    }
    for (const auto& c : late) {
      if (c->dead) continue;
      if (c->closing) {
        say("closed " + c->describe() + ": output not read in time");
        close_connection(*c);
        continue;
      }
      const auto seconds =
          std::chrono::duration_cast<std::chrono::duration<double>>(options.request_timeout);
      std::string limit = std::to_string(seconds.count());
      limit.erase(limit.find_last_not_of('0') + 1);
      if (limit.back() == '.') limit.pop_back();
      say("closed " + c->describe() + ": half-written request");
      close_after(
          *c, ControlReply::failure(ControlErrorCode::bad_request,
                                    "half-written request: no end of line within " + limit + " s")
                  .to_line());
    }
  }

  void service(TimePoint at) {
    now = at;
    std::array<epoll_event, 64> events;
    const int count = epoll_wait(epoll, events.data(), static_cast<int>(events.size()), 0);
    for (int i = 0; i < count; ++i) {
      const uint64_t key = events[static_cast<size_t>(i)].data.u64;
      const uint32_t what = events[static_cast<size_t>(i)].events;
      if (key == kListenerKey) {
        accept_clients();
        continue;
      }
      if (key == kWakeKey) {
        uint64_t value = 0;
        [[maybe_unused]] const ssize_t n = ::read(wake, &value, sizeof value);
        continue;
      }
      const auto found = connections.find(key);
      if (found == connections.end()) continue;
      const std::shared_ptr<Connection> c = found->second;
      if ((what & (EPOLLERR | EPOLLHUP)) != 0) {
        close_connection(*c);  // gone both ways: nobody to answer
        continue;
      }
      if ((what & EPOLLOUT) != 0 && !flush(*c)) continue;
      if ((what & (EPOLLIN | EPOLLRDHUP)) != 0) read_from(c);
    }
    while (!ready.empty()) {
      const std::shared_ptr<Connection> c = ready.begin()->second.lock();
      ready.erase(ready.begin());
      if (c && !c->dead) take_requests(c);
    }
    expire(at);
  }

  std::optional<TimePoint> next_deadline() const {
    std::optional<TimePoint> earliest;
    const auto consider = [&earliest](TimePoint t) {
      if (!earliest || t < *earliest) earliest = t;
    };
    for (const auto& [id, c] : connections) {
      if (c->partial_since) consider(*c->partial_since + options.request_timeout);
      if (c->closing_deadline) consider(*c->closing_deadline);
    }
    return earliest;
  }

  void publish(const nlohmann::json& event) {
    std::vector<std::shared_ptr<Connection>> monitors;
    for (const auto& [id, c] : connections) {
      if (c->monitor && !c->closing) monitors.push_back(c);
    }
    if (monitors.empty()) return;
    const std::string line = control_detail::dump_line(event);
    for (const auto& c : monitors) {
      if (!c->dead) send_line(*c, line);
    }
  }

  void shut_down() {
    while (!connections.empty()) close_connection(*connections.begin()->second);
    if (epoll >= 0) ::close(epoll);
    if (wake >= 0) ::close(wake);
    if (listener.fd >= 0) {
      ::close(listener.fd);
      control_detail::remove_socket_file(path, listener);
    }
  }
};

ControlServer::ControlServer(std::string path, ControlServerOptions options,
                             ControlHandler& handler, ControlLogFn log)
    : impl_(std::make_unique<Impl>(std::move(path), std::move(options), handler, std::move(log))) {
  Impl& s = *impl_;
  s.epoll = epoll_create1(EPOLL_CLOEXEC);
  if (s.epoll < 0) throw std::system_error(errno, std::generic_category(), "epoll_create1");
  s.wake = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (s.wake < 0) {
    const int error = errno;
    ::close(s.epoll);
    throw std::system_error(error, std::generic_category(), "eventfd");
  }
  try {
    s.listener = control_detail::listen_on(s.path, control_detail::group_id(s.options.admin_group));
    s.register_fd(s.listener.fd, kListenerKey, EPOLLIN);
    s.register_fd(s.wake, kWakeKey, EPOLLIN);
  } catch (...) {
    s.shut_down();
    throw;
  }
}

ControlServer::~ControlServer() { impl_->shut_down(); }

int ControlServer::fd() const noexcept { return impl_->listener.fd; }
int ControlServer::epoll_fd() const noexcept { return impl_->epoll; }
const std::string& ControlServer::path() const noexcept { return impl_->path; }

void ControlServer::service(std::chrono::steady_clock::time_point now) { impl_->service(now); }

std::optional<std::chrono::steady_clock::time_point> ControlServer::next_deadline() const {
  return impl_->next_deadline();
}

void ControlServer::publish(const nlohmann::json& event) { impl_->publish(event); }

size_t ControlServer::client_count() const noexcept { return impl_->connections.size(); }

size_t ControlServer::monitor_count() const noexcept {
  return static_cast<size_t>(
      std::count_if(impl_->connections.begin(), impl_->connections.end(),
                    [](const auto& entry) { return entry.second->monitor; }));
}

// ---------------------------------------------------------------------------

ControlResponder::ControlResponder(std::weak_ptr<control_detail::Connection> connection,
                                   uint64_t serial) noexcept
    : connection_(std::move(connection)), serial_(serial) {}

ControlResponder::ControlResponder(ControlResponder&& other) noexcept
    : connection_(std::move(other.connection_)), serial_(other.serial_) {
  other.connection_.reset();
}

ControlResponder& ControlResponder::operator=(ControlResponder&& other) noexcept {
  if (this != &other) {
    if (!connection_.expired()) {
      try {
        reply(ControlReply::failure(ControlErrorCode::failed, "request dropped"));
      } catch (...) {
      }
    }
    connection_ = std::move(other.connection_);
    other.connection_.reset();
    serial_ = other.serial_;
  }
  return *this;
}

ControlResponder::~ControlResponder() {
  if (connection_.expired()) return;
  try {
    reply(ControlReply::failure(ControlErrorCode::failed, "request dropped"));
  } catch (...) {
    // Nothing more can be done for a client whose reply cannot be built.
  }
}

void ControlResponder::reply(ControlReply reply) {
  const std::shared_ptr<control_detail::Connection> connection = connection_.lock();
  connection_.reset();
  if (!connection || connection->dead) return;
  connection->server->deliver(connection, serial_, reply);
}

bool ControlResponder::client_present() const noexcept {
  const std::shared_ptr<control_detail::Connection> connection = connection_.lock();
  return connection && !connection->dead && connection->pending && connection->serial == serial_;
}

}  // namespace ivrd::ivr
