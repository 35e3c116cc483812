// The registry's semantics on a real SQLite store: what create, update, patch, list, watch and
// delete mean for Kubernetes objects.
#include "controlplane/apiserver/registry.h"
#include "controlplane/apiserver/api_status.h"
#include "controlplane/storage/sqlite_store.h"
#include "tests/support/fixtures.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <condition_variable>
#include <mutex>

namespace hostlet::apiserver {
namespace {

using hostlet::testing::TempDir;
using nlohmann::json;
using ::testing::HasSubstr;

json Pod(const std::string& name, json labels = json::object()) {
  return {{"apiVersion", "v1"},
          {"kind", "Pod"},
          {"metadata", {{"name", name}, {"labels", labels}}},
          {"spec", {{"containers", {{{"name", "main"}, {"image", "busybox:1.36"}}}}}}};
}

// The ApiError a call throws, for asserting on code, reason and causes.
template <class Call>
ApiError ErrorOf(Call call) {
  try {
    call();
  } catch (const ApiException& error) {
    return error.error();
  }
  ADD_FAILURE() << "the call did not fail";
  return {0, "", "", {}};
}

// Collects watch events; waits for a number of them.
// A watch's events; the start bookmark and progress notes are kept apart so tests count the
// changes only.
class Events {
 public:
  WatchSink Sink() {
    return [this](const WatchEvent& event) {
      std::lock_guard lock(mutex_);
      if (event.type == "BOOKMARK") {
        bookmarks_.push_back(event);
      } else if (event.type == "PROGRESS") {
        progress_.push_back(event);
      } else {
        events_.push_back(event);
      }
      changed_.notify_all();
    };
  }
  std::vector<WatchEvent> bookmarks() {
    std::lock_guard lock(mutex_);
    return bookmarks_;
  }
  std::vector<WatchEvent> progress() {
    std::lock_guard lock(mutex_);
    return progress_;
  }
  std::vector<WatchEvent> WaitFor(size_t count) {
    std::unique_lock lock(mutex_);
    changed_.wait_for(lock, std::chrono::seconds(10), [&] { return events_.size() >= count; });
    return events_;
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<WatchEvent> events_;
  std::vector<WatchEvent> bookmarks_;
  std::vector<WatchEvent> progress_;
};

class RegistryTest : public ::testing::Test {
 protected:
  RegistryTest() {
    for (const char* ns : {"default", "kube-system", "team"}) registry_.EnsureNamespace(ns);
  }
  const Resource& R(const std::string& group, const std::string& name) {
    return *ResourceTable::Served().Find(group, group.empty() ? "v1" : "v1", name);
  }
  const Resource& pods() { return R("", "pods"); }

