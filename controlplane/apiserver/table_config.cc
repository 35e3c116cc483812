// What pods are given and how they are reached: configmaps, secrets, service accounts, services
// and endpoints.
#include "controlplane/apiserver/table_format.h"
#include "controlplane/apiserver/table_printers.h"

#include <set>

namespace hostlet::apiserver {
namespace {

using nlohmann::json;
using Clock = std::chrono::system_clock;

// How many endpoints the ENDPOINTS column lists before "+ N more...".
constexpr size_t kMaxEndpoints = 3;

std::string Age(const json& object, Clock::time_point now) {
  return Since(At(object, {"metadata", "creationTimestamp"}), now);
}

std::string Name(const json& object) { return StringAt(object, {"metadata", "name"}); }

PrintedRow PrintConfigMap(const json& config_map, Clock::time_point now) {
  PrintedRow row;
  row.cells =
      json::array({Name(config_map),
                   CountOf(At(config_map, {"data"})) + CountOf(At(config_map, {"binaryData"})),
                   Age(config_map, now)});
  return row;
}

PrintedRow PrintSecret(const json& secret, Clock::time_point now) {
  // stringData is folded into data on write; counting both keeps a secret stored as written
  // from reading short.
  std::set<std::string> keys;
  for (const char* field : {"data", "stringData"}) {
    const json& values = At(secret, {field});
    if (!values.is_object()) continue;
    for (const auto& [key, value] : values.items()) keys.insert(key);
  }
  PrintedRow row;
  row.cells = json::array({Name(secret), StringAt(secret, {"type"}),
                           static_cast<std::int64_t>(keys.size()), Age(secret, now)});
  return row;
}

PrintedRow PrintServiceAccount(const json& account, Clock::time_point now) {
  PrintedRow row;
  row.cells = json::array({Name(account), CountOf(At(account, {"secrets"})), Age(account, now)});
  return row;
}

// A service's type as defaulted: ClusterIP when none was given.
std::string ServiceType(const json& service) {
  std::string type = StringAt(service, {"spec", "type"});
  return type.empty() ? "ClusterIP" : type;
}

std::string ClusterIp(const json& service) {
  const json& ips = ArrayOf(At(service, {"spec", "clusterIPs"}));
  std::string ip = ips.empty() ? StringAt(service, {"spec", "clusterIP"})
                               : (ips[0].is_string() ? ips[0].get<std::string>() : "");
  return ip.empty() ? "<none>" : ip;
}

std::vector<std::string> Strings(const json& array) {
  std::vector<std::string> strings;
  for (const auto& value : ArrayOf(array)) {
    if (value.is_string()) strings.push_back(value.get<std::string>());
  }
  return strings;
}

std::string ExternalIp(const json& service) {
  std::string type = ServiceType(service);
  std::vector<std::string> external_ips = Strings(At(service, {"spec", "externalIPs"}));
  if (type == "ClusterIP" || type == "NodePort") {
    return external_ips.empty() ? "<none>" : Join(external_ips, ",");
  }
  if (type == "LoadBalancer") {
    // The load balancer's addresses, sorted and each once, then the external IPs.
    std::set<std::string> ingress;
    for (const auto& entry : ArrayOf(At(service, {"status", "loadBalancer", "ingress"}))) {
      std::string ip = StringAt(entry, {"ip"});
      std::string hostname = StringAt(entry, {"hostname"});
      if (!ip.empty()) {
        ingress.insert(ip);
      } else if (!hostname.empty()) {
        ingress.insert(hostname);
      }
    }
    std::vector<std::string> addresses(ingress.begin(), ingress.end());
    addresses.insert(addresses.end(), external_ips.begin(), external_ips.end());
    return addresses.empty() ? "<pending>" : Join(addresses, ",");
  }
  if (type == "ExternalName") return StringAt(service, {"spec", "externalName"});
  return "<unknown>";
}

// "80/TCP,443:30443/TCP".
std::string ServicePorts(const json& service) {
  std::vector<std::string> ports;
  for (const auto& port : ArrayOf(At(service, {"spec", "ports"}))) {
    std::string protocol = StringAt(port, {"protocol"});
    if (protocol.empty()) protocol = "TCP";
    std::string text = std::to_string(IntAt(port, {"port"}));
    if (std::int64_t node_port = IntAt(port, {"nodePort"}); node_port > 0) {
      text += ":" + std::to_string(node_port);
    }
    ports.push_back(text + "/" + protocol);
  }
  return ports.empty() ? "<none>" : Join(ports, ",");
}

PrintedRow PrintService(const json& service, Clock::time_point now) {
  PrintedRow row;
  row.cells = json::array({Name(service), ServiceType(service), ClusterIp(service),
                           ExternalIp(service), ServicePorts(service), Age(service, now),
                           FormatLabels(At(service, {"spec", "selector"}))});
  return row;
}

std::string HostPort(const std::string& host, std::int64_t port) {
  bool ipv6 = host.find(':') != std::string::npos;
  return (ipv6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

// "10.1.0.5:8080,10.1.0.6:8080,10.1.0.7:8080 + 2 more...": each ready address with each port,
// or the bare address for subsets without ports (headless services).
std::string FormatEndpoints(const json& endpoints) {
  const json& subsets = ArrayOf(At(endpoints, {"subsets"}));
  if (subsets.empty()) return "<none>";
  std::vector<std::string> listed;
  size_t count = 0;
  auto add = [&](std::string text) {
    ++count;
    if (listed.size() < kMaxEndpoints) listed.push_back(std::move(text));
  };
  for (const auto& subset : subsets) {
    const json& addresses = ArrayOf(At(subset, {"addresses"}));
    const json& ports = ArrayOf(At(subset, {"ports"}));
    if (ports.empty()) {
      for (const auto& address : addresses) add(StringAt(address, {"ip"}));
      continue;
    }
    for (const auto& port : ports) {
      for (const auto& address : addresses) {
        add(HostPort(StringAt(address, {"ip"}), IntAt(port, {"port"})));
      }
    }
  }
  std::string text = Join(listed, ",");
  if (count > kMaxEndpoints) text += " + " + std::to_string(count - kMaxEndpoints) + " more...";
  return text;
}

PrintedRow PrintEndpoints(const json& endpoints, Clock::time_point now) {
  PrintedRow row;
  row.cells = json::array({Name(endpoints), FormatEndpoints(endpoints), Age(endpoints, now)});
  return row;
}

}  // namespace

Printer ConfigMapPrinter() {
  return {{NameColumn(), StringColumn("Data", "How many keys the config map holds"), AgeColumn()},
          PrintConfigMap};
}

Printer SecretPrinter() {
  return {{NameColumn(), StringColumn("Type", "The kind of secret"),
           StringColumn("Data", "How many keys the secret holds"), AgeColumn()},
          PrintSecret};
}

Printer ServiceAccountPrinter() {
  return {{NameColumn(), StringColumn("Secrets", "How many secrets the service account lists"),
           AgeColumn()},
          PrintServiceAccount};
}

Printer ServicePrinter() {
  return {
      {
          NameColumn(),
          StringColumn("Type", "How the service is exposed"),
          StringColumn("Cluster-IP", "The service's cluster address"),
          StringColumn("External-IP", "Addresses outside the cluster that route to the service"),
          StringColumn("Port(s)", "The service's ports and protocols"),
          AgeColumn(),
          StringColumn("Selector", "The labels of the pods the service routes to", 1),
      },
      PrintService,
  };
}

Printer EndpointsPrinter() {
  return {{NameColumn(), StringColumn("Endpoints", "The addresses and ports behind the service"),
           AgeColumn()},
          PrintEndpoints};
}

}  // namespace hostlet::apiserver
