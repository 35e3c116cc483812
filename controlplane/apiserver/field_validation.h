// The `fieldValidation` query parameter of writes: what to do with fields the kind does not
// define. Strict refuses the write with upstream's 400, Warn (the default) accepts it and answers
// with one `Warning: 299` header per field, as kubectl prints them, and Ignore drops them silently.
#pragma once

#include "controlplane/apiserver/http_types.h"
#include "controlplane/apiserver/query.h"

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace hostlet::apiserver {

class FieldValidation {
 public:
  // Throws ApiException(400) for a value other than Strict, Warn or Ignore.
  explicit FieldValidation(const Query& query);

  // Checks `object`, about to be written as `kind` of `group`/`version`.
  void Check(const std::string& group, const std::string& version, const std::string& kind,
             const nlohmann::json& object);

  // Adds the warnings gathered by Check to `response`.
  void AddWarnings(Response& response) const;

 private:
  enum class Mode { kStrict, kWarn, kIgnore };
  Mode mode_ = Mode::kWarn;
  std::vector<std::string> warnings_;
};

}  // namespace hostlet::apiserver