  TempDir dir_;
  storage::SqliteStore store_{dir_.path() / "state.db"};
  Registry registry_{store_, ResourceTable::Served()};
};

TEST_F(RegistryTest, CreateAssignsIdentityAndDefaultsAndGetReturnsTheSame) {
  json created = registry_.Create(pods(), "default", Pod("web"));
  const json& metadata = created["metadata"];
  EXPECT_EQ(metadata["namespace"], "default");
  EXPECT_EQ(metadata["uid"].get<std::string>().size(), 36u);
  EXPECT_THAT(metadata["creationTimestamp"].get<std::string>(), ::testing::EndsWith("Z"));
  EXPECT_FALSE(metadata["resourceVersion"].get<std::string>().empty());
  EXPECT_EQ(created["spec"]["restartPolicy"], "Always");
  EXPECT_EQ(created["spec"]["terminationGracePeriodSeconds"], 30);
  EXPECT_EQ(created["spec"]["containers"][0]["imagePullPolicy"], "IfNotPresent");
  EXPECT_EQ(created["status"]["phase"], "Pending");
  EXPECT_EQ(created["status"]["qosClass"], "BestEffort");
  EXPECT_EQ(registry_.Get(pods(), "default", "web"), created);
}

TEST_F(RegistryTest, CreateRefusesDuplicatesMissingNamespacesAndInvalidObjects) {
  registry_.Create(pods(), "default", Pod("web"));
  auto duplicate = ErrorOf([&] { registry_.Create(pods(), "default", Pod("web")); });
  EXPECT_EQ(duplicate.code, 409);
  EXPECT_EQ(duplicate.reason, "AlreadyExists");
  EXPECT_EQ(duplicate.message, "pods \"web\" already exists");

  auto missing = ErrorOf([&] { registry_.Create(pods(), "nowhere", Pod("web")); });
  EXPECT_EQ(missing.code, 404);
  EXPECT_EQ(missing.message, "namespaces \"nowhere\" not found");

  json invalid = Pod("Bad_Name");
  invalid["spec"]["containers"][0].erase("image");
  invalid["spec"]["restartPolicy"] = "Sometimes";
  auto error = ErrorOf([&] { registry_.Create(pods(), "default", invalid); });
  EXPECT_EQ(error.code, 422);
  EXPECT_EQ(error.reason, "Invalid");
  std::vector<std::string> fields;
  for (const auto& cause : error.details.causes) fields.push_back(cause.field);
  EXPECT_THAT(fields, ::testing::UnorderedElementsAre("metadata.name", "spec.containers[0].image",
                                                      "spec.restartPolicy"));
  EXPECT_THAT(error.message, HasSubstr("Pod \"Bad_Name\" is invalid"));
  // Nothing was stored.
  EXPECT_EQ(registry_.List(pods(), "default", {}).items.size(), 1u);
}

TEST_F(RegistryTest, GenerateNameGivesAFreshNameWithThePrefix) {
  json pod = Pod("");
  pod["metadata"].erase("name");
  pod["metadata"]["generateName"] = "worker-";
  auto first = registry_.Create(pods(), "default", pod)["metadata"]["name"].get<std::string>();
  auto second = registry_.Create(pods(), "default", pod)["metadata"]["name"].get<std::string>();
  EXPECT_THAT(first, ::testing::MatchesRegex("worker-[a-z0-9]{5}"));
  EXPECT_NE(first, second);
}

TEST_F(RegistryTest, UpdateIsOptimisticWithAResourceVersionAndUnconditionalWithout) {
  json created = registry_.Create(pods(), "default", Pod("web"));
  json changed = created;
  changed["metadata"]["labels"]["tier"] = "front";
  json updated = registry_.Update(pods(), "default", "web", changed, "");
  EXPECT_NE(updated["metadata"]["resourceVersion"], created["metadata"]["resourceVersion"]);
  EXPECT_EQ(updated["metadata"]["uid"], created["metadata"]["uid"]);

  // The same stale resourceVersion again: someone else's write came in between.
  changed["metadata"]["labels"]["tier"] = "back";
  auto stale = ErrorOf([&] { registry_.Update(pods(), "default", "web", changed, ""); });
  EXPECT_EQ(stale.code, 409);
  EXPECT_EQ(stale.reason, "Conflict");
  EXPECT_THAT(stale.message, HasSubstr("the object has been modified"));

  changed["metadata"].erase("resourceVersion");
  EXPECT_EQ(registry_.Update(pods(), "default", "web", changed, "")["metadata"]["labels"]["tier"],
            "back");
  // Writing the same object again writes nothing: no new resourceVersion.
  json same = registry_.Get(pods(), "default", "web");
  EXPECT_EQ(registry_.Update(pods(), "default", "web", same, "")["metadata"]["resourceVersion"],
            same["metadata"]["resourceVersion"]);
}

TEST_F(RegistryTest, StatusAndSpecAreWrittenThroughTheirOwnPaths) {
  json created = registry_.Create(pods(), "default", Pod("web"));
  json running = created;
  running["status"]["phase"] = "Running";
  running["spec"]["activeDeadlineSeconds"] = 60;
  json after_status = registry_.Update(pods(), "default", "web", running, "status");
  EXPECT_EQ(after_status["status"]["phase"], "Running");
  EXPECT_FALSE(after_status["spec"].contains("activeDeadlineSeconds"));

  json main = after_status;
  main["status"]["phase"] = "Failed";
  json after_main = registry_.Update(pods(), "default", "web", main, "");
  EXPECT_EQ(after_main["status"]["phase"], "Running");
}

TEST_F(RegistryTest, APodsSpecIsImmutableExceptItsImages) {
  registry_.Create(pods(), "default", Pod("web"));
  json image = registry_.Patch(
      pods(), "default", "web",
      [](const json& current) {
        json next = current;
        next["spec"]["containers"][0]["image"] = "busybox:1.37";
        return next;
      },
      "");
  EXPECT_EQ(image["spec"]["containers"][0]["image"], "busybox:1.37");
  auto error = ErrorOf([&] {
    registry_.Patch(
        pods(), "default", "web",
        [](const json& current) {
          json next = current;
          next["spec"]["containers"][0]["command"] = {"sleep", "1"};
          return next;
        },
        "");
  });
  EXPECT_EQ(error.code, 422);
  EXPECT_THAT(error.message, HasSubstr("pod updates may not change fields"));
}

TEST_F(RegistryTest, ListsFilterAndPageOverOneSnapshot) {
  for (int i = 0; i < 7; ++i) {
    registry_.Create(pods(), "default",
                     Pod("p" + std::to_string(i), {{"parity", i % 2 ? "odd" : "even"}}));
  }
  registry_.Create(pods(), "team", Pod("elsewhere", {{"parity", "even"}}));
  ListOptions even;
  even.filter = [](const json& pod) { return pod["metadata"]["labels"]["parity"] == "even"; };
  even.limit = 2;
  auto first = registry_.List(pods(), "default", even);
  ASSERT_EQ(first.items.size(), 2u);
  EXPECT_FALSE(first.continue_token.empty());
  // A write between pages does not show in later pages: they read the first page's revision.
  registry_.Create(pods(), "default", Pod("p9", {{"parity", "even"}}));
  even.continue_token = first.continue_token;
  auto second = registry_.List(pods(), "default", even);
  std::vector<std::string> names;
  for (const auto& page : {first, second}) {
    for (const auto& pod : page.items) names.push_back(pod["metadata"]["name"]);
  }
  EXPECT_THAT(names, ::testing::ElementsAre("p0", "p2", "p4", "p6"));
  EXPECT_TRUE(second.continue_token.empty());
  EXPECT_EQ(second.resource_version, first.resource_version);
  // Across namespaces.
  EXPECT_EQ(registry_.List(pods(), "", {}).items.size(), 9u);
}

TEST_F(RegistryTest, WatchReportsChangesAndObjectsEnteringAndLeavingTheSelection) {
  json web = registry_.Create(pods(), "default", Pod("web", {{"app", "web"}}));
  ListOptions options;
  options.filter = [](const json& pod) { return pod["metadata"]["labels"]["app"] == "web"; };
  options.resource_version = web["metadata"]["resourceVersion"];
  Events events;
  auto watch = registry_.Watch(pods(), "default", options, events.Sink());
  registry_.Create(pods(), "default", Pod("db", {{"app", "db"}}));  // never selected
  registry_.Patch(
      pods(), "default", "web",
      [](const json& pod) {
        json next = pod;
        next["metadata"]["labels"]["version"] = "2";
        return next;
      },
      "");
  registry_.Patch(
      pods(), "default", "db",
      [](const json& pod) {
        json next = pod;
        next["metadata"]["labels"]["app"] = "web";
        return next;
      },
      "");
  registry_.Patch(
      pods(), "default", "web",
      [](const json& pod) {
        json next = pod;
        next["metadata"]["labels"]["app"] = "old";
        return next;
      },
      "");
  registry_.Delete(pods(), "default", "db", {});
  auto seen = events.WaitFor(4);
  ASSERT_EQ(seen.size(), 4u);
  std::vector<std::string> got;
  for (const auto& event : seen)
    got.push_back(event.type + " " + event.object["metadata"]["name"].get<std::string>());
  EXPECT_THAT(got, ::testing::ElementsAre("MODIFIED web", "ADDED db", "DELETED web", "DELETED db"));
  EXPECT_EQ(seen[0].object["metadata"]["labels"]["version"], "2");
  // The change the selection hid (db created unselected) still counts as seen, so bookmarks
  // of a selective watch keep moving.
  auto progress = events.progress();
  ASSERT_EQ(progress.size(), 1u);
  EXPECT_LT(std::stoll(progress[0].object["metadata"]["resourceVersion"].get<std::string>()),
            std::stoll(seen[0].object["metadata"]["resourceVersion"].get<std::string>()));
}

TEST_F(RegistryTest, WatchWithoutAVersionStartsWithTheCurrentObjects) {
  registry_.Create(pods(), "default", Pod("a"));
  registry_.Create(pods(), "default", Pod("b"));
  Events events;
  auto watch = registry_.Watch(pods(), "default", {}, events.Sink());
  registry_.Create(pods(), "default", Pod("c"));
  auto seen = events.WaitFor(3);
  ASSERT_EQ(seen.size(), 3u);
  EXPECT_EQ(seen[0].type, "ADDED");
  EXPECT_EQ(seen[2].object["metadata"]["name"], "c");
  // One bookmark, after the current objects, at the revision the changes start after.
  auto bookmarks = events.bookmarks();
  ASSERT_EQ(bookmarks.size(), 1u);
  EXPECT_EQ(bookmarks[0].object["kind"], "Pod");
  EXPECT_EQ(std::stoll(bookmarks[0].object["metadata"]["resourceVersion"].get<std::string>()),
            std::stoll(seen[1].object["metadata"]["resourceVersion"].get<std::string>()));
}

TEST_F(RegistryTest, WatchFromACompactedVersionIsExpired) {
  json a = registry_.Create(pods(), "default", Pod("a"));
  for (int i = 0; i < 5; ++i) registry_.Create(pods(), "default", Pod("x" + std::to_string(i)));
  store_.Compact(store_.CurrentRevision());
  ListOptions options;
  options.resource_version = a["metadata"]["resourceVersion"];
  Events events;
  auto watch = registry_.Watch(pods(), "default", options, events.Sink());
  auto seen = events.WaitFor(1);
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].type, "ERROR");
  EXPECT_EQ(seen[0].object["code"], 410);
  EXPECT_EQ(seen[0].object["reason"], "Expired");
  EXPECT_TRUE(events.bookmarks().empty());
}

TEST_F(RegistryTest, ABoundPodIsDeletedGracefullyAndGoesWhenTheNodeConfirms) {
  registry_.Create(pods(), "default", Pod("web"));
  registry_.Bind("default", "web", {{"target", {{"kind", "Node"}, {"name", "node-1"}}}});
  json bound = registry_.Get(pods(), "default", "web");
  EXPECT_EQ(bound["spec"]["nodeName"], "node-1");
  EXPECT_EQ(bound["status"]["conditions"][0]["type"], "PodScheduled");
  auto again = ErrorOf([&] {
    registry_.Bind("default", "web", {{"target", {{"kind", "Node"}, {"name", "node-2"}}}});
  });
  EXPECT_EQ(again.code, 409);

  auto pending = registry_.Delete(pods(), "default", "web", {});
  EXPECT_FALSE(pending.deleted);
  EXPECT_EQ(pending.object["metadata"]["deletionGracePeriodSeconds"], 30);
  EXPECT_TRUE(pending.object["metadata"].contains("deletionTimestamp"));
  EXPECT_NO_THROW(registry_.Get(pods(), "default", "web"));

  DeleteOptions confirm;
  confirm.grace_period_seconds = 0;
  confirm.precondition_uid = bound["metadata"]["uid"];
  EXPECT_TRUE(registry_.Delete(pods(), "default", "web", confirm).deleted);
  EXPECT_EQ(ErrorOf([&] { registry_.Get(pods(), "default", "web"); }).code, 404);
}

TEST_F(RegistryTest, ABindingChecksItsPreconditionsAndCarriesItsAnnotations) {
  json created = registry_.Create(pods(), "default", Pod("web"));
  std::string uid = created["metadata"]["uid"];
  auto foreign = ErrorOf([&] {
    registry_.Bind("default", "web",
                   {{"metadata", {{"name", "web"}, {"uid", "another-pod"}}},
                    {"target", {{"kind", "Node"}, {"name", "node-1"}}}});
  });
  EXPECT_EQ(foreign.code, 409);
  EXPECT_NE(foreign.message.find("another-pod"), std::string::npos) << foreign.message;
  auto not_strings = ErrorOf([&] {
    registry_.Bind("default", "web",
                   {{"metadata", {{"name", "web"}, {"annotations", {{"placed-by", 7}}}}},
                    {"target", {{"kind", "Node"}, {"name", "node-1"}}}});
  });
  EXPECT_EQ(not_strings.code, 422);
  json unbound = registry_.Get(pods(), "default", "web");
  EXPECT_FALSE(unbound["spec"].contains("nodeName"));
  EXPECT_EQ(unbound["metadata"]["resourceVersion"], created["metadata"]["resourceVersion"]);

  registry_.Bind(
      "default", "web",
      {{"metadata", {{"name", "web"}, {"uid", uid}, {"annotations", {{"placed-by", "me"}}}}},
       {"target", {{"kind", "Node"}, {"name", "node-1"}}}});
  json bound = registry_.Get(pods(), "default", "web");
  EXPECT_EQ(bound["spec"]["nodeName"], "node-1");
  EXPECT_EQ(bound["metadata"]["annotations"]["placed-by"], "me");
  EXPECT_EQ(bound["status"]["conditions"][0]["status"], "True");
  EXPECT_NE(bound["metadata"]["resourceVersion"], created["metadata"]["resourceVersion"]);
  // What the pod had keeps: the binding touches only placement.
  EXPECT_EQ(bound["spec"]["containers"], created["spec"]["containers"]);
  EXPECT_EQ(bound["metadata"]["uid"], uid);
}

TEST_F(RegistryTest, FinalizersHoldADeletionUntilTheLastIsRemoved) {
  json cm = {{"metadata", {{"name", "held"}, {"finalizers", {"example.com/cleanup"}}}},
             {"data", {{"k", "v"}}}};
  const Resource& configmaps = R("", "configmaps");
  registry_.Create(configmaps, "default", cm);
  EXPECT_FALSE(registry_.Delete(configmaps, "default", "held", {}).deleted);
  json held = registry_.Get(configmaps, "default", "held");
  EXPECT_TRUE(held["metadata"].contains("deletionTimestamp"));
  held["metadata"]["finalizers"] = json::array();
  registry_.Update(configmaps, "default", "held", held, "");
  EXPECT_EQ(ErrorOf([&] { registry_.Get(configmaps, "default", "held"); }).code, 404);
}

TEST_F(RegistryTest, DeletingANamespaceDeletesWhatIsInIt) {
  registry_.Create(pods(), "team", Pod("web"));
  registry_.Create(R("", "configmaps"), "team", {{"metadata", {{"name", "settings"}}}});
  const Resource& namespaces = R("", "namespaces");
  EXPECT_TRUE(registry_.Delete(namespaces, "", "team", {}).deleted);
  EXPECT_TRUE(registry_.List(pods(), "team", {}).items.empty());
  EXPECT_TRUE(registry_.List(R("", "configmaps"), "team", {}).items.empty());
  EXPECT_EQ(ErrorOf([&] { registry_.Delete(namespaces, "", "kube-system", {}); }).code, 403);
}

TEST_F(RegistryTest, ADeploymentsGenerationCountsSpecChangesOnly) {
  const Resource& deployments = R("apps", "deployments");
  json deployment = {{"metadata", {{"name", "web"}}},
                     {"spec",
                      {{"selector", {{"matchLabels", {{"app", "web"}}}}},
                       {"template",
                        {{"metadata", {{"labels", {{"app", "web"}}}}},
                         {"spec", {{"containers", {{{"name", "web"}, {"image", "busybox"}}}}}}}}}}};
  json created = registry_.Create(deployments, "default", deployment);
  EXPECT_EQ(created["metadata"]["generation"], 1);
  EXPECT_EQ(created["spec"]["replicas"], 1);
  EXPECT_EQ(created["spec"]["strategy"]["rollingUpdate"]["maxSurge"], "25%");
  json scaled = created;
  scaled["spec"]["replicas"] = 3;
  EXPECT_EQ(registry_.Update(deployments, "default", "web", scaled, "")["metadata"]["generation"],
            2);
  json status = registry_.Get(deployments, "default", "web");
  status["status"]["replicas"] = 3;
  EXPECT_EQ(
      registry_.Update(deployments, "default", "web", status, "status")["metadata"]["generation"],
      2);

  json mismatched = deployment;
  mismatched["metadata"]["name"] = "other";
  mismatched["spec"]["template"]["metadata"]["labels"]["app"] = "db";
  auto error = ErrorOf([&] { registry_.Create(deployments, "default", mismatched); });
  EXPECT_EQ(error.code, 422);
  EXPECT_THAT(error.message, HasSubstr("`selector` does not match template `labels`"));
}

}  // namespace
}  // namespace hostlet::apiserver
