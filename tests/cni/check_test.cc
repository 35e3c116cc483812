// CHECK compares the attachment with prevResult: it passes on a good attachment and fails with a
// message naming what is missing.
#include "tests/cni/cni_backend.h"
#include "tests/cni/test_netns.h"
#include "tests/cni/test_network.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>

namespace hostlet::cni_test {
namespace {

using ::testing::HasSubstr;

class BridgeCheck : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    IsolateHostNetwork();
    backend_ = MakeBackend(GetParam());
    config_ = network_.Config("1.0.0");
    config_["isDefaultGateway"] = true;
    added_ = backend_->Run({"ADD", "ctr-check", pod_.path()}, config_);
    ASSERT_TRUE(added_.ok) << added_.raw;
    cidr_ = added_.json["ips"][0]["address"];
  }
  void TearDown() override { backend_->Run({"DEL", "ctr-check", pod_.path()}, config_); }

  CniOutcome CheckNow() {
    nlohmann::json config = config_;
    config["prevResult"] = added_.json;
    return backend_->Run({"CHECK", "ctr-check", pod_.path()}, config);
  }

  TestNetwork network_{"check"};
  TestNetns pod_{"check"};
  std::unique_ptr<CniBackend> backend_;
  nlohmann::json config_;
  CniOutcome added_;
  std::string cidr_;
};

TEST_P(BridgeCheck, PassesOnAGoodAttachment) {
  CniOutcome checked = CheckNow();
  EXPECT_TRUE(checked.ok) << checked.raw;
}

TEST_P(BridgeCheck, FailsWhenThePodAddressWasRemoved) {
  ASSERT_EQ(pod_.Exec({"ip", "addr", "del", cidr_, "dev", "eth0"}).exit_code, 0);
  CniOutcome checked = CheckNow();
  EXPECT_FALSE(checked.ok);
  EXPECT_THAT(checked.msg(), HasSubstr(cidr_));
}

TEST_P(BridgeCheck, FailsWhenTheDefaultRouteWasRemoved) {
  ASSERT_EQ(pod_.Exec({"ip", "route", "del", "default"}).exit_code, 0);
  CniOutcome checked = CheckNow();
  EXPECT_FALSE(checked.ok);
  EXPECT_THAT(checked.msg(), HasSubstr(network_.gateway()));
}

TEST_P(BridgeCheck, FailsWhenTheReservationIsGone) {
  std::filesystem::remove(network_.store_dir() + "/" + cidr_.substr(0, cidr_.find('/')));
  CniOutcome checked = CheckNow();
  EXPECT_FALSE(checked.ok);
  EXPECT_THAT(checked.msg(), HasSubstr("ctr-check"));
}

TEST_P(BridgeCheck, RequiresPrevResult) {
  CniOutcome checked = backend_->Run({"CHECK", "ctr-check", pod_.path()}, config_);
  EXPECT_FALSE(checked.ok);
  EXPECT_THAT(checked.msg(), HasSubstr("prevResult"));
}

INSTANTIATE_TEST_SUITE_P(Backends, BridgeCheck,
                         ::testing::Values(Backend::kInProcess, Backend::kHostletCni,
                                           Backend::kReference),
                         [](const auto& info) { return BackendName(info.param); });

}  // namespace
}  // namespace hostlet::cni_test
