// Container environments, compared with what the kubelet gives the same pod.
#include "kubelet/volumes/container_env.h"
#include "kubelet/volumes/env_expansion.h"
#include "kubelet/volumes/quantity.h"
#include "tests/support/fixtures.h"

#include <map>
#include <tuple>

namespace hostlet::agent {
namespace {

using nlohmann::json;
using Env = std::vector<std::pair<std::string, std::string>>;

class EnvTest : public ::testing::Test {
 protected:
  std::map<std::tuple<std::string, std::string, std::string>, json> objects_;
  ObjectGetter get_ = [this](const std::string& kind, const std::string& ns,
                             const std::string& name) -> std::optional<json> {
    auto it = objects_.find({kind, ns, name});
    if (it == objects_.end()) return std::nullopt;
    return it->second;
  };
  PodRuntimeFacts facts_{"node-1", "10.1.0.7", "192.168.0.10", {"10.1.0.7", "fd00::7"}};
  json allocatable_ = {{"cpu", "4"}, {"memory", "8Gi"}};

  void ConfigMap(const std::string& name, json data, json binary = json::object()) {
    objects_[{"configmaps", "apps", name}] = {{"data", std::move(data)},
                                              {"binaryData", std::move(binary)}};
  }
  void Secret(const std::string& name, json data) {
    objects_[{"secrets", "apps", name}] = {{"data", std::move(data)}};
  }

  json Pod(json container) const {
    return {
        {"metadata",
         {{"name", "web"},
          {"namespace", "apps"},
          {"uid", "0f6c-uid"},
          {"labels", {{"app", "web"}}},
          {"annotations", {{"team", "core"}}}}},
        {"spec",
         {{"nodeName", "node-1"},
          {"serviceAccountName", "builder"},
          {"containers", json::array({container,
                                      {{"name", "sidecar"},
                                       {"resources", {{"limits", {{"memory", "256Mi"}}}}}}})}}}};
  }
  Env EnvOfContainer(const json& container) {
    return ContainerEnv(Pod(container), container, facts_, allocatable_, get_);
  }
  Env EnvOf(json env_list, json env_from = json::array()) {
    return EnvOfContainer(
        json{{"name", "main"}, {"env", std::move(env_list)}, {"envFrom", std::move(env_from)}});
  }

