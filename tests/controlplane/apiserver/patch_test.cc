// Strategic merge patch: the cases of upstream's strategicpatch tests (current object, patch,
// result) on a schema shaped like theirs, then patches kubectl really sends to built-in kinds.
#include "controlplane/apiserver/strategic_merge_patch.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace hostlet::apiserver {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;
using ::testing::StartsWith;

PatchField MergeList(std::string key, std::shared_ptr<const PatchSchema> elements = nullptr) {
  PatchField field;
  field.merge = true;
  field.merge_key = std::move(key);
  field.schema = std::move(elements);
  return field;
}

PatchField Nested(std::shared_ptr<const PatchSchema> schema) {
  PatchField field;
  field.schema = std::move(schema);
  return field;
}

// Upstream's test type: mergingList (merge by name, elements of the same type), mergingIntList
// (merge), nonMergingList and nonMergingIntList (replace), simpleMap, replacingItem (replace),
// retainKeysMap and retainKeysMergingList. Built a few levels deep instead of recursively.
std::shared_ptr<const PatchSchema> MergeItem(int depth = 4) {
  auto schema = std::make_shared<PatchSchema>();
  std::shared_ptr<const PatchSchema> inner = depth > 0 ? MergeItem(depth - 1) : nullptr;
  PatchField merging_ints;
  merging_ints.merge = true;
  PatchField replacing;
  replacing.replace = true;
  schema->fields = {{"mergingList", MergeList("name", inner)},
                    {"mergeItemPtr", MergeList("name", inner)},
                    {"nonMergingList", Nested(inner)},
                    {"mergingIntList", merging_ints},
                    {"replacingItem", replacing},
                    {"retainKeysMergingList", MergeList("name", inner)}};
  auto retain_keys_map = std::make_shared<PatchSchema>();
  retain_keys_map->fields = {{"mergingList", MergeList("name", inner)},
                             {"mergingIntList", merging_ints}};
  schema->fields["retainKeysMap"] = Nested(retain_keys_map);
  return schema;
}

json Apply(const json& current, const json& patch) {
  return StrategicMergePatch(current, patch, *MergeItem());
}

struct Case {
  std::string name;
  std::string current;
  std::string patch;
  std::string result;  // empty: `error` is expected instead
  std::string error = "";
};

class UpstreamCase : public ::testing::TestWithParam<Case> {};

TEST_P(UpstreamCase, AppliesAsUpstream) {
  const Case& c = GetParam();
  json current = json::parse(c.current);
  json patch = json::parse(c.patch);
  if (c.result.empty()) {
    try {
      Apply(current, patch);
      FAIL() << "expected an error containing: " << c.error;
    } catch (const PatchError& error) {
      EXPECT_THAT(error.what(), HasSubstr(c.error));
    }
    return;
  }
  EXPECT_EQ(Apply(current, patch), json::parse(c.result));
}

