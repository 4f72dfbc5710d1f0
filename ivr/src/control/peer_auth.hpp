#pragma once
// Who may use the control socket; internal to the ivr library.

#include <optional>
#include <string>
#include <vector>

#include <sys/types.h>

#include "ivrd/ivr/control.hpp"

namespace ivrd::ivr::control_detail {

// The credentials of a connected Unix socket's peer (SO_PEERCRED), the user
// name looked up; the peer process's supplementary groups (SO_PEERGROUPS)
// go to `peer_groups` when the kernel gives them. std::system_error when the
// socket has no peer credentials.
PeerCredentials peer_credentials(int fd, std::vector<gid_t>& peer_groups);

// The gid of a group name, or nothing when no such group exists.
std::optional<gid_t> group_id(const std::string& name);

// Whether `peer` may use the socket: root, or a member of `admin_group` (see
// control.hpp). Nothing when allowed, otherwise the refusal's text
// ("permission denied: user 'bob' (uid 1001) is not root or in group 'ivrd'").
std::optional<std::string> refuse_peer(const PeerCredentials& peer,
                                       const std::vector<gid_t>& peer_groups,
                                       const std::string& admin_group);

}  // namespace ivrd::ivr::control_detail
