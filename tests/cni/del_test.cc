// DEL is idempotent and completes when the pod's namespace is already gone, as the spec asks; the
// reference plugins run the same bodies, to show the behaviour is theirs too.
#include "tests/cni/cni_backend.h"
#include "tests/cni/test_netns.h"
#include "tests/cni/test_network.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace hostlet::cni_test {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

class BridgeDel : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    IsolateHostNetwork();
    backend_ = MakeBackend(GetParam());
  }
  CniOutcome Delete(const nlohmann::json& config, const std::string& id, const std::string& netns) {
    return backend_->Run({"DEL", id, netns}, config);
  }
  std::unique_ptr<CniBackend> backend_;
};

TEST_P(BridgeDel, SucceedsAfterThePodNamespaceIsGoneAndFreesTheAddress) {
  TestNetwork network("gone");
  TestNetns pod("gone");
  const auto config = network.Config();
  CniOutcome added = backend_->Run({"ADD", "ctr-gone", pod.path()}, config);
  ASSERT_TRUE(added.ok) << added.raw;
  ASSERT_EQ(network.Reservations().size(), 1u);

  pod.Delete();
  CniOutcome deleted = Delete(config, "ctr-gone", pod.path());
  EXPECT_TRUE(deleted.ok) << deleted.raw;
  EXPECT_THAT(network.Reservations(), IsEmpty());
  if (GetParam() != Backend::kReference) {
    // The module removes the host end itself; the reference leaves it to the kernel, which
    // deletes it when it gets round to dismantling the namespace.
    EXPECT_THAT(network.BridgePorts(), IsEmpty());
  }

  CniOutcome again = Delete(config, "ctr-gone", pod.path());
  EXPECT_TRUE(again.ok) << again.raw;
}

TEST_P(BridgeDel, TwiceSucceedsAndTheSecondChangesNothing) {
  TestNetwork network("twice");
  TestNetns pod("twice");
  TestNetns other("other");
  const auto config = network.Config();
  ASSERT_TRUE(backend_->Run({"ADD", "ctr-1", pod.path()}, config).ok);
  CniOutcome kept = backend_->Run({"ADD", "ctr-2", other.path()}, config);
  ASSERT_TRUE(kept.ok) << kept.raw;

  CniOutcome first = Delete(config, "ctr-1", pod.path());
  EXPECT_TRUE(first.ok) << first.raw;
  EXPECT_FALSE(pod.HasInterface("eth0"));
  CniOutcome second = Delete(config, "ctr-1", pod.path());
  EXPECT_TRUE(second.ok) << second.raw;

  // The other pod's attachment is untouched by both.
  std::string kept_cidr = kept.json["ips"][0]["address"];
  EXPECT_THAT(network.Reservations(), ElementsAre(kept_cidr.substr(0, kept_cidr.find('/'))));
  EXPECT_TRUE(other.HasInterface("eth0"));
  EXPECT_TRUE(Delete(config, "ctr-2", other.path()).ok);
}

TEST_P(BridgeDel, WithoutANamespaceStillReleasesTheAddress) {
  TestNetwork network("nonetns");
  TestNetns pod("nonetns");
  const auto config = network.Config();
  ASSERT_TRUE(backend_->Run({"ADD", "ctr-x", pod.path()}, config).ok);
  CniOutcome deleted = Delete(config, "ctr-x", "");
  EXPECT_TRUE(deleted.ok) << deleted.raw;
  EXPECT_THAT(network.Reservations(), IsEmpty());
}

// DEL returns with the pod's interface and the host veth gone, so the same attachment can be
// added again at once, as a runtime retrying a sandbox does.
TEST_P(BridgeDel, LeavesNothingBehindSoTheSameAttachmentCanBeAddedAgainAtOnce) {
  TestNetwork network("again");
  TestNetns pod("again");
  const auto config = network.Config();
  for (int round = 0; round < 5; ++round) {
    CniOutcome added = backend_->Run({"ADD", "ctr-again", pod.path()}, config);
    ASSERT_TRUE(added.ok) << "round " << round << ": " << added.raw;
    CniOutcome deleted = Delete(config, "ctr-again", pod.path());
    ASSERT_TRUE(deleted.ok) << "round " << round << ": " << deleted.raw;
    EXPECT_FALSE(pod.HasInterface("eth0")) << "round " << round;
    EXPECT_THAT(network.BridgePorts(), IsEmpty()) << "round " << round;
    EXPECT_THAT(network.Reservations(), IsEmpty()) << "round " << round;
  }
}

INSTANTIATE_TEST_SUITE_P(Backends, BridgeDel,
                         ::testing::Values(Backend::kInProcess, Backend::kHostletCni,
                                           Backend::kReference),
                         [](const auto& info) { return BackendName(info.param); });

// The module deletes an attachment the reference plugins added: its host veth has a name of the
// reference's choosing, so only the pod's end is found, and deleting it takes the pair.
TEST(BridgeDelAcrossPlugins, TheModuleDeletesWhatTheReferenceAdded) {
  IsolateHostNetwork();
  auto reference = MakeBackend(Backend::kReference);
  auto module = MakeBackend(Backend::kInProcess);
  TestNetwork network("across");
  TestNetns pod("across");
  const auto config = network.Config();
  CniOutcome added = reference->Run({"ADD", "ctr-across", pod.path()}, config);
  ASSERT_TRUE(added.ok) << added.raw;
  ASSERT_EQ(network.BridgePorts().size(), 1u);
  CniOutcome deleted = module->Run({"DEL", "ctr-across", pod.path()}, config);
  EXPECT_TRUE(deleted.ok) << deleted.raw;
  EXPECT_FALSE(pod.HasInterface("eth0"));
  EXPECT_THAT(network.BridgePorts(), IsEmpty());
  EXPECT_THAT(network.Reservations(), IsEmpty());
}

}  // namespace
}  // namespace hostlet::cni_test