const std::vector<Case> kUpstreamCases = {
    {"UniqueScalarsWhenMergingLists", R"({"mergingIntList":[1,2]})", R"({"mergingIntList":[2,3]})",
     R"({"mergingIntList":[1,2,3]})"},
    {"DeleteMapFromNestedMap", R"({"simpleMap":{"key1":1,"key2":1}})",
     R"({"simpleMap":{"$patch":"delete"}})", R"({"simpleMap":{}})"},
    {"DeleteAllItemsFromMergingList", R"({"mergingList":[{"name":1},{"name":2}]})",
     R"({"mergingList":[{"$patch":"replace"}]})", R"({"mergingList":[]})"},
    {"MergeEmptyMergingLists", R"({"mergingList":[]})", R"({"mergingList":[]})",
     R"({"mergingList":[]})"},
    {"DeleteAllKeysFromMap", R"({"name":1,"value":1})", R"({"$patch":"replace"})", "{}"},
    {"AddKeyAndDeleteAllKeysFromMap", R"({"name":1,"value":1})",
     R"({"other":"a","$patch":"replace"})", R"({"other":"a"})"},
    {"DeleteAllDuplicateEntriesInAMergingList",
     R"({"mergingList":[{"name":1},{"name":1},{"name":2,"value":"a"},{"name":3},{"name":3}]})",
     R"({"mergingList":[{"name":1,"$patch":"delete"},{"name":3,"$patch":"delete"}]})",
     R"({"mergingList":[{"name":2,"value":"a"}]})"},
    {"RetainKeysMapCanAddAFieldWithoutDirective", R"({"retainKeysMap":{"name":"foo"}})",
     R"({"retainKeysMap":{"value":"bar"}})", R"({"retainKeysMap":{"name":"foo","value":"bar"}})"},
    {"RetainKeysMapCanDeleteAFieldWithoutDirective",
     R"({"retainKeysMap":{"name":"foo","value":"a"}})", R"({"retainKeysMap":{"value":null}})",
     R"({"retainKeysMap":{"name":"foo"}})"},
    {"RetainKeysMapMergesAnEmptyMap", R"({"retainKeysMap":{"name":"foo","value":"a"}})",
     R"({"retainKeysMap":{}})", R"({"retainKeysMap":{"name":"foo","value":"a"}})"},
    {"RetainKeysListCanDeleteAFieldWithoutDirective",
     R"({"retainKeysMergingList":[{"name":"bar"},{"name":"foo","value":"a"}]})",
     R"({"retainKeysMergingList":[{"name":"foo","value":null}]})",
     R"({"retainKeysMergingList":[{"name":"bar"},{"name":"foo"}]})"},
    {"PreserveTheOrderFromThePatchInAMergingList",
     R"({"mergingList":[{"name":1},{"name":2,"value":"b"},{"name":3}]})",
     R"({"mergingList":[{"name":3,"value":"c"},{"name":1,"value":"a"},{"name":2,"other":"x"}]})",
     R"({"mergingList":[{"name":3,"value":"c"},{"name":1,"value":"a"},
                        {"name":2,"value":"b","other":"x"}]})"},
    {"PreserveTheOrderFromThePatchInAMergingList2",
     R"({"mergingList":[{"name":1},{"name":2,"value":"b"},{"name":3}]})",
     R"({"mergingList":[{"name":3,"value":"c"},{"name":1,"value":"a"}]})",
     R"({"mergingList":[{"name":2,"value":"b"},{"name":3,"value":"c"},{"name":1,"value":"a"}]})"},
    {"PreserveTheOrderFromThePatchInAMergingIntList", R"({"mergingIntList":[1,2,3]})",
     R"({"mergingIntList":[3,1]})", R"({"mergingIntList":[2,3,1]})"},
    {"SetElementOrderNamesAnItemMissingFromTheList", R"({"mergingList":[{"name":1},{"name":3}]})",
     R"({"$setElementOrder/mergingList":[{"name":3},{"name":2},{"name":1}],
         "mergingList":[{"name":3,"value":3},{"name":1,"value":1}]})",
     R"({"mergingList":[{"name":3,"value":3},{"name":1,"value":1}]})"},
    {"SetElementOrderNamesAnItemMissingFromTheIntList", R"({"mergingIntList":[1,3]})",
     R"({"$setElementOrder/mergingIntList":[3,2,1]})", R"({"mergingIntList":[3,1]})"},
    {"OrderOfSetElementOrderAndPatchListMustMatch",
     R"({"mergingList":[{"name":1},{"name":3},{"name":2}]})",
     R"({"$setElementOrder/mergingList":[{"name":1},{"name":2},{"name":3}],
         "mergingList":[{"name":3,"value":3},{"name":1,"value":1}]})",
     "", "doesn't match"},
    {"OrderOfSetElementOrderAndPatchIntListMustMatch", R"({"mergingIntList":[1,3,2]})",
     R"({"$setElementOrder/mergingIntList":[1,2,3],"mergingIntList":[3,1]})", "", "doesn't match"},
    {"MissingMergeKeyIsAnError", R"({"mergingList":[{"name":1,"value":"a"}]})",
     R"({"mergingList":[{"value":"b"}]})", "", "does not contain declared merge key"},
    {"NilOriginal", R"({"name":1,"other":"a"})", R"({"value":1})",
     R"({"name":1,"value":1,"other":"a"})"},
    {"AddFieldAndDeleteFieldFromMap", R"({"name":"a","other":"a"})", R"({"name":null,"value":1})",
     R"({"value":1,"other":"a"})"},
    {"DeleteFieldFromNestedMap", R"({"simpleMap":{"key1":"a","key2":1,"other":"a"}})",
     R"({"simpleMap":{"key1":1,"key2":null}})", R"({"simpleMap":{"key1":1,"other":"a"}})"},
    {"ReplaceListOfScalars", R"({"nonMergingIntList":[1,4]})", R"({"nonMergingIntList":[2,3]})",
     R"({"nonMergingIntList":[2,3]})"},
    {"DeleteAllMapsFromMergingList",
     R"({"mergingList":[{"name":1,"other":"a"},{"name":2,"other":"b"}]})",
     R"({"mergingList":[{"name":1,"$patch":"delete"},{"name":2,"$patch":"delete"}]})",
     R"({"mergingList":[]})"},
    {"DeleteAllMapsFromEmptyMergingList", R"({"mergingList":[]})",
     R"({"mergingList":[{"name":1,"$patch":"delete"},{"name":2,"$patch":"delete"}]})",
     R"({"mergingList":[]})"},
    {"DefinedNullValuesOverwriteCurrentFields", R"({"name":"a","other":"a"})",
     R"({"name":1,"value":1,"other":null})", R"({"name":1,"value":1})"},
    {"DeleteItemsInListsOfScalars", R"({"mergingIntList":[1,2,3,4]})",
     R"({"$setElementOrder/mergingIntList":[1,2],"$deleteFromPrimitiveList/mergingIntList":[3]})",
     R"({"mergingIntList":[1,2,4]})"},
    {"DeleteAllDuplicateItemsInListsOfScalars", R"({"mergingIntList":[1,2,3,3,4]})",
     R"({"$setElementOrder/mergingIntList":[1,2],"$deleteFromPrimitiveList/mergingIntList":[3]})",
     R"({"mergingIntList":[1,2,4]})"},
    {"AddAndDeleteItemsInListsOfScalars", R"({"mergingIntList":[1,2,3,4]})",
     R"({"$setElementOrder/mergingIntList":[1,2,4],
         "$deleteFromPrimitiveList/mergingIntList":[3]})",
     R"({"mergingIntList":[1,2,4]})"},
    {"MergeListsOfMaps",
     R"({"mergingList":[{"name":1,"other":"a"},{"name":2,"value":2,"other":"b"}]})",
     R"({"$setElementOrder/mergingList":[{"name":4},{"name":1},{"name":2},{"name":3}],
         "mergingList":[{"name":4,"value":4},{"name":3,"value":3}]})",
     R"({"mergingList":[{"name":4,"value":4},{"name":1,"other":"a"},
                        {"name":2,"value":2,"other":"b"},{"name":3,"value":3}]})"},
    {"AddFieldToMapInMergingListWithConflict",
     R"({"mergingList":[{"name":1,"other":"a"},{"name":3,"value":2,"other":"b"}]})",
     R"({"$setElementOrder/mergingList":[{"name":1},{"name":2}],
         "mergingList":[{"name":1,"value":1},{"name":2,"value":2}]})",
     R"({"mergingList":[{"name":1,"value":1,"other":"a"},{"name":2,"value":2},
                        {"name":3,"value":2,"other":"b"}]})"},
    {"DeleteMapFromMergingList", R"({"mergingList":[{"name":1},{"name":2,"other":"b"}]})",
     R"({"$setElementOrder/mergingList":[{"name":2}],
         "mergingList":[{"name":1,"$patch":"delete"}]})",
     R"({"mergingList":[{"name":2,"other":"b"}]})"},
    {"DeleteMissingMapFromMergingListWithConflict", R"({"mergingList":[{"name":3,"other":"a"}]})",
     R"({"$setElementOrder/mergingList":[{"name":2}],
         "mergingList":[{"name":2},{"name":1,"$patch":"delete"}]})",
     R"({"mergingList":[{"name":2},{"name":3,"other":"a"}]})"},
    // The live elements left after deletions, then the new ones, fix where server-only
    // elements go: 4 stays before the new 3.
    {"AddMapAndDeleteMapFromMergingList",
     R"({"mergingList":[{"name":1},{"name":2,"other":"b"},{"name":4,"other":"c"}]})",
     R"({"$setElementOrder/mergingList":[{"name":2},{"name":3}],
         "mergingList":[{"name":3},{"name":1,"$patch":"delete"}]})",
     R"({"mergingList":[{"name":2,"other":"b"},{"name":4,"other":"c"},{"name":3}]})"},
    {"AddMapAndDeleteMapFromMergingListWithConflict",
     R"({"mergingList":[{"name":1,"other":"a"},{"name":4,"other":"c"}]})",
     R"({"$setElementOrder/mergingList":[{"name":2},{"name":3}],
         "mergingList":[{"name":2},{"name":3},{"name":1,"$patch":"delete"}]})",
     R"({"mergingList":[{"name":4,"other":"c"},{"name":2},{"name":3}]})"},
    {"ReplaceNonMergingListNestedInMergingList",
     R"({"mergingList":[{"name":1,"other":"a","nonMergingList":[{"name":1},{"name":2,"value":2}]},
                        {"name":2,"other":"b"}]})",
     R"({"$setElementOrder/mergingList":[{"name":1},{"name":2}],
         "mergingList":[{"name":1,"nonMergingList":[{"name":1,"value":1}]}]})",
     R"({"mergingList":[{"name":1,"other":"a","nonMergingList":[{"name":1,"value":1}]},
                        {"name":2,"other":"b"}]})"},
    {"AddFieldToMapInMergingListNestedInMergingList",
     R"({"mergingList":[{"name":1,"other":"a","mergingList":[{"name":2,"value":2,"other":"d"}]},
                        {"name":2,"other":"b"}]})",
     R"({"$setElementOrder/mergingList":[{"name":1},{"name":2}],
         "mergingList":[{"$setElementOrder/mergingList":[{"name":2},{"name":1}],"name":1,
                         "mergingList":[{"name":1,"value":1}]}]})",
     R"({"mergingList":[{"name":1,"other":"a","mergingList":[{"name":2,"value":2,"other":"d"},
                                                             {"name":1,"value":1}]},
                        {"name":2,"other":"b"}]})"},
    {"AddMapToMergingListByPointer", R"({"mergeItemPtr":[{"name":1,"other":"a"},{"name":3}]})",
     R"({"$setElementOrder/mergeItemPtr":[{"name":1},{"name":2}],"mergeItemPtr":[{"name":2}]})",
     R"({"mergeItemPtr":[{"name":1,"other":"a"},{"name":2},{"name":3}]})"},
    {"MergeListsOfScalars", R"({"mergingIntList":[1,2,4]})",
     R"({"$setElementOrder/mergingIntList":[1,2,3],"mergingIntList":[3]})",
     R"({"mergingIntList":[1,2,3,4]})"},
    {"AddAnItemInAListOfPrimitivesAndPreserveOrder", R"({"mergingIntList":[1,4,2]})",
     R"({"$setElementOrder/mergingIntList":[3,1,2],"mergingIntList":[3]})",
     R"({"mergingIntList":[3,1,4,2]})"},
    {"DeleteAnItemInAListOfPrimitivesAndPreserveOrder", R"({"mergingIntList":[1,2,3]})",
     R"({"$setElementOrder/mergingIntList":[2,1],"$deleteFromPrimitiveList/mergingIntList":[3]})",
     R"({"mergingIntList":[2,1]})"},
    {"AddMultipleItemsInAListAndPreserveOrder",
     R"({"mergingList":[{"name":1,"other":"a"},{"name":2,"value":2,"other":"b"}]})",
     R"({"$setElementOrder/mergingList":[{"name":1},{"name":4},{"name":2},{"name":3}],
         "mergingList":[{"name":4,"value":4},{"name":3,"value":3}]})",
     R"({"mergingList":[{"name":1,"other":"a"},{"name":4,"value":4},
                        {"name":2,"value":2,"other":"b"},{"name":3,"value":3}]})"},
    {"AddAndDeleteAnItemInAListAndPreserveOrder",
     R"({"mergingList":[{"name":1,"other":"a"},{"name":2,"value":2,"other":"b"},
                        {"name":3,"value":3}]})",
     R"({"$setElementOrder/mergingList":[{"name":4},{"name":2},{"name":1}],
         "mergingList":[{"name":4,"value":4},{"name":3,"$patch":"delete"}]})",
     R"({"mergingList":[{"name":4,"value":4},{"name":2,"value":2,"other":"b"},
                        {"name":1,"other":"a"}]})"},
    {"SetElementsOrderInAListWithServerOnlyItems",
     R"({"mergingList":[{"name":1,"other":"a"},{"name":2,"value":2},{"name":7},{"name":9},
                        {"name":8},{"name":3,"value":3},{"name":4,"value":4}]})",
     R"({"$setElementOrder/mergingList":[{"name":2},{"name":1},{"name":4},{"name":3}]})",
     R"({"mergingList":[{"name":2,"value":2},{"name":1,"other":"a"},{"name":7},{"name":9},
                        {"name":8},{"name":4,"value":4},{"name":3,"value":3}]})"},
    {"SetElementsOrderInAnIntListWithServerOnlyItems", R"({"mergingIntList":[1,2,9,3,4]})",
     R"({"$setElementOrder/mergingIntList":[2,1,4,3]})", R"({"mergingIntList":[2,1,9,4,3]})"},
    {"SetElementOrderKeepsDuplicatesTogether",
     R"({"mergingList":[{"name":1},{"name":2,"value":"dup1"},{"name":3},
                        {"name":2,"value":"dup2"},{"name":4}]})",
     R"({"$setElementOrder/mergingList":[{"name":2},{"name":1},{"name":4},{"name":3},{"name":2}]})",
     R"({"mergingList":[{"name":2,"value":"dup1"},{"name":2,"value":"dup2"},{"name":1},
                        {"name":4},{"name":3}]})"},
    {"RetainKeysMapClearsADefaultedField", R"({"retainKeysMap":{"value":"foo"}})",
     R"({"retainKeysMap":{"$retainKeys":["other"],"other":"bar"}})",
     R"({"retainKeysMap":{"other":"bar"}})"},
    {"RetainKeysMapAddsAFieldAndClearsAField", R"({"retainKeysMap":{"name":"foo","other":"a"}})",
     R"({"retainKeysMap":{"$retainKeys":["name","value"],"value":"bar"}})",
     R"({"retainKeysMap":{"name":"foo","value":"bar"}})"},
    {"RetainKeysMapDeletesAFieldAndClearsAField",
     R"({"retainKeysMap":{"name":"foo","value":"bar","other":"a"}})",
     R"({"retainKeysMap":{"$retainKeys":["name"],"value":null}})",
     R"({"retainKeysMap":{"name":"foo"}})"},
    {"RetainKeysMapAddsAnItemInNestedMergingIntList",
     R"({"retainKeysMap":{"name":"foo","mergingIntList":[1,2,3]}})",
     R"({"retainKeysMap":{"$setElementOrder/mergingIntList":[1,2,4],
                          "$retainKeys":["mergingIntList","name"],"mergingIntList":[4]}})",
     R"({"retainKeysMap":{"name":"foo","mergingIntList":[1,2,4,3]}})"},
    {"RetainKeysMapAddsAndDeletesItemsInNestedMergingIntList",
     R"({"retainKeysMap":{"name":"foo","mergingIntList":[1,2,3,4]}})",
     R"({"retainKeysMap":{"$retainKeys":["mergingIntList","name"],"mergingIntList":[5],
                          "$deleteFromPrimitiveList/mergingIntList":[2],
                          "$setElementOrder/mergingIntList":[1,3,5]}})",
     R"({"retainKeysMap":{"name":"foo","mergingIntList":[1,3,5,4]}})"},
    {"RetainKeysMapNestedMergingListWithNoChange",
     R"({"retainKeysMap":{"name":"foo","mergingList":[{"name":"a"},{"name":"b"},{"name":"c"}]}})",
     R"({"retainKeysMap":{"$retainKeys":["mergingList","name","value"],
                          "$setElementOrder/mergingList":[{"name":"a"},{"name":"b"}],
                          "value":"bar"}})",
     R"({"retainKeysMap":{"name":"foo","value":"bar",
                          "mergingList":[{"name":"a"},{"name":"b"},{"name":"c"}]}})"},
    {"RetainKeysMustListEveryPatchedField", R"({"retainKeysMap":{"name":"foo"}})",
     R"({"retainKeysMap":{"$retainKeys":["name"],"value":"bar"}})", "", "$retainKeys"},
    {"ReplacingItemIsReplacedWhole", R"({"replacingItem":{"a":1,"b":2}})",
     R"({"replacingItem":{"c":3}})", R"({"replacingItem":{"c":3}})"},
};

