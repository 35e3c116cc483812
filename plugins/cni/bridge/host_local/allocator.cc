#include "plugins/cni/bridge/host_local/allocator.h"

#include <hostlet/sdk/network_plugin.h>

namespace hostlet::bridge::host_local {
namespace {

// Walks a range set once around, from the address after `last` (when it lies in the set) or
// from the first range's start, skipping each range's gateway.
class RoundRobin {
 public:
  RoundRobin(const RangeSet& set, const std::optional<IpAddress>& last) : set_(set) {
    if (last && set.Contains(*last)) {
      for (size_t i = 0; i < set.ranges.size(); ++i) {
        if (set.ranges[i].Contains(*last)) {
          index_ = i;
          current_ = *last;
          break;
        }
      }
    }
  }

  // The next candidate and its range, or nullopt once every address has been offered.
  std::optional<std::pair<IpAddress, const Range*>> Next() {
    const Range* range = &set_.ranges[index_];
    if (!current_) {
      current_ = range->start;
      first_ = current_;
    } else {
      if (*current_ == range->end) {
        index_ = (index_ + 1) % set_.ranges.size();
        range = &set_.ranges[index_];
        current_ = range->start;
      } else {
        current_ = current_->Next();
      }
      if (!first_) {
        first_ = current_;
      } else if (*current_ == *first_) {
        return std::nullopt;
      }
    }
    if (*current_ == range->gateway) return Next();
    return std::make_pair(*current_, range);
  }

 private:
  const RangeSet& set_;
  size_t index_ = 0;
  std::optional<IpAddress> current_;
  std::optional<IpAddress> first_;
};

}  // namespace

Allocation Allocate(Store& store, const RangeSet& set, int index, const Attachment& attachment,
                    const std::optional<IpAddress>& requested) {
  if (requested) {
    const Range* range = set.Find(*requested);
    if (range == nullptr) {
      throw CniError(kCniPluginFailure,
                     requested->ToString() + " not in range set " + set.ToString());
    }
    if (*requested == range->gateway) {
      throw CniError(kCniPluginFailure,
                     "requested ip " + requested->ToString() + " is subnet's gateway");
    }
    if (!store.Reserve(attachment, *requested, index)) {
      throw CniError(kCniPluginFailure, "requested IP address " + requested->ToString() +
                                            " is not available in range set " + set.ToString());
    }
    return {IpNet(*requested, range->subnet.prefix()), range->gateway};
  }
  // The spec forbids a second ADD for the same attachment without a DEL in between.
  for (const IpAddress& held : store.Find(attachment)) {
    if (set.Contains(held)) {
      throw CniError(kCniPluginFailure, held.ToString() + " has been allocated to " +
                                            attachment.first +
                                            ", duplicate allocation is not allowed");
    }
  }
  RoundRobin candidates(set, store.LastReserved(index));
  while (auto candidate = candidates.Next()) {
    const auto& [address, range] = *candidate;
    if (store.Reserve(attachment, address, index)) {
      return {IpNet(address, range->subnet.prefix()), range->gateway};
    }
  }
  throw CniError(kCniPluginFailure, "no IP addresses available in range set: " + set.ToString());
}

}  // namespace hostlet::bridge::host_local
