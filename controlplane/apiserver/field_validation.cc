#include "controlplane/apiserver/field_validation.h"

#include "controlplane/apiserver/api_status.h"
#include "controlplane/apiserver/field_schema.h"

#include <algorithm>

namespace hostlet::apiserver {

FieldValidation::FieldValidation(const Query& query) {
  auto found = query.find("fieldValidation");
  if (found == query.end() || found->second.empty() || found->second == "Warn") return;
  if (found->second == "Strict") {
    mode_ = Mode::kStrict;
  } else if (found->second == "Ignore") {
    mode_ = Mode::kIgnore;
  } else {
    throw ApiException(BadRequest("fieldValidation: Unsupported value: \"" + found->second +
                                  "\": supported values: \"Ignore\", \"Strict\", \"Warn\""));
  }
}

void FieldValidation::Check(const std::string& group, const std::string& version,
                            const std::string& kind, const nlohmann::json& object) {
  if (mode_ == Mode::kIgnore) return;
  std::vector<std::string> unknown = UnknownFields(group, kind, object);
  if (unknown.empty()) return;
  if (mode_ == Mode::kStrict) {
    throw ApiException(BadRequest(StrictDecodingMessage(kind, version, unknown)));
  }
  for (const std::string& field : unknown) {
    std::string warning = "unknown field \"" + field + "\"";
    if (std::find(warnings_.begin(), warnings_.end(), warning) == warnings_.end()) {
      warnings_.push_back(std::move(warning));
    }
  }
}

void FieldValidation::AddWarnings(Response& response) const {
  for (const std::string& warning : warnings_) {
    std::string quoted;
    for (char c : warning) {
      if (c == '"' || c == '\\') quoted += '\\';
      quoted += c;
    }
    response.headers.emplace_back("Warning", "299 - \"" + quoted + "\"");
  }
}

}  // namespace hostlet::apiserver