INSTANTIATE_TEST_SUITE_P(Strategicpatch, UpstreamCase, ::testing::ValuesIn(kUpstreamCases),
                         [](const ::testing::TestParamInfo<Case>& info) {
                           return info.param.name;
                         });

// --- Built-in kinds, with the patches kubectl sends.

// Fails on any "$..." key left in a result: directives must never be stored.
void ExpectNoDirectives(const json& value, const std::string& path = "") {
  if (value.is_object()) {
    for (const auto& [key, child] : value.items()) {
      EXPECT_NE(key.substr(0, 1), "$") << "directive left at " << path << "." << key;
      ExpectNoDirectives(child, path + "." + key);
    }
  } else if (value.is_array()) {
    for (size_t i = 0; i < value.size(); ++i) {
      ExpectNoDirectives(value[i], path + "[" + std::to_string(i) + "]");
    }
  }
}

json LiveDeployment() {
  return json::parse(R"({
    "apiVersion": "apps/v1", "kind": "Deployment",
    "metadata": {"name": "web", "namespace": "default", "uid": "u-1", "generation": 3,
      "labels": {"app": "web"},
      "annotations": {"deployment.kubernetes.io/revision": "3",
                      "kubectl.kubernetes.io/last-applied-configuration": "old"}},
    "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "web"}},
      "strategy": {"type": "RollingUpdate",
                   "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"}},
      "template": {"metadata": {"labels": {"app": "web"}},
        "spec": {"containers": [
            {"name": "web", "image": "nginx:1.25", "imagePullPolicy": "IfNotPresent",
             "env": [{"name": "MODE", "value": "prod"}, {"name": "DEBUG", "value": "1"},
                     {"name": "REGION", "value": "eu"}],
             "ports": [{"containerPort": 80, "protocol": "TCP"}]},
            {"name": "sidecar", "image": "envoy:1.30"}],
          "restartPolicy": "Always", "dnsPolicy": "ClusterFirst"}}},
    "status": {"replicas": 2, "conditions": [{"type": "Available", "status": "True"}]}})");
}

