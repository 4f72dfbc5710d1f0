#pragma once
// The control socket's file; internal to the ivr library.

#include <optional>
#include <string>

#include <sys/types.h>

namespace ivrd::ivr::control_detail {

struct ListeningSocket {
  int fd = -1;
  dev_t device = 0;  // of the socket file, to remove it only while it is still ours
  ino_t inode = 0;
};

// Binds and listens on `path` (non-blocking, close-on-exec), the file mode
// 0660 and its group `group` when given. A stale socket file is replaced; a
// live one or a path that is not a socket is refused with std::runtime_error
// naming the path; system errors are std::system_error naming the path.
ListeningSocket listen_on(const std::string& path, std::optional<gid_t> group);

// Removes the socket file if it is still the one listen_on() made.
void remove_socket_file(const std::string& path, const ListeningSocket& socket);

}  // namespace ivrd::ivr::control_detail
