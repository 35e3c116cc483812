#include "plugins/cni/bridge/ip_masq.h"

#include "plugins/cni/bridge/command.h"
#include "plugins/cni/bridge/names.h"

#include <hostlet/sdk/network_plugin.h>

#include <sstream>

namespace hostlet::bridge {
namespace {

struct Family {
  const char* save;
  const char* restore;
  const char* multicast;
};
constexpr Family kIpv4{"iptables-save", "iptables-restore", "224.0.0.0/4"};
constexpr Family kIpv6{"ip6tables-save", "ip6tables-restore", "ff00::/8"};

// The comment as an iptables-restore argument: double-quoted, inner quotes escaped (the form
// iptables-save prints, too).
std::string Quoted(const std::string& comment) {
  std::string quoted = "\"";
  for (char c : comment) {
    if (c == '"' || c == '\\') quoted += '\\';
    quoted += c;
  }
  return quoted + "\"";
}

void Restore(const Family& family, const std::string& script) {
  CommandResult result = RunCommand({family.restore, "--noflush", "--wait"}, script);
  if (result.exit_code != 0) {
    throw CniError(kCniPluginFailure, std::string(family.restore) + " failed: " + result.err);
  }
}

// The nat table's rules, one per line as iptables-save prints them; empty when the family's
// tools or table are not there (then there is nothing of ours in it either).
std::vector<std::string> SaveNat(const Family& family) {
  CommandResult result;
  try {
    result = RunCommand({family.save, "-t", "nat"});
  } catch (const CniError&) {
    return {};
  }
  std::vector<std::string> lines;
  if (result.exit_code != 0) return lines;
  std::istringstream stream(result.out);
  for (std::string line; std::getline(stream, line);) lines.push_back(line);
  return lines;
}

bool JumpsTo(const std::string& rule, const std::string& chain) {
  const std::string jump = " -j " + chain;
  size_t at = rule.find(jump);
  return at != std::string::npos &&
         (at + jump.size() == rule.size() || rule[at + jump.size()] == ' ');
}

// Deletes the POSTROUTING jumps to each chain, then the chains, in one batch.
void RemoveChains(const Family& family, const std::vector<std::string>& nat,
                  const std::set<std::string>& chains) {
  std::string script;
  for (const std::string& line : nat) {
    if (line.rfind("-A POSTROUTING ", 0) != 0) continue;
    for (const std::string& chain : chains) {
      if (JumpsTo(line, chain)) script += "-D" + line.substr(2) + "\n";
    }
  }
  for (const std::string& chain : chains) {
    for (const std::string& line : nat) {
      if (line.rfind(":" + chain + " ", 0) == 0) script += "-F " + chain + "\n-X " + chain + "\n";
    }
  }
  if (!script.empty()) Restore(family, "*nat\n" + script + "COMMIT\n");
}

}  // namespace

void SetUpIpMasq(const std::string& network, const std::string& container_id,
                 const std::vector<IpNet>& addresses) {
  const std::string chain = MasqChainName(network, container_id);
  const std::string comment = " -m comment --comment " + Quoted(MasqComment(network, container_id));
  for (const Family* family : {&kIpv4, &kIpv6}) {
    std::string accepts;
    std::string jumps;
    for (const IpNet& address : addresses) {
      if (address.address().is_v4() != (family == &kIpv4)) continue;
      accepts += "-A " + chain + " -d " + address.Network().ToString() + comment + " -j ACCEPT\n";
      jumps +=
          "-A POSTROUTING -s " + address.address().ToString() + comment + " -j " + chain + "\n";
    }
    if (jumps.empty()) continue;
    Restore(*family, "*nat\n:" + chain + " - [0:0]\n" + accepts + "-A " + chain + " ! -d " +
                         family->multicast + comment + " -j MASQUERADE\n" + jumps + "COMMIT\n");
  }
}

void TearDownIpMasq(const std::string& network, const std::string& container_id) {
  const std::string chain = MasqChainName(network, container_id);
  for (const Family* family : {&kIpv4, &kIpv6}) {
    RemoveChains(*family, SaveNat(*family), {chain});
  }
}

void CollectIpMasq(const std::string& network, const std::set<std::string>& valid_ids) {
  // The comment as iptables-save prints it, up to the container ID.
  const std::string marker = "--comment \"name: \\\"" + network + "\\\" id: \\\"";
  for (const Family* family : {&kIpv4, &kIpv6}) {
    std::vector<std::string> nat = SaveNat(*family);
    std::set<std::string> stale;
    for (const std::string& line : nat) {
      size_t at = line.find(marker);
      if (line.rfind("-A POSTROUTING ", 0) != 0 || at == std::string::npos) continue;
      size_t begin = at + marker.size();
      std::string id = line.substr(begin, line.find("\\\"", begin) - begin);
      if (valid_ids.contains(id)) continue;
      std::string chain = MasqChainName(network, id);
      if (JumpsTo(line, chain)) stale.insert(chain);
    }
    if (!stale.empty()) RemoveChains(*family, nat, stale);
  }
}

}  // namespace hostlet::bridge
