// Static pod manifests turned into pods as the upstream kubelet's file source does.
#include "kubelet/config/static_pods.h"
#include "tests/support/fixtures.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <regex>

namespace hostlet::agent {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::StartsWith;
using nlohmann::json;

constexpr const char* kWeb = R"(apiVersion: v1
kind: Pod
metadata:
  name: web
  labels: {app: web}
spec:
  containers:
  - name: nginx
    image: nginx:1.25
    ports: [{containerPort: 80}]
  - name: sidecar
    image: busybox
)";

class StaticPodsTest : public ::testing::Test {
 protected:
  std::filesystem::path Write(const std::string& name, const std::string& text) {
    std::filesystem::path file = dir_.path() / name;
    std::ofstream(file) << text;
    return file;
  }
  testing::TempDir dir_;
};

TEST_F(StaticPodsTest, PodGetsTheNodeNamedNameUidAnnotationsAndDefaults) {
  Write("web.yaml", kWeb);
  StaticPodScan scan = ReadStaticPods(dir_.path(), "node-1");
  EXPECT_TRUE(scan.errors.empty()) << scan.errors.front();
  ASSERT_EQ(scan.pods.size(), 1u);
  const json& pod = scan.pods[0];
  EXPECT_EQ(pod["metadata"]["name"], "web-node-1");
  EXPECT_EQ(pod["metadata"]["namespace"], "default");
  EXPECT_EQ(pod["metadata"]["labels"]["app"], "web");
  std::string uid = pod["metadata"]["uid"];
  EXPECT_TRUE(std::regex_match(uid, std::regex("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"))) << uid;
  const json& annotations = pod["metadata"]["annotations"];
  EXPECT_EQ(annotations["kubernetes.io/config.hash"], uid);
  EXPECT_EQ(annotations["kubernetes.io/config.source"], "file");
  EXPECT_TRUE(std::regex_match(annotations["kubernetes.io/config.seen"].get<std::string>(),
                               std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z)")))
      << annotations["kubernetes.io/config.seen"];
  const json& spec = pod["spec"];
  EXPECT_EQ(spec["nodeName"], "node-1");
  EXPECT_EQ(spec["tolerations"], json::parse(R"([{"operator": "Exists", "effect": "NoExecute"}])"));
  EXPECT_EQ(spec["restartPolicy"], "Always");
  EXPECT_EQ(spec["dnsPolicy"], "ClusterFirst");
  EXPECT_EQ(spec["terminationGracePeriodSeconds"], 30);
  EXPECT_EQ(spec["containers"][0]["imagePullPolicy"], "IfNotPresent");
  EXPECT_EQ(spec["containers"][1]["imagePullPolicy"], "Always") << "no tag means :latest";
  EXPECT_EQ(spec["containers"][0]["terminationMessagePath"], "/dev/termination-log");
  EXPECT_EQ(spec["containers"][0]["ports"][0]["protocol"], "TCP");
  EXPECT_EQ(pod["status"]["phase"], "Pending");
}

TEST_F(StaticPodsTest, PullPolicyFollowsTheTag) {
  auto policy = [](const std::string& image) {
    json pod = StaticPodFromManifest(
        "{apiVersion: v1, kind: Pod, metadata: {name: p}, spec: {containers: [{name: c, image: \"" + image + "\"}]}}",
        "p.yaml", "n");
    return pod["spec"]["containers"][0]["imagePullPolicy"].get<std::string>();
  };
  EXPECT_EQ(policy("nginx:latest"), "Always");
  EXPECT_EQ(policy("registry:5000/nginx"), "Always");
  EXPECT_EQ(policy("registry:5000/nginx:1.2"), "IfNotPresent");
  EXPECT_EQ(policy("nginx@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"), "IfNotPresent");
}

TEST_F(StaticPodsTest, ExplicitValuesAreKept) {
  json pod = StaticPodFromManifest(R"(apiVersion: v1
kind: Pod
metadata: {name: etcd, namespace: kube-system, annotations: {note: kept}}
spec:
  restartPolicy: Never
  terminationGracePeriodSeconds: 5
  tolerations: [{operator: Exists, effect: NoExecute}]
  containers: [{name: etcd, image: "etcd:3.5", imagePullPolicy: Never}]
)",
                                   "/m/etcd.yaml", "Node-A");
  EXPECT_EQ(pod["metadata"]["name"], "etcd-node-a") << "the name suffix is the lowercased node name";
  EXPECT_EQ(pod["metadata"]["namespace"], "kube-system");
  EXPECT_EQ(pod["metadata"]["annotations"]["note"], "kept");
  EXPECT_EQ(pod["spec"]["restartPolicy"], "Never");
  EXPECT_EQ(pod["spec"]["terminationGracePeriodSeconds"], 5);
  EXPECT_EQ(pod["spec"]["tolerations"].size(), 1u) << "the toleration is not added twice";
  EXPECT_EQ(pod["spec"]["containers"][0]["imagePullPolicy"], "Never");
}

