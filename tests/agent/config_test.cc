// The agent's YAML reading and its config file, as a user writing them sees them.
#include "kubelet/config/agent_config.h"
#include "kubelet/config/yaml_json.h"
#include "tests/support/fixtures.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cctype>
#include <cmath>
#include <fstream>
#include <functional>

namespace hostlet::agent {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::StartsWith;
using nlohmann::json;

std::string ErrorOf(const std::function<void()>& action) {
  try {
    action();
  } catch (const std::runtime_error& error) {
    return error.what();
  }
  return "(no error)";
}

TEST(YamlToJson, PlainScalarsAreTypedQuotedOnesStayStrings) {
  json doc = ParseYamlDocument(
      "quoted: \"true\"\nsingle: '10'\nyes_bool: True\nno: FALSE\nhex: 0x10\noctal: 0o17\n"
      "mode: 0644\nint: -42\nfloat: 1.5\nexp: 1e3\nnull1: null\nnull2: ~\nempty:\nword: hello\n"
      "version: 1.2.3\nlit: |\n  a\n",
      "doc.yaml");
  EXPECT_EQ(doc["quoted"], "true");
  EXPECT_EQ(doc["single"], "10");
  EXPECT_EQ(doc["yes_bool"], true);
  EXPECT_EQ(doc["no"], false);
  EXPECT_EQ(doc["hex"], 16);
  EXPECT_EQ(doc["octal"], 15);
  EXPECT_EQ(doc["mode"], 420) << "a leading 0 is octal, as Kubernetes reads defaultMode: 0644";
  EXPECT_EQ(doc["int"], -42);
  EXPECT_TRUE(doc["float"].is_number_float());
  EXPECT_EQ(doc["float"], 1.5);
  EXPECT_EQ(doc["exp"], 1000.0);
  EXPECT_TRUE(doc["null1"].is_null());
  EXPECT_TRUE(doc["null2"].is_null());
  EXPECT_TRUE(doc["empty"].is_null());
  EXPECT_EQ(doc["word"], "hello");
  EXPECT_EQ(doc["version"], "1.2.3");
  EXPECT_EQ(doc["lit"], "a\n");
}

TEST(YamlToJson, InfinityNanAndExplicitTags) {
  json doc = ParseYamlDocument("a: .inf\nb: -.Inf\nc: .nan\nd: !!str 12\ne: !!float 3\nf: \"null\"\n", "t");
  EXPECT_TRUE(std::isinf(doc["a"].get<double>()));
  EXPECT_LT(doc["b"].get<double>(), 0);
  EXPECT_TRUE(std::isnan(doc["c"].get<double>()));
  EXPECT_EQ(doc["d"], "12");
  EXPECT_EQ(doc["e"], 3.0);
  EXPECT_EQ(doc["f"], "null");
}

TEST(YamlToJson, JsonInputAndNesting) {
  json doc = ParseYamlDocument("{\"a\": [1, \"two\", {\"b\": null}], \"c\": \"\\u00e9\"}", "t.json");
  EXPECT_EQ(doc, json::parse(R"({"a": [1, "two", {"b": null}], "c": "é"})"));
}

TEST(YamlToJson, NumberAndBoolKeysBecomeStrings) {
  json doc = ParseYamlDocument("1: a\ntrue: b\n", "t");
  EXPECT_EQ(doc["1"], "a");
  EXPECT_EQ(doc["true"], "b");
}

TEST(YamlToJson, MergeKeysFillWhatTheMapDoesNotSay) {
  json doc = ParseYamlDocument("base: &b {x: 1, y: 2}\nderived:\n  <<: *b\n  y: 3\n", "t");
  EXPECT_EQ(doc["derived"], json::parse(R"({"x": 1, "y": 3})"));
}

TEST(YamlToJson, SyntaxErrorsCarrySourceLineAndColumn) {
  EXPECT_THAT(ErrorOf([] { ParseYamlDocument("a: 1\nb: [1,\n", "conf.yaml"); }), StartsWith("conf.yaml:3:1: "));
  EXPECT_EQ(ErrorOf([] { ParseYamlDocument("a: 1\nb: c: d\n", "conf.yaml"); }), "conf.yaml:2:5: illegal map value");
}

TEST(YamlToJson, RefusesDocumentCountsOtherThanOne) {
  EXPECT_THAT(ErrorOf([] { ParseYamlDocument("a: 1\n---\nb: 2\n", "two.yaml"); }),
              AllOf(StartsWith("two.yaml:3:1: "), HasSubstr("more than one")));
  EXPECT_THAT(ErrorOf([] { ParseYamlDocument("# only a comment\n", "none.yaml"); }),
              AllOf(StartsWith("none.yaml:1:1: "), HasSubstr("no YAML document")));
}

TEST(YamlToJson, RefusesDuplicateKeysBadKeysAndBadUtf8) {
  EXPECT_EQ(ErrorOf([] { ParseYamlDocument("a: 1\na: 2\n", "d.yaml"); }), "d.yaml:2:1: duplicate key \"a\"");
  EXPECT_THAT(ErrorOf([] { ParseYamlDocument("? [1]\n: 2\n", "k.yaml"); }), HasSubstr("map key must be a string"));
  EXPECT_THAT(ErrorOf([] { ParseYamlDocument("a: \"\xff\"\n", "u.yaml"); }), HasSubstr("invalid UTF-8"));
}

TEST(YamlToJson, SelfReferencingAliasIsAnErrorNotACrash) {
  EXPECT_THAT(ErrorOf([] { ParseYamlDocument("a: &r [*r]\n", "r.yaml"); }), HasSubstr("nesting deeper"));
}

// A config file in a fresh directory.
class AgentConfigTest : public ::testing::Test {
 protected:
  std::filesystem::path Write(const std::string& text, const std::string& name = "agent.yaml") {
    std::filesystem::path file = dir_.path() / name;
    std::ofstream(file) << text;
    return file;
  }
  std::string LoadError(const std::string& text) {
    std::filesystem::path file = Write(text);
    return ErrorOf([&] { LoadAgentConfig(file); });
  }
  static constexpr const char* kHeader = "apiVersion: hostlet.io/v1alpha1\nkind: KubeletConfiguration\n";
  testing::TempDir dir_;
};

TEST_F(AgentConfigTest, DefaultsWhenTheFileSaysNothingElse) {
  AgentConfig config = LoadAgentConfig(Write(kHeader));
  AgentConfig defaults = DefaultAgentConfig();
  EXPECT_FALSE(config.node_name.empty());
  EXPECT_EQ(config.node_name, defaults.node_name);
  for (char c : config.node_name) EXPECT_FALSE(std::isupper(static_cast<unsigned char>(c)));
  EXPECT_TRUE(config.kubeconfig.empty());
  EXPECT_TRUE(config.static_pod_path.empty());
  EXPECT_EQ(config.root_dir, "/var/lib/hostlet");
  EXPECT_EQ(config.pod_logs_dir, "/var/log/pods");
  EXPECT_EQ(config.container_runtime_endpoint, "module:oci");
  EXPECT_TRUE(config.plugin_dirs.empty());
  EXPECT_EQ(config.plugin_socket_dir, "/run/hostlet/plugins");
  EXPECT_EQ(config.cni_conf_dir, "/etc/cni/net.d");
  EXPECT_EQ(config.cni_bin_dirs, (std::vector<std::filesystem::path>{"/opt/cni/bin", "/usr/lib/cni"}));
  EXPECT_EQ(config.cni_cache_dir, "/var/lib/cni");
  EXPECT_EQ(config.images_dir, "/var/lib/hostlet/images");
  EXPECT_EQ(config.cgroup_root, "/");
  EXPECT_EQ(config.max_pods, 110);
  EXPECT_EQ(config.address, "127.0.0.1");
  EXPECT_EQ(config.port, 10250);
  EXPECT_EQ(config.node_status_update_frequency_seconds, 10);
  EXPECT_EQ(config.node_lease_duration_seconds, 40);
  EXPECT_EQ(config.sync_frequency_seconds, 60);
  EXPECT_TRUE(config.node_labels.empty());
  EXPECT_EQ(config.container_log_max_size, "10Mi");
  EXPECT_EQ(ContainerLogMaxBytes(config), 10 * 1024 * 1024);
  EXPECT_EQ(config.container_log_max_files, 5);
  EXPECT_EQ(config.container_log_monitor_interval_seconds, 10);
  EXPECT_EQ(defaults.images_dir, "/var/lib/hostlet/images");
}

TEST_F(AgentConfigTest, ReadsEveryField) {
  AgentConfig config = LoadAgentConfig(Write(
      "apiVersion: kubelet.config.k8s.io/v1beta1\n"
      "kind: KubeletConfiguration\n"
      "nodeName: Worker-1\n"
      "kubeconfig: /etc/hostlet/kubeconfig\n"
      "staticPodPath: /etc/kubernetes/manifests\n"
      "rootDir: /data/hostlet\n"
      "podLogsDir: /data/logs\n"
      "containerRuntimeEndpoint: unix:///run/containerd/containerd.sock\n"
      "pluginDirs: [/usr/lib/hostlet/plugins, /opt/plugins]\n"
      "pluginConfig:\n"
      "  oci: {root: /run/oci, debug: true}\n"
      "  gpu: 4\n"
      "pluginSocketDir: /run/p\n"
      "cniConfDir: /etc/cni/other\n"
      "cniBinDirs: [/cni/bin]\n"
      "cniCacheDir: /cni/cache\n"
      "imagesDir: /images\n"
      "cgroupRoot: /hostlet.slice\n"
      "maxPods: 20\n"
      "address: 0.0.0.0\n"
      "port: 0\n"
      "tlsCertFile: /pki/agent.crt\n"
      "tlsPrivateKeyFile: /pki/agent.key\n"
      "nodeStatusUpdateFrequency: 1m30s\n"
      "nodeLeaseDurationSeconds: 15\n"
      "syncFrequency: 2m\n"
      "nodeLabels:\n"
      "  topology.kubernetes.io/zone: a\n"
      "  gpu: true\n"
      "containerLogMaxSize: 500Ki\n"
      "containerLogMaxFiles: 3\n"
      "containerLogMonitorInterval: 30s\n"));
  EXPECT_EQ(config.node_name, "worker-1");
  EXPECT_EQ(config.kubeconfig, "/etc/hostlet/kubeconfig");
  EXPECT_EQ(config.static_pod_path, "/etc/kubernetes/manifests");
  EXPECT_EQ(config.root_dir, "/data/hostlet");
  EXPECT_EQ(config.pod_logs_dir, "/data/logs");
  EXPECT_EQ(config.container_runtime_endpoint, "unix:///run/containerd/containerd.sock");
  EXPECT_EQ(config.plugin_dirs, (std::vector<std::filesystem::path>{"/usr/lib/hostlet/plugins", "/opt/plugins"}));
  ASSERT_EQ(config.plugin_config.size(), 2u);
  EXPECT_EQ(json::parse(config.plugin_config["oci"]), json::parse(R"({"root": "/run/oci", "debug": true})"));
  EXPECT_EQ(config.plugin_config["gpu"], "4");
  EXPECT_EQ(config.plugin_socket_dir, "/run/p");
  EXPECT_EQ(config.cni_conf_dir, "/etc/cni/other");
  EXPECT_EQ(config.cni_bin_dirs, (std::vector<std::filesystem::path>{"/cni/bin"}));
  EXPECT_EQ(config.cni_cache_dir, "/cni/cache");
  EXPECT_EQ(config.images_dir, "/images");
  EXPECT_EQ(config.cgroup_root, "/hostlet.slice");
  EXPECT_EQ(config.max_pods, 20);
  EXPECT_EQ(config.address, "0.0.0.0");
  EXPECT_EQ(config.port, 0);
  EXPECT_EQ(config.tls_cert_file, "/pki/agent.crt");
  EXPECT_EQ(config.tls_private_key_file, "/pki/agent.key");
  EXPECT_EQ(config.node_status_update_frequency_seconds, 90);
  EXPECT_EQ(config.node_lease_duration_seconds, 15);
  EXPECT_EQ(config.sync_frequency_seconds, 120);
  EXPECT_EQ(config.node_labels, (std::map<std::string, std::string>{{"topology.kubernetes.io/zone", "a"}, {"gpu", "true"}}));
  EXPECT_EQ(ContainerLogMaxBytes(config), 500 * 1024);
  EXPECT_EQ(config.container_log_max_files, 3);
  EXPECT_EQ(config.container_log_monitor_interval_seconds, 30);
}

TEST_F(AgentConfigTest, RelativePathsAreRelativeToTheFile) {
  std::filesystem::create_directories(dir_.path() / "etc");
  AgentConfig config = LoadAgentConfig(Write(std::string(kHeader) +
                                                 "kubeconfig: kubeconfig\n"
                                                 "staticPodPath: ./manifests\n"
                                                 "rootDir: ../state\n"
                                                 "cniBinDirs: [bin, /abs]\n"
                                                 "tlsCertFile: pki/agent.crt\n"
                                                 "tlsPrivateKeyFile: pki/agent.key\n",
                                             "etc/agent.yaml"));
  std::filesystem::path etc = dir_.path() / "etc";
  EXPECT_EQ(config.kubeconfig, etc / "kubeconfig");
  EXPECT_EQ(config.static_pod_path, etc / "manifests");
  EXPECT_EQ(config.root_dir, dir_.path() / "state");
  EXPECT_EQ(config.images_dir, dir_.path() / "state" / "images") << "the default follows rootDir";
  EXPECT_EQ(config.cni_bin_dirs, (std::vector<std::filesystem::path>{etc / "bin", "/abs"}));
  EXPECT_EQ(config.tls_cert_file, (etc / "pki/agent.crt").string());
  EXPECT_EQ(config.tls_private_key_file, (etc / "pki/agent.key").string());
}

TEST_F(AgentConfigTest, ErrorsNameTheFileAndTheField) {
  std::string file = (dir_.path() / "agent.yaml").string();
  std::string header = kHeader;
  EXPECT_EQ(LoadError(header + "maxPod: 3\n"), file + ": unknown field \"maxPod\"");
  EXPECT_EQ(LoadError(header + "maxPods: many\n"), file + ": field \"maxPods\": expected an integer");
  EXPECT_EQ(LoadError(header + "maxPods: \"110\"\n"), file + ": field \"maxPods\": expected an integer");
  EXPECT_EQ(LoadError(header + "maxPods: 1.5\n"), file + ": field \"maxPods\": expected an integer");
  EXPECT_EQ(LoadError(header + "maxPods: 0\n"), file + ": field \"maxPods\": must be greater than 0");
  EXPECT_EQ(LoadError(header + "port: 70000\n"), file + ": field \"port\": must be between 0 and 65535");
  EXPECT_THAT(LoadError(header + "syncFrequency: 10\n"), StartsWith(file + ": field \"syncFrequency\": "));
  EXPECT_THAT(LoadError(header + "syncFrequency: 10 minutes\n"), StartsWith(file + ": field \"syncFrequency\": "));
  EXPECT_THAT(LoadError(header + "nodeStatusUpdateFrequency: 500ms\n"),
              StartsWith(file + ": field \"nodeStatusUpdateFrequency\": "));
  EXPECT_THAT(LoadError(header + "pluginDirs: /one\n"), StartsWith(file + ": field \"pluginDirs\": "));
  EXPECT_THAT(LoadError(header + "nodeLabels: [a]\n"), StartsWith(file + ": field \"nodeLabels\": "));
  EXPECT_THAT(LoadError(header + "nodeLabels: {\"bad key!\": x}\n"), StartsWith(file + ": field \"nodeLabels\": "));
  EXPECT_THAT(LoadError(header + "containerRuntimeEndpoint: /run/crio.sock\n"),
              StartsWith(file + ": field \"containerRuntimeEndpoint\": "));
  EXPECT_THAT(LoadError(header + "address: localhost:1\n"), StartsWith(file + ": field \"address\": "));
  EXPECT_THAT(LoadError(header + "nodeName: bad_name\n"), StartsWith(file + ": field \"nodeName\": "));
  EXPECT_THAT(LoadError(header + "tlsCertFile: /a.crt\n"), StartsWith(file + ": field \"tlsPrivateKeyFile\": "));
  EXPECT_EQ(LoadError(header + "port: 1\nport: 2\n"), file + ": duplicate field \"port\"");
  EXPECT_EQ(LoadError(header + "containerLogMaxSize: big\n"),
            file + ": field \"containerLogMaxSize\": expected a quantity such as 10Mi, got \"big\"");
  EXPECT_EQ(LoadError(header + "containerLogMaxFiles: 1\n"),
            file + ": field \"containerLogMaxFiles\": must be at least 2");
}

TEST_F(AgentConfigTest, KindAndApiVersionAreChecked) {
  std::string file = (dir_.path() / "agent.yaml").string();
  EXPECT_EQ(LoadError("apiVersion: v1\nkind: Pod\nmetadata: {name: x}\n"),
            file + ": field \"apiVersion\": expected hostlet.io/v1alpha1 or kubelet.config.k8s.io/v1beta1, got \"v1\"");
  EXPECT_EQ(LoadError("apiVersion: hostlet.io/v1alpha1\nkind: KubeProxyConfiguration\n"),
            file + ": field \"kind\": expected KubeletConfiguration, got \"KubeProxyConfiguration\"");
  EXPECT_EQ(LoadError("apiVersion: hostlet.io/v1alpha1\n"), file + ": field \"kind\": Required value");
  EXPECT_EQ(LoadError("- a\n"), file + ": expected a KubeletConfiguration object");
}

TEST_F(AgentConfigTest, SyntaxErrorsAndMissingFiles) {
  std::string file = (dir_.path() / "agent.yaml").string();
  EXPECT_THAT(LoadError(std::string(kHeader) + "nodeLabels: {a: b\n"), StartsWith(file + ":4:"));
  EXPECT_THAT(ErrorOf([&] { LoadAgentConfig(dir_.path() / "missing.yaml"); }),
              StartsWith((dir_.path() / "missing.yaml").string() + ": "));
}

TEST_F(AgentConfigTest, DurationsAreGoDurationStrings) {
  auto sync = [&](const std::string& duration) {
    return LoadAgentConfig(Write(std::string(kHeader) + "syncFrequency: " + duration + "\n")).sync_frequency_seconds;
  };
  EXPECT_EQ(sync("90s"), 90);
  EXPECT_EQ(sync("1.5m"), 90);
  EXPECT_EQ(sync("1h0m30s"), 3630);
  EXPECT_THROW(sync("1500ms"), std::runtime_error) << "not a whole number of seconds";
  EXPECT_THROW(sync("-10s"), std::runtime_error);
  EXPECT_THROW(sync("0s"), std::runtime_error);
}

TEST_F(AgentConfigTest, NullAndEmptyKeepDefaultsAnEmptyListIsEmpty) {
  AgentConfig config = LoadAgentConfig(Write(std::string(kHeader) + "rootDir: \"\"\nmaxPods:\ncniBinDirs: []\n"));
  EXPECT_EQ(config.root_dir, "/var/lib/hostlet");
  EXPECT_EQ(config.max_pods, 110);
  EXPECT_TRUE(config.cni_bin_dirs.empty());
}

}  // namespace
}  // namespace hostlet::agent
