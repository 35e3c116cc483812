#include "kubelet/volumes/field_path.h"

#include <cstdio>

namespace hostlet::agent {
namespace {

std::map<std::string, std::string> StringMap(const nlohmann::json& pod, const char* field) {
  std::map<std::string, std::string> entries;
  auto metadata = pod.find("metadata");
  if (metadata == pod.end() || !metadata->is_object()) return entries;
  auto it = metadata->find(field);
  if (it == metadata->end() || !it->is_object()) return entries;
  for (const auto& [key, value] : it->items()) {
    if (value.is_string()) entries[key] = value.get<std::string>();
  }
  return entries;
}

std::string MetadataString(const nlohmann::json& pod, const char* field) {
  auto metadata = pod.find("metadata");
  if (metadata == pod.end() || !metadata->is_object()) return "";
  auto it = metadata->find(field);
  return it != metadata->end() && it->is_string() ? it->get<std::string>() : "";
}

// The k of `<prefix>['k']`, or nullopt when `path` does not have that form.
std::optional<std::string> Subscript(const std::string& path, const std::string& prefix) {
  if (path.size() < prefix.size() + 4 || path.compare(0, prefix.size(), prefix) != 0)
    return std::nullopt;
  if (path.compare(prefix.size(), 2, "['") != 0 || path.compare(path.size() - 2, 2, "']") != 0) {
    return std::nullopt;
  }
  return path.substr(prefix.size() + 2, path.size() - prefix.size() - 4);
}

}  // namespace

std::optional<std::string> PodMetadataField(const nlohmann::json& pod, const std::string& path) {
  if (path == "metadata.name") return MetadataString(pod, "name");
  if (path == "metadata.namespace") return MetadataString(pod, "namespace");
  if (path == "metadata.uid") return MetadataString(pod, "uid");
  if (path == "metadata.labels") return FormatMap(StringMap(pod, "labels"));
  if (path == "metadata.annotations") return FormatMap(StringMap(pod, "annotations"));
  for (const char* field : {"labels", "annotations"}) {
    if (auto key = Subscript(path, std::string("metadata.") + field)) {
      auto entries = StringMap(pod, field);
      auto it = entries.find(*key);
      return it == entries.end() ? "" : it->second;
    }
  }
  return std::nullopt;
}

std::string FormatMap(const std::map<std::string, std::string>& entries) {
  std::string text;
  for (const auto& [key, value] : entries) {
    if (!text.empty()) text += '\n';
    text += key + "=" + GoQuote(value);
  }
  return text;
}

std::string GoQuote(const std::string& text) {
  std::string quoted = "\"";
  for (unsigned char c : text) {
    switch (c) {
      case '"':
        quoted += "\\\"";
        break;
      case '\\':
        quoted += "\\\\";
        break;
      case '\a':
        quoted += "\\a";
        break;
      case '\b':
        quoted += "\\b";
        break;
      case '\f':
        quoted += "\\f";
        break;
      case '\n':
        quoted += "\\n";
        break;
      case '\r':
        quoted += "\\r";
        break;
      case '\t':
        quoted += "\\t";
        break;
      case '\v':
        quoted += "\\v";
        break;
      default:
        if (c < 0x20 || c == 0x7f) {
          char escaped[5];
          std::snprintf(escaped, sizeof escaped, "\\x%02x", c);
          quoted += escaped;
        } else {
          quoted += static_cast<char>(c);  // UTF-8 passes through, as Go prints valid runes
        }
    }
  }
  return quoted + "\"";
}

}  // namespace hostlet::agent
