// Server-side printing: the Table's shape, human durations, and the cells `kubectl get` shows
// for realistic objects in the states users meet (pods pending, creating, crashing, initializing,
// completed and terminating; nodes ready, not ready and cordoned; rollouts half done; events old
// and new style).
#include "controlplane/apiserver/table.h"
#include "controlplane/apiserver/object_meta.h"
#include "controlplane/apiserver/resources.h"
#include "controlplane/apiserver/table_format.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>


namespace hostlet::apiserver {
namespace {

using nlohmann::json;
using std::chrono::days;
using std::chrono::hours;
using std::chrono::milliseconds;
using std::chrono::minutes;
using std::chrono::seconds;
using ::testing::ElementsAre;

const std::chrono::system_clock::time_point kNow = *ParseTimestamp("2026-03-01T12:00:00Z");

std::string Ago(std::chrono::system_clock::duration duration) { return FormatTime(kNow - duration); }

json Print(const std::string& group, const std::string& resource, const json& object,
           IncludeObject include = IncludeObject::kMetadata) {
  return ToTable(group, resource, {object}, {include, kNow});
}

json Cells(const std::string& group, const std::string& resource, const json& object) {
  return Print(group, resource, object)["rows"][0]["cells"];
}

std::vector<std::string> ColumnNames(const json& table, int max_priority = 1) {
  std::vector<std::string> names;
  for (const auto& column : table["columnDefinitions"]) {
    if (column["priority"].get<int>() <= max_priority) names.push_back(column["name"]);
  }
  return names;
}

// --- durations -------------------------------------------------------------------------------

TEST(HumanDuration, FollowsKubernetesRounding) {
  EXPECT_EQ(HumanDuration(seconds(-3)), "<invalid>");
  EXPECT_EQ(HumanDuration(seconds(-2)), "<invalid>");
  EXPECT_EQ(HumanDuration(milliseconds(-1900)), "0s");  // clock skew reads as now
  EXPECT_EQ(HumanDuration(seconds(0)), "0s");
  EXPECT_EQ(HumanDuration(seconds(5)), "5s");
  EXPECT_EQ(HumanDuration(milliseconds(5999)), "5s");
  EXPECT_EQ(HumanDuration(seconds(119)), "119s");
  EXPECT_EQ(HumanDuration(seconds(120)), "2m");
  EXPECT_EQ(HumanDuration(seconds(182)), "3m2s");
  EXPECT_EQ(HumanDuration(minutes(9) + seconds(59)), "9m59s");
  EXPECT_EQ(HumanDuration(minutes(10) + seconds(59)), "10m");
  EXPECT_EQ(HumanDuration(hours(2) + minutes(5)), "125m");  // minutes until three hours
  EXPECT_EQ(HumanDuration(minutes(179)), "179m");
  EXPECT_EQ(HumanDuration(hours(3)), "3h");
  EXPECT_EQ(HumanDuration(hours(3) + minutes(5)), "3h5m");
  EXPECT_EQ(HumanDuration(hours(7) + minutes(59)), "7h59m");
  EXPECT_EQ(HumanDuration(hours(8) + minutes(30)), "8h");
  EXPECT_EQ(HumanDuration(hours(47)), "47h");
  EXPECT_EQ(HumanDuration(hours(48)), "2d");
  EXPECT_EQ(HumanDuration(days(3) + hours(4)), "3d4h");
  EXPECT_EQ(HumanDuration(days(7) + hours(23)), "7d23h");
  EXPECT_EQ(HumanDuration(days(8) + hours(5)), "8d");
  EXPECT_EQ(HumanDuration(days(729)), "729d");
  EXPECT_EQ(HumanDuration(days(730)), "2y");
  EXPECT_EQ(HumanDuration(days(730 + 45)), "2y45d");
  EXPECT_EQ(HumanDuration(days(365 * 8 - 1)), "7y364d");
  EXPECT_EQ(HumanDuration(days(365 * 8 + 100)), "8y");
}

TEST(ParseTimestamp, ReadsMetav1TimeAndMicroTime) {
  auto base = ParseTimestamp("2026-03-01T12:00:00Z");
  ASSERT_TRUE(base);
  EXPECT_EQ(FormatTime(*base), "2026-03-01T12:00:00Z");
  EXPECT_EQ(*ParseTimestamp("2026-03-01T12:00:00.250000Z") - *base, milliseconds(250));
  EXPECT_EQ(*ParseTimestamp("2026-03-01T14:00:00+02:00"), *base);
  EXPECT_EQ(*ParseTimestamp("2026-03-01T07:30:00-04:30"), *base);
  EXPECT_FALSE(ParseTimestamp(""));
  EXPECT_FALSE(ParseTimestamp("2026-03-01"));
  EXPECT_FALSE(ParseTimestamp("2026-03-01T12:00:00"));
  EXPECT_FALSE(ParseTimestamp("2026-02-30T12:00:00Z"));
  EXPECT_FALSE(ParseTimestamp("2026-03-01T12:00:00Zjunk"));
}

// --- the Table -------------------------------------------------------------------------------

json Pod(const std::string& name) {
  return {{"apiVersion", "v1"},
          {"kind", "Pod"},
          {"metadata",
           {{"name", name},
            {"namespace", "default"},
            {"uid", "3f1c"},
            {"resourceVersion", "12"},
            {"labels", {{"app", "web"}}},
            {"creationTimestamp", Ago(minutes(5))}}},
          {"spec", {{"containers", json::array({{{"name", "web"}, {"image", "nginx:1.27"}}})}}},
          {"status", {{"phase", "Pending"}}}};
}

TEST(Table, HasTheShapeKubectlDecodes) {
  json table = ToTable("", "pods", {Pod("web-1"), Pod("web-2")}, {IncludeObject::kMetadata, kNow});
  EXPECT_EQ(table["kind"], "Table");
  EXPECT_EQ(table["apiVersion"], "meta.k8s.io/v1");
  EXPECT_TRUE(table["metadata"].is_object());
  ASSERT_EQ(table["rows"].size(), 2u);
  for (const auto& column : table["columnDefinitions"]) {
    for (const char* key : {"name", "type", "format", "description", "priority"}) {
      EXPECT_TRUE(column.contains(key)) << column["name"] << " lacks " << key;
    }
  }
  const json& name = table["columnDefinitions"][0];
  EXPECT_EQ(name["name"], "Name");
  EXPECT_EQ(name["format"], "name");
  EXPECT_THAT(name["description"].get<std::string>(),
              ::testing::HasSubstr("name"));
  EXPECT_EQ(table["rows"][1]["cells"][0], "web-2");

  // The default row object: the metadata kubectl needs to name rows and show labels.
  const json& object = table["rows"][0]["object"];
  EXPECT_EQ(object["kind"], "PartialObjectMetadata");
  EXPECT_EQ(object["apiVersion"], "meta.k8s.io/v1");
  EXPECT_EQ(object["metadata"]["name"], "web-1");
  EXPECT_EQ(object["metadata"]["labels"]["app"], "web");
  EXPECT_FALSE(object.contains("spec"));
}

TEST(Table, IncludeObjectChoosesWhatRowsCarry) {
  EXPECT_TRUE(Print("", "pods", Pod("web"), IncludeObject::kNone)["rows"][0]["object"].is_null());
  EXPECT_EQ(Print("", "pods", Pod("web"), IncludeObject::kObject)["rows"][0]["object"], Pod("web"));

  EXPECT_EQ(ParseIncludeObject(""), IncludeObject::kMetadata);
  EXPECT_EQ(ParseIncludeObject("Metadata"), IncludeObject::kMetadata);
  EXPECT_EQ(ParseIncludeObject("None"), IncludeObject::kNone);
  EXPECT_EQ(ParseIncludeObject("Object"), IncludeObject::kObject);
  EXPECT_EQ(ParseIncludeObject("object"), std::nullopt);
}

TEST(Table, EmptyListsStillCarryColumns) {
  json table = ToTable("apps", "deployments", {}, {IncludeObject::kMetadata, kNow});
  EXPECT_TRUE(table["rows"].is_array());
  EXPECT_TRUE(table["rows"].empty());
  EXPECT_EQ(ColumnNames(table, 0),
            (std::vector<std::string>{"Name", "Ready", "Up-to-date", "Available", "Age"}));
}

TEST(Table, OtherResourcesGetNameAndAge) {
  json widget = {{"metadata", {{"name", "x"}, {"creationTimestamp", Ago(hours(50))}}}};
  json table = Print("example.com", "widgets", widget);
  EXPECT_EQ(ColumnNames(table), (std::vector<std::string>{"Name", "Age"}));
  EXPECT_EQ(table["rows"][0]["cells"], json::array({"x", "2d2h"}));
  json no_timestamp = {{"metadata", {{"name", "y"}}}};
  EXPECT_EQ(Cells("example.com", "widgets", no_timestamp), json::array({"y", "<unknown>"}));
}

// Whatever a served resource holds, kubectl gets exactly one cell per column.
TEST(Table, EveryServedResourceFillsEveryColumn) {
  for (const auto& resource : ResourceTable::Served().resources()) {
    for (const json& object : {json::object(), json{{"metadata", {{"name", "n"}}}}, json(nullptr),
                               json{{"spec", "garbage"}, {"status", 3}}}) {
      json table = Print(resource.group, resource.name, object);
      ASSERT_EQ(table["rows"][0]["cells"].size(), table["columnDefinitions"].size())
          << resource.name << " " << object.dump();
    }
  }
}

// --- pods ------------------------------------------------------------------------------------

json WithStatus(json pod, json status) {
  pod["status"] = std::move(status);
  return pod;
}

json Running(const std::string& started) { return {{"running", {{"startedAt", started}}}}; }
json Waiting(const std::string& reason) { return {{"waiting", {{"reason", reason}}}}; }

TEST(PodTable, ColumnsAsKubectlGetPods) {
  json table = Print("", "pods", Pod("web"));
  EXPECT_EQ(ColumnNames(table, 0),
            (std::vector<std::string>{"Name", "Ready", "Status", "Restarts", "Age"}));
  EXPECT_EQ(ColumnNames(table),
            (std::vector<std::string>{"Name", "Ready", "Status", "Restarts", "Age", "IP", "Node",
                                      "Nominated Node", "Readiness Gates"}));
}

TEST(PodTable, PendingUnscheduled) {
  json pod = WithStatus(Pod("web"), {{"phase", "Pending"},
                                     {"conditions", json::array({{{"type", "PodScheduled"},
                                                                  {"status", "False"},
                                                                  {"reason", "Unschedulable"}}})}});
  EXPECT_EQ(Cells("", "pods", pod), json::array({"web", "0/1", "Pending", "0", "5m", "<none>",
                                                 "<none>", "<none>", "<none>"}));
}

TEST(PodTable, ContainerCreating) {
  json pod = Pod("web");
  pod["spec"]["nodeName"] = "node-1";
  pod["status"] = {{"phase", "Pending"},
                   {"hostIP", "10.0.0.11"},
                   {"containerStatuses", json::array({{{"name", "web"},
                                                       {"ready", false},
                                                       {"restartCount", 0},
                                                       {"state", Waiting("ContainerCreating")}}})}};
  EXPECT_EQ(Cells("", "pods", pod), json::array({"web", "0/1", "ContainerCreating", "0", "5m",
                                                 "<none>", "node-1", "<none>", "<none>"}));
}

TEST(PodTable, RunningWithOneOfTwoReady) {
  json pod = Pod("web");
  pod["spec"]["nodeName"] = "node-1";
  pod["spec"]["containers"].push_back({{"name", "sidecar"}, {"image", "envoy:1.30"}});
  pod["status"] = {
      {"phase", "Running"},
      {"podIP", "10.244.1.7"},
      {"podIPs", json::array({{{"ip", "10.244.1.7"}}, {{"ip", "fd00::7"}}})},
      {"containerStatuses",
       json::array(
           {{{"name", "web"}, {"ready", true}, {"state", Running(Ago(minutes(4)))}},
            {{"name", "sidecar"}, {"ready", false}, {"state", Running(Ago(minutes(4)))}}})}};
  EXPECT_EQ(Cells("", "pods", pod), json::array({"web", "1/2", "Running", "0", "5m", "10.244.1.7",
                                                 "node-1", "<none>", "<none>"}));
}

TEST(PodTable, CrashLoopBackOffCountsRestartsAndWhenTheLastWas) {
  json pod = WithStatus(Pod("web"), {{"phase", "Running"},
                                     {"podIP", "10.244.1.8"},
                                     {"containerStatuses",
                                      json::array({{{"name", "web"},
                                                    {"ready", false},
                                                    {"restartCount", 5},
                                                    {"state", Waiting("CrashLoopBackOff")},
                                                    {"lastState",
                                                     {{"terminated",
                                                       {{"exitCode", 1},
                                                        {"reason", "Error"},
                                                        {"startedAt", Ago(seconds(50))},
                                                        {"finishedAt", Ago(seconds(42))}}}}}}})}});
  json cells = Cells("", "pods", pod);
  EXPECT_EQ(cells[1], "0/1");
  EXPECT_EQ(cells[2], "CrashLoopBackOff");
  EXPECT_EQ(cells[3], "5 (42s ago)");
  EXPECT_EQ(cells[5], "10.244.1.8");  // podIP alone still shows
}

TEST(PodTable, RestartsWithoutATerminationTimeShowOnlyTheCount) {
  json pod = WithStatus(
      Pod("web"), {{"phase", "Running"},
                   {"containerStatuses", json::array({{{"name", "web"},
                                                       {"ready", true},
                                                       {"restartCount", 3},
                                                       {"state", Running(Ago(minutes(1)))}}})}});
  EXPECT_EQ(Cells("", "pods", pod)[3], "3");
}

TEST(PodTable, CompletedCarriesARowCondition) {
  json pod = WithStatus(
      Pod("job-x"),
      {{"phase", "Succeeded"},
       {"containerStatuses",
        json::array({{{"name", "web"},
                      {"ready", false},
                      {"state", {{"terminated", {{"exitCode", 0}, {"reason", "Completed"}}}}}}})}});
  json row = Print("", "pods", pod)["rows"][0];
  EXPECT_EQ(row["cells"][1], "0/1");
  EXPECT_EQ(row["cells"][2], "Completed");
  EXPECT_EQ(row["conditions"], json::array({{{"type", "Completed"},
                                             {"status", "True"},
                                             {"reason", "Succeeded"},
                                             {"message", "The pod has completed successfully."}}}));
  EXPECT_FALSE(Print("", "pods", Pod("p"))["rows"][0].contains("conditions"));
}

TEST(PodTable, FailedPodsShowTheirReason) {
  json pod = WithStatus(Pod("web"), {{"phase", "Failed"},
                                     {"reason", "Evicted"},
                                     {"message", "The node was low on resource: memory."}});
  json row = Print("", "pods", pod)["rows"][0];
  EXPECT_EQ(row["cells"][2], "Evicted");
  EXPECT_EQ(row["conditions"][0]["reason"], "Failed");

  json exited = WithStatus(
      Pod("web"),
      {{"phase", "Failed"},
       {"containerStatuses",
        json::array({{{"name", "web"}, {"state", {{"terminated", {{"exitCode", 137}}}}}}})}});
  EXPECT_EQ(Cells("", "pods", exited)[2], "ExitCode:137");
  exited["status"]["containerStatuses"][0]["state"]["terminated"]["signal"] = 9;
  EXPECT_EQ(Cells("", "pods", exited)[2], "Signal:9");
}

json WithInitContainers(json pod, int count) {
  for (int i = 0; i < count; ++i) {
    pod["spec"]["initContainers"].push_back(
        {{"name", "init-" + std::to_string(i)}, {"image", "busybox"}});
  }
  return pod;
}

json InitStatus(int index, json state, int restarts = 0) {
  return {{"name", "init-" + std::to_string(index)},
          {"ready", false},
          {"restartCount", restarts},
          {"state", std::move(state)}};
}

json AppWaitingForInit() {
  return json::array({{{"name", "web"}, {"ready", false}, {"state", Waiting("PodInitializing")}}});
}

TEST(PodTable, InitContainersInProgress) {
  json pod = WithInitContainers(Pod("web"), 2);
  pod["status"] = {
      {"phase", "Pending"},
      {"initContainerStatuses", json::array({InitStatus(0, Running(Ago(seconds(10)))),
                                             InitStatus(1, Waiting("PodInitializing"))})},
      {"containerStatuses", AppWaitingForInit()}};
  EXPECT_EQ(Cells("", "pods", pod)[2], "Init:0/2");

  pod["status"]["initContainerStatuses"][0]["state"] = {
      {"terminated", {{"exitCode", 0}, {"reason", "Completed"}}}};
  pod["status"]["initContainerStatuses"][1]["state"] = Running(Ago(seconds(2)));
  EXPECT_EQ(Cells("", "pods", pod)[2], "Init:1/2");
}

TEST(PodTable, InitContainerFailures) {
  json pod = WithInitContainers(Pod("web"), 2);
  json crashing = InitStatus(0, Waiting("CrashLoopBackOff"), 3);
  crashing["lastState"] = {{"terminated", {{"exitCode", 1}, {"finishedAt", Ago(seconds(30))}}}};
  pod["status"] = {
      {"phase", "Pending"},
      {"initContainerStatuses", json::array({crashing, InitStatus(1, Waiting("PodInitializing"))})},
      {"containerStatuses", AppWaitingForInit()}};
  json cells = Cells("", "pods", pod);
  EXPECT_EQ(cells[2], "Init:CrashLoopBackOff");
  EXPECT_EQ(cells[3], "3 (30s ago)");

  pod["status"]["initContainerStatuses"][0]["state"] = {
      {"terminated", {{"exitCode", 1}, {"reason", "Error"}}}};
  EXPECT_EQ(Cells("", "pods", pod)[2], "Init:Error");
  pod["status"]["initContainerStatuses"][0]["state"] = {{"terminated", {{"exitCode", 2}}}};
  EXPECT_EQ(Cells("", "pods", pod)[2], "Init:ExitCode:2");
  pod["status"]["initContainerStatuses"][0]["state"] = {
      {"terminated", {{"exitCode", 143}, {"signal", 15}}}};
  EXPECT_EQ(Cells("", "pods", pod)[2], "Init:Signal:15");
}

TEST(PodTable, SidecarsCountAsContainers) {
  json pod = WithInitContainers(Pod("web"), 1);
  pod["spec"]["initContainers"][0]["restartPolicy"] = "Always";
  json sidecar = InitStatus(0, Running(Ago(minutes(4))), 1);
  sidecar["started"] = true;
  sidecar["ready"] = true;
  sidecar["lastState"] = {{"terminated", {{"exitCode", 1}, {"finishedAt", Ago(minutes(4))}}}};
  pod["status"] = {{"phase", "Running"},
                   {"conditions", json::array({{{"type", "Initialized"}, {"status", "True"}}})},
                   {"initContainerStatuses", json::array({sidecar})},
                   {"containerStatuses", json::array({{{"name", "web"},
                                                       {"ready", true},
                                                       {"restartCount", 2},
                                                       {"state", Running(Ago(minutes(3)))}}})}};
  json cells = Cells("", "pods", pod);
  EXPECT_EQ(cells[1], "2/2");
  EXPECT_EQ(cells[2], "Running");
  EXPECT_EQ(cells[3], "3 (4m ago)");
}

TEST(PodTable, ACompletedContainerBesideRunningOnesIsNotTheStatus) {
  json pod = Pod("web");
  pod["spec"]["containers"].push_back({{"name", "setup"}, {"image", "busybox"}});
  pod["status"] = {
      {"phase", "Running"},
      {"conditions", json::array({{{"type", "Ready"}, {"status", "True"}}})},
      {"containerStatuses",
       json::array({{{"name", "web"}, {"ready", true}, {"state", Running(Ago(minutes(4)))}},
                    {{"name", "setup"},
                     {"ready", false},
                     {"state", {{"terminated", {{"exitCode", 0}, {"reason", "Completed"}}}}}}})}};
  EXPECT_EQ(Cells("", "pods", pod)[2], "Running");
  pod["status"]["conditions"][0]["status"] = "False";
  EXPECT_EQ(Cells("", "pods", pod)[2], "NotReady");
}

TEST(PodTable, TerminatingUnlessFinishedOrNodeLost) {
  json pod = WithStatus(
      Pod("web"),
      {{"phase", "Running"},
       {"containerStatuses",
        json::array({{{"name", "web"}, {"ready", true}, {"state", Running(Ago(minutes(4)))}}})}});
  pod["metadata"]["deletionTimestamp"] = Ago(seconds(-30));
  pod["metadata"]["deletionGracePeriodSeconds"] = 30;
  EXPECT_EQ(Cells("", "pods", pod)[2], "Terminating");

  pod["status"]["reason"] = "NodeLost";
  EXPECT_EQ(Cells("", "pods", pod)[2], "Unknown");

  json done = WithStatus(
      Pod("job"),
      {{"phase", "Succeeded"},
       {"containerStatuses",
        json::array({{{"name", "web"},
                      {"state", {{"terminated", {{"exitCode", 0}, {"reason", "Completed"}}}}}}})}});
  done["metadata"]["deletionTimestamp"] = Ago(seconds(-30));
  EXPECT_EQ(Cells("", "pods", done)[2], "Completed");
}

TEST(PodTable, SchedulingGatesAndReadinessGates) {
  json gated =
      WithStatus(Pod("web"), {{"phase", "Pending"},
                              {"conditions", json::array({{{"type", "PodScheduled"},
                                                           {"status", "False"},
                                                           {"reason", "SchedulingGated"}}})}});
  EXPECT_EQ(Cells("", "pods", gated)[2], "SchedulingGated");

  json pod = Pod("web");
  pod["spec"]["readinessGates"] = json::array(
      {{{"conditionType", "example.com/lb-ready"}}, {{"conditionType", "example.com/dns"}}});
  pod["status"] = {
      {"phase", "Running"},
      {"nominatedNodeName", "node-2"},
      {"conditions", json::array({{{"type", "example.com/lb-ready"}, {"status", "True"}},
                                  {{"type", "example.com/dns"}, {"status", "False"}}})}};
  json cells = Cells("", "pods", pod);
  EXPECT_EQ(cells[7], "node-2");
  EXPECT_EQ(cells[8], "1/2");
}

// --- nodes -----------------------------------------------------------------------------------

json Node(const std::string& name, const std::string& ready) {
  json node = {{"metadata",
                {{"name", name},
                 {"creationTimestamp", Ago(days(3) + hours(4))},
                 {"labels", {{"kubernetes.io/hostname", name}, {"kubernetes.io/os", "linux"}}}}},
               {"spec", json::object()},
               {"status",
                {{"addresses", json::array({{{"type", "Hostname"}, {"address", name}},
                                            {{"type", "InternalIP"}, {"address", "10.0.0.11"}}})},
                 {"nodeInfo",
                  {{"kubeletVersion", "v1.32.1"},
                   {"osImage", "Debian GNU/Linux 12 (bookworm)"},
                   {"kernelVersion", "6.1.0-28-amd64"},
                   {"containerRuntimeVersion", "hostlet://0.1.0"}}}}}};
  if (!ready.empty()) {
    node["status"]["conditions"] = json::array({{{"type", "MemoryPressure"}, {"status", "False"}},
                                                {{"type", "Ready"}, {"status", ready}}});
  }
  return node;
}

TEST(NodeTable, ReadyControlPlaneNode) {
  json node = Node("cp-1", "True");
  node["metadata"]["labels"]["node-role.kubernetes.io/control-plane"] = "";
  node["metadata"]["labels"]["node-role.kubernetes.io/etcd"] = "true";
  node["status"]["addresses"].push_back({{"type", "ExternalIP"}, {"address", "203.0.113.9"}});
  json table = Print("", "nodes", node);
  EXPECT_EQ(ColumnNames(table, 0),
            (std::vector<std::string>{"Name", "Status", "Roles", "Age", "Version"}));
  EXPECT_EQ(table["rows"][0]["cells"],
            json::array({"cp-1", "Ready", "control-plane,etcd", "3d4h", "v1.32.1", "10.0.0.11",
                         "203.0.113.9", "Debian GNU/Linux 12 (bookworm)", "6.1.0-28-amd64",
                         "hostlet://0.1.0"}));
}

TEST(NodeTable, NotReadyUnknownAndCordoned) {
  json worker = Node("worker-1", "False");
  worker["metadata"]["labels"]["kubernetes.io/role"] = "worker";
  json cells = Cells("", "nodes", worker);
  EXPECT_EQ(cells[1], "NotReady");
  EXPECT_EQ(cells[2], "worker");
  EXPECT_EQ(cells[6], "<none>");  // no external IP

  EXPECT_EQ(Cells("", "nodes", Node("n", "Unknown"))[1], "NotReady");

  json fresh = Node("new-node", "");
  fresh["status"].erase("nodeInfo");
  cells = Cells("", "nodes", fresh);
  EXPECT_EQ(cells[1], "Unknown");
  EXPECT_EQ(cells[2], "<none>");
  EXPECT_EQ(cells[4], "");
  EXPECT_EQ(cells[7], "<unknown>");

  json cordoned = Node("worker-2", "True");
  cordoned["spec"]["unschedulable"] = true;
  EXPECT_EQ(Cells("", "nodes", cordoned)[1], "Ready,SchedulingDisabled");
}

TEST(NamespaceAndLeaseTables, NameStatusHolderAge) {
  json ns = {{"metadata", {{"name", "kube-system"}, {"creationTimestamp", Ago(days(400))}}},
             {"status", {{"phase", "Active"}}}};
  EXPECT_EQ(Cells("", "namespaces", ns), json::array({"kube-system", "Active", "400d"}));

  json lease = {{"metadata", {{"name", "node-1"}, {"creationTimestamp", Ago(hours(2))}}},
                {"spec", {{"holderIdentity", "node-1"}, {"leaseDurationSeconds", 40}}}};
  json table = Print("coordination.k8s.io", "leases", lease);
  EXPECT_EQ(ColumnNames(table), (std::vector<std::string>{"Name", "Holder", "Age"}));
  EXPECT_EQ(table["rows"][0]["cells"], json::array({"node-1", "node-1", "120m"}));
}

// --- workloads -------------------------------------------------------------------------------

json Deployment() {
  return {
      {"metadata", {{"name", "web"}, {"generation", 2}, {"creationTimestamp", Ago(minutes(182))}}},
      {"spec",
       {{"replicas", 3},
        {"selector",
         {{"matchLabels", {{"app", "web"}}},
          {"matchExpressions", json::array({{{"key", "tier"},
                                             {"operator", "In"},
                                             {"values", json::array({"front", "edge"})}}})}}},
        {"template",
         {{"metadata", {{"labels", {{"app", "web"}, {"tier", "front"}}}}},
          {"spec",
           {{"containers", json::array({{{"name", "web"}, {"image", "nginx:1.27"}},
                                        {{"name", "log"}, {"image", "fluent-bit:3"}}})}}}}}}},
      {"status",
       {{"replicas", 3}, {"updatedReplicas", 3}, {"readyReplicas", 2}, {"availableReplicas", 2}}}};
}

TEST(DeploymentTable, ReadyUpToDateAvailable) {
  json table = Print("apps", "deployments", Deployment());
  EXPECT_EQ(ColumnNames(table),
            (std::vector<std::string>{"Name", "Ready", "Up-to-date", "Available", "Age",
                                      "Containers", "Images", "Selector"}));
  EXPECT_EQ(table["rows"][0]["cells"],
            json::array({"web", "2/3", 3, 2, "3h2m", "web,log", "nginx:1.27,fluent-bit:3",
                         "app=web,tier in (edge,front)"}));

  json fresh = {{"metadata", {{"name", "new"}}}, {"spec", json::object()}};
  json cells = Cells("apps", "deployments", fresh);
  EXPECT_EQ(cells[1], "0/1");  // replicas defaults to one
  EXPECT_EQ(cells[2], 0);
  EXPECT_EQ(cells[7], "");

  json odd = Deployment();
  odd["spec"]["selector"]["matchExpressions"][0]["operator"] = "Near";
  EXPECT_EQ(Cells("apps", "deployments", odd)[7], "<invalid>");
}

TEST(ReplicaSetTable, DesiredCurrentReady) {
  json rs = Deployment();
  rs["metadata"]["name"] = "web-7d4b9c8f6d";
  rs["spec"]["selector"] = {
      {"matchLabels", {{"app", "web"}, {"pod-template-hash", "7d4b9c8f6d"}}},
      {"matchExpressions", json::array({{{"key", "canary"}, {"operator", "DoesNotExist"}},
                                        {{"key", "zone"}, {"operator", "Exists"}}})}};
  rs["status"] = {{"replicas", 3}, {"readyReplicas", 1}};
  json table = Print("apps", "replicasets", rs);
  EXPECT_EQ(ColumnNames(table, 0),
            (std::vector<std::string>{"Name", "Desired", "Current", "Ready", "Age"}));
  EXPECT_EQ(table["rows"][0]["cells"],
            json::array({"web-7d4b9c8f6d", 3, 3, 1, "3h2m", "web,log", "nginx:1.27,fluent-bit:3",
                         "app=web,!canary,pod-template-hash=7d4b9c8f6d,zone"}));
  rs["spec"].erase("selector");
  EXPECT_EQ(Cells("apps", "replicasets", rs)[7], "<none>");
}

// --- events ----------------------------------------------------------------------------------

TEST(EventTable, CoreEvents) {
  json event = {{"metadata", {{"name", "web-1.17f3a"}, {"namespace", "default"}}},
                {"involvedObject",
                 {{"kind", "Pod"}, {"name", "web-1"}, {"fieldPath", "spec.containers{web}"}}},
                {"reason", "BackOff"},
                {"message", "Back-off restarting failed container web\n"},
                {"type", "Warning"},
                {"source", {{"component", "kubelet"}, {"host", "node-1"}}},
                {"firstTimestamp", Ago(minutes(12))},
                {"lastTimestamp", Ago(seconds(45))},
                {"count", 7}};
  json table = Print("", "events", event);
  EXPECT_EQ(ColumnNames(table, 0),
            (std::vector<std::string>{"Last Seen", "Type", "Reason", "Object", "Message"}));
  EXPECT_EQ(ColumnNames(table),
            (std::vector<std::string>{"Last Seen", "Type", "Reason", "Object", "Subobject",
                                      "Source", "Message", "First Seen", "Count", "Name"}));
  EXPECT_EQ(table["columnDefinitions"][9]["format"], "name");
  EXPECT_EQ(table["rows"][0]["cells"],
            json::array({"45s", "Warning", "BackOff", "pod/web-1", "spec.containers{web}",
                         "kubelet, node-1", "Back-off restarting failed container web", "12m", 7,
                         "web-1.17f3a"}));
}

TEST(EventTable, EventsWrittenThroughEventsApi) {
  // events.k8s.io/v1 writes eventTime, reportingComponent/Instance and a series, no count.
  json single = {{"metadata", {{"name", "node-1.abc"}}},
                 {"involvedObject", {{"kind", "Node"}, {"name", "node-1"}}},
                 {"reason", "Starting"},
                 {"message", "Starting kubelet."},
                 {"type", "Normal"},
                 {"eventTime", FormatTime(kNow - minutes(3)).substr(0, 19) + ".123456Z"},
                 {"reportingComponent", "hostlet"},
                 {"reportingInstance", "node-1"}};
  json cells = Cells("", "events", single);
  EXPECT_EQ(cells[0], "2m59s");  // 2m59.876544s: ages truncate
  EXPECT_EQ(cells[3], "node/node-1");
  EXPECT_EQ(cells[5], "hostlet, node-1");
  EXPECT_EQ(cells[7], "2m59s");
  EXPECT_EQ(cells[8], 1);

  json series = single;
  series["series"] = {{"count", 4}, {"lastObservedTime", Ago(seconds(20))}};
  cells = Cells("", "events", series);
  EXPECT_EQ(cells[0], "20s");
  EXPECT_EQ(cells[8], 4);

  json no_name = single;
  no_name["involvedObject"] = {{"kind", "Cluster"}};
  no_name.erase("reportingInstance");
  cells = Cells("", "events", no_name);
  EXPECT_EQ(cells[3], "cluster");
  EXPECT_EQ(cells[5], "hostlet");
}

// --- config and networking -------------------------------------------------------------------

TEST(ConfigTables, CountKeys) {
  json config_map = {{"metadata", {{"name", "settings"}, {"creationTimestamp", Ago(seconds(90))}}},
                     {"data", {{"a", "1"}, {"b", "2"}}},
                     {"binaryData", {{"c", "AAE="}}}};
  EXPECT_EQ(Cells("", "configmaps", config_map), json::array({"settings", 3, "90s"}));

  json secret = {{"metadata", {{"name", "tls"}, {"creationTimestamp", Ago(days(10))}}},
                 {"type", "kubernetes.io/tls"},
                 {"data", {{"tls.crt", "Y3J0"}, {"tls.key", "a2V5"}}}};
  json table = Print("", "secrets", secret);
  EXPECT_EQ(ColumnNames(table), (std::vector<std::string>{"Name", "Type", "Data", "Age"}));
  EXPECT_EQ(table["rows"][0]["cells"], json::array({"tls", "kubernetes.io/tls", 2, "10d"}));

  json account = {{"metadata", {{"name", "default"}, {"creationTimestamp", Ago(days(1))}}}};
  EXPECT_EQ(Cells("", "serviceaccounts", account), json::array({"default", 0, "24h"}));
  account["secrets"] = json::array({{{"name", "default-token"}}});
  EXPECT_EQ(Cells("", "serviceaccounts", account)[1], 1);
}

json Service(const std::string& type) {
  return {{"metadata", {{"name", "web"}, {"creationTimestamp", Ago(minutes(30))}}},
          {"spec",
           {{"type", type},
            {"clusterIP", "10.96.0.20"},
            {"clusterIPs", json::array({"10.96.0.20"})},
            {"selector", {{"tier", "front"}, {"app", "web"}}},
            {"ports", json::array({{{"name", "http"}, {"port", 80}, {"protocol", "TCP"}},
                                   {{"name", "dns"}, {"port", 53}, {"protocol", "UDP"}}})}}}};
}

TEST(ServiceTable, TypesAndPorts) {
  json table = Print("", "services", Service("ClusterIP"));
  EXPECT_EQ(ColumnNames(table),
            (std::vector<std::string>{"Name", "Type", "Cluster-IP", "External-IP", "Port(s)", "Age",
                                      "Selector"}));
  EXPECT_EQ(table["rows"][0]["cells"], json::array({"web", "ClusterIP", "10.96.0.20", "<none>",
                                                    "80/TCP,53/UDP", "30m", "app=web,tier=front"}));

  json node_port = Service("NodePort");
  node_port["spec"]["ports"][0]["nodePort"] = 30080;
  node_port["spec"]["externalIPs"] = json::array({"192.0.2.1"});
  json cells = Cells("", "services", node_port);
  EXPECT_EQ(cells[3], "192.0.2.1");
  EXPECT_EQ(cells[4], "80:30080/TCP,53/UDP");

  json balancer = Service("LoadBalancer");
  EXPECT_EQ(Cells("", "services", balancer)[3], "<pending>");
  balancer["status"]["loadBalancer"]["ingress"] = json::array(
      {{{"ip", "203.0.113.7"}}, {{"hostname", "lb.example.com"}}, {{"ip", "203.0.113.5"}}});
  EXPECT_EQ(Cells("", "services", balancer)[3], "203.0.113.5,203.0.113.7,lb.example.com");

  json external = {{"metadata", {{"name", "db"}}},
                   {"spec", {{"type", "ExternalName"}, {"externalName", "db.example.com"}}}};
  cells = Cells("", "services", external);
  EXPECT_EQ(cells[2], "<none>");
  EXPECT_EQ(cells[3], "db.example.com");
  EXPECT_EQ(cells[4], "<none>");
  EXPECT_EQ(cells[6], "<none>");

  json headless = Service("ClusterIP");
  headless["spec"]["clusterIP"] = "None";
  headless["spec"].erase("clusterIPs");
  EXPECT_EQ(Cells("", "services", headless)[2], "None");
}

TEST(EndpointsTable, ListsThreeThenCounts) {
  json endpoints = {{"metadata", {{"name", "web"}, {"creationTimestamp", Ago(minutes(30))}}}};
  EXPECT_EQ(Cells("", "endpoints", endpoints)[1], "<none>");

  endpoints["subsets"] =
      json::array({{{"addresses", json::array({{{"ip", "10.244.1.7"}}, {{"ip", "10.244.2.9"}}})},
                    {"ports", json::array({{{"name", "http"}, {"port", 8080}}})}}});
  EXPECT_EQ(Cells("", "endpoints", endpoints)[1], "10.244.1.7:8080,10.244.2.9:8080");

  endpoints["subsets"][0]["ports"].push_back({{"name", "metrics"}, {"port", 9090}});
  endpoints["subsets"].push_back({{"addresses", json::array({{{"ip", "fd00::5"}}})},
                                  {"ports", json::array({{{"port", 443}}})}});
  EXPECT_EQ(Cells("", "endpoints", endpoints)[1],
            "10.244.1.7:8080,10.244.2.9:8080,10.244.1.7:9090 + 2 more...");

  json headless = {{"metadata", {{"name", "db"}}},
                   {"subsets", json::array({{{"addresses", json::array({{{"ip", "fd00::5"}}})}}})}};
  EXPECT_EQ(Cells("", "endpoints", headless)[1], "fd00::5");
  json ipv6 = {{"metadata", {{"name", "db"}}},
               {"subsets", json::array({{{"addresses", json::array({{{"ip", "fd00::5"}}})},
                                         {"ports", json::array({{{"port", 5432}}})}}})}};
  EXPECT_EQ(Cells("", "endpoints", ipv6)[1], "[fd00::5]:5432");
}

// --- storage ---------------------------------------------------------------------------------

TEST(StorageTables, PersistentVolumes) {
  json volume = {{"metadata", {{"name", "pv-1"}, {"creationTimestamp", Ago(hours(5))}}},
                 {"spec",
                  {{"capacity", {{"storage", "10Gi"}}},
                   {"accessModes", json::array({"ReadWriteMany", "ReadWriteOnce"})},
                   {"persistentVolumeReclaimPolicy", "Retain"},
                   {"storageClassName", "local"},
                   {"claimRef", {{"namespace", "default"}, {"name", "data"}}}}},
                 {"status", {{"phase", "Bound"}}}};
  json table = Print("", "persistentvolumes", volume);
  EXPECT_EQ(ColumnNames(table, 0),
            (std::vector<std::string>{"Name", "Capacity", "Access Modes", "Reclaim Policy",
                                      "Status", "Claim", "StorageClass", "VolumeAttributesClass",
                                      "Reason", "Age"}));
  EXPECT_EQ(table["rows"][0]["cells"],
            json::array({"pv-1", "10Gi", "RWO,RWX", "Retain", "Bound", "default/data", "local",
                         "<unset>", "", "5h", "<unset>"}));

  volume["metadata"]["deletionTimestamp"] = Ago(seconds(1));
  volume["metadata"]["annotations"]["volume.beta.kubernetes.io/storage-class"] = "old";
  volume["spec"]["volumeMode"] = "Block";
  json cells = Cells("", "persistentvolumes", volume);
  EXPECT_EQ(cells[4], "Terminating");
  EXPECT_EQ(cells[6], "old");
  EXPECT_EQ(cells[10], "Block");
}

TEST(StorageTables, PersistentVolumeClaims) {
  json claim = {{"metadata", {{"name", "data"}, {"creationTimestamp", Ago(minutes(7))}}},
                {"spec",
                 {{"accessModes", json::array({"ReadWriteOnce"})},
                  {"resources", {{"requests", {{"storage", "1Gi"}}}}},
                  {"storageClassName", "local"},
                  {"volumeMode", "Filesystem"}}},
                {"status", {{"phase", "Pending"}}}};
  EXPECT_EQ(Cells("", "persistentvolumeclaims", claim),
            json::array({"data", "Pending", "", "", "", "local", "<unset>", "7m", "Filesystem"}));

  claim["spec"]["volumeName"] = "pv-1";
  claim["status"] = {{"phase", "Bound"},
                     {"accessModes", json::array({"ReadWriteOnce", "ReadWriteOncePod"})},
                     {"capacity", {{"storage", "10Gi"}}}};
  json cells = Cells("", "persistentvolumeclaims", claim);
  EXPECT_EQ(cells[1], "Bound");
  EXPECT_EQ(cells[2], "pv-1");
  EXPECT_EQ(cells[3], "10Gi");
  EXPECT_EQ(cells[4], "RWO,RWOP");
}

TEST(StorageTables, ClassesDriversAndNodes) {
  json local = {{"metadata",
                 {{"name", "local"},
                  {"creationTimestamp", Ago(days(2))},
                  {"annotations", {{"storageclass.kubernetes.io/is-default-class", "true"}}}}},
                {"provisioner", "hostlet.io/local"},
                {"volumeBindingMode", "WaitForFirstConsumer"}};
  EXPECT_EQ(Cells("storage.k8s.io", "storageclasses", local),
            json::array({"local (default)", "hostlet.io/local", "Delete", "WaitForFirstConsumer",
                         false, "2d"}));

  json driver = {{"metadata", {{"name", "identity.csi.hostlet.io"}}},
                 {"spec",
                  {{"attachRequired", false},
                   {"podInfoOnMount", true},
                   {"volumeLifecycleModes", json::array({"Persistent", "Ephemeral"})}}}};
  json table = Print("storage.k8s.io", "csidrivers", driver);
  EXPECT_EQ(ColumnNames(table),
            (std::vector<std::string>{"Name", "AttachRequired", "PodInfoOnMount", "StorageCapacity",
                                      "TokenRequests", "RequiresRepublish", "Modes", "Age"}));
  EXPECT_EQ(table["rows"][0]["cells"],
            json::array({"identity.csi.hostlet.io", false, true, false, "<unset>", false,
                         "Persistent,Ephemeral", "<unknown>"}));
  driver["spec"]["tokenRequests"] = json::array({{{"audience", "vault"}}, {{"audience", "gcp"}}});
  EXPECT_EQ(Cells("storage.k8s.io", "csidrivers", driver)[4], "vault,gcp");

  json csi_node = {{"metadata", {{"name", "node-1"}, {"creationTimestamp", Ago(hours(9))}}},
                   {"spec", {{"drivers", json::array({{{"name", "identity.csi.hostlet.io"}}})}}}};
  EXPECT_EQ(Cells("storage.k8s.io", "csinodes", csi_node), json::array({"node-1", 1, "9h"}));
}

}  // namespace
}  // namespace hostlet::apiserver
