// kubectl 1.32 driving hostlet-server, as a user at a terminal would: apply, get with the
// columns users know, label, annotate, patch, scale, watch, delete; and the errors it shows for
// conflicts, missing objects and bad input. Every test runs twice: on SQLite, and on a
// three-member etcd cluster.
#include "tests/support/etcd_cluster.h"
#include "tests/support/hostlet_server.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <thread>

namespace hostlet::testing {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;
using ::testing::MatchesRegex;

constexpr const char* kManifests = R"(apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
data:
  mode: fast
---
apiVersion: v1
kind: Pod
metadata:
  name: web
  labels: {app: web}
spec:
  containers:
  - name: web
    image: busybox:1.36
    command: [httpd, -f]
    env: [{name: A, value: "1"}, {name: B, value: "2"}]
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
spec:
  replicas: 2
  selector: {matchLabels: {app: api}}
  template:
    metadata: {labels: {app: api}}
    spec:
      containers:
      - name: api
        image: busybox:1.36
        env: [{name: LEVEL, value: info}, {name: EXTRA, value: "yes"}]
)";

// One etcd cluster for the process; each test stores its objects under a prefix of its own.
EtcdCluster& SharedEtcd() {
  static EtcdCluster cluster(3);
  return cluster;
}

class KubectlTest : public ServerTest, public ::testing::WithParamInterface<std::string> {
 protected:
  KubectlTest() {
    if (GetParam() == "etcd") {
      static int tests = 0;
      extra_flags_ = {
          "--storage",      "etcd",
          "--etcd-servers", SharedEtcd().ClientUrlList(),
          "--etcd-prefix",  "/e2e-" + std::to_string(getpid()) + "-" + std::to_string(++tests)};
    }
  }

  json GetJson(const std::string& what) {
    auto result = Kubectl("get " + what + " -o json");
    EXPECT_EQ(result.exit_code, 0) << result.output;
    return json::parse(result.output, nullptr, false);
  }
  void MustRun(const std::string& arguments, const std::string& expected_output = "") {
    auto result = Kubectl(arguments);
    ASSERT_EQ(result.exit_code, 0) << "kubectl " << arguments << "\n" << result.output;
    if (!expected_output.empty()) {
      EXPECT_THAT(result.output, HasSubstr(expected_output)) << "kubectl " << arguments;
    }
  }
};

TEST_P(KubectlTest, ApplyCreatesThenReapplyingAChangeConfiguresInPlace) {
  auto first = Kubectl("apply -f " + File("all.yaml", kManifests));
  ASSERT_EQ(first.exit_code, 0) << first.output;
  EXPECT_THAT(first.output, HasSubstr("configmap/settings created"));
  EXPECT_THAT(first.output, HasSubstr("pod/web created"));
  EXPECT_THAT(first.output, HasSubstr("deployment.apps/api created"));
  json pod = GetJson("pod web");
  std::string uid = pod["metadata"]["uid"];

  std::string changed = kManifests;
  changed.replace(changed.find("mode: fast"), 10, "mode: safe");
  changed.replace(changed.find("labels: {app: web}"), 18, "labels: {app: web, tier: front}");
  // The deployment's image changes and one env entry goes: a strategic merge by name.
  changed.replace(changed.rfind("image: busybox:1.36"), 19, "image: busybox:1.37");
  const std::string extra_env = ", {name: EXTRA, value: \"yes\"}";
  changed.replace(changed.find(extra_env), extra_env.size(), "");
  auto again = Kubectl("apply -f " + File("changed.yaml", changed));
  ASSERT_EQ(again.exit_code, 0) << again.output;
  EXPECT_THAT(again.output, HasSubstr("configmap/settings configured"));
  EXPECT_THAT(again.output, HasSubstr("pod/web configured"));
  EXPECT_THAT(again.output, HasSubstr("deployment.apps/api configured"));

  EXPECT_EQ(GetJson("configmap settings")["data"]["mode"], "safe");
  pod = GetJson("pod web");
  EXPECT_EQ(pod["metadata"]["labels"]["tier"], "front");
  EXPECT_EQ(pod["metadata"]["uid"], uid);
  json deployment = GetJson("deployment api");
  const json& container = deployment["spec"]["template"]["spec"]["containers"][0];
  EXPECT_EQ(container["image"], "busybox:1.37");
  EXPECT_EQ(container["env"], json::parse(R"([{"name":"LEVEL","value":"info"}])"));
  EXPECT_EQ(deployment["metadata"]["generation"], 2);

  auto unchanged = Kubectl("apply -f " + File("changed2.yaml", changed));
  EXPECT_THAT(unchanged.output, HasSubstr("configmap/settings unchanged"));
}

