// One CNI plugin as the chain runner sees it, whether an in-process network module or an
// executable in a CNI bin dir: a command with the CNI_* parameters and the configuration that
// the spec passes on stdin goes in, the plugin's output comes back.
#pragma once

#include <string>

namespace hostlet::network {

struct PluginCall {
  std::string command;       // ADD, DEL, CHECK, STATUS, GC, VERSION
  std::string container_id;  // CNI_CONTAINERID
  std::string netns;         // CNI_NETNS
  std::string if_name;       // CNI_IFNAME
  std::string args;          // CNI_ARGS
  std::string path;          // CNI_PATH
  std::string config;        // stdin: the plugin's network configuration
};

class Plugin {
 public:
  virtual ~Plugin() = default;

  // For messages: "bridge (/usr/lib/cni/bridge)", "static-ip (in-process module)".
  virtual std::string Describe() const = 0;

  // Changes when the plugin behind the type changes (another binary, another module instance),
  // so that what was learnt from it (its VERSION) is asked again.
  virtual std::string Identity() const = 0;

  // Runs `call` and returns what the plugin printed on success (the result for ADD and
  // VERSION). Throws Error: the plugin's own spec error, or one saying how it failed to answer.
  virtual std::string Invoke(const PluginCall& call) = 0;
};

}  // namespace hostlet::network