TEST_F(StaticPodsTest, UidIsStableForAnUnchangedFileAndChangesWithIt) {
  Write("web.yaml", kWeb);
  std::string first = ReadStaticPods(dir_.path(), "node-1").pods.at(0)["metadata"]["uid"];
  std::string again = ReadStaticPods(dir_.path(), "node-1").pods.at(0)["metadata"]["uid"];
  EXPECT_EQ(first, again);
  // Reformatting is not a change: the hash is over the canonical JSON.
  Write("web.yaml", std::string(kWeb) + "# a comment\n");
  EXPECT_EQ(ReadStaticPods(dir_.path(), "node-1").pods.at(0)["metadata"]["uid"], first);
  std::string other_node = ReadStaticPods(dir_.path(), "node-2").pods.at(0)["metadata"]["uid"];
  EXPECT_NE(other_node, first);
  Write("web.yaml", std::regex_replace(std::string(kWeb), std::regex("nginx:1.25"), "nginx:1.26"));
  std::string changed = ReadStaticPods(dir_.path(), "node-1").pods.at(0)["metadata"]["uid"];
  EXPECT_NE(changed, first);
}

TEST_F(StaticPodsTest, BadManifestIsReportedWhileGoodOnesLoad) {
  Write("a-good.yaml", kWeb);
  Write("b-noimage.yaml", "apiVersion: v1\nkind: Pod\nmetadata: {name: x}\nspec:\n  containers: [{name: c}]\n");
  Write("c-deploy.yml", "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\n");
  Write("d-syntax.yaml", "apiVersion: v1\nkind: [Pod\n");
  Write("e-good.json", R"({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "api"},
    "spec": {"containers": [{"name": "api", "image": "api:v1"}]}})");
  StaticPodScan scan = ReadStaticPods(dir_.path(), "n1");
  ASSERT_EQ(scan.pods.size(), 2u);
  EXPECT_EQ(scan.pods[0]["metadata"]["name"], "web-n1");
  EXPECT_EQ(scan.pods[1]["metadata"]["name"], "api-n1");
  std::string dir = dir_.path().string();
  ASSERT_EQ(scan.errors.size(), 3u);
  EXPECT_EQ(scan.errors[0], dir + "/b-noimage.yaml: spec.containers[0].image: Required value");
  EXPECT_THAT(scan.errors[1], StartsWith(dir + "/c-deploy.yml: apiVersion: Unsupported value: \"apps/v1\""));
  EXPECT_THAT(scan.errors[2], StartsWith(dir + "/d-syntax.yaml:3:1: "));
}

