#include "peer_auth.hpp"

#include <grp.h>
#include <pwd.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <system_error>

#include <sys/socket.h>

namespace ivrd::ivr::control_detail {
namespace {

size_t lookup_buffer_size() {
  const long size = sysconf(_SC_GETPW_R_SIZE_MAX);
  return size > 0 ? static_cast<size_t>(size) : 16384;
}

struct UserEntry {
  std::string name;
  gid_t primary_gid = 0;
};

std::optional<UserEntry> user_entry(uid_t uid) {
  std::vector<char> buffer(lookup_buffer_size());
  for (;;) {
    passwd entry{};
    passwd* found = nullptr;
    const int error = getpwuid_r(uid, &entry, buffer.data(), buffer.size(), &found);
    if (error == ERANGE && buffer.size() < (1u << 20)) {
      buffer.resize(buffer.size() * 2);
      continue;
    }
    if (error != 0 || found == nullptr) return std::nullopt;
    return UserEntry{entry.pw_name, entry.pw_gid};
  }
}

std::vector<gid_t> user_groups(const std::string& name, gid_t primary) {
  int count = 32;
  std::vector<gid_t> groups;
  for (int attempt = 0; attempt < 8; ++attempt) {
    groups.resize(static_cast<size_t>(count));
    int wanted = count;
    if (getgrouplist(name.c_str(), primary, groups.data(), &wanted) >= 0) {
      groups.resize(static_cast<size_t>(wanted));
      return groups;
    }
    count = std::max(wanted, count * 2);
  }
  return {primary};
}

}  // namespace

PeerCredentials peer_credentials(int fd, std::vector<gid_t>& peer_groups) {
  ucred credentials{};
  socklen_t length = sizeof credentials;
  if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &credentials, &length) != 0) {
    throw std::system_error(errno, std::generic_category(), "SO_PEERCRED");
  }
  PeerCredentials peer;
  peer.pid = credentials.pid;
  peer.uid = credentials.uid;
  peer.gid = credentials.gid;
  if (const std::optional<UserEntry> user = user_entry(peer.uid)) peer.user = user->name;

  peer_groups.clear();
#ifdef SO_PEERGROUPS
  std::vector<gid_t> groups(64);
  for (int attempt = 0; attempt < 4; ++attempt) {
    socklen_t bytes = static_cast<socklen_t>(groups.size() * sizeof(gid_t));
    if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, groups.data(), &bytes) == 0) {
      groups.resize(bytes / sizeof(gid_t));
      peer_groups = std::move(groups);
      break;
    }
    if (errno != ERANGE) break;
    groups.resize(bytes / sizeof(gid_t) + 1);
  }
#endif
  return peer;
}

std::optional<gid_t> group_id(const std::string& name) {
  if (name.empty()) return std::nullopt;
  std::vector<char> buffer(lookup_buffer_size());
  for (;;) {
    group entry{};
    group* found = nullptr;
    const int error = getgrnam_r(name.c_str(), &entry, buffer.data(), buffer.size(), &found);
    if (error == ERANGE && buffer.size() < (1u << 22)) {
      buffer.resize(buffer.size() * 2);
      continue;
    }
    if (error != 0 || found == nullptr) return std::nullopt;
    return entry.gr_gid;
  }
}

std::optional<std::string> refuse_peer(const PeerCredentials& peer,
                                       const std::vector<gid_t>& peer_groups,
                                       const std::string& admin_group) {
  if (peer.uid == 0) return std::nullopt;
  if (const std::optional<gid_t> admin = group_id(admin_group)) {
    if (peer.gid == *admin) return std::nullopt;
    if (std::find(peer_groups.begin(), peer_groups.end(), *admin) != peer_groups.end()) {
      return std::nullopt;
    }
    if (const std::optional<UserEntry> user = user_entry(peer.uid)) {
      const std::vector<gid_t> groups = user_groups(user->name, user->primary_gid);
      if (std::find(groups.begin(), groups.end(), *admin) != groups.end()) return std::nullopt;
    }
  }
  const std::string who = peer.user.empty()
                              ? "uid " + std::to_string(peer.uid)
                              : "user '" + peer.user + "' (uid " + std::to_string(peer.uid) + ")";
  if (admin_group.empty()) return "permission denied: " + who + " is not root";
  return "permission denied: " + who + " is not root or in group '" + admin_group + "'";
}

}  // namespace ivrd::ivr::control_detail
