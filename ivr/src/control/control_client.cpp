#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <utility>

#include <sys/socket.h>
#include <sys/un.h>

#include "ivrd/ivr/control.hpp"

#include "protocol.hpp"

namespace ivrd::ivr {
namespace {

using Kind = ControlClientError::Kind;
using TimePoint = std::chrono::steady_clock::time_point;

// A line from the daemon longer than this is not a reply of this protocol.
constexpr size_t kMaxReplyBytes = 64 * 1024 * 1024;

int milliseconds_until(std::optional<TimePoint> deadline) {
  if (!deadline) return -1;
  const auto left =
      std::chrono::ceil<std::chrono::milliseconds>(*deadline - std::chrono::steady_clock::now())
          .count();
  return static_cast<int>(std::clamp<long long>(left, 0, 1 << 30));
}

}  // namespace

ControlClient ControlClient::connect(const std::string& path) {
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  if (path.empty() || path.size() >= sizeof address.sun_path) {
    throw ControlClientError(Kind::io, "socket path '" + path + "' is empty or too long");
  }
  std::memcpy(address.sun_path, path.c_str(), path.size() + 1);
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw ControlClientError(Kind::io, std::string("socket: ") + std::strerror(errno));
  int result = 0;
  do {
    result = ::connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address);
  } while (result != 0 && errno == EINTR);
  if (result != 0) {
    const int error = errno;
    ::close(fd);
    switch (error) {
      case ENOENT:
      case ENOTDIR:
        throw ControlClientError(Kind::not_running,
                                 "ivrd is not running (no socket at " + path + ")");
      case ECONNREFUSED:
        throw ControlClientError(Kind::not_running,
                                 "ivrd is not running (" + path + " refuses connections)");
      case EACCES:
      case EPERM:
        throw ControlClientError(Kind::permission, "permission denied: cannot connect to " + path +
                                                       " (root or ivrd's admin group needed)");
      default:
        throw ControlClientError(Kind::io,
                                 "cannot connect to " + path + ": " + std::strerror(error));
    }
  }
  return ControlClient(fd);
}

ControlClient::ControlClient(ControlClient&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)), buffer_(std::move(other.buffer_)) {}

ControlClient& ControlClient::operator=(ControlClient&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = std::exchange(other.fd_, -1);
    buffer_ = std::move(other.buffer_);
  }
  return *this;
}

ControlClient::~ControlClient() {
  if (fd_ >= 0) ::close(fd_);
}

void ControlClient::send_line(const std::string& line, TimePoint deadline) {
  size_t sent = 0;
  while (sent < line.size()) {
    const ssize_t n =
        ::send(fd_, line.data() + sent, line.size() - sent, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n > 0) {
      sent += static_cast<size_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      pollfd p{fd_, POLLOUT, 0};
      const int ready = ::poll(&p, 1, milliseconds_until(deadline));
      if (ready == 0)
        throw ControlClientError(Kind::timeout, "ivrd did not take the request in time");
      continue;
    }
    // The daemon may have answered (a refusal) and closed before reading:
    // the caller still reads that answer.
    if (errno == EPIPE || errno == ECONNRESET) return;
    throw ControlClientError(Kind::io, std::string("cannot send to ivrd: ") + std::strerror(errno));
  }
}

std::optional<std::string> ControlClient::read_line(std::optional<TimePoint> deadline) {
  for (;;) {
    if (const size_t end = buffer_.find('\n'); end != std::string::npos) {
      std::string line = buffer_.substr(0, end);
      buffer_.erase(0, end + 1);
      if (!line.empty() && line.back() == '\r') line.pop_back();
      return line;
    }
    if (buffer_.size() > kMaxReplyBytes) {
      throw ControlClientError(Kind::protocol, "ivrd sent a line longer than 64 MiB");
    }
    pollfd p{fd_, POLLIN, 0};
    const int ready = ::poll(&p, 1, milliseconds_until(deadline));
    if (ready < 0) {
      if (errno == EINTR) continue;
      throw ControlClientError(Kind::io, std::string("poll: ") + std::strerror(errno));
    }
    if (ready == 0) return std::nullopt;
    std::array<char, 16384> chunk;
    const ssize_t n = ::recv(fd_, chunk.data(), chunk.size(), MSG_DONTWAIT);
    if (n > 0) {
      buffer_.append(chunk.data(), static_cast<size_t>(n));
      continue;
    }
    if (n < 0 && (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK)) continue;
    if (n == 0 || errno == ECONNRESET || errno == EPIPE) {
      if (!buffer_.empty()) {  // a last line without its '\n'
        std::string line = std::move(buffer_);
        buffer_.clear();
        return line;
      }
      throw ControlClientError(Kind::closed, "ivrd closed the connection without a reply");
    }
    throw ControlClientError(Kind::io,
                             std::string("cannot read from ivrd: ") + std::strerror(errno));
  }
}

ControlReply ControlClient::request(std::string_view command, const nlohmann::json& args,
                                    std::chrono::milliseconds timeout) {
  const TimePoint deadline = std::chrono::steady_clock::now() + timeout;
  nlohmann::json request{{"command", command}};
  if (!args.is_null() && !args.empty()) request["args"] = args;
  send_line(control_detail::dump_line(request) + "\n", deadline);
  const std::optional<std::string> line = read_line(deadline);
  if (!line) {
    const auto seconds = std::chrono::duration<double>(timeout).count();
    std::string shown = std::to_string(seconds);
    shown.erase(shown.find_last_not_of('0') + 1);
    if (shown.back() == '.') shown.pop_back();
    throw ControlClientError(Kind::timeout, "no reply from ivrd within " + shown + " s");
  }
  try {
    return ControlReply::from_line(*line);
  } catch (const std::invalid_argument& error) {
    throw ControlClientError(Kind::protocol, std::string("ivrd's ") + error.what());
  }
}

ControlReply ControlClient::monitor(const std::function<bool(const nlohmann::json&)>& on_event,
                                    std::chrono::milliseconds timeout) {
  ControlReply reply = request("monitor", nlohmann::json::object(), timeout);
  if (!reply.ok) return reply;
  for (;;) {
    std::optional<std::string> line;
    try {
      line = read_line(std::nullopt);
    } catch (const ControlClientError& error) {
      if (error.kind() == Kind::closed) return reply;
      throw;
    }
    if (!line || line->empty()) continue;
    nlohmann::json event;
    try {
      event = nlohmann::json::parse(*line);
    } catch (const nlohmann::json::exception&) {
      throw ControlClientError(Kind::protocol, "ivrd sent an event that is not JSON: " +
                                                   control_detail::one_line(line->substr(0, 80)));
    }
    if (!on_event(event)) return reply;
  }
}

}  // namespace ivrd::ivr