TEST(KubectlApply, ThreeWayPatchChangesImageAndRemovesAnEnvVar) {
  // What kubectl apply sends after the manifest changed nginx:1.25 to 1.27 and dropped DEBUG.
  json patch = json::parse(R"({
    "metadata": {"annotations": {"kubectl.kubernetes.io/last-applied-configuration": "new"}},
    "spec": {"template": {"spec": {
      "$setElementOrder/containers": [{"name": "web"}, {"name": "sidecar"}],
      "containers": [{"$setElementOrder/env": [{"name": "MODE"}, {"name": "REGION"}],
                      "env": [{"$patch": "delete", "name": "DEBUG"}],
                      "image": "nginx:1.27", "name": "web"}]}}}})");
  json expected = LiveDeployment();
  expected["metadata"]["annotations"]["kubectl.kubernetes.io/last-applied-configuration"] = "new";
  json& web = expected["spec"]["template"]["spec"]["containers"][0];
  web["image"] = "nginx:1.27";
  web["env"] = json::parse(R"([{"name": "MODE", "value": "prod"},
                               {"name": "REGION", "value": "eu"}])");

  json result = StrategicMergePatch(LiveDeployment(), patch, "apps", "Deployment");
  EXPECT_EQ(result, expected);
  ExpectNoDirectives(result);
}