  template <class F>
  PodConfigError ConfigError(F&& f) {
    try {
      f();
    } catch (const PodConfigError& error) {
      EXPECT_EQ(error.reason, "CreateContainerConfigError");
      return error;
    }
    ADD_FAILURE() << "no PodConfigError";
    return PodConfigError("", "");
  }
};

json Var(const std::string& name, const std::string& value) {
  return {{"name", name}, {"value", value}};
}
json From(const std::string& name, json value_from) {
  return {{"name", name}, {"valueFrom", std::move(value_from)}};
}
json Field(const std::string& path) {
  return {{"fieldRef", {{"apiVersion", "v1"}, {"fieldPath", path}}}};
}
json Resource(const std::string& resource, json divisor = nullptr,
              const std::string& container = "") {
  json ref = {{"resource", resource}};
  if (!divisor.is_null()) ref["divisor"] = divisor;
  if (!container.empty()) ref["containerName"] = container;
  return {{"resourceFieldRef", ref}};
}

// --- $(VAR) expansion ---

TEST(EnvExpansion, FollowsKubernetesRules) {
  std::map<std::string, std::string> vars = {{"A", "a"}, {"EMPTY", ""}};
  auto lookup = [&](const std::string& name) -> std::optional<std::string> {
    auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
  auto expand = [&](const std::string& in) { return ExpandEnvReferences(in, lookup); };
  EXPECT_EQ(expand("$(A)"), "a");
  EXPECT_EQ(expand("x-$(A)-$(A)-y"), "x-a-a-y");
  EXPECT_EQ(expand("$(EMPTY)|"), "|");
  EXPECT_EQ(expand("$(UNKNOWN)"), "$(UNKNOWN)");
  EXPECT_EQ(expand("$$(A)"), "$(A)");
  EXPECT_EQ(expand("$$$(A)"), "$a");
  EXPECT_EQ(expand("$$"), "$");
  EXPECT_EQ(expand("$"), "$");
  EXPECT_EQ(expand("a$"), "a$");
  EXPECT_EQ(expand("$A"), "$A");
  EXPECT_EQ(expand("$(A"), "$(A");
  EXPECT_EQ(expand("$()"), "$()");
  EXPECT_EQ(expand("$(A)$(A"), "a$(A");
  EXPECT_EQ(expand("100$"), "100$");
  EXPECT_EQ(expand("no refs"), "no refs");
}

TEST_F(EnvTest, ValuesExpandEarlierVariablesOnly) {
  auto env = EnvOf({Var("HOST", "db"), Var("URL", "http://$(HOST):$(PORT)/"), Var("PORT", "5432"),
                    Var("ESCAPED", "$$(HOST)"), Var("EMPTY", ""), Var("SELF", "$(SELF)x")});
  EXPECT_EQ(env, (Env{{"HOST", "db"},
                      {"URL", "http://db:$(PORT)/"},
                      {"PORT", "5432"},
                      {"ESCAPED", "$(HOST)"},
                      {"EMPTY", ""},
                      {"SELF", "$(SELF)x"}}));
}

// --- envFrom ---

TEST_F(EnvTest, EnvFromComesFirstWithPrefixesAndEnvOverridesInPlace) {
  ConfigMap("settings", {{"MODE", "prod"}, {"LEVEL", "3"}, {"BAD=KEY", "x"}}, {{"BLOB", "AAE="}});
  Secret("db", {{"PASSWORD", "czNjcjN0"}});
  auto env = EnvOf({Var("LEVEL", "9"), Var("DSN", "$(DB_PASSWORD)@$(MODE)")},
                   {{{"configMapRef", {{"name", "settings"}}}},
                    {{"prefix", "DB_"}, {"secretRef", {{"name", "db"}}}},
                    {{"configMapRef", {{"name", "absent"}, {"optional", true}}}},
                    {{"secretRef", {{"name", "absent"}, {"optional", true}}}}});
  // binaryData never reaches the environment; keys that are no variable name are skipped.
  EXPECT_EQ(
      env,
      (Env{{"LEVEL", "9"}, {"MODE", "prod"}, {"DB_PASSWORD", "s3cr3t"}, {"DSN", "s3cr3t@prod"}}));
}

TEST_F(EnvTest, EnvFromOfAMissingObjectFails) {
  auto error = ConfigError([&] {
    EnvOf(json::array(), {{{"configMapRef", {{"name", "app-config"}}}}});
  });
  EXPECT_STREQ(error.what(), "configmap \"app-config\" not found");
  error = ConfigError([&] { EnvOf(json::array(), {{{"secretRef", {{"name", "db"}}}}}); });
  EXPECT_STREQ(error.what(), "secret \"db\" not found");
}

// --- fieldRef ---

TEST_F(EnvTest, FieldRefsReadThePodAndTheRuntimeFacts) {
  auto env =
      EnvOf({From("NAME", Field("metadata.name")), From("NS", Field("metadata.namespace")),
             From("UID", Field("metadata.uid")), From("APP", Field("metadata.labels['app']")),
             From("NOLABEL", Field("metadata.labels['none']")),
             From("TEAM", Field("metadata.annotations['team']")),
             From("NODE", Field("spec.nodeName")), From("SA", Field("spec.serviceAccountName")),
             From("HOST_IP", Field("status.hostIP")), From("POD_IP", Field("status.podIP")),
             From("POD_IPS", Field("status.podIPs")), Var("ADDR", "$(POD_IP):80")});
  EXPECT_EQ(env, (Env{{"NAME", "web"},
                      {"NS", "apps"},
                      {"UID", "0f6c-uid"},
                      {"APP", "web"},
                      {"NOLABEL", ""},
                      {"TEAM", "core"},
                      {"NODE", "node-1"},
                      {"SA", "builder"},
                      {"HOST_IP", "192.168.0.10"},
                      {"POD_IP", "10.1.0.7"},
                      {"POD_IPS", "10.1.0.7,fd00::7"},
                      {"ADDR", "10.1.0.7:80"}}));
}

TEST_F(EnvTest, NodeNameFallsBackToTheFactsAndUnknownFieldsFail) {
  json container = {{"name", "main"}, {"env", {From("NODE", Field("spec.nodeName"))}}};
  json pod = Pod(container);
  pod["spec"].erase("nodeName");
  EXPECT_EQ(ContainerEnv(pod, container, facts_, allocatable_, get_), (Env{{"NODE", "node-1"}}));
  auto error = ConfigError([&] { EnvOf({From("X", Field("spec.hostname"))}); });
  EXPECT_STREQ(error.what(), "unsupported fieldPath: spec.hostname");
}

// --- resourceFieldRef ---

TEST_F(EnvTest, ResourceFieldRefsRoundUpToWholeDivisors) {
  json container = {
      {"name", "main"},
      {"resources",
       {{"limits", {{"cpu", "500m"}, {"memory", "1.5Gi"}}},
        {"requests", {{"cpu", "250m"}, {"memory", "1Gi"}}}}},
      {"env",
       {From("CPU", Resource("limits.cpu")), From("CPU_M", Resource("limits.cpu", "1m")),
        From("REQ_CPU", Resource("requests.cpu", "100m")), From("MEM", Resource("limits.memory")),
        From("REQ_MEM_MI", Resource("requests.memory", "1Mi")),
        From("MEM_G", Resource("limits.memory", "1G")),
        From("SIDECAR_MEM_MI", Resource("limits.memory", "1Mi", "sidecar"))}}};
  EXPECT_EQ(EnvOfContainer(container), (Env{{"CPU", "1"},
                                            {"CPU_M", "500"},
                                            {"REQ_CPU", "3"},
                                            {"MEM", "1610612736"},
                                            {"REQ_MEM_MI", "1024"},
                                            {"MEM_G", "2"},
                                            {"SIDECAR_MEM_MI", "256"}}));
}

TEST_F(EnvTest, ResourceFieldRefsWithoutLimitsUseTheNodeAllocatable) {
  json container = {
      {"name", "main"},
      {"resources", {{"limits", {{"cpu", 2}}}}},  // a bare YAML number
      {"env",
       {From("CPU", Resource("limits.cpu")), From("REQ_CPU", Resource("requests.cpu", "1m")),
        From("MEM_GI", Resource("limits.memory", "1Gi")),
        From("REQ_MEM", Resource("requests.memory"))}}};
  // No memory limit: the node's allocatable; no cpu request: the limit (API defaulting); no
  // memory request or limit: 0.
  EXPECT_EQ(EnvOfContainer(container),
            (Env{{"CPU", "2"}, {"REQ_CPU", "2000"}, {"MEM_GI", "8"}, {"REQ_MEM", "0"}}));

  allocatable_ = json::object();
  ConfigError([&] { EnvOf({From("MEM", Resource("limits.memory"))}); });
  ConfigError([&] { EnvOf({From("X", Resource("limits.gpu"))}); });
  ConfigError([&] { EnvOf({From("X", Resource("limits.cpu", "0"))}); });
  ConfigError([&] { EnvOf({From("X", Resource("limits.cpu", nullptr, "ghost"))}); });
}

TEST(Quantity, IsExact) {
  EXPECT_EQ(MilliValue("0.1"), 100);
  EXPECT_EQ(MilliValue("100m"), 100);
  EXPECT_EQ(MilliValue("1.5"), 1500);
  EXPECT_EQ(MilliValue("0.0001"), 1);  // rounds up, as resource.Quantity does
  EXPECT_EQ(MilliValue("2"), 2000);
  EXPECT_EQ(MilliValue("1e3"), 1000000);
  EXPECT_EQ(MilliValue("500u"), 1);
  EXPECT_EQ(Value("1Gi"), 1073741824);
  EXPECT_EQ(Value("1.5Gi"), 1610612736);
  EXPECT_EQ(Value("1G"), 1000000000);
  EXPECT_EQ(Value("1E"), 1000000000000000000);
  EXPECT_EQ(Value("8Ei"), std::nullopt);  // beyond int64
  EXPECT_EQ(Value("100m"), 1);
  EXPECT_EQ(Value("128974848"), 128974848);
  EXPECT_EQ(Value("129e6"), 129000000);
  EXPECT_EQ(Value("123Mi"), 128974848);
  EXPECT_EQ(Value("5E-1"), 1);
  EXPECT_EQ(Value("+4k"), 4000);
  for (const char* bad : {"", "m", "1.2.3", "-1", "1x", "1Ki2", "1e", "Gi", "1 Gi"}) {
    EXPECT_EQ(Value(bad), std::nullopt) << bad;
  }
  EXPECT_EQ(QuantityText(json(2)), "2");
  EXPECT_EQ(QuantityText(json(0.5)), "0.5");
  EXPECT_EQ(QuantityText(json(nullptr)), std::nullopt);
}

// --- configMapKeyRef and secretKeyRef ---

TEST_F(EnvTest, KeyRefsReadConfigMapsAndSecrets) {
  ConfigMap("settings", {{"mode", "$(NOT_EXPANDED)"}});
  Secret("db", {{"password", "czNjcjN0"}});
  auto env = EnvOf(
      {From("MODE", {{"configMapKeyRef", {{"name", "settings"}, {"key", "mode"}}}}),
       From("PW", {{"secretKeyRef", {{"name", "db"}, {"key", "password"}}}}),
       From("OPT_KEY",
            {{"configMapKeyRef", {{"name", "settings"}, {"key", "nope"}, {"optional", true}}}}),
       From("OPT_OBJ",
            {{"secretKeyRef", {{"name", "absent"}, {"key", "k"}, {"optional", true}}}})});
  // Values from the API are not expanded; optional misses leave the variable out.
  EXPECT_EQ(env, (Env{{"MODE", "$(NOT_EXPANDED)"}, {"PW", "s3cr3t"}}));
}

TEST_F(EnvTest, MissingKeyRefsFailWithTheKubeletsMessages) {
  ConfigMap("settings", {{"mode", "prod"}});
  Secret("db", {{"password", "czNjcjN0"}});
  auto error = ConfigError([&] {
    EnvOf({From("X", {{"configMapKeyRef", {{"name", "app-config"}, {"key", "k"}}}})});
  });
  EXPECT_STREQ(error.what(), "configmap \"app-config\" not found");
  error = ConfigError([&] {
    EnvOf({From("X", {{"configMapKeyRef", {{"name", "settings"}, {"key", "k"}}}})});
  });
  EXPECT_STREQ(error.what(), "couldn't find key k in ConfigMap apps/settings");
  error = ConfigError([&] {
    EnvOf({From("X", {{"secretKeyRef", {{"name", "db"}, {"key", "user"}}}})});
  });
  EXPECT_STREQ(error.what(), "couldn't find key user in Secret apps/db");
  error = ConfigError([&] {
    EnvOf({From("X", {{"secretKeyRef", {{"name", "vault"}, {"key", "k"}}}})});
  });
  EXPECT_STREQ(error.what(), "secret \"vault\" not found");
}

TEST_F(EnvTest, EachObjectIsFetchedOncePerContainer) {
  int calls = 0;
  ObjectGetter counting = [&](const std::string& kind, const std::string& ns,
                              const std::string& name) {
    ++calls;
    return get_(kind, ns, name);
  };
  ConfigMap("settings", {{"a", "1"}, {"b", "2"}});
  json container = {{"name", "main"},
                    {"envFrom", {{{"configMapRef", {{"name", "settings"}}}}}},
                    {"env",
                     {From("A", {{"configMapKeyRef", {{"name", "settings"}, {"key", "a"}}}}),
                      From("B", {{"configMapKeyRef", {{"name", "settings"}, {"key", "b"}}}})}}};
  auto env = ContainerEnv(Pod(container), container, facts_, allocatable_, counting);
  EXPECT_EQ(env, (Env{{"a", "1"}, {"b", "2"}, {"A", "1"}, {"B", "2"}}));
  EXPECT_EQ(calls, 1);
}

}  // namespace
}  // namespace hostlet::agent
