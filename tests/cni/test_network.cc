#include "tests/cni/test_network.h"

#include "tests/cni/test_netns.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <arpa/inet.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <sstream>

namespace hostlet::cni_test {

TestNetwork::TestNetwork(const std::string& tag)
    : name_(UniqueName("net-" + tag + "-")), bridge_(UniqueName("hb", 15)) {
  // The host is this process's own namespace, so any subnet is free; one per network keeps
  // networks of the same test apart.
  static std::atomic<int> next{1};
  prefix_ = "10.123." + std::to_string(next++ % 250 + 1);
}

TestNetwork::~TestNetwork() { Run({"ip", "link", "del", bridge_}); }

nlohmann::json TestNetwork::Config(const std::string& cni_version) const {
  return {
      {"cniVersion", cni_version},
      {"name", name_},
      {"type", "bridge"},
      {"bridge", bridge_},
      {"isGateway", true},
      {"ipam",
       {{"type", "host-local"}, {"dataDir", data_dir()}, {"ranges", {{{{"subnet", subnet()}}}}}}}};
}

bool TestNetwork::Contains(const std::string& cidr) const {
  const std::string head = prefix_ + ".";
  if (cidr.rfind(head, 0) != 0 || cidr.size() < 3 || cidr.substr(cidr.size() - 3) != "/24") {
    return false;
  }
  int host = std::atoi(cidr.substr(head.size()).c_str());
  return host > 0 && host < 255;
}

std::vector<std::string> TestNetwork::Reservations() const {
  std::vector<std::string> addresses;
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator(store_dir(), error)) {
    std::string file = entry.path().filename().string();
    unsigned char bytes[16];
    if (inet_pton(AF_INET, file.c_str(), bytes) == 1 ||
        inet_pton(AF_INET6, file.c_str(), bytes) == 1) {
      addresses.push_back(file);
    }
  }
  return addresses;
}

bool TestNetwork::BridgeExists() const {
  return Run({"ip", "link", "show", "dev", bridge_}).exit_code == 0;
}

std::vector<std::string> TestNetwork::BridgePorts() const {
  std::vector<std::string> ports;
  ProcessResult listing = Run({"ip", "-o", "link", "show", "master", bridge_});
  std::istringstream lines(listing.out);
  for (std::string line; std::getline(lines, line);) {
    // "7: vethabc@if2: <...>": the name sits between the first ": " and '@' or ':'.
    size_t begin = line.find(": ");
    if (begin == std::string::npos) continue;
    begin += 2;
    size_t end = line.find_first_of("@:", begin);
    ports.push_back(line.substr(begin, end - begin));
  }
  return ports;
}

bool TestNetwork::StoreLocked() const {
  int fd = open((store_dir() + "/lock").c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;  // no lock file: nobody can hold it
  bool locked = flock(fd, LOCK_EX | LOCK_NB) != 0;
  close(fd);
  return locked;
}

std::string ScopedAttachment::address() const {
  if (!added_.ok) return "";
  std::string cidr = added_.json["ips"][0]["address"];
  return cidr.substr(0, cidr.find('/'));
}

}  // namespace hostlet::cni_test
