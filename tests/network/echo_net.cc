// A network module for chaining tests. ADD answers prevResult (or, first in a chain, a result
// of its own) with its "marker" added to dns.search, so a test sees which plugins a result went
// through. Every call is appended to the file named by "record" as one JSON line: the command,
// the CNI parameters and the configuration received. "fail": {"command", "code", "msg"} makes
// that command fail with that spec error.
#include <hostlet/sdk/network_plugin.h>

#include <fstream>
#include <mutex>

namespace {

std::mutex record_mutex;

class EchoNet final : public hostlet::NetworkPlugin {
 public:
  explicit EchoNet(const hostlet::PluginContext&) {}

  nlohmann::json Add(const hostlet::CniRequest& request) override {
    Record("ADD", request);
    nlohmann::json result = request.config.value(
        "prevResult",
        nlohmann::json{{"cniVersion", request.cni_version()},
                       {"interfaces", {{{"name", request.if_name}, {"sandbox", request.netns}}}},
                       {"ips", {{{"address", "10.199.254.2/24"}, {"interface", 0}}}}});
    result["cniVersion"] = request.cni_version();
    result["dns"]["search"].push_back(request.config.value("marker", "echo-net"));
    return result;
  }
  void Del(const hostlet::CniRequest& request) override { Record("DEL", request); }
  void Check(const hostlet::CniRequest& request) override { Record("CHECK", request); }
  void Status(const hostlet::CniRequest& request) override { Record("STATUS", request); }
  void Gc(const hostlet::CniRequest& request) override { Record("GC", request); }

 private:
  static void Record(const char* command, const hostlet::CniRequest& request) {
    if (auto path = request.config.find("record"); path != request.config.end()) {
      std::lock_guard lock(record_mutex);
      std::ofstream(path->get<std::string>(), std::ios::app)
          << nlohmann::json{{"command", command},      {"containerID", request.container_id},
                            {"netns", request.netns},  {"ifName", request.if_name},
                            {"args", request.args},    {"path", request.path},
                            {"config", request.config}}
                 .dump()
          << "\n";
    }
    auto fail = request.config.find("fail");
    if (fail != request.config.end() && fail->value("command", "") == command) {
      throw hostlet::CniError(fail->value("code", 999), fail->value("msg", "failing on purpose"),
                              fail->value("details", ""));
    }
  }
};

}  // namespace

HOSTLET_PLUGIN(EchoNet, "echo-net", "0.1.0", "Echoes prevResult and records its calls")
