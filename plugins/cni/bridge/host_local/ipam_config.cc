#include "plugins/cni/bridge/host_local/ipam_config.h"

#include "plugins/cni/bridge/cni_args.h"

#include <fstream>
#include <sstream>

namespace hostlet::bridge::host_local {
namespace {

using nlohmann::json;

[[noreturn]] void Invalid(const std::string& message) {
  throw CniError(kCniInvalidConfig, message);
}

const json* Find(const json& object, const char* key) {
  if (!object.is_object()) return nullptr;
  auto found = object.find(key);
  return found == object.end() || found->is_null() ? nullptr : &*found;
}

std::string String(const json& object, const char* key) {
  const json* value = Find(object, key);
  if (value == nullptr) return {};
  if (!value->is_string()) Invalid(std::string("ipam: \"") + key + "\" must be a string");
  return value->get<std::string>();
}

IpAddress Address(const std::string& text, const char* what) {
  auto address = IpAddress::Parse(text);
  if (!address) Invalid(std::string("ipam: invalid ") + what + " \"" + text + "\"");
  return *address;
}

// A range as written: every field but the subnet optional, filled in as the reference does.
Range ParseRange(const json& entry) {
  if (!entry.is_object()) Invalid("ipam: a range must be an object");
  std::string subnet_text = String(entry, "subnet");
  auto subnet = IpNet::Parse(subnet_text);
  if (!subnet) Invalid("ipam: invalid subnet \"" + subnet_text + "\"");
  IpNet network = subnet->Network();
  if (network.prefix() > network.address().bits() - 2) {
    Invalid("Network " + network.ToString() + " too small to allocate from");
  }
  auto in_subnet = [&](const IpAddress& address, const char* what) {
    if (!network.Contains(address)) {
      Invalid(std::string(what) + " " + address.ToString() + " not in network " +
              network.ToString());
    }
    return address;
  };
  IpAddress first = network.address().Next();
  // The last usable address: IPv4 keeps the broadcast address out.
  IpAddress last = network.Broadcast();
  if (last.is_v4()) last = last.Previous();

  std::string gateway = String(entry, "gateway");
  std::string start = String(entry, "rangeStart");
  std::string end = String(entry, "rangeEnd");
  Range range{network, first, last, first};
  if (!gateway.empty()) range.gateway = in_subnet(Address(gateway, "gateway"), "gateway");
  if (!start.empty()) range.start = in_subnet(Address(start, "rangeStart"), "rangeStart");
  if (!end.empty()) range.end = in_subnet(Address(end, "rangeEnd"), "rangeEnd");
  if (range.end < range.start) {
    Invalid(range.end.ToString() + " is in network " + network.ToString() + " but before start " +
            range.start.ToString());
  }
  return range;
}

RangeSet ParseRangeSet(const json& entries, size_t index) {
  const std::string where = "invalid range set " + std::to_string(index) + ": ";
  if (!entries.is_array() || entries.empty()) Invalid(where + "empty range set");
  RangeSet set;
  for (const json& entry : entries) {
    try {
      set.ranges.push_back(ParseRange(entry));
    } catch (const CniError& error) {
      Invalid(where + error.what());
    }
  }
  for (size_t i = 0; i < set.ranges.size(); ++i) {
    if (set.ranges[i].subnet.address().family() != set.ranges[0].subnet.address().family()) {
      Invalid(where + "mixed address families");
    }
    for (size_t j = 0; j < i; ++j) {
      if (set.ranges[i].subnet.Contains(set.ranges[j].subnet.address()) ||
          set.ranges[j].subnet.Contains(set.ranges[i].subnet.address())) {
        Invalid(where + "subnets " + set.ranges[j].subnet.ToString() + " and " +
                set.ranges[i].subnet.ToString() + " overlap");
      }
    }
  }
  return set;
}

bool Overlaps(const RangeSet& a, const RangeSet& b) {
  for (const Range& x : a.ranges) {
    for (const Range& y : b.ranges) {
      if (x.Contains(y.start) || x.Contains(y.end) || y.Contains(x.start) || y.Contains(x.end)) {
        return true;
      }
    }
  }
  return false;
}

std::vector<Route> ParseRoutes(const json& ipam) {
  std::vector<Route> routes;
  const json* entries = Find(ipam, "routes");
  if (entries == nullptr) return routes;
  if (!entries->is_array()) Invalid("ipam: \"routes\" must be a list");
  for (const json& entry : *entries) {
    std::string dst = String(entry, "dst");
    auto destination = IpNet::Parse(dst);
    if (!destination) Invalid("ipam: invalid route destination \"" + dst + "\"");
    Route route{*destination, std::nullopt};
    if (std::string gw = String(entry, "gw"); !gw.empty()) route.gateway = Address(gw, "route gw");
    routes.push_back(route);
  }
  return routes;
}

// Addresses the caller asks for: runtimeConfig.ips entries may carry a prefix ("10.1.2.3/24").
void AddRequested(std::vector<IpAddress>& requested, const json* list, const char* what) {
  if (list == nullptr) return;
  if (!list->is_array()) Invalid(std::string(what) + " must be a list");
  for (const json& entry : *list) {
    if (!entry.is_string()) Invalid(std::string(what) + " must be a list of strings");
    std::string text = entry.get<std::string>();
    auto address = IpAddress::Parse(text.substr(0, text.find('/')));
    if (!address) Invalid("cannot understand ip: \"" + text + "\"");
    requested.push_back(*address);
  }
}

json ParseResolvConf(const std::string& path) {
  std::ifstream file(path);
  if (!file) Invalid("ipam: cannot read resolvConf " + path);
  json dns = json::object();
  std::string line;
  while (std::getline(file, line)) {
    std::istringstream words(line);
    std::string key;
    words >> key;
    std::vector<std::string> values;
    for (std::string value; words >> value;) values.push_back(value);
    if (key == "nameserver" && !values.empty()) dns["nameservers"].push_back(values[0]);
    if (key == "domain" && !values.empty()) dns["domain"] = values[0];
    if (key == "search") dns["search"] = values;
    if (key == "options") {
      for (const auto& option : values) dns["options"].push_back(option);
    }
  }
  return dns;
}

}  // namespace

bool Range::Contains(const IpAddress& address) const {
  return subnet.Contains(address) && !(address < start) && !(end < address);
}

std::string Range::ToString() const { return start.ToString() + "-" + end.ToString(); }

const Range* RangeSet::Find(const IpAddress& address) const {
  for (const Range& range : ranges) {
    if (range.Contains(address)) return &range;
  }
  return nullptr;
}

std::string RangeSet::ToString() const {
  std::string text;
  for (const Range& range : ranges) text += (text.empty() ? "" : ",") + range.ToString();
  return text;
}

IpamConfig ParseIpamConfig(const json& config, const std::string& cni_args) {
  const json* ipam = Find(config, "ipam");
  if (ipam == nullptr || !ipam->is_object()) Invalid("IPAM config missing 'ipam' key");
  IpamConfig result;
  result.network = String(config, "name");
  if (std::string dir = String(*ipam, "dataDir"); !dir.empty()) result.data_dir = dir;

  std::vector<json> sets;
  const json* runtime = Find(config, "runtimeConfig");
  if (const json* ip_ranges = runtime ? Find(*runtime, "ipRanges") : nullptr) {
    if (!ip_ranges->is_array()) Invalid("runtimeConfig.ipRanges must be a list");
    sets.insert(sets.end(), ip_ranges->begin(), ip_ranges->end());
  }
  if (!String(*ipam, "subnet").empty()) {
    json single = {{"subnet", (*ipam)["subnet"]}};
    for (const char* key : {"rangeStart", "rangeEnd", "gateway"}) {
      if (Find(*ipam, key)) single[key] = (*ipam)[key];
    }
    sets.push_back(json::array({single}));
  }
  if (const json* ranges = Find(*ipam, "ranges")) {
    if (!ranges->is_array()) Invalid("ipam: \"ranges\" must be a list of range sets");
    sets.insert(sets.end(), ranges->begin(), ranges->end());
  }
  if (sets.empty()) Invalid("no IP ranges specified");
  for (size_t i = 0; i < sets.size(); ++i) {
    result.range_sets.push_back(ParseRangeSet(sets[i], i));
    for (size_t j = 0; j < i; ++j) {
      if (Overlaps(result.range_sets[j], result.range_sets[i])) {
        Invalid("range set " + std::to_string(j) + " overlaps with " + std::to_string(i));
      }
    }
  }
  result.routes = ParseRoutes(*ipam);

  if (auto ip = CniArg(cni_args, "IP")) {
    auto address = IpAddress::Parse(*ip);
    if (!address) Invalid("cannot understand ip: \"" + *ip + "\"");
    result.requested.push_back(*address);
  }
  if (const json* args = Find(config, "args")) {
    if (const json* cni = Find(*args, "cni")) {
      AddRequested(result.requested, Find(*cni, "ips"), "args.cni.ips");
    }
  }
  if (runtime != nullptr)
    AddRequested(result.requested, Find(*runtime, "ips"), "runtimeConfig.ips");
  if (std::string resolv = String(*ipam, "resolvConf"); !resolv.empty()) {
    result.dns = ParseResolvConf(resolv);
  }
  return result;
}

}  // namespace hostlet::bridge::host_local