TEST_F(StaticPodsTest, ManifestErrorsNameTheField) {
  auto error = [](const std::string& text) {
    try {
      StaticPodFromManifest(text, "m.yaml", "n");
    } catch (const std::runtime_error& e) {
      return std::string(e.what());
    }
    return std::string("(no error)");
  };
  EXPECT_EQ(error("apiVersion: v1\nkind: Pod\nmetadata: {}\nspec: {containers: [{name: c, image: i}]}\n"),
            "m.yaml: metadata.name: Required value");
  EXPECT_THAT(error("apiVersion: v1\nkind: Pod\nmetadata: {name: Web}\nspec: {containers: [{name: c, image: i}]}\n"),
              StartsWith("m.yaml: metadata.name: Invalid value: \"Web\""));
  EXPECT_EQ(error("apiVersion: v1\nkind: Pod\nmetadata: {name: w}\nspec: {containers: []}\n"),
            "m.yaml: spec.containers: Required value");
  EXPECT_EQ(error("apiVersion: v1\nkind: Pod\nmetadata: {name: w}\nspec: {containers: [{name: c, image: i}, {name: c, image: j}]}\n"),
            "m.yaml: spec.containers[1].name: Duplicate value: \"c\"");
  EXPECT_EQ(error("apiVersion: v1\nkind: Service\nmetadata: {name: w}\n"),
            "m.yaml: kind: Unsupported value: \"Service\": supported values: \"Pod\"");
  EXPECT_EQ(error("apiVersion: v1\nkind: Pod\nmetadata: {name: w}\nspec: {restartPolicy: Sometimes, containers: [{name: c, image: i}]}\n"),
            "m.yaml: spec.restartPolicy: Unsupported value: \"Sometimes\": supported values: \"Always\", \"OnFailure\", \"Never\"");
  EXPECT_THAT(error(std::string(10 * 1024 * 1024 + 1, '#')), HasSubstr("larger than 10 MiB"));
}

TEST_F(StaticPodsTest, HiddenAndOtherFilesAreSkipped) {
  Write(".web.yaml.swp", kWeb);
  Write(".hidden.yaml", kWeb);
  Write("README.md", "not a manifest");
  Write("web.yaml~", kWeb);
  Write("web.yaml", kWeb);
  StaticPodScan scan = ReadStaticPods(dir_.path(), "n1");
  EXPECT_TRUE(scan.errors.empty());
  ASSERT_EQ(scan.pods.size(), 1u);
}

TEST_F(StaticPodsTest, SamePodNameTwiceKeepsTheFirst) {
  Write("a.yaml", kWeb);
  Write("b.yaml", std::regex_replace(std::string(kWeb), std::regex("nginx:1.25"), "nginx:2"));
  StaticPodScan scan = ReadStaticPods(dir_.path(), "n1");
  ASSERT_EQ(scan.pods.size(), 1u);
  EXPECT_EQ(scan.pods[0]["spec"]["containers"][0]["image"], "nginx:1.25");
  ASSERT_EQ(scan.errors.size(), 1u);
  EXPECT_THAT(scan.errors[0], HasSubstr("Duplicate value: \"default/web-n1\""));
}

TEST_F(StaticPodsTest, MissingDirectoryIsEmptyAndOversizedFilesAreRefused) {
  StaticPodScan none = ReadStaticPods(dir_.path() / "absent", "n1");
  EXPECT_TRUE(none.pods.empty());
  EXPECT_TRUE(none.errors.empty());
  Write("big.yaml", std::string(kWeb) + std::string(10 * 1024 * 1024, '#'));
  StaticPodScan scan = ReadStaticPods(dir_.path(), "n1");
  EXPECT_TRUE(scan.pods.empty());
  EXPECT_THAT(scan.errors, ElementsAre(StartsWith((dir_.path() / "big.yaml").string() + ": larger than 10 MiB")));
}

TEST_F(StaticPodsTest, AFileAsThePathIsTheOnlyManifest) {
  std::filesystem::path file = Write("pod.yaml", kWeb);
  StaticPodScan scan = ReadStaticPods(file, "n1");
  ASSERT_EQ(scan.pods.size(), 1u);
  EXPECT_EQ(scan.pods[0]["metadata"]["name"], "web-n1");
}

}  // namespace
}  // namespace hostlet::agent
