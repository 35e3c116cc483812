#include "plugins/cni/bridge/cni_args.h"

#include <hostlet/sdk/network_plugin.h>

namespace hostlet::bridge {

std::optional<std::string> CniArg(std::string_view cni_args, std::string_view key) {
  std::optional<std::string> found;
  while (!cni_args.empty()) {
    size_t end = cni_args.find(';');
    std::string_view pair = cni_args.substr(0, end);
    cni_args = end == std::string_view::npos ? std::string_view() : cni_args.substr(end + 1);
    if (pair.empty()) continue;
    size_t equals = pair.find('=');
    if (equals == std::string_view::npos || equals == 0) {
      throw CniError(kCniInvalidEnvironment,
                     "CNI_ARGS: \"" + std::string(pair) + "\" is not KEY=VALUE");
    }
    if (pair.substr(0, equals) == key) found = std::string(pair.substr(equals + 1));
  }
  return found;
}

}  // namespace hostlet::bridge
