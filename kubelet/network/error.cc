#include "kubelet/network/error.h"

namespace hostlet::network {

nlohmann::json Error::ToJson(const std::string& cni_version) const {
  nlohmann::json error = {{"cniVersion", cni_version}, {"code", code_}, {"msg", what()}};
  if (!details_.empty()) error["details"] = details_;
  return error;
}

std::optional<Error> ParseErrorJson(std::string_view text) {
  nlohmann::json error = nlohmann::json::parse(text, nullptr, false);
  if (!error.is_object()) return std::nullopt;
  auto code = error.find("code");
  auto msg = error.find("msg");
  if (code == error.end() || !code->is_number_integer() || msg == error.end() ||
      !msg->is_string()) {
    return std::nullopt;
  }
  std::string details;
  if (auto found = error.find("details"); found != error.end() && found->is_string()) {
    details = found->get<std::string>();
  }
  return Error(code->get<int>(), msg->get<std::string>(), details);
}

std::string Excerpt(std::string_view text, size_t limit) {
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.remove_suffix(1);
  if (text.size() <= limit) return std::string(text);
  return std::string(text.substr(0, limit)) + "... (" + std::to_string(text.size()) + " bytes)";
}

}  // namespace hostlet::network
