#include "kubelet/config/yaml_json.h"

#include "kubelet/config/utf8.h"
#include "kubelet/config/yaml_scalar.h"

#include <stdexcept>
#include <vector>

namespace hostlet::agent {
namespace {

// Deeper than any Kubernetes object; a self-referencing alias (`&a [*a]`) builds a cyclic
// yaml-cpp graph, and this bound turns it into an error instead of a stack overflow.
constexpr int kMaxDepth = 512;
// Aliases can expand a small file into a huge tree ("billion laughs"); far above any manifest.
constexpr size_t kMaxValues = 4 * 1024 * 1024;

[[noreturn]] void Fail(const YAML::Mark& mark, const std::string& what) {
  throw std::runtime_error(YamlPosition(mark) + ": " + what);
}

class Converter {
 public:
  nlohmann::json Convert(const YAML::Node& node, int depth) {
    if (depth > kMaxDepth) Fail(node.Mark(), "nesting deeper than " + std::to_string(kMaxDepth));
    if (++values_ > kMaxValues) Fail(node.Mark(), "document expands to too many values");
    switch (node.Type()) {
      case YAML::NodeType::Undefined:
      case YAML::NodeType::Null:
        return nullptr;
      case YAML::NodeType::Scalar:
        return Scalar(node);
      case YAML::NodeType::Sequence: {
        nlohmann::json list = nlohmann::json::array();
        for (const YAML::Node& item : node) list.push_back(Convert(item, depth + 1));
        return list;
      }
      case YAML::NodeType::Map:
        return Map(node, depth);
    }
    return nullptr;
  }

 private:
  nlohmann::json Scalar(const YAML::Node& node) {
    const std::string& text = node.Scalar();
    if (!IsValidUtf8(text)) Fail(node.Mark(), "invalid UTF-8 in a scalar");
    if (node.Tag() == "?") return ResolvePlainScalar(text);
    try {
      return ResolveTaggedScalar(text, node.Tag());
    } catch (const std::runtime_error& error) {
      Fail(node.Mark(), error.what());
    }
  }

  // JSON objects have string keys; sigs.k8s.io/yaml turns bool and number keys into their text
  // and refuses the rest, and so do we.
  std::string Key(const YAML::Node& key) {
    if (key.Type() != YAML::NodeType::Scalar) Fail(key.Mark(), "a map key must be a string");
    nlohmann::json value = Scalar(key);
    if (value.is_string()) return value.get<std::string>();
    if (value.is_null()) Fail(key.Mark(), "a map key must be a string, not null");
    return value.dump();
  }

  nlohmann::json Map(const YAML::Node& node, int depth) {
    nlohmann::json object = nlohmann::json::object();
    std::vector<YAML::Node> merges;
    for (const auto& entry : node) {
      if (entry.first.Type() == YAML::NodeType::Scalar && entry.first.Tag() == "?" &&
          entry.first.Scalar() == "<<") {
        merges.push_back(entry.second);
        continue;
      }
      std::string key = Key(entry.first);
      // go-yaml in strict mode, which Kubernetes config loading uses, refuses these; a silent
      // "last one wins" hides typos that change meaning.
      if (object.contains(key)) Fail(entry.first.Mark(), "duplicate key \"" + key + "\"");
      object[key] = Convert(entry.second, depth + 1);
    }
    // Merged maps fill in only what the map itself does not say; among several, earlier wins.
    for (const YAML::Node& merge : merges) {
      std::vector<YAML::Node> sources;
      if (merge.IsMap()) {
        sources.push_back(merge);
      } else if (merge.IsSequence()) {
        for (const YAML::Node& item : merge) sources.push_back(item);
      }
      for (const YAML::Node& source : sources) {
        if (!source.IsMap()) Fail(merge.Mark(), "a merge key (<<) needs a map or a list of maps");
        nlohmann::json merged = Map(source, depth + 1);
        for (auto& [key, value] : merged.items()) {
          if (!object.contains(key)) object[key] = value;
        }
      }
      if (sources.empty()) Fail(merge.Mark(), "a merge key (<<) needs a map or a list of maps");
    }
    return object;
  }

  size_t values_ = 0;
};

}  // namespace

std::string YamlPosition(const YAML::Mark& mark) {
  // yaml-cpp counts from 0 and uses -1 for "no position" (an empty document).
  int line = mark.line < 0 ? 0 : mark.line;
  int column = mark.column < 0 ? 0 : mark.column;
  return std::to_string(line + 1) + ":" + std::to_string(column + 1);
}

nlohmann::json YamlToJson(const YAML::Node& node) { return Converter().Convert(node, 0); }

YAML::Node LoadYamlDocument(const std::string& text, const std::string& source) {
  std::vector<YAML::Node> documents;
  try {
    documents = YAML::LoadAll(text);
  } catch (const YAML::Exception& error) {
    throw std::runtime_error(source + ":" + YamlPosition(error.mark) + ": " + error.msg);
  }
  if (documents.empty()) throw std::runtime_error(source + ":1:1: no YAML document");
  if (documents.size() > 1) {
    throw std::runtime_error(source + ":" + YamlPosition(documents[1].Mark()) +
                             ": more than one YAML document");
  }
  return documents[0];
}

nlohmann::json ParseYamlDocument(const std::string& text, const std::string& source) {
  YAML::Node document = LoadYamlDocument(text, source);
  try {
    return YamlToJson(document);
  } catch (const std::runtime_error& error) {
    throw std::runtime_error(source + ":" + error.what());
  }
}

}  // namespace hostlet::agent
