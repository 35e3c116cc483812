// The reference host-local plugin's on-disk store, file for file, so that either plugin can take
// over a node's allocations from the other:
//   <dataDir>/<network>/<ip>                 one per allocated address: "<containerID>\r\n<ifname>"
//                                            (older versions wrote the container ID alone)
//   <dataDir>/<network>/last_reserved_ip.<n> the address last handed out from range set n
//   <dataDir>/<network>/lock                 flock()ed around every change, by all processes
#pragma once

#include "plugins/cni/bridge/ip_address.h"

#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace hostlet::bridge::host_local {

struct Reservation {
  IpAddress address;
  std::string container_id;
  std::string if_name;  // "" in a file written before interface names were recorded
};

// (container ID, interface name)
using Attachment = std::pair<std::string, std::string>;

class Store {
 public:
  // Creates the network's directory when missing. Throws CniError (kCniIoFailure).
  Store(const std::string& data_dir, const std::string& network);

  // Holds the network's lock (an exclusive flock on its lock file) until destroyed.
  class Lock {
   public:
    explicit Lock(const std::string& path);
    Lock(const Lock&) = delete;
    Lock& operator=(const Lock&) = delete;
    ~Lock();

   private:
    int fd_;
  };
  Lock Acquire() const { return Lock(directory_ + "/lock"); }

  // The calls below expect the lock to be held.

  // Records `address` for the attachment; false when another holds it already.
  bool Reserve(const Attachment& attachment, const IpAddress& address, int range_set);
  std::optional<IpAddress> LastReserved(int range_set) const;
  std::vector<Reservation> List() const;
  // The addresses of the attachment: its own files, or failing those, files with its container
  // ID alone (as older versions wrote them).
  std::vector<IpAddress> Find(const Attachment& attachment) const;
  std::vector<IpAddress> Release(const Attachment& attachment);
  // Releases every reservation whose attachment is not in `valid` (a legacy file is valid when
  // its container ID is); returns the addresses released.
  std::vector<IpAddress> ReleaseAllBut(const std::set<Attachment>& valid);
  void ReleaseAddress(const IpAddress& address);
  // Releases `address` if the attachment holds it.
  void ReleaseIfHeldBy(const IpAddress& address, const Attachment& attachment);

  const std::string& directory() const { return directory_; }

 private:
  std::string PathOf(const IpAddress& address) const;
  std::vector<Reservation> Matching(const Attachment& attachment) const;

  std::string directory_;
};

}  // namespace hostlet::bridge::host_local
