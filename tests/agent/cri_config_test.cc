// The seccomp profile a pod's containers run under, chosen as the upstream kubelet chooses it.
#include "kubelet/agent/cri_config.h"
#include "kubelet/volumes/pod_config_error.h"

#include <gtest/gtest.h>

namespace hostlet::agent {
namespace {

using nlohmann::json;
namespace cri_api = runtime::v1;

json Pod(json pod_context, json container_context) {
  json container = {{"name", "app"}, {"image", "localhost/busybox:latest"}};
  if (!container_context.is_null()) container["securityContext"] = container_context;
  json pod = {{"metadata", {{"name", "web"}, {"namespace", "default"}, {"uid", "u-1"}}},
              {"spec", {{"containers", {container}}}}};
  if (!pod_context.is_null()) pod["spec"]["securityContext"] = pod_context;
  return pod;
}

cri_api::SecurityProfile ContainerSeccomp(const json& pod, const SandboxSettings& settings = {}) {
  cri_api::ContainerConfig config =
      ContainerConfig(pod, pod["spec"]["containers"][0], 0, false, {}, {}, settings);
  return config.linux().security_context().seccomp();
}

TEST(Seccomp, NoProfileAnywhereIsUnconfinedAsUpstreamWithoutSeccompDefault) {
  json pod = Pod(nullptr, nullptr);
  EXPECT_EQ(ContainerSeccomp(pod).profile_type(), cri_api::SecurityProfile::Unconfined);
  EXPECT_EQ(SandboxConfig(pod, 0, {}).linux().security_context().seccomp().profile_type(),
            cri_api::SecurityProfile::Unconfined);
}

TEST(Seccomp, ThePodsProfileAppliesToContainersAndTheSandbox) {
  json pod = Pod({{"seccompProfile", {{"type", "RuntimeDefault"}}}}, nullptr);
  EXPECT_EQ(ContainerSeccomp(pod).profile_type(), cri_api::SecurityProfile::RuntimeDefault);
  EXPECT_EQ(SandboxConfig(pod, 0, {}).linux().security_context().seccomp().profile_type(),
            cri_api::SecurityProfile::RuntimeDefault);
}

TEST(Seccomp, AContainersProfileOverridesThePods) {
  json pod = Pod({{"seccompProfile", {{"type", "RuntimeDefault"}}}},
                 {{"seccompProfile", {{"type", "Unconfined"}}}});
  EXPECT_EQ(ContainerSeccomp(pod).profile_type(), cri_api::SecurityProfile::Unconfined);
}

TEST(Seccomp, ALocalhostProfileIsFoundUnderTheProfileRoot) {
  SandboxSettings settings;
  settings.seccomp_profile_root = "/var/lib/hostlet/seccomp";
  json pod = Pod(nullptr, {{"seccompProfile",
                            {{"type", "Localhost"}, {"localhostProfile", "profiles/audit.json"}}}});
  cri_api::SecurityProfile profile = ContainerSeccomp(pod, settings);
  EXPECT_EQ(profile.profile_type(), cri_api::SecurityProfile::Localhost);
  EXPECT_EQ(profile.localhost_ref(), "/var/lib/hostlet/seccomp/profiles/audit.json");
}

TEST(Seccomp, ProfilesItCannotExpressAreConfigErrorsNamingTheField) {
  const json bad[] = {
      {{"type", "Localhost"}},
      {{"type", "Localhost"}, {"localhostProfile", "../../etc/shadow"}},
      {{"type", "Localhost"}, {"localhostProfile", "/etc/profile.json"}},
      {{"type", "Permissive"}},
  };
  for (const json& profile : bad) {
    json pod = Pod(nullptr, {{"seccompProfile", profile}});
    try {
      ContainerSeccomp(pod);
      ADD_FAILURE() << "accepted " << profile.dump();
    } catch (const PodConfigError& error) {
      EXPECT_EQ(error.reason, "CreateContainerConfigError");
      EXPECT_NE(std::string(error.what()).find("seccompProfile"), std::string::npos)
          << error.what();
    }
  }
}

}  // namespace
}  // namespace hostlet::agent
