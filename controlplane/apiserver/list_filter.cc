#include "controlplane/apiserver/list_filter.h"

#include "controlplane/apiserver/api_status.h"
#include "controlplane/apiserver/kind_rules.h"
#include "controlplane/apiserver/selectors.h"

#include <memory>

namespace hostlet::apiserver {

std::function<bool(const nlohmann::json&)> MakeListFilter(const Resource& resource,
                                                          const std::string& label_selector,
                                                          const std::string& field_selector) {
  if (label_selector.empty() && field_selector.empty()) return nullptr;
  std::shared_ptr<LabelSelector> labels;
  std::shared_ptr<FieldSelector> fields;
  try {
    if (!label_selector.empty()) {
      labels = std::make_shared<LabelSelector>(LabelSelector::Parse(label_selector));
    }
    if (!field_selector.empty()) {
      fields = std::make_shared<FieldSelector>(FieldSelector::Parse(field_selector));
    }
  } catch (const SelectorError& error) {
    throw ApiException(BadRequest(error.what()));
  }
  if (fields) {
    // An object with every field empty still tells whether the kind knows the field.
    static const nlohmann::json kEmpty = nlohmann::json::object();
    for (const auto& field : fields->Fields()) {
      if (!SelectableField(resource, kEmpty, field)) {
        throw ApiException(BadRequest("field label not supported: " + field));
      }
    }
  }
  const Resource* kind = &resource;
  return [labels, fields, kind](const nlohmann::json& object) {
    if (labels) {
      auto metadata = object.find("metadata");
      nlohmann::json none;
      const nlohmann::json& values =
          metadata != object.end() && metadata->contains("labels") ? (*metadata)["labels"] : none;
      if (!labels->Matches(values)) return false;
    }
    if (fields) {
      return fields->Matches(
          [&](const std::string& field) { return SelectableField(*kind, object, field); });
    }
    return true;
  };
}

}  // namespace hostlet::apiserver
