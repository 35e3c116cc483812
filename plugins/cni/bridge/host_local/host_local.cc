#include "plugins/cni/bridge/host_local/host_local.h"

#include "plugins/cni/bridge/host_local/allocator.h"

#include <hostlet/sdk/network_plugin.h>

#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <limits>

namespace hostlet::bridge::host_local {
namespace {

// How many addresses lie from `start` to `end` inclusive, saturating for IPv6-sized ranges.
uint64_t CountAddresses(const IpAddress& start, const IpAddress& end) {
  const size_t size = start.size();
  for (size_t i = 0; i + 8 < size; ++i) {
    if (start.data()[i] != end.data()[i]) return std::numeric_limits<uint64_t>::max();
  }
  auto low64 = [size](const IpAddress& address) {
    uint64_t value = 0;
    for (size_t i = size >= 8 ? size - 8 : 0; i < size; ++i) value = value << 8 | address.data()[i];
    return value;
  };
  uint64_t span = low64(end) - low64(start);
  return span == std::numeric_limits<uint64_t>::max() ? span : span + 1;
}

uint64_t Capacity(const RangeSet& set) {
  uint64_t total = 0;
  for (const Range& range : set.ranges) {
    uint64_t count =
        CountAddresses(range.start, range.end) - (range.Contains(range.gateway) ? 1 : 0);
    total = count > std::numeric_limits<uint64_t>::max() - total
                ? std::numeric_limits<uint64_t>::max()
                : total + count;
  }
  return total;
}

}  // namespace

HostLocal::HostLocal(IpamConfig config)
    : config_(std::move(config)), store_(config_.data_dir, config_.network) {}

IpamResult HostLocal::Allocate(const Attachment& attachment) {
  IpamResult result;
  std::vector<IpAddress> requested = config_.requested;
  std::vector<IpAddress> reserved;
  auto lock = store_.Acquire();
  try {
    for (size_t i = 0; i < config_.range_sets.size(); ++i) {
      const RangeSet& set = config_.range_sets[i];
      std::optional<IpAddress> wanted;
      auto match = std::find_if(requested.begin(), requested.end(),
                                [&](const IpAddress& address) { return set.Contains(address); });
      if (match != requested.end()) {
        wanted = *match;
        requested.erase(match);
      }
      try {
        Allocation allocation =
            host_local::Allocate(store_, set, static_cast<int>(i), attachment, wanted);
        result.ips.push_back({allocation.address, allocation.gateway});
        reserved.push_back(allocation.address.address());
      } catch (const CniError& error) {
        throw CniError(error.code(),
                       "failed to allocate for range " + std::to_string(i) + ": " + error.what());
      }
    }
    if (!requested.empty()) {
      std::string message = "failed to allocate all requested IPs:";
      for (const IpAddress& address : requested) message += " " + address.ToString();
      throw CniError(kCniPluginFailure, message);
    }
  } catch (...) {
    // All or nothing: whatever this call reserved goes back before the lock is released.
    for (const IpAddress& address : reserved) store_.ReleaseAddress(address);
    throw;
  }
  result.routes = config_.routes;
  result.dns = config_.dns;
  return result;
}

std::vector<IpAddress> HostLocal::Release(const Attachment& attachment) {
  auto lock = store_.Acquire();
  return store_.Release(attachment);
}

void HostLocal::GiveBack(const Attachment& attachment, const std::vector<IpamIp>& addresses) {
  auto lock = store_.Acquire();
  for (const IpamIp& ip : addresses) store_.ReleaseIfHeldBy(ip.address.address(), attachment);
}

void HostLocal::CheckHeld(const Attachment& attachment) {
  auto lock = store_.Acquire();
  if (store_.Find(attachment).empty()) {
    throw CniError(kCniPluginFailure,
                   "host-local: Failed to find address added by container " + attachment.first);
  }
}

std::vector<IpAddress> HostLocal::GarbageCollect(const std::set<Attachment>& valid) {
  auto lock = store_.Acquire();
  return store_.ReleaseAllBut(valid);
}

void HostLocal::CheckAvailable() {
  if (access(store_.directory().c_str(), W_OK) != 0) {
    throw CniError(kCniNotAvailable, "host-local: cannot write " + store_.directory());
  }
  std::vector<Reservation> reservations;
  {
    auto lock = store_.Acquire();
    reservations = store_.List();
  }
  for (size_t i = 0; i < config_.range_sets.size(); ++i) {
    const RangeSet& set = config_.range_sets[i];
    uint64_t held = std::count_if(reservations.begin(), reservations.end(),
                                  [&](const Reservation& r) { return set.Contains(r.address); });
    if (held >= Capacity(set)) {
      throw CniError(kCniNotAvailable, "no IP addresses available in range set " +
                                           std::to_string(i) + ": " + set.ToString());
    }
  }
}

}  // namespace hostlet::bridge::host_local
