// Strategic merge patch (application/strategic-merge-patch+json), applied as the Kubernetes
// apiserver applies it to built-in kinds. kubectl apply, label, annotate, set image and patch all
// send this kind of patch, so lists such as containers and env must be merged by key, not replaced.
//
// A patch is a JSON merge patch (null deletes a key, objects merge, other values replace) plus:
//   - lists the kind's schema marks as merging are merged by their merge key (containers by
//     "name"), and lists of primitives marked so (finalizers) are merged as sets;
//   - "$patch": "replace" in an object replaces the whole object, "delete" empties it; in an
//     element of a merging list, "delete" removes the elements with that key and "replace"
//     makes the patch's elements the whole list;
//   - "$retainKeys": [...] clears every key of the live object that the list does not name;
//   - "$setElementOrder/<list>": [...] orders the merged list as the client has it;
//   - "$deleteFromPrimitiveList/<list>": [...] removes those values from a list of primitives.
// These are the directives kubectl's three-way patches use.
#pragma once

#include <nlohmann/json.hpp>

#include <functional>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>

namespace hostlet::apiserver {

// A malformed patch, or one that cannot apply to the object. The message starts with the JSON
// path in the patch where the problem is ("spec.containers[1]: ..."). The apiserver answers
// these with 400 Bad Request or 422 Unprocessable Entity, never 500.
class PatchError : public std::runtime_error {
 public:
  using runtime_error::runtime_error;
};

struct PatchSchema;

// How one field is patched: what upstream's patchStrategy and patchMergeKey struct tags say.
// Fields without tags need no entry. Nor does patchStrategy "retainKeys": it only tells clients
// to send the $retainKeys directive, and the directive alone decides what the server does.
struct PatchField {
  // A list merged with the live list instead of replacing it. Object elements are matched by
  // merge_key; a list of primitives (merge_key empty) is merged as a set.
  bool merge = false;
  std::string merge_key;
  // An object replaced as a whole instead of merged (patchStrategy "replace").
  bool replace = false;
  // The fields of this object, or of every element of this list; null when none is special.
  std::shared_ptr<const PatchSchema> schema;
};

// The special fields of one kind of object, by JSON name.
struct PatchSchema {
  std::map<std::string, PatchField, std::less<>> fields;

  // The field's entry, or a default one (objects merge, lists are replaced) when it has none.
  const PatchField& Field(std::string_view name) const;
};

// The schema of a kind this server serves (and of the workload kinds whose pod templates follow
// the Pod's rules), or null for kinds it does not know.
std::shared_ptr<const PatchSchema> PatchSchemaFor(const std::string& group,
                                                  const std::string& kind);

// `original` with `patch` applied, following `schema`. Both must be JSON objects.
nlohmann::json StrategicMergePatch(const nlohmann::json& original, const nlohmann::json& patch,
                                   const PatchSchema& schema);

// The same for an object of `kind` in API `group` ("" for the core group, "apps"). Kinds without
// a schema get JSON merge patch semantics: objects merge and every list is replaced; the
// directives above still work, so a patch written for a built-in kind never leaves "$patch" keys
// in an object.
nlohmann::json StrategicMergePatch(const nlohmann::json& original, const nlohmann::json& patch,
                                   const std::string& group, const std::string& kind);

}  // namespace hostlet::apiserver