TEST_P(KubectlTest, GetPrintsTheColumnsUsersKnow) {
  MustRun("apply -f " + File("all.yaml", kManifests));
  MustRun("apply -f " + File("node.yaml", R"(apiVersion: v1
kind: Node
metadata:
  name: node-1
  labels: {node-role.kubernetes.io/worker: ""}
status:
  conditions: [{type: Ready, status: "True"}]
  nodeInfo: {kubeletVersion: v1.32.0-hostlet, osImage: Debian, kernelVersion: "6.1", containerRuntimeVersion: hostlet://0.1}
  addresses: [{type: InternalIP, address: 10.0.0.5}]
)"));
  auto pods = Kubectl("get pods");
  ASSERT_EQ(pods.exit_code, 0) << pods.output;
  EXPECT_THAT(pods.output,
              MatchesRegex("NAME +READY +STATUS +RESTARTS +AGE\nweb +0/1 +Pending +0 +[0-9]+s\n"));
  auto wide = Kubectl("get pods -o wide");
  EXPECT_THAT(wide.output, HasSubstr("NOMINATED NODE"));
  auto nodes = Kubectl("get nodes");
  EXPECT_THAT(
      nodes.output,
      MatchesRegex(
          "NAME +STATUS +ROLES +AGE +VERSION\nnode-1 +Ready +worker +[0-9]+s +v1.32.0-hostlet\n"))
      << nodes.output;
  EXPECT_THAT(Kubectl("get nodes -o wide").output, HasSubstr("10.0.0.5"));
  auto deployments = Kubectl("get deployments");
  EXPECT_THAT(deployments.output,
              MatchesRegex("NAME +READY +UP-TO-DATE +AVAILABLE +AGE\napi +0/2 +0 +0 +[0-9]+s\n"))
      << deployments.output;
  auto namespaces = Kubectl("get namespaces");
  EXPECT_THAT(namespaces.output, HasSubstr("kube-system"));
  EXPECT_THAT(namespaces.output, HasSubstr("Active"));
  auto yaml = Kubectl("get pod web -o yaml");
  EXPECT_THAT(yaml.output, HasSubstr("uid: "));
  EXPECT_THAT(yaml.output, HasSubstr("resourceVersion: "));
  EXPECT_THAT(yaml.output, HasSubstr("restartPolicy: Always"));
}

TEST_P(KubectlTest, LabelAnnotatePatchScaleAndSetImage) {
  MustRun("apply -f " + File("all.yaml", kManifests));
  MustRun("label pod web tier=front", "pod/web labeled");
  MustRun("annotate pod web owner=team-a", "pod/web annotated");
  MustRun("label pod web tier-", "pod/web unlabeled");
  json pod = GetJson("pod web");
  EXPECT_FALSE(pod["metadata"]["labels"].contains("tier"));
  EXPECT_EQ(pod["metadata"]["annotations"]["owner"], "team-a");

  MustRun(R"(patch configmap settings --type merge -p '{"data":{"extra":"1"}}')", "patched");
  MustRun(R"(patch configmap settings --type json -p '[{"op":"remove","path":"/data/mode"}]')",
          "patched");
  EXPECT_EQ(GetJson("configmap settings")["data"], json::parse(R"({"extra":"1"})"));
  // The default patch type is strategic: the container list merges by name.
  MustRun(
      R"(patch deployment api -p '{"spec":{"template":{"spec":{"containers":[{"name":"api","image":"busybox:1.38"}]}}}}')",
      "patched");
  json container = GetJson("deployment api")["spec"]["template"]["spec"]["containers"][0];
  EXPECT_EQ(container["image"], "busybox:1.38");
  EXPECT_EQ(container["env"].size(), 2u);

  MustRun("scale deployment api --replicas=5", "deployment.apps/api scaled");
  EXPECT_EQ(GetJson("deployment api")["spec"]["replicas"], 5);
  MustRun("set image deployment/api api=busybox:1.39", "image updated");
  EXPECT_EQ(GetJson("deployment api")["spec"]["template"]["spec"]["containers"][0]["image"],
            "busybox:1.39");
}

TEST_P(KubectlTest, WatchSeesAddedModifiedAndDeleted) {
  std::string log = dir_ / "watch.log";
  ChildProcess watch(
      {"/usr/bin/kubectl", "--kubeconfig", kubeconfig_, "--cache-dir", dir_ / "cache-watch", "get",
       "configmaps", "--watch", "--output-watch-events"},
      log);
  // The watch is open once the existing objects (none) are listed; give it a moment.
  std::this_thread::sleep_for(std::chrono::seconds(1));
  MustRun("create configmap flags --from-literal=a=1");
  MustRun("label configmap flags touched=yes");
  MustRun("delete configmap flags");
  // The watch prints Table rows, with the event type as the first column.
  EXPECT_TRUE(
      Eventually([&] { return ReadFile(log).find("DELETED    flags") != std::string::npos; },
                 std::chrono::seconds(20)))
      << ReadFile(log);
  EXPECT_THAT(ReadFile(log), ::testing::ContainsRegex("EVENT +NAME +DATA +AGE\n"
                                                      "ADDED +flags +1 +[0-9]+s\n"
                                                      "MODIFIED +flags +1 +[0-9]+s\n"
                                                      "DELETED +flags +1 +[0-9]+s\n"));
}

TEST_P(KubectlTest, DeleteWaitsUntilTheObjectIsGone) {
  MustRun("apply -f " + File("all.yaml", kManifests));
  MustRun("delete pod web --wait=true", "pod \"web\" deleted");
  MustRun("delete deployment api --wait=true", "deployment.apps \"api\" deleted");
  auto missing = Kubectl("get pod web");
  EXPECT_NE(missing.exit_code, 0);
  EXPECT_THAT(missing.output, HasSubstr("Error from server (NotFound): pods \"web\" not found"));
}

TEST_P(KubectlTest, AStaleReplaceIsAConflict) {
  MustRun("apply -f " + File("all.yaml", kManifests));
  auto old = Kubectl("get configmap settings -o json");
  ASSERT_EQ(old.exit_code, 0);
  MustRun("label configmap settings changed=yes");
  auto stale = Kubectl("replace -f " + File("old.json", old.output));
  EXPECT_NE(stale.exit_code, 0);
  EXPECT_THAT(stale.output, HasSubstr("Error from server (Conflict)"));
  EXPECT_THAT(stale.output, HasSubstr("the object has been modified"));
}

TEST_P(KubectlTest, InvalidObjectsAreRefusedWithTheFieldsAndNothingIsStored) {
  auto result = Kubectl("apply -f " + File("bad.yaml", R"(apiVersion: v1
kind: Pod
metadata:
  name: Bad_Name
  labels: {"app": "not a valid value"}
spec:
  containers: [{name: c}]
)"));
  EXPECT_NE(result.exit_code, 0);
  EXPECT_THAT(result.output, HasSubstr("is invalid"));
  EXPECT_THAT(result.output, HasSubstr("metadata.name"));
  EXPECT_THAT(result.output, HasSubstr("spec.containers[0].image: Required value"));
  EXPECT_THAT(Kubectl("get pods -o name").output, ::testing::Not(HasSubstr("Bad_Name")));
}

TEST_P(KubectlTest, AnUnknownFieldIsA400UnderStrictValidationAndAWarningOtherwise) {
  const std::string typo = File("typo.yaml", R"(apiVersion: v1
kind: ConfigMap
metadata: {name: typo}
data: {a: "1"}
dataa: {b: "2"}
)");
  auto strict = Kubectl("apply -f " + typo);  // kubectl's default is --validate=strict
  EXPECT_NE(strict.exit_code, 0);
  EXPECT_THAT(strict.output, HasSubstr("strict decoding error: unknown field \"dataa\""));
  EXPECT_NE(Kubectl("get configmap typo").exit_code, 0);

  auto warned = Kubectl("apply --validate=warn -f " + typo);
  EXPECT_EQ(warned.exit_code, 0) << warned.output;
  EXPECT_THAT(warned.output, HasSubstr("Warning: unknown field \"dataa\""));
  EXPECT_EQ(GetJson("configmap typo")["data"], json::parse(R"({"a":"1"})"));
}

TEST_P(KubectlTest, TypedCreateCommandsSendProtobufAndAreUnderstood) {
  MustRun("create configmap proto --from-literal=a=1 --from-literal=b=two");
  EXPECT_EQ(GetJson("configmap proto")["data"], json::parse(R"({"a":"1","b":"two"})"));
  MustRun("create secret generic pass --from-literal=password=hunter2");
  EXPECT_EQ(GetJson("secret pass")["data"]["password"], "aHVudGVyMg==");
  MustRun("create deployment web --image=busybox --replicas=0 --port=80 -- sleep 60");
  json deployment = GetJson("deployment web");
  EXPECT_EQ(deployment["spec"]["replicas"], 0);
  const json& container = deployment["spec"]["template"]["spec"]["containers"][0];
  EXPECT_EQ(container["command"], json::parse(R"(["sleep","60"])"));
  EXPECT_EQ(container["ports"][0]["containerPort"], 80);
  MustRun("create service nodeport web --tcp=80:8080 --node-port=30080");
  json service = GetJson("service web");
  EXPECT_EQ(service["spec"]["ports"][0]["targetPort"], 8080);
  EXPECT_EQ(service["spec"]["ports"][0]["nodePort"], 30080);
  MustRun("create namespace team");
  MustRun("create serviceaccount builder -n team");
  EXPECT_EQ(GetJson("serviceaccount builder -n team")["metadata"]["namespace"], "team");
}

TEST_P(KubectlTest, MalformedBodiesAndUnknownTypesGetClearClientErrors) {
  const std::string pods = "/api/v1/namespaces/default/pods";
  auto garbage = Http("POST", pods, "", "{\"metadata\": ");
  EXPECT_EQ(garbage.status, 400);
  EXPECT_EQ(json::parse(garbage.body)["reason"], "BadRequest");
  auto wrong_kind =
      Http("POST", pods, "", R"({"kind":"Service","apiVersion":"v1","metadata":{"name":"x"}})");
  EXPECT_EQ(wrong_kind.status, 400);
  auto xml = Http("POST", pods, "", "<pod/>", "application/xml");
  EXPECT_EQ(xml.status, 415);
  EXPECT_EQ(json::parse(xml.body)["reason"], "UnsupportedMediaType");
  auto protobuf = Http("GET", pods, "application/vnd.kubernetes.protobuf");
  EXPECT_EQ(protobuf.status, 406);
  auto huge = Http("POST", pods, "", std::string(4 * 1024 * 1024, ' '));
  EXPECT_EQ(huge.status, 413);
  auto include = Http("GET", pods + "?includeObject=Everything",
                      "application/json;as=Table;v=v1;g=meta.k8s.io");
  EXPECT_EQ(include.status, 400);
  EXPECT_THAT(include.body, HasSubstr("includeObject: Unsupported value"));
  auto selector = Http("GET", pods + "?labelSelector=a+in+(b");
  EXPECT_EQ(selector.status, 400);
  auto field = Http("GET", pods + "?fieldSelector=spec.image%3Dx");
  EXPECT_EQ(field.status, 400);
  EXPECT_THAT(field.body, HasSubstr("field label not supported: spec.image"));
  EXPECT_EQ(json::parse(Http("GET", pods).body)["items"].size(), 0u);
  // The server is still serving.
  EXPECT_EQ(Kubectl("get pods").exit_code, 0);
}

TEST_P(KubectlTest, SelectorsAndPagesNarrowLists) {
  for (int i = 0; i < 5; ++i) {
    MustRun("create configmap c" + std::to_string(i) + " --from-literal=k=v");
    MustRun("label configmap c" + std::to_string(i) + " parity=" + (i % 2 ? "odd" : "even"));
  }
  auto even = Kubectl("get configmaps -l parity=even -o name");
  EXPECT_EQ(even.output, "configmap/c0\nconfigmap/c2\nconfigmap/c4\n");
  auto not_odd = Kubectl("get configmaps -l 'parity notin (odd)' -o name --chunk-size=1");
  EXPECT_EQ(not_odd.output, "configmap/c0\nconfigmap/c2\nconfigmap/c4\n");
  auto by_name = Kubectl("get configmaps --field-selector metadata.name=c3 -o name");
  EXPECT_EQ(by_name.output, "configmap/c3\n");
  auto page = json::parse(Http("GET", "/api/v1/namespaces/default/configmaps?limit=2").body);
  EXPECT_EQ(page["items"].size(), 2u);
  EXPECT_EQ(page["metadata"]["remainingItemCount"], 3);
}

INSTANTIATE_TEST_SUITE_P(Storage, KubectlTest, ::testing::Values("sqlite", "etcd"),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           return info.param;
                         });

}  // namespace
}  // namespace hostlet::testing
