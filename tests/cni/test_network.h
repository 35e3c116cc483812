// A bridge network for one test: unique network and bridge names, its own /24, its own host-local
// data directory; the configuration every backend is given; and what the test inspects on the
// host afterwards. The bridge and the data directory are removed on destruction.
#pragma once

#include "tests/cni/cni_backend.h"
#include "tests/support/fixtures.h"

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace hostlet::cni_test {

class TestNetwork {
 public:
  explicit TestNetwork(const std::string& tag);
  TestNetwork(const TestNetwork&) = delete;
  TestNetwork& operator=(const TestNetwork&) = delete;
  ~TestNetwork();

  // A bridge network with isGateway and one host-local range over the whole subnet.
  nlohmann::json Config(const std::string& cni_version = "1.0.0") const;

  const std::string& name() const { return name_; }
  const std::string& bridge() const { return bridge_; }
  std::string subnet() const { return prefix_ + ".0/24"; }
  std::string Address(int host) const { return prefix_ + "." + std::to_string(host); }
  std::string gateway() const { return Address(1); }
  // Whether `cidr` ("10.123.4.7/24") is a host address of this network's subnet.
  bool Contains(const std::string& cidr) const;
  std::string data_dir() const { return data_.path().string(); }
  std::string store_dir() const { return data_dir() + "/" + name_; }

  // The addresses host-local has on record for this network (files named by an address).
  std::vector<std::string> Reservations() const;
  // Interfaces attached to the bridge, on the host.
  std::vector<std::string> BridgePorts() const;
  // Whether the host has an interface with the bridge's name.
  bool BridgeExists() const;
  // Whether some process holds the store's lock (a LOCK_NB flock attempt fails).
  bool StoreLocked() const;

 private:
  std::string name_;
  std::string bridge_;
  std::string prefix_;  // "10.123.N"
  testing::TempDir data_;
};

// DELs an attachment on destruction (ignoring the outcome), so a failing test still releases
// what it added.
class ScopedAttachment {
 public:
  ScopedAttachment(CniBackend& backend, nlohmann::json config, CniCall call)
      : backend_(backend), config_(std::move(config)), call_(std::move(call)) {
    call_.command = "ADD";
    added_ = backend_.Run(call_, config_);
  }
  ~ScopedAttachment() {
    CniCall del = call_;
    del.command = "DEL";
    backend_.Run(del, config_);
  }
  const CniOutcome& added() const { return added_; }
  // The pod's first address without its prefix length.
  std::string address() const;

 private:
  CniBackend& backend_;
  nlohmann::json config_;
  CniCall call_;
  CniOutcome added_;
};

}  // namespace hostlet::cni_test
