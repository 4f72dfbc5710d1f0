#include "listen_socket.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <system_error>
#include <utility>

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

namespace ivrd::ivr::control_detail {
namespace {

sockaddr_un socket_address(const std::string& path) {
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  if (path.empty() || path.size() >= sizeof address.sun_path) {
    throw std::runtime_error("control socket path '" + path + "' is empty or longer than " +
                             std::to_string(sizeof address.sun_path - 1) + " bytes");
  }
  std::memcpy(address.sun_path, path.c_str(), path.size() + 1);
  return address;
}

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }
  int release() { return std::exchange(fd_, -1); }

 private:
  int fd_;
};

[[noreturn]] void fail(const std::string& what, const std::string& path) {
  throw std::system_error(errno, std::generic_category(), what + " " + path);
}

// A socket file left by a daemon that died accepts no connection; one whose
// daemon runs does.
void clear_stale_socket(const std::string& path, const sockaddr_un& address) {
  struct stat status {};
  if (lstat(path.c_str(), &status) != 0) {
    if (errno == ENOENT) return;
    fail("cannot inspect control socket", path);
  }
  if (!S_ISSOCK(status.st_mode)) {
    throw std::runtime_error("control socket path " + path + " exists and is not a socket");
  }
  Fd probe(socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (probe.get() < 0) fail("socket() for", path);
  if (connect(probe.get(), reinterpret_cast<const sockaddr*>(&address), sizeof address) == 0) {
    throw std::runtime_error("control socket " + path + " is in use: another ivrd is running");
  }
  if (errno != ECONNREFUSED) fail("cannot probe control socket", path);
  if (unlink(path.c_str()) != 0 && errno != ENOENT)
    fail("cannot remove stale control socket", path);
}

}  // namespace

ListeningSocket listen_on(const std::string& path, std::optional<gid_t> group) {
  const sockaddr_un address = socket_address(path);
  clear_stale_socket(path, address);
  Fd fd(socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (fd.get() < 0) fail("socket() for", path);
  if (bind(fd.get(), reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0) {
    fail("cannot bind control socket", path);
  }
  // Nobody can connect before listen(), so setting the mode and group after
  // bind() leaves no window with the umask's permissions.
  ListeningSocket result;
  try {
    if (chmod(path.c_str(), 0660) != 0) fail("cannot chmod control socket", path);
    if (group && chown(path.c_str(), static_cast<uid_t>(-1), *group) != 0) {
      fail("cannot give the admin group to control socket", path);
    }
    struct stat status {};
    if (stat(path.c_str(), &status) != 0) fail("cannot inspect control socket", path);
    result.device = status.st_dev;
    result.inode = status.st_ino;
    if (listen(fd.get(), 64) != 0) fail("cannot listen on control socket", path);
  } catch (...) {
    unlink(path.c_str());
    throw;
  }
  result.fd = fd.release();
  return result;
}

void remove_socket_file(const std::string& path, const ListeningSocket& socket) {
  struct stat status {};
  if (lstat(path.c_str(), &status) == 0 && status.st_dev == socket.device &&
      status.st_ino == socket.inode) {
    unlink(path.c_str());
  }
}

}  // namespace ivrd::ivr::control_detail
