// Resource-fit admission as the kubelet does it: pods are admitted while their requests fit the
// node's allocatable beside the pods admitted before; a rejection names the resource and the
// amounts; finished pods give their share back.
#include "kubelet/agent/admission.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace hostlet::agent {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;

json Pod(const std::string& uid, json requests, json limits = json::object()) {
  return {{"metadata", {{"uid", uid}, {"name", uid}}},
          {"spec",
           {{"containers",
             {{{"name", "app"}, {"resources", {{"requests", requests}, {"limits", limits}}}}}}}}};
}

const json kNode = {{"cpu", "2"}, {"memory", "4Gi"}, {"pods", "3"}, {"ephemeral-storage", "10Gi"}};

TEST(PodRequests, InitContainersCountByTheirLargestAndOverheadAdds) {
  json pod = Pod("a", {{"cpu", "250m"}, {"memory", "64Mi"}});
  pod["spec"]["containers"].push_back(
      {{"name", "b"}, {"resources", {{"requests", {{"cpu", "0.25"}}}}}});
  pod["spec"]["initContainers"] = {{{"name", "i"}, {"resources", {{"requests", {{"cpu", 1}}}}}}};
  pod["spec"]["overhead"] = {{"memory", "1Mi"}};
  auto requests = PodRequests(pod);
  EXPECT_EQ(requests["cpu"], 1000);  // the init container's 1 beats the containers' 500m
  EXPECT_EQ(requests["memory"], 65 * 1024 * 1024);
  EXPECT_EQ(requests["pods"], 1);
}

TEST(PodRequests, LimitsStandInForMissingRequests) {
  auto requests = PodRequests(Pod("a", json::object(), {{"memory", "1Gi"}, {"cpu", "100m"}}));
  EXPECT_EQ(requests["memory"], 1024 * 1024 * 1024);
  EXPECT_EQ(requests["cpu"], 100);
}

TEST(PodAdmitter, AdmitsWhatFitsAndRejectsWhatDoesNotNamingTheResource) {
  PodAdmitter admitter;
  EXPECT_TRUE(admitter.Admit(Pod("a", {{"cpu", "1500m"}}), kNode).admitted);
  Admission second = admitter.Admit(Pod("b", {{"cpu", "600m"}}), kNode);
  EXPECT_FALSE(second.admitted);
  EXPECT_EQ(second.reason, "OutOfcpu");
  EXPECT_EQ(second.message,
            "Node didn't have enough resource: cpu, requested: 600m, used: 1500m, capacity: 2000m");
  EXPECT_TRUE(admitter.Admit(Pod("c", {{"cpu", "500m"}}), kNode).admitted);
  // Once a pod is gone its share is free again.
  admitter.Release("a");
  EXPECT_TRUE(admitter.Admit(Pod("b", {{"cpu", "600m"}}), kNode).admitted);
}

TEST(PodAdmitter, CountsPodsAgainstMaxPods) {
  PodAdmitter admitter;
  for (const char* uid : {"a", "b", "c"}) EXPECT_TRUE(admitter.Admit(Pod(uid, {}), kNode).admitted);
  Admission fourth = admitter.Admit(Pod("d", {}), kNode);
  EXPECT_EQ(fourth.reason, "OutOfpods");
  // Admitting the same pod again does not count it twice.
  EXPECT_TRUE(admitter.Admit(Pod("c", {}), kNode).admitted);
}

TEST(PodAdmitter, ExtendedResourcesTheNodeLacksAreRefused) {
  PodAdmitter admitter;
  Admission gpu = admitter.Admit(Pod("a", {{"nvidia.com/gpu", 1}}), kNode);
  EXPECT_EQ(gpu.reason, "OutOfnvidia.com/gpu");
  EXPECT_THAT(gpu.message, HasSubstr("capacity: 0"));
  json with_gpu = kNode;
  with_gpu["nvidia.com/gpu"] = "1";
  EXPECT_TRUE(admitter.Admit(Pod("a", {{"nvidia.com/gpu", 1}}), with_gpu).admitted);
}

TEST(PodAdmitter, AdoptedPodsTakeTheirShareWithoutACheck) {
  PodAdmitter admitter;
  admitter.Adopt(Pod("running", {{"memory", "4Gi"}}));
  EXPECT_EQ(admitter.Admit(Pod("new", {{"memory", "1"}}), kNode).reason, "OutOfmemory");
}

TEST(PodAdmitter, UnreadableQuantitiesAreAnAdmissionErrorNotACrash) {
  PodAdmitter admitter;
  Admission bad = admitter.Admit(Pod("a", {{"cpu", "lots"}}), kNode);
  EXPECT_FALSE(bad.admitted);
  EXPECT_EQ(bad.reason, "UnexpectedAdmissionError");
  EXPECT_THAT(bad.message, HasSubstr("container app resources.requests.cpu"));
}

}  // namespace
}  // namespace hostlet::agent
