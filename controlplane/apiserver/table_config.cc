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
  return {{NameColumn(),
           StringColumn("Data",
                        "Data contains the configuration data. Each key must consist of "
                        "alphanumeric characters, '-', '_' or '.'. Values with non-UTF-8 byte "
                        "sequences must use the BinaryData field. The keys stored in Data must "
                        "not overlap with the keys in the BinaryData field, this is enforced "
                        "during validation process."),
           AgeColumn()},
          PrintConfigMap};
}

Printer SecretPrinter() {
  return {{NameColumn(),
           StringColumn("Type",
                        "Used to facilitate programmatic handling of secret data. More info: "
                        "https://kubernetes.io/docs/concepts/configuration/secret/#secret-types"),
           StringColumn("Data",
                        "Data contains the secret data. Each key must consist of alphanumeric "
                        "characters, '-', '_' or '.'. The serialized form of the secret data is "
                        "a base64 encoded string, representing the arbitrary (possibly "
                        "non-string) data value here. Described in "
                        "https://tools.ietf.org/html/rfc4648#section-4"),
           AgeColumn()},
          PrintSecret};
}

Printer ServiceAccountPrinter() {
  return {{NameColumn(),
           StringColumn(
               "Secrets",
               "Secrets is a list of the secrets in the same namespace that pods running using "
               "this ServiceAccount are allowed to use. Pods are only limited to this list if "
               "this service account has a \"kubernetes.io/enforce-mountable-secrets\" annotation "
               "set to \"true\". The \"kubernetes.io/enforce-mountable-secrets\" annotation is "
               "deprecated since v1.32. Prefer separate namespaces to isolate access to mounted "
               "secrets. This field should not be used to find auto-generated service account "
               "token secrets for use outside of pods. Instead, tokens can be requested directly "
               "using the TokenRequest API, or service account token secrets can be manually "
               "created. More info: https://kubernetes.io/docs/concepts/configuration/secret"),
           AgeColumn()},
          PrintServiceAccount};
}

Printer ServicePrinter() {
  return {
      {
          NameColumn(),
          StringColumn(
              "Type",
              "type determines how the Service is exposed. Defaults to ClusterIP. Valid options "
              "are ExternalName, ClusterIP, NodePort, and LoadBalancer. \"ClusterIP\" allocates a "
              "cluster-internal IP address for load-balancing to endpoints. Endpoints are "
              "determined by the selector or if that is not specified, by manual construction of "
              "an Endpoints object or EndpointSlice objects. If clusterIP is \"None\", no virtual "
              "IP is allocated and the endpoints are published as a set of endpoints rather than "
              "a virtual IP. \"NodePort\" builds on ClusterIP and allocates a port on every node "
              "which routes to the same endpoints as the clusterIP. \"LoadBalancer\" builds on "
              "NodePort and creates an external load-balancer (if supported in the current "
              "cloud) which routes to the same endpoints as the clusterIP. \"ExternalName\" "
              "aliases this service to the specified externalName. Several other fields do not "
              "apply to ExternalName services. More info: "
              "https://kubernetes.io/docs/concepts/services-networking/service/"
              "#publishing-services-service-types"),
          StringColumn(
              "Cluster-IP",
              "clusterIP is the IP address of the service and is usually assigned randomly. If "
              "an address is specified manually, is in-range (as per system configuration), and "
              "is not in use, it will be allocated to the service; otherwise creation of the "
              "service will fail. This field may not be changed through updates unless the type "
              "field is also being changed to ExternalName (which requires this field to be "
              "blank) or the type field is being changed from ExternalName (in which case this "
              "field may optionally be specified, as describe above).  Valid values are "
              "\"None\", empty string (\"\"), or a valid IP address. Setting this to \"None\" "
              "makes a \"headless service\" (no virtual IP), which is useful when direct "
              "endpoint connections are preferred and proxying is not required.  Only applies to "
              "types ClusterIP, NodePort, and LoadBalancer. If this field is specified when "
              "creating a Service of type ExternalName, creation will fail. This field will be "
              "wiped when updating a Service to type ExternalName. More info: "
              "https://kubernetes.io/docs/concepts/services-networking/service/"
              "#virtual-ips-and-service-proxies"),
          StringColumn(
              "External-IP",
              "externalIPs is a list of IP addresses for which nodes in the cluster will also "
              "accept traffic for this service.  These IPs are not managed by Kubernetes.  The "
              "user is responsible for ensuring that traffic arrives at a node with this IP.  A "
              "common example is external load-balancers that are not part of the Kubernetes "
              "system."),
          StringColumn("Port(s)",
                       "The list of ports that are exposed by this service. More info: "
                       "https://kubernetes.io/docs/concepts/services-networking/service/"
                       "#virtual-ips-and-service-proxies"),
          AgeColumn(),
          StringColumn(
              "Selector",
              "Route service traffic to pods with label keys and values matching this selector. "
              "If empty or not present, the service is assumed to have an external process "
              "managing its endpoints, which Kubernetes will not modify. Only applies to types "
              "ClusterIP, NodePort, and LoadBalancer. Ignored if type is ExternalName. More "
              "info: https://kubernetes.io/docs/concepts/services-networking/service/",
              1),
      },
      PrintService,
  };
}

Printer EndpointsPrinter() {
  return {{NameColumn(),
           StringColumn(
               "Endpoints",
               "The set of all endpoints is the union of all subsets. Addresses are placed into "
               "subsets according to the IPs they share. A single address with multiple ports, "
               "some of which are ready and some of which are not (because they come from "
               "different containers) will result in the address being displayed in different "
               "subsets for the different ports. No address will appear in both Addresses and "
               "NotReadyAddresses in the same subset. Sets of addresses and ports that comprise "
               "a service."),
           AgeColumn()},
          PrintEndpoints};
}

}  // namespace hostlet::apiserver
