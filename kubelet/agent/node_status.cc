#include "kubelet/agent/node_status.h"

#include "kubelet/agent/version.h"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
#include <sys/socket.h>
#include <sys/statvfs.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <thread>

namespace hostlet::agent {

using nlohmann::json;

namespace {

std::string FirstLine(const std::filesystem::path& file) {
  std::ifstream in(file);
  std::string line;
  std::getline(in, line);
  return line;
}

std::string OsImage() {
  std::ifstream in("/etc/os-release");
  std::string line;
  while (std::getline(in, line)) {
    if (!line.starts_with("PRETTY_NAME=")) continue;
    std::string value = line.substr(12);
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"')
      value = value.substr(1, value.size() - 2);
    return value;
  }
  return "Linux";
}

std::int64_t MemoryKiB() {
  std::ifstream in("/proc/meminfo");
  std::string key;
  std::int64_t value = 0;
  while (in >> key >> value) {
    if (key == "MemTotal:") return value;
    in.ignore(1 << 10, '\n');
  }
  return 0;
}

int Cpus() {
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof set, &set) == 0) return CPU_COUNT(&set);
  return static_cast<int>(std::thread::hardware_concurrency());
}

std::string Architecture() {
  utsname name{};
  uname(&name);
  std::string machine = name.machine;
  if (machine == "x86_64") return "amd64";
  if (machine == "aarch64") return "arm64";
  return machine;
}

json Condition(const std::string& type, bool value, const std::string& reason,
               const std::string& message, const json& previous, const std::string& now) {
  json condition = {
      {"type", type},       {"status", value ? "True" : "False"}, {"reason", reason},
      {"message", message}, {"lastHeartbeatTime", now},           {"lastTransitionTime", now}};
  for (const auto& old : previous.value("conditions", json::array())) {
    if (old.is_object() && old.value("type", "") == type &&
        old.value("status", "") == condition["status"]) {
      condition["lastTransitionTime"] = old.value("lastTransitionTime", now);
    }
  }
  return condition;
}

}  // namespace

std::vector<std::string> DetectNodeIps(const std::string& configured) {
  if (!configured.empty()) return {configured};
  // connect() on a UDP socket sends nothing; it only asks the routing table which source
  // address the default route would use.
  int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd >= 0) {
    sockaddr_in remote{};
    remote.sin_family = AF_INET;
    remote.sin_port = htons(53);
    inet_pton(AF_INET, "192.0.2.1", &remote.sin_addr);  // TEST-NET-1: never routed anywhere real
    sockaddr_in local{};
    socklen_t length = sizeof local;
    if (connect(fd, reinterpret_cast<sockaddr*>(&remote), sizeof remote) == 0 &&
        getsockname(fd, reinterpret_cast<sockaddr*>(&local), &length) == 0 &&
        local.sin_addr.s_addr != 0) {
      char text[INET_ADDRSTRLEN];
      inet_ntop(AF_INET, &local.sin_addr, text, sizeof text);
      close(fd);
      return {text};
    }
    close(fd);
  }
  std::vector<std::string> ips;
  ifaddrs* list = nullptr;
  if (getifaddrs(&list) == 0) {
    for (ifaddrs* entry = list; entry != nullptr; entry = entry->ifa_next) {
      if (entry->ifa_addr == nullptr || entry->ifa_addr->sa_family != AF_INET) continue;
      if ((entry->ifa_flags & IFF_UP) == 0 || (entry->ifa_flags & IFF_LOOPBACK) != 0) continue;
      char text[INET_ADDRSTRLEN];
      inet_ntop(AF_INET, &reinterpret_cast<sockaddr_in*>(entry->ifa_addr)->sin_addr, text,
                sizeof text);
      ips.emplace_back(text);
      break;
    }
    freeifaddrs(list);
  }
  if (ips.empty()) ips.emplace_back("127.0.0.1");
  return ips;
}

json NodeStatus(const NodeFacts& facts, const json& previous_status, const std::string& now) {
  const json previous = previous_status.is_object() ? previous_status : json::object();
  std::int64_t storage_kib = 0;
  struct statvfs fs {};
  if (!facts.root_dir.empty() && statvfs(facts.root_dir.c_str(), &fs) == 0) {
    storage_kib =
        static_cast<std::int64_t>(fs.f_blocks) * static_cast<std::int64_t>(fs.f_frsize) / 1024;
  }
  json capacity = {{"cpu", std::to_string(Cpus())},
                   {"memory", std::to_string(MemoryKiB()) + "Ki"},
                   {"pods", std::to_string(facts.max_pods)},
                   {"ephemeral-storage", std::to_string(storage_kib) + "Ki"}};
  utsname name{};
  uname(&name);
  json addresses = json::array();
  for (const auto& ip : facts.ips) addresses.push_back({{"type", "InternalIP"}, {"address", ip}});
  addresses.push_back({{"type", "Hostname"}, {"address", facts.name}});
  json conditions =
      json::array({Condition("MemoryPressure", false, "KubeletHasSufficientMemory",
                             "kubelet has sufficient memory available", previous, now),
                   Condition("DiskPressure", false, "KubeletHasNoDiskPressure",
                             "kubelet has no disk pressure", previous, now),
                   Condition("PIDPressure", false, "KubeletHasSufficientPID",
                             "kubelet has sufficient PID available", previous, now),
                   facts.runtime_ready ? Condition("Ready", true, "KubeletReady",
                                                   "kubelet is posting ready status", previous, now)
                                       : Condition("Ready", false, "KubeletNotReady",
                                                   facts.runtime_problem, previous, now)});
  return {{"capacity", capacity},
          {"allocatable", capacity},
          {"conditions", conditions},
          {"addresses", addresses},
          {"daemonEndpoints", {{"kubeletEndpoint", {{"Port", facts.kubelet_port}}}}},
          {"nodeInfo",
           {{"machineID", FirstLine("/etc/machine-id")},
            {"systemUUID", FirstLine("/sys/class/dmi/id/product_uuid")},
            {"bootID", FirstLine("/proc/sys/kernel/random/boot_id")},
            {"kernelVersion", name.release},
            {"osImage", OsImage()},
            {"containerRuntimeVersion", facts.runtime_version},
            {"kubeletVersion", kAgentVersion},
            {"kubeProxyVersion", ""},
            {"operatingSystem", "linux"},
            {"architecture", Architecture()}}}};
}

json NodeObject(const NodeFacts& facts) {
  json labels = {{"kubernetes.io/hostname", facts.name},
                 {"kubernetes.io/os", "linux"},
                 {"kubernetes.io/arch", Architecture()},
                 {"beta.kubernetes.io/os", "linux"},
                 {"beta.kubernetes.io/arch", Architecture()}};
  for (const auto& [key, value] : facts.labels) labels[key] = value;
  return {{"apiVersion", "v1"},
          {"kind", "Node"},
          {"metadata", {{"name", facts.name}, {"labels", labels}}},
          {"spec", json::object()}};
}

json WithoutTimes(json status) {
  for (auto& condition : status["conditions"]) {
    condition.erase("lastHeartbeatTime");
    condition.erase("lastTransitionTime");
  }
  return status;
}

}  // namespace hostlet::agent
