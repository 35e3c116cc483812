// The optional services the host offers module instances through hostlet_host::get_service,
// by versioned id (e.g. HOSTLET_SERVICE_NETWORK). Each offered struct must outlive every
// instance created with this set.
#pragma once

#include <map>
#include <string>

namespace hostlet::plugins {

class HostServices {
 public:
  void Offer(const std::string& id, const void* service) { services_[id] = service; }
  const void* Find(const char* id) const {
    auto found = services_.find(id);
    return found == services_.end() ? nullptr : found->second;
  }

 private:
  std::map<std::string, const void*, std::less<>> services_;
};

}  // namespace hostlet::plugins