TEST(KubectlApply, ThreeWayPatchAddsAnEnvVarWhereTheManifestHasIt) {
  json patch = json::parse(R"({"spec": {"template": {"spec": {
      "$setElementOrder/containers": [{"name": "web"}, {"name": "sidecar"}],
      "containers": [{"$setElementOrder/env": [{"name": "MODE"}, {"name": "LOG"},
                                               {"name": "DEBUG"}, {"name": "REGION"}],
                      "env": [{"name": "LOG", "value": "json"}], "name": "web"}]}}}})");
  json result = StrategicMergePatch(LiveDeployment(), patch, "apps", "Deployment");
  json names = json::array();
  for (const json& env : result["spec"]["template"]["spec"]["containers"][0]["env"]) {
    names.push_back(env["name"]);
  }
  EXPECT_EQ(names, json::parse(R"(["MODE", "LOG", "DEBUG", "REGION"])"));
}

TEST(KubectlApply, RemovingAContainerDeletesItByName) {
  json patch = json::parse(R"({"spec": {"template": {"spec": {
      "$setElementOrder/containers": [{"name": "web"}],
      "containers": [{"$patch": "delete", "name": "sidecar"}]}}}})");
  json result = StrategicMergePatch(LiveDeployment(), patch, "apps", "Deployment");
  const json& containers = result["spec"]["template"]["spec"]["containers"];
  ASSERT_EQ(containers.size(), 1u);
  EXPECT_EQ(containers[0]["name"], "web");
  EXPECT_EQ(containers[0]["env"].size(), 3u);
}

TEST(KubectlApply, SwitchingToRecreateClearsRollingUpdateThroughRetainKeys) {
  json patch = json::parse(R"({"spec": {"strategy": {"$retainKeys": ["type"],
                                                      "type": "Recreate",
                                                      "rollingUpdate": null}}})");
  json result = StrategicMergePatch(LiveDeployment(), patch, "apps", "Deployment");
  EXPECT_EQ(result["spec"]["strategy"], json::parse(R"({"type": "Recreate"})"));
}

TEST(KubectlApply, RetainKeysSwitchesAVolumeSource) {
  json pod = json::parse(R"({"metadata": {"name": "p"}, "spec": {"volumes": [
      {"name": "config", "configMap": {"name": "app-config", "defaultMode": 420}},
      {"name": "cache", "emptyDir": {}}]}})");
  json patch = json::parse(R"({"spec": {
      "$setElementOrder/volumes": [{"name": "config"}, {"name": "cache"}],
      "volumes": [{"$retainKeys": ["name", "secret"], "name": "config",
                   "secret": {"secretName": "app-secret"}, "configMap": null}]}})");
  json result = StrategicMergePatch(pod, patch, "", "Pod");
  EXPECT_EQ(result["spec"]["volumes"], json::parse(R"([
      {"name": "config", "secret": {"secretName": "app-secret"}},
      {"name": "cache", "emptyDir": {}}])"));
}

TEST(KubectlSetImage, MergesTheContainerByName) {
  json patch = json::parse(R"({"spec": {"template": {"spec": {"containers": [
      {"name": "sidecar", "image": "envoy:1.31"}]}}}})");
  json result = StrategicMergePatch(LiveDeployment(), patch, "apps", "Deployment");
  const json& containers = result["spec"]["template"]["spec"]["containers"];
  ASSERT_EQ(containers.size(), 2u);
  EXPECT_EQ(containers[0]["image"], "nginx:1.25");
  EXPECT_EQ(containers[1], json::parse(R"({"name": "sidecar", "image": "envoy:1.31"})"));
}

