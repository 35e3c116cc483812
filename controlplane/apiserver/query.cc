#include "controlplane/apiserver/query.h"

#include "controlplane/apiserver/api_status.h"

namespace hostlet::apiserver {
namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::optional<std::string> PercentDecode(std::string_view text) {
  std::string decoded;
  decoded.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '+') {
      decoded += ' ';
    } else if (c == '%') {
      if (i + 2 >= text.size()) return std::nullopt;
      int high = HexValue(text[i + 1]);
      int low = HexValue(text[i + 2]);
      if (high < 0 || low < 0) return std::nullopt;
      decoded += static_cast<char>(high * 16 + low);
      i += 2;
    } else {
      decoded += c;
    }
  }
  return decoded;
}

Query ParseQuery(std::string_view query) {
  std::map<std::string, std::string> parameters;
  size_t start = 0;
  while (start <= query.size()) {
    size_t end = query.find('&', start);
    if (end == std::string_view::npos) end = query.size();
    auto pair = query.substr(start, end - start);
    if (!pair.empty()) {
      auto equals = pair.find('=');
      auto key = PercentDecode(pair.substr(0, equals));
      auto value = PercentDecode(equals == std::string_view::npos ? std::string_view()
                                                                  : pair.substr(equals + 1));
      if (!key || !value) {
        throw ApiException(BadRequest("malformed query parameter \"" + std::string(pair) + "\""));
      }
      parameters.emplace(std::move(*key), std::move(*value));
    }
    start = end + 1;
  }
  return parameters;
}

}  // namespace hostlet::apiserver
