// Chains of in-process network modules and executables: prevResult handed along, capability
// arguments filtered per plugin, the result cache driving DEL and CHECK, STATUS, and GC.
#include "tests/network/manager_fixture.h"

namespace hostlet::network {
namespace {

using nlohmann::json;
using testing::ErrorOf;
using ::testing::HasSubstr;
using testing::ManagerTest;
using testing::NetNs;

class NetworkChain : public ManagerTest {
 protected:
  void SetUp() override {
    ManagerTest::SetUp();
    UseModule("echo-net", HOSTLET_ECHO_NET);
    UseModule("static-ip", HOSTLET_STATIC_IP);
  }
  void UseChain(std::vector<json> plugins, const std::string& version = "1.1.0",
                json extra = json::object()) {
    json config = {{"cniVersion", version}, {"name", "chainnet"}, {"plugins", plugins}};
    config.update(extra);
    WriteConfig("10-chain.conflist", config);
  }
};

TEST_F(NetworkChain, ModuleResultReachesABinaryAsPrevResult) {
  // The reference tuning plugin requires prevResult and prints it back after tuning the
  // namespace, so the final result is the module's, passed through a real binary.
  bin_dirs = {testing::kReferencePlugins};
  NetNs ns;
  UseChain({{{"type", "static-ip"}, {"address", "10.199.250.7/24"}},
            {{"type", "tuning"},
             {"sysctl", {{"net.ipv4.conf.all.log_martians", "1"}}},
             {"dataDir", root / "tuning"}}},
           "1.0.0");
  json result = Manager()->Add(Pod("c1", ns.path()));
  EXPECT_EQ(result["cniVersion"], "1.0.0");
  EXPECT_EQ(result["ips"][0]["address"], "10.199.250.7/24");
  EXPECT_EQ(result["interfaces"][0]["sandbox"], ns.path());
  // tuning really ran in the namespace.
  EXPECT_EQ(ns.Exec("cat /proc/sys/net/ipv4/conf/all/log_martians").output, "1\n");
}

TEST_F(NetworkChain, EachPluginGetsThePreviousResult) {
  UseChain({EchoNet("first"), EchoNet("second"), EchoNet("third")});
  json result = Manager()->Add(Pod("c1"));
  EXPECT_EQ(result["dns"]["search"], json({"first", "second", "third"}));
  auto adds = Records("ADD");
  ASSERT_EQ(adds.size(), 3u);
  EXPECT_FALSE(adds[0]["config"].contains("prevResult"));
  EXPECT_EQ(adds[1]["config"]["prevResult"]["dns"]["search"], json({"first"}));
  EXPECT_EQ(adds[2]["config"]["prevResult"]["dns"]["search"], json({"first", "second"}));
  for (const auto& add : adds) {
    EXPECT_EQ(add["config"]["name"], "chainnet");
    EXPECT_EQ(add["config"]["cniVersion"], "1.1.0");
    EXPECT_EQ(add["containerID"], "c1");
    EXPECT_EQ(add["ifName"], "eth0");
  }
}

TEST_F(NetworkChain, DelRunsInReverseWithTheCachedResult) {
  UseChain({EchoNet("first"), EchoNet("second")});
  auto manager = Manager();
  json result = manager->Add(Pod("c1"));
  ASSERT_TRUE(manager->cache().Load("chainnet", "c1", "eth0"));
  manager->Del(Pod("c1"));
  auto dels = Records("DEL");
  ASSERT_EQ(dels.size(), 2u);
  EXPECT_EQ(dels[0]["config"]["marker"], "second");
  EXPECT_EQ(dels[1]["config"]["marker"], "first");
  for (const auto& del : dels) EXPECT_EQ(del["config"]["prevResult"], result);
  EXPECT_FALSE(manager->cache().Load("chainnet", "c1", "eth0"));
}

TEST_F(NetworkChain, DelWithNothingCachedSucceeds) {
  UseChain({EchoNet("only")});
  Manager()->Del(Pod("never-added"));
  // The plugins were still asked to clean up, without prevResult.
  auto dels = Records("DEL");
  ASSERT_EQ(dels.size(), 1u);
  EXPECT_FALSE(dels[0]["config"].contains("prevResult"));
  // Without any configuration there is nothing to clean up either.
  std::filesystem::remove(config_dir / "10-chain.conflist");
  Manager()->Del(Pod("never-added"));
}

TEST_F(NetworkChain, CheckUsesTheCachedResultAndHonoursDisableCheck) {
  UseChain({EchoNet("one")});
  auto manager = Manager();
  json result = manager->Add(Pod("c1"));
  manager->Check(Pod("c1"));
  auto checks = Records("CHECK");
  ASSERT_EQ(checks.size(), 1u);
  EXPECT_EQ(checks[0]["config"]["prevResult"], result);

  Error unknown = ErrorOf([&] { manager->Check(Pod("c2")); });
  EXPECT_EQ(unknown.code(), kCniUnknownContainer);
  EXPECT_THAT(unknown.what(), HasSubstr("c2"));

  UseChain({EchoNet("one")}, "1.1.0", {{"disableCheck", true}});
  manager->Add(Pod("c3"));
  manager->Check(Pod("c3"));
  EXPECT_EQ(Records("CHECK").size(), 1u);  // c3's configuration says not to
}

TEST_F(NetworkChain, CapabilityArgumentsOnlyReachPluginsDeclaringThem) {
  json ports = {{"portMappings", true}};
  UseChain({{{"type", "echo-net"}, {"record", record.string()}, {"capabilities", ports}},
            {{"type", "echo-net"}, {"record", record.string()}},
            {{"type", "echo-net"},
             {"record", record.string()},
             {"capabilities", {{"ips", true}, {"mac", false}}}}});
  Attachment pod = Pod("c1");
  pod.capability_args = {
      {"portMappings",
       json::array({{{"hostPort", 8080}, {"containerPort", 80}, {"protocol", "tcp"}}})},
      {"ips", json::array({"10.199.250.9/24"})},
      {"mac", "02:00:00:00:00:09"}};
  Manager()->Add(pod);
  auto adds = Records("ADD");
  ASSERT_EQ(adds.size(), 3u);
  EXPECT_EQ(adds[0]["config"]["runtimeConfig"],
            json({{"portMappings", pod.capability_args["portMappings"]}}));
  EXPECT_FALSE(adds[1]["config"].contains("runtimeConfig"));
  EXPECT_EQ(adds[2]["config"]["runtimeConfig"], json({{"ips", pod.capability_args["ips"]}}));
}

TEST_F(NetworkChain, FailedAddUndoesThePluginsThatRan) {
  json failing = EchoNet("broken");
  failing["fail"] = {{"command", "ADD"}, {"code", 11}, {"msg", "not now"}};
  UseChain({EchoNet("good"), failing, EchoNet("never")});
  auto manager = Manager();
  Error error = ErrorOf([&] { manager->Add(Pod("c1")); });
  EXPECT_EQ(error.code(), kCniTryAgainLater);
  EXPECT_THAT(error.what(), HasSubstr("echo-net (in-process module) failed (ADD): not now"));
  auto dels = Records("DEL");
  ASSERT_EQ(dels.size(), 2u);  // the failed one and the one before, in reverse
  EXPECT_EQ(dels[0]["config"]["marker"], "broken");
  EXPECT_EQ(dels[1]["config"]["marker"], "good");
  EXPECT_EQ(dels[1]["config"]["prevResult"]["dns"]["search"], json({"good"}));
  EXPECT_EQ(Records("ADD").size(), 2u);  // "never" never ran
  EXPECT_FALSE(manager->cache().Load("chainnet", "c1", "eth0"));
}

TEST_F(NetworkChain, AttachmentTheCacheCannotRecordIsUndone) {
  UseChain({EchoNet("uncached")});
  testing::WriteFile(cache / "results", "a file where the directory should be");
  Error error = ErrorOf([&] { Manager()->Add(Pod("c1")); });
  EXPECT_EQ(error.code(), kCniIoFailure);
  EXPECT_THAT(error.what(), HasSubstr((cache / "results").string()));
  ASSERT_EQ(Records("DEL").size(), 1u);
  EXPECT_EQ(Records("DEL")[0]["config"]["prevResult"]["dns"]["search"], json({"uncached"}));
}

TEST_F(NetworkChain, ModuleErrorKeepsItsCode) {
  UseChain({{{"type", "static-ip"}}});  // static-ip refuses a configuration without "address"
  Error error = ErrorOf([&] { Manager()->Add(Pod("c1")); });
  EXPECT_EQ(error.code(), kCniInvalidConfig);
  EXPECT_THAT(error.what(), HasSubstr("no \"address\""));
}

TEST_F(NetworkChain, StatusAsksEachPluginOf11Configurations) {
  UseChain({EchoNet("a"), EchoNet("b")});
  auto manager = Manager();
  manager->Status();
  auto statuses = Records("STATUS");
  ASSERT_EQ(statuses.size(), 2u);
  EXPECT_EQ(statuses[0]["config"]["name"], "chainnet");
  EXPECT_EQ(statuses[0]["containerID"], "");

  json unavailable = EchoNet("b");
  unavailable["fail"] = {{"command", "STATUS"}, {"code", 50}, {"msg", "no uplink"}};
  UseChain({EchoNet("a"), unavailable});
  Error error = ErrorOf([&] { manager->Status(); });
  EXPECT_EQ(error.code(), kCniNotAvailable);
  EXPECT_THAT(error.what(), HasSubstr("no uplink"));

  UseChain({EchoNet("a")}, "1.0.0");  // no STATUS before 1.1.0
  manager->Status();
  EXPECT_EQ(Records("STATUS").size(), 4u);
}

TEST_F(NetworkChain, GcDeletesStaleAttachmentsThenTellsPluginsWhatIsValid) {
  UseChain({EchoNet("gc")});
  auto manager = Manager();
  json kept = manager->Add(Pod("keep"));
  json stale = manager->Add(Pod("stale"));
  manager->Gc({{"keep", "eth0"}});

  auto dels = Records("DEL");
  ASSERT_EQ(dels.size(), 1u);
  EXPECT_EQ(dels[0]["containerID"], "stale");
  EXPECT_EQ(dels[0]["config"]["prevResult"], stale);
  auto gcs = Records("GC");
  ASSERT_EQ(gcs.size(), 1u);
  EXPECT_EQ(gcs[0]["config"]["cni.dev/valid-attachments"],
            json::parse(R"([{"containerID":"keep","ifname":"eth0"}])"));
  EXPECT_TRUE(manager->cache().Load("chainnet", "keep", "eth0"));
  EXPECT_FALSE(manager->cache().Load("chainnet", "stale", "eth0"));
}

TEST_F(NetworkChain, DisableGcDoesNothing) {
  UseChain({EchoNet("gc")}, "1.1.0", {{"disableGC", true}});
  auto manager = Manager();
  manager->Add(Pod("stale"));
  manager->Gc({});
  EXPECT_TRUE(Records("DEL").empty());
  EXPECT_TRUE(Records("GC").empty());
  EXPECT_TRUE(manager->cache().Load("chainnet", "stale", "eth0"));
}

TEST_F(NetworkChain, CacheOutlivesTheManager) {
  UseChain({EchoNet("persist")});
  json result = Manager()->Add(Pod("c1"));
  auto restarted = Manager();
  restarted->Check(Pod("c1"));
  restarted->Del(Pod("c1"));
  auto dels = Records("DEL");
  ASSERT_EQ(dels.size(), 1u);
  EXPECT_EQ(dels[0]["config"]["prevResult"], result);
}

TEST_F(NetworkChain, ExistingAttachmentIsDeletedWithItsOriginalConfiguration) {
  UseChain({EchoNet("before")});
  auto manager = Manager();
  manager->Add(Pod("old"));
  // The network is replaced, name and plugins: new ADDs get the new one...
  WriteConfig("10-chain.conflist",
              {{"cniVersion", "1.0.0"},
               {"name", "othernet"},
               {"plugins", {{{"type", "static-ip"}, {"address", "10.199.251.3/24"}}}}});
  json fresh = manager->Add(Pod("new"));
  EXPECT_EQ(fresh["ips"][0]["address"], "10.199.251.3/24");
  // ...and the old attachment is torn down with what it was made with.
  manager->Del(Pod("old"));
  auto dels = Records("DEL");
  ASSERT_EQ(dels.size(), 1u);
  EXPECT_EQ(dels[0]["config"]["marker"], "before");
  EXPECT_EQ(dels[0]["config"]["name"], "chainnet");
  EXPECT_THAT(manager->cache().Find("old", "eth0"), ::testing::IsEmpty());
}

TEST_F(NetworkChain, BrokenConfigurationStopsAddsButNotTeardown) {
  UseChain({EchoNet("working")});
  auto manager = Manager();
  manager->Add(Pod("c1"));
  testing::WriteFile(config_dir / "10-chain.conflist",
                     R"({"cniVersion":"1.0.0","name":"chainnet",)");
  Error error = ErrorOf([&] { manager->Add(Pod("c2")); });
  EXPECT_EQ(error.code(), kCniInvalidConfig);
  EXPECT_THAT(error.what(), HasSubstr((config_dir / "10-chain.conflist").string()));
  EXPECT_EQ(ErrorOf([&] { manager->Status(); }).code(), kCniInvalidConfig);
  // What was attached is still checked and torn down, with the configuration it was made with.
  manager->Check(Pod("c1"));
  manager->Del(Pod("c1"));
  EXPECT_EQ(Records("DEL").size(), 1u);
}

TEST_F(NetworkChain, SinglePluginFileIsAChainOfOne) {
  WriteConfig("10-single.conf", {{"cniVersion", "1.0.0"},
                                 {"name", "single"},
                                 {"type", "echo-net"},
                                 {"marker", "alone"},
                                 {"record", record.string()}});
  auto manager = Manager();
  json result = manager->Add(Pod("c1"));
  EXPECT_EQ(result["dns"]["search"], json({"alone"}));
  std::filesystem::remove(config_dir / "10-single.conf");
  Manager()->Del(Pod("c1"));  // from the cache alone, after a restart
  auto dels = Records("DEL");
  ASSERT_EQ(dels.size(), 1u);
  EXPECT_EQ(dels[0]["config"]["name"], "single");
  EXPECT_EQ(dels[0]["config"]["prevResult"], result);
}

TEST_F(NetworkChain, InvalidAttachmentIsRefused) {
  UseChain({EchoNet("x")});
  Attachment bad = Pod("../../etc");
  EXPECT_EQ(ErrorOf([&] { Manager()->Add(bad); }).code(), kCniInvalidEnvironment);
  bad = Pod("c1");
  bad.if_name = "this-name-is-too-long";
  EXPECT_EQ(ErrorOf([&] { Manager()->Add(bad); }).code(), kCniInvalidEnvironment);
  EXPECT_TRUE(Records().empty());
}

}  // namespace
}  // namespace hostlet::network
