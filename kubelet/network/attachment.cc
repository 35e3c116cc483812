#include "kubelet/network/attachment.h"

#include "kubelet/network/config.h"
#include "kubelet/network/error.h"

#include <cctype>

namespace hostlet::network {

void ValidateAttachment(const Attachment& attachment) {
  if (!IsValidName(attachment.container_id)) {
    throw Error(kCniInvalidEnvironment, "invalid container ID \"" + attachment.container_id +
                                            "\": must match [a-zA-Z0-9][a-zA-Z0-9_.-]*");
  }
  const std::string& name = attachment.if_name;
  bool valid = !name.empty() && name.size() < 16 && name != "." && name != "..";
  for (char c : name) {
    if (c == '/' || c == ':' || std::isspace(static_cast<unsigned char>(c))) valid = false;
  }
  if (!valid) {
    throw Error(kCniInvalidEnvironment,
                "invalid interface name \"" + name +
                    "\": must be 1 to 15 characters without '/', ':' or spaces, not . or ..");
  }
  for (const auto& [key, value] : attachment.args) {
    if (key.empty() || key.find_first_of("=;") != std::string::npos ||
        value.find(';') != std::string::npos) {
      throw Error(kCniInvalidEnvironment, "invalid CNI argument \"" + key + "=" + value + "\"");
    }
  }
  if (!attachment.capability_args.is_object()) {
    throw Error(kCniInvalidEnvironment, "capability arguments must be a JSON object");
  }
}

std::string FormatCniArgs(const CniArgs& args) {
  std::string text;
  for (const auto& [key, value] : args) {
    if (!text.empty()) text += ';';
    text += key + '=' + value;
  }
  return text;
}

}  // namespace hostlet::network