TEST(KubectlLabel, AddsChangesAndRemovesLabels) {
  json result = StrategicMergePatch(
      LiveDeployment(), json::parse(R"({"metadata": {"labels": {"tier": "front", "app": null}}})"),
      "apps", "Deployment");
  EXPECT_EQ(result["metadata"]["labels"], json::parse(R"({"tier": "front"})"));
  // kubectl annotate --overwrite, on an object without annotations.
  json pod = json::parse(R"({"metadata": {"name": "p"}})");
  result = StrategicMergePatch(pod, json::parse(R"({"metadata": {"annotations": {"a": "1"}}})"), "",
                               "Pod");
  EXPECT_EQ(result["metadata"], json::parse(R"({"name": "p", "annotations": {"a": "1"}})"));
}

TEST(KubectlScale, ReplacesAScalar) {
  json result = StrategicMergePatch(LiveDeployment(), json::parse(R"({"spec": {"replicas": 5}})"),
                                    "apps", "Deployment");
  EXPECT_EQ(result["spec"]["replicas"], 5);
  EXPECT_EQ(result["spec"]["template"], LiveDeployment()["spec"]["template"]);
}

TEST(PodStatus, ConditionsMergeByType) {
  json pod = json::parse(R"({"status": {"phase": "Pending", "conditions": [
      {"type": "PodScheduled", "status": "True"}, {"type": "Ready", "status": "False"}]}})");
  json patch = json::parse(R"({"status": {"phase": "Running", "conditions": [
      {"type": "Ready", "status": "True"}, {"type": "Initialized", "status": "True"}],
      "podIPs": [{"ip": "10.0.0.5"}]}})");
  json result = StrategicMergePatch(pod, patch, "", "Pod");
  EXPECT_EQ(result["status"]["phase"], "Running");
  EXPECT_EQ(result["status"]["conditions"], json::parse(R"([
      {"type": "PodScheduled", "status": "True"}, {"type": "Ready", "status": "True"},
      {"type": "Initialized", "status": "True"}])"));
  EXPECT_EQ(result["status"]["podIPs"], json::parse(R"([{"ip": "10.0.0.5"}])"));
}

TEST(PodSpec, ContainerPortsMergeByContainerPortAndTolerationsAreReplaced) {
  json pod = json::parse(R"({"spec": {
      "containers": [{"name": "c", "ports": [{"containerPort": 80, "name": "http"}],
                      "volumeMounts": [{"mountPath": "/a", "name": "a"}]}],
      "tolerations": [{"key": "k1", "operator": "Exists"}]}})");
  json patch = json::parse(R"({"spec": {
      "containers": [{"name": "c", "ports": [{"containerPort": 443, "name": "https"}],
                      "volumeMounts": [{"mountPath": "/a", "readOnly": true}]}],
      "tolerations": [{"key": "k2", "operator": "Exists"}]}})");
  json result = StrategicMergePatch(pod, patch, "", "Pod");
  // Without $setElementOrder, elements new to the list go first, as upstream puts them.
  EXPECT_EQ(result["spec"]["containers"][0]["ports"], json::parse(R"([
      {"containerPort": 443, "name": "https"}, {"containerPort": 80, "name": "http"}])"));
  EXPECT_EQ(result["spec"]["containers"][0]["volumeMounts"],
            json::parse(R"([{"mountPath": "/a", "name": "a", "readOnly": true}])"));
  EXPECT_EQ(result["spec"]["tolerations"], json::parse(R"([{"key": "k2", "operator": "Exists"}])"));
}

TEST(Metadata, FinalizersMergeAsASetAndDeleteFromPrimitiveList) {
  json pod = json::parse(R"({"metadata": {"finalizers": ["a", "b"]}})");
  json result = StrategicMergePatch(pod, json::parse(R"({"metadata": {"finalizers": ["b", "c"]}})"),
                                    "", "Pod");
  EXPECT_EQ(result["metadata"]["finalizers"], json::parse(R"(["a", "b", "c"])"));
  result = StrategicMergePatch(
      result, json::parse(R"({"metadata": {"$deleteFromPrimitiveList/finalizers": ["a", "x"]}})"),
      "", "Pod");
  EXPECT_EQ(result["metadata"]["finalizers"], json::parse(R"(["b", "c"])"));
  // Finalizers of a namespace's spec are not tagged: replaced.
  json ns = json::parse(R"({"spec": {"finalizers": ["kubernetes"]}})");
  result =
      StrategicMergePatch(ns, json::parse(R"({"spec": {"finalizers": ["x"]}})"), "", "Namespace");
  EXPECT_EQ(result["spec"]["finalizers"], json::parse(R"(["x"])"));
}

TEST(Metadata, OwnerReferencesMergeByUid) {
  json rs = json::parse(R"({"metadata": {"ownerReferences": [
      {"uid": "1", "kind": "Deployment", "name": "a"}]}})");
  json result = StrategicMergePatch(rs, json::parse(R"({"metadata": {"ownerReferences": [
      {"uid": "1", "controller": true}, {"uid": "2", "kind": "X", "name": "b"}]}})"),
                                    "apps", "ReplicaSet");
  EXPECT_EQ(result["metadata"]["ownerReferences"], json::parse(R"([
      {"uid": "1", "kind": "Deployment", "name": "a", "controller": true},
      {"uid": "2", "kind": "X", "name": "b"}])"));
}

