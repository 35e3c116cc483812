// Server-side strict field validation, as the Kubernetes apiserver does for
// `?fieldValidation=Strict` (kubectl's default): the fields of an object that its kind does not
// define. Upstream refuses such an object with 400 BadRequest and the message of
// StrictDecodingMessage; a typo such as `imagePullPolicyy` then fails loudly instead of being
// dropped without a word.
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace hostlet::apiserver {

// The paths of the fields of `object` that the schema of `kind` in `group` does not define,
// worded as upstream's strict decoder words them: "spec.containers[0].imagePullPolicyy". The
// value of an unknown field is not looked into. Fields come in the order the object iterates
// (nlohmann::json keeps an object's keys sorted, so within an object that is by name where
// upstream follows the document), at most 100 of them as upstream. Map-valued fields (labels,
// annotations, data, resource lists, nodeSelector...) and free-form ones (managedFields'
// fieldsV1) take any key. Empty for kinds without a schema.
std::vector<std::string> UnknownFields(const std::string& group, const std::string& kind,
                                       const nlohmann::json& object);

// The message of upstream's 400 for `unknown` (duplicates dropped): `Pod in version "v1" cannot
// be handled as a Pod: strict decoding error: unknown field "spec.foo", unknown field "spec.bar"`.
// `version` is the version alone ("v1"), without the group.
std::string StrictDecodingMessage(const std::string& kind, const std::string& version,
                                  const std::vector<std::string>& unknown);

}  // namespace hostlet::apiserver
