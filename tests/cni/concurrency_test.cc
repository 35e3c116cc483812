// Concurrent ADDs on one network get distinct addresses: from threads sharing one in-process
// module instance, from separate processes of the standalone binary, and from our binary and the
// reference plugins at once on the same store (the lock file is what they share).
#include "tests/cni/cni_backend.h"
#include "tests/cni/test_netns.h"
#include "tests/cni/test_network.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <latch>
#include <set>
#include <thread>

namespace hostlet::cni_test {
namespace {

using ::testing::IsEmpty;
using ::testing::SizeIs;

constexpr int kPods = 20;

class BridgeConcurrentAdd : public ::testing::Test {
 protected:
  void SetUp() override { IsolateHostNetwork(); }

  // Runs `command` for pods 0..kPods-1 at once, pod i through backends[i % backends.size()].
  std::vector<CniOutcome> AllAtOnce(const std::string& command,
                                    const std::vector<CniBackend*>& backends,
                                    const nlohmann::json& config) {
    std::vector<CniOutcome> outcomes(kPods);
    std::latch start(kPods);
    std::vector<std::thread> callers;
    for (int i = 0; i < kPods; ++i) {
      callers.emplace_back([&, i] {
        start.arrive_and_wait();
        outcomes[i] = backends[i % backends.size()]->Run(
            {command, "ctr-" + std::to_string(i), pods_[i]->path()}, config);
      });
    }
    for (auto& caller : callers) caller.join();
    return outcomes;
  }

  void CreatePods() {
    for (int i = 0; i < kPods; ++i) pods_.push_back(std::make_unique<TestNetns>("c"));
  }

  void ExpectDistinctAddressesAndCleanDelete(const std::vector<CniBackend*>& backends) {
    TestNetwork network("conc");
    const auto config = network.Config();
    CreatePods();
    std::vector<CniOutcome> added = AllAtOnce("ADD", backends, config);
    std::set<std::string> addresses;
    for (const CniOutcome& outcome : added) {
      ASSERT_TRUE(outcome.ok) << outcome.raw;
      addresses.insert(outcome.json["ips"][0]["address"].get<std::string>());
    }
    EXPECT_THAT(addresses, SizeIs(kPods));
    EXPECT_THAT(network.Reservations(), SizeIs(kPods));
    EXPECT_THAT(network.BridgePorts(), SizeIs(kPods));
    // The addresses handed out are really in place: the first pod reaches the gateway and the
    // last pod.
    std::string last = added.back().json["ips"][0]["address"];
    EXPECT_TRUE(pods_.front()->Ping(network.gateway()));
    EXPECT_TRUE(pods_.front()->Ping(last.substr(0, last.find('/'))));

    for (const CniOutcome& outcome : AllAtOnce("DEL", backends, config)) {
      EXPECT_TRUE(outcome.ok) << outcome.raw;
    }
    EXPECT_THAT(network.Reservations(), IsEmpty());
    EXPECT_THAT(network.BridgePorts(), IsEmpty());
    EXPECT_FALSE(network.StoreLocked());
  }

  std::vector<std::unique_ptr<TestNetns>> pods_;
};

TEST_F(BridgeConcurrentAdd, TwentyThreadsOnOneInProcessModuleGetDistinctAddresses) {
  auto module = MakeBackend(Backend::kInProcess);
  ExpectDistinctAddressesAndCleanDelete({module.get()});
}

TEST_F(BridgeConcurrentAdd, TwentyStandaloneBinaryProcessesGetDistinctAddresses) {
  auto binary = MakeBackend(Backend::kHostletCni);
  ExpectDistinctAddressesAndCleanDelete({binary.get()});
}

TEST_F(BridgeConcurrentAdd, OurModuleAndTheReferencePluginsShareOneStoreSafely) {
  auto module = MakeBackend(Backend::kInProcess);
  auto binary = MakeBackend(Backend::kHostletCni);
  auto reference = MakeBackend(Backend::kReference);
  ExpectDistinctAddressesAndCleanDelete({module.get(), binary.get(), reference.get()});
}

}  // namespace
}  // namespace hostlet::cni_test