TEST(Node, StatusMergesByTypeAndTaintsAreReplaced) {
  json node = json::parse(R"({
      "spec": {"podCIDRs": ["10.0.0.0/24"], "taints": [{"key": "a", "effect": "NoSchedule"}]},
      "status": {"addresses": [{"type": "InternalIP", "address": "10.1.1.1"},
                               {"type": "Hostname", "address": "n1"}],
                 "conditions": [{"type": "Ready", "status": "False"},
                                {"type": "MemoryPressure", "status": "False"}]}})");
  json patch = json::parse(R"({
      "spec": {"podCIDRs": ["fd00::/64"], "taints": [{"key": "b", "effect": "NoExecute"}]},
      "status": {"addresses": [{"type": "InternalIP", "address": "10.1.1.2"}],
                 "conditions": [{"type": "Ready", "status": "True"}]}})");
  json result = StrategicMergePatch(node, patch, "", "Node");
  EXPECT_EQ(result["spec"]["podCIDRs"], json::parse(R"(["fd00::/64", "10.0.0.0/24"])"));
  EXPECT_EQ(result["spec"]["taints"], json::parse(R"([{"key": "b", "effect": "NoExecute"}])"));
  EXPECT_EQ(result["status"]["addresses"], json::parse(R"([
      {"type": "InternalIP", "address": "10.1.1.2"}, {"type": "Hostname", "address": "n1"}])"));
  EXPECT_EQ(result["status"]["conditions"], json::parse(R"([
      {"type": "Ready", "status": "True"}, {"type": "MemoryPressure", "status": "False"}])"));
}

TEST(OtherKinds, ServicePortsCsiNodeDriversAndServiceAccountSecrets) {
  json service = json::parse(R"({"spec": {"ports": [{"port": 80, "targetPort": 8080}]}})");
  json result = StrategicMergePatch(
      service, json::parse(R"({"spec": {"ports": [{"port": 80, "name": "http"}]}})"), "",
      "Service");
  EXPECT_EQ(result["spec"]["ports"],
            json::parse(R"([{"port": 80, "targetPort": 8080, "name": "http"}])"));

  json csinode = json::parse(R"({"spec": {"drivers": [{"name": "a", "nodeID": "n"}]}})");
  result = StrategicMergePatch(
      csinode, json::parse(R"({"spec": {"drivers": [{"name": "b", "nodeID": "n"}]}})"),
      "storage.k8s.io", "CSINode");
  EXPECT_EQ(result["spec"]["drivers"].size(), 2u);

  json account = json::parse(R"({"secrets": [{"name": "t1"}]})");
  result = StrategicMergePatch(account, json::parse(R"({"secrets": [{"name": "t2"}]})"), "",
                               "ServiceAccount");
  EXPECT_EQ(result["secrets"], json::parse(R"([{"name": "t2"}, {"name": "t1"}])"));

  // Endpoints subsets have no merge key: replaced.
  json endpoints = json::parse(R"({"subsets": [{"addresses": [{"ip": "1.1.1.1"}]}]})");
  result = StrategicMergePatch(endpoints,
                               json::parse(R"({"subsets": [{"addresses": [{"ip": "2.2.2.2"}]}]})"),
                               "", "Endpoints");
  EXPECT_EQ(result["subsets"], json::parse(R"([{"addresses": [{"ip": "2.2.2.2"}]}])"));
}

TEST(Schema, TableFollowsUpstreamTags) {
  auto pod = PatchSchemaFor("", "Pod");
  ASSERT_NE(pod, nullptr);
  const PatchField& containers = pod->Field("spec").schema->Field("containers");
  EXPECT_TRUE(containers.merge);
  EXPECT_EQ(containers.merge_key, "name");
  EXPECT_EQ(containers.schema->Field("env").merge_key, "name");
  EXPECT_EQ(containers.schema->Field("ports").merge_key, "containerPort");
  EXPECT_FALSE(containers.schema->Field("resizePolicy").merge);
  EXPECT_FALSE(pod->Field("spec").schema->Field("tolerations").merge);
  EXPECT_FALSE(PatchSchemaFor("", "Node")->Field("spec").schema->Field("taints").merge);
  auto deployment = PatchSchemaFor("apps", "Deployment");
  ASSERT_NE(deployment, nullptr);
  EXPECT_EQ(deployment->Field("spec")
                .schema->Field("template")
                .schema->Field("spec")
                .schema->Field("initContainers")
                .merge_key,
            "name");
  EXPECT_EQ(PatchSchemaFor("apps", "Pod"), nullptr);
  EXPECT_EQ(PatchSchemaFor("example.com", "Widget"), nullptr);
  EXPECT_NE(PatchSchemaFor("coordination.k8s.io", "Lease"), nullptr);
}

TEST(UnknownKinds, FollowMergePatchRulesButHonourDirectives) {
  json widget = json::parse(R"({"spec": {"items": [{"name": "a"}], "map": {"x": 1, "y": 2}}})");
  json result = StrategicMergePatch(
      widget, json::parse(R"({"spec": {"items": [{"name": "b"}], "map": {"y": null, "z": 3}}})"),
      "example.com", "Widget");
  EXPECT_EQ(result,
            json::parse(R"({"spec": {"items": [{"name": "b"}], "map": {"x": 1, "z": 3}}})"));
  result = StrategicMergePatch(widget, json::parse(R"({"spec": {"map": {"$patch": "replace",
                                                                        "w": 0}}})"),
                               "example.com", "Widget");
  EXPECT_EQ(result["spec"]["map"], json::parse(R"({"w": 0})"));
}

