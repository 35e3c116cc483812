#include "controlplane/apiserver/content_negotiation.h"

#include <algorithm>
#include <cctype>
#include <vector>

namespace hostlet::apiserver {
namespace {

std::string Trim(std::string_view text) {
  size_t begin = 0, end = text.size();
  while (begin < end && std::isspace(static_cast<unsigned char>(text[begin]))) ++begin;
  while (end > begin && std::isspace(static_cast<unsigned char>(text[end - 1]))) --end;
  return std::string(text.substr(begin, end - begin));
}

std::string Lower(std::string text) {
  for (auto& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

std::vector<std::string_view> Split(std::string_view text, char separator) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  while (true) {
    size_t end = text.find(separator, start);
    parts.push_back(text.substr(start, end == std::string_view::npos ? end : end - start));
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  return parts;
}

std::optional<MediaType> ParseMediaRange(std::string_view range) {
  auto fields = Split(range, ';');
  MediaType media;
  media.type = Lower(Trim(fields[0]));
  if (media.type.empty() || media.type.find('/') == std::string::npos) return std::nullopt;
  for (size_t i = 1; i < fields.size(); ++i) {
    auto equals = fields[i].find('=');
    if (equals == std::string_view::npos) continue;
    std::string key = Lower(Trim(fields[i].substr(0, equals)));
    std::string value = Trim(fields[i].substr(equals + 1));
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
      value = value.substr(1, value.size() - 2);
    }
    if (key == "g") media.group = value;
    if (key == "v") media.version = value;
    if (key == "as") media.as = value;
    if (key == "q") {
      try {
        media.quality = std::stod(value);
      } catch (const std::exception&) {
        return std::nullopt;
      }
    }
  }
  return media;
}

bool ServesPlainJson(const MediaType& media) {
  return media.group.empty() && media.as.empty() &&
         (media.type == "application/json" || media.type == "application/*" || media.type == "*/*");
}

}  // namespace

std::vector<MediaType> ParseAccept(std::string_view accept) {
  std::vector<MediaType> ranges;
  for (auto range : Split(accept, ',')) {
    if (auto media = ParseMediaRange(range)) ranges.push_back(*media);
  }
  return ranges;
}

std::optional<std::string> AggregatedDiscoveryVersion(std::string_view accept) {
  std::optional<std::string> best;
  double best_quality = 0;
  for (const auto& media : ParseAccept(accept)) {
    if (media.quality <= 0 || media.quality <= best_quality) continue;
    bool aggregated = media.type == "application/json" && media.group == "apidiscovery.k8s.io" &&
                      media.as == "APIGroupDiscoveryList" &&
                      (media.version == "v2" || media.version == "v2beta1");
    if (aggregated) {
      best = media.version;
      best_quality = media.quality;
    } else if (ServesPlainJson(media)) {
      best.reset();
      best_quality = media.quality;
    }
  }
  return best;
}

std::string AggregatedDiscoveryContentType(const std::string& version) {
  return "application/json;g=apidiscovery.k8s.io;v=" + version + ";as=APIGroupDiscoveryList";
}

}  // namespace hostlet::apiserver
