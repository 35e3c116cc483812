#include "kubelet/apiclient/api_client.h"

#include <stdexcept>

namespace hostlet::apiclient {
namespace {

// Enough of a body to recognise it in a log line without flooding it.
std::string Truncated(const std::string& body) {
  constexpr size_t kLimit = 512;
  return body.size() <= kLimit ? body : body.substr(0, kLimit) + "...";
}

}  // namespace

nlohmann::json Response::Json() const {
  try {
    return nlohmann::json::parse(body);
  } catch (const nlohmann::json::parse_error& error) {
    throw std::runtime_error("HTTP " + std::to_string(status) + " answer is not JSON (" +
                             error.what() + "): " + Truncated(body));
  }
}

std::string Response::Message() const {
  if (body.empty()) return "HTTP " + std::to_string(status) + " with an empty body";
  nlohmann::json parsed = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_object()) {
    auto message = parsed.find("message");
    if (message != parsed.end() && message->is_string() && !message->get<std::string>().empty()) {
      return message->get<std::string>();
    }
  }
  return Truncated(body);
}

}  // namespace hostlet::apiclient