TEST(NewValues, LoseTheirNullsAndDirectives) {
  json pod = json::parse(R"({"metadata": {"name": "p"}})");
  json patch = json::parse(R"({
      "metadata": {"labels": {"a": "1", "b": null}, "annotations": {"$patch": "delete"}},
      "spec": {"$setElementOrder/containers": [{"name": "c"}],
               "containers": [{"name": "c", "image": "i", "command": null,
                               "env": [{"name": "gone", "$patch": "delete"},
                                       {"name": "kept", "value": "v"}]}],
               "tolerations": [{"key": "t", "value": null}, {"$patch": "delete"}]}})");
  json result = StrategicMergePatch(pod, patch, "", "Pod");
  EXPECT_EQ(result, json::parse(R"({
      "metadata": {"name": "p", "labels": {"a": "1"}},
      "spec": {"containers": [{"name": "c", "image": "i",
                               "env": [{"name": "kept", "value": "v"}]}],
               "tolerations": [{"key": "t"}]}})"));
  ExpectNoDirectives(result);
}

TEST(NewValues, ReplaceTypeMismatches) {
  json object = json::parse(R"({"a": "text", "b": {"c": 1}, "d": [1]})");
  json result = StrategicMergePatch(
      object, json::parse(R"({"a": {"x": 1}, "b": [1, 2], "d": "now a string"})"), "", "ConfigMap");
  EXPECT_EQ(result, json::parse(R"({"a": {"x": 1}, "b": [1, 2], "d": "now a string"})"));
}

TEST(NewValues, ConfigMapDataMergesAsAMap) {
  json cm = json::parse(R"({"data": {"a": "1", "b": "2"}})");
  json result =
      StrategicMergePatch(cm, json::parse(R"({"data": {"b": null, "c": "3"}})"), "", "ConfigMap");
  EXPECT_EQ(result["data"], json::parse(R"({"a": "1", "c": "3"})"));
}

PatchError ErrorOf(const json& original, const json& patch, const std::string& kind = "Pod") {
  try {
    StrategicMergePatch(original, patch, "", kind);
  } catch (const PatchError& error) {
    return error;
  }
  ADD_FAILURE() << "no error for " << patch.dump();
  return PatchError("");
}

TEST(Errors, NameWhereInThePatch) {
  json pod = json::parse(R"({"spec": {"containers": [{"name": "a"}]}})");
  EXPECT_THAT(
      ErrorOf(pod, json::parse(R"({"spec": {"containers": [{"name": "b"},
                                                                   {"image": "x"}]}})"))
          .what(),
      StartsWith("spec.containers[1]: element does not contain declared merge key \"name\""));
  EXPECT_THAT(
      ErrorOf(pod, json::parse(R"({"spec": {"containers": [{"$patch": "merge"}]}})")).what(),
      StartsWith("spec.containers[0]: merging lists cannot yet be specified"));
  EXPECT_THAT(
      ErrorOf(pod, json::parse(R"({"spec": {"containers": [{"$patch": "x", "name": "a"}]}})"))
          .what(),
      HasSubstr("unknown patch type \"x\""));
  EXPECT_THAT(ErrorOf(pod, json::parse(R"({"metadata": {"$patch": "merge"}})")).what(),
              StartsWith("metadata.$patch: unknown patch type \"merge\""));
  EXPECT_THAT(ErrorOf(pod, json::parse(R"({"spec": {"$setElementOrder/containers": {}}})")).what(),
              StartsWith("spec.$setElementOrder/containers: "));
  EXPECT_THAT(ErrorOf(pod, json::parse(R"({"spec": {"$retainKeys": "name"}})")).what(),
              StartsWith("spec.$retainKeys: "));
  EXPECT_THAT(ErrorOf(pod, json::parse(R"({"$setElementOrder/": []})")).what(),
              StartsWith("$setElementOrder/: "));
  EXPECT_THAT(ErrorOf(pod, json::parse(R"({"spec": {"containers": [["a"]]}})")).what(),
              HasSubstr("lists of lists"));
  EXPECT_THAT(ErrorOf(pod, json::parse(R"({"spec": {"containers": ["a"]}})")).what(),
              HasSubstr("list element types are not identical"));
  EXPECT_THAT(
      ErrorOf(pod, json::parse(R"({"spec": {"$deleteFromPrimitiveList/containers": ["a"]}})"))
          .what(),
      HasSubstr("only to lists of primitives"));
  EXPECT_THAT(
      ErrorOf(pod, json::parse(R"({"metadata": {"$deleteFromPrimitiveList/finalizers": 1}})"))
          .what(),
      StartsWith("metadata.$deleteFromPrimitiveList/finalizers: "));
}

TEST(Errors, RefuseWhatIsNotAnObject) {
  EXPECT_THROW(StrategicMergePatch(json::object(), json::array(), "", "Pod"), PatchError);
  EXPECT_THROW(StrategicMergePatch(json::object(), json("x"), "", "Pod"), PatchError);
  EXPECT_THROW(StrategicMergePatch(json::array(), json::object(), "", "Pod"), PatchError);
}

TEST(Errors, RefusePatchesNestedTooDeeply) {
  json patch = json::object();
  for (int i = 0; i < 1000; ++i) patch = json{{"a", patch}};
  EXPECT_THROW(StrategicMergePatch(json::object(), patch, "", "ConfigMap"), PatchError);
  json list = json::array();
  for (int i = 0; i < 1000; ++i) list = json::array({list});
  EXPECT_THROW(StrategicMergePatch(json::object(), json{{"a", list}}, "", "ConfigMap"), PatchError);
}

TEST(Errors, LeaveTheOriginalUntouched) {
  json live = LiveDeployment();
  json patch = json::parse(R"({"spec": {"replicas": 9, "template": {"spec": {
      "containers": [{"name": "web", "image": "x"}, {"bad": true}]}}}})");
  EXPECT_THROW(StrategicMergePatch(live, patch, "apps", "Deployment"), PatchError);
  EXPECT_EQ(live, LiveDeployment());
}

}  // namespace
}  // namespace hostlet::apiserver
