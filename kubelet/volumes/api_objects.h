// The configMaps and secrets one pod refers to, each fetched once per pass (a pod naming the same
// configMap in several places sees one version of it), with their data decoded to bytes.
#pragma once

#include "kubelet/volumes/pod_config_error.h"

#include <map>
#include <string>

namespace hostlet::agent {

enum class ObjectKind { kConfigMap, kSecret };

class ObjectReader {
 public:
  ObjectReader(const ObjectGetter& get, std::string ns);

  // The object's keys and their bytes (secret data base64-decoded), or nullptr when it does not
  // exist. A configMap's binaryData (decoded) counts only `with_binary_data`: volumes project it,
  // the environment reads data alone, as the kubelet does. Throws what the getter throws.
  const std::map<std::string, std::string>* Data(ObjectKind kind, const std::string& name,
                                                 bool with_binary_data);

  // Data() that must succeed: a missing object that is not optional is a PodConfigError
  // (`configmap "x" not found`); an optional one reads as nullptr.
  const std::map<std::string, std::string>* Require(ObjectKind kind, const std::string& name,
                                                    bool optional, bool with_binary_data);

  // `couldn't find key k in ConfigMap ns/x`, as the kubelet says it.
  std::string MissingKeyMessage(ObjectKind kind, const std::string& name,
                                const std::string& key) const;

 private:
  const ObjectGetter& get_;
  std::string ns_;
  struct Entry {
    std::map<std::string, std::string> data;  // data alone
    std::map<std::string, std::string> all;   // data and binaryData
  };
  std::map<std::pair<ObjectKind, std::string>, std::optional<Entry>> cache_;
};

}  // namespace hostlet::agent
