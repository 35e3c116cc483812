// CNI executables as the manager runs them: the exec protocol's environment and stdin, and
// every way a plugin can fail to answer, each reported as a spec error that says what happened.
#include "tests/network/manager_fixture.h"

#include <chrono>

namespace hostlet::network {
namespace {

using nlohmann::json;
using testing::ErrorOf;
using ::testing::HasSubstr;
using testing::ManagerTest;
using ::testing::Not;
using testing::WriteScript;

// Answers VERSION as a plugin supporting `versions` (a JSON array) would.
std::string VersionAnswer(const std::string& versions = R"(["0.4.0","1.0.0","1.1.0"])") {
  return "if [ \"$CNI_COMMAND\" = VERSION ]; then\n"
         "  echo '{\"cniVersion\":\"1.0.0\",\"supportedVersions\":" +
         versions +
         "}'; exit 0\n"
         "fi\n";
}

constexpr char kResult[] = R"({"cniVersion":"1.0.0","ips":[{"address":"10.199.0.9/24"}]})";

class NetworkExec : public ManagerTest {
 protected:
  void UseChain(std::vector<json> plugins, const std::string& version = "1.0.0") {
    WriteConfig("10-net.conflist",
                {{"cniVersion", version}, {"name", "execnet"}, {"plugins", plugins}});
  }
  json Type(const std::string& type) { return {{"type", type}}; }
};

TEST_F(NetworkExec, GetsTheExecProtocolInACleanEnvironment) {
  WriteScript(bin, "recorder",
              VersionAnswer() + "env > " + (root / "env") + "\ncat > " + (root / "stdin") +
                  "\necho '" + kResult + "'\n");
  WriteConfig("10-net.conflist",
              {{"cniVersion", "1.0.0"},
               {"name", "execnet"},
               {"plugins",
                {{{"type", "recorder"},
                  {"color", "blue"},
                  {"capabilities", {{"portMappings", true}, {"bandwidth", false}}}}}}});
  setenv("HOSTLET_SHOULD_NOT_LEAK", "1", 1);
  Attachment pod = Pod("c1");
  pod.args = {{"IgnoreUnknown", "1"}, {"K8S_POD_NAME", "web"}};
  pod.capability_args = {
      {"portMappings", json::array({{{"hostPort", 8080}, {"containerPort", 80}}})},
      {"bandwidth", {{"ingressRate", 1000}}},
      {"mac", "02:00:00:00:00:01"}};
  json result = Manager()->Add(pod);
  EXPECT_EQ(result["ips"][0]["address"], "10.199.0.9/24");

  std::string env = testing::ReadFile(root / "env");
  EXPECT_THAT(env, HasSubstr("CNI_COMMAND=ADD\n"));
  EXPECT_THAT(env, HasSubstr("CNI_CONTAINERID=c1\n"));
  EXPECT_THAT(env, HasSubstr("CNI_NETNS=/run/netns/hostlet-test-none\n"));
  EXPECT_THAT(env, HasSubstr("CNI_IFNAME=eth0\n"));
  EXPECT_THAT(env, HasSubstr("CNI_ARGS=IgnoreUnknown=1;K8S_POD_NAME=web\n"));
  EXPECT_THAT(env, HasSubstr("CNI_PATH=" + bin.string() + "\n"));
  EXPECT_THAT(env, Not(HasSubstr("HOSTLET_SHOULD_NOT_LEAK")));
  EXPECT_THAT(env, Not(HasSubstr("HOME=")));

  json stdin_config = json::parse(testing::ReadFile(root / "stdin"));
  EXPECT_EQ(stdin_config["name"], "execnet");
  EXPECT_EQ(stdin_config["cniVersion"], "1.0.0");
  EXPECT_EQ(stdin_config["color"], "blue");
  EXPECT_FALSE(stdin_config.contains("prevResult"));  // first in its chain
  // Only the capability it declares (and enables) reaches it.
  EXPECT_EQ(stdin_config["runtimeConfig"],
            json({{"portMappings", pod.capability_args["portMappings"]}}));
}

TEST_F(NetworkExec, PluginErrorKeepsItsCodeMessageAndDetails) {
  WriteScript(
      bin, "busy",
      VersionAnswer() +
          R"(echo '{"cniVersion":"1.0.0","code":11,"msg":"lock held","details":"by pid 7"}')"
          "\nexit 1\n");
  UseChain({Type("busy")});
  Error error = ErrorOf([&] { Manager()->Add(Pod("c1")); });
  EXPECT_EQ(error.code(), kCniTryAgainLater);
  EXPECT_THAT(error.what(),
              HasSubstr("plugin busy (" + (bin / "busy").string() + ") failed (ADD)"));
  EXPECT_THAT(error.what(), HasSubstr("lock held"));
  EXPECT_EQ(error.details(), "by pid 7");
  EXPECT_FALSE(Manager()->cache().Load("execnet", "c1", "eth0"));
}

TEST_F(NetworkExec, GarbageResultIsADecodeError) {
  WriteScript(bin, "garbage", VersionAnswer() + "echo 'hello, this is not JSON'\n");
  UseChain({Type("garbage")});
  Error error = ErrorOf([&] { Manager()->Add(Pod("c1")); });
  EXPECT_EQ(error.code(), kCniDecodeFailure);
  EXPECT_THAT(error.what(), HasSubstr("garbage (" + (bin / "garbage").string() + ")"));
  EXPECT_THAT(error.what(), HasSubstr("not JSON: hello, this is not JSON"));
}

TEST_F(NetworkExec, JsonThatIsNoResultIsADecodeError) {
  WriteScript(bin, "wrong",
              VersionAnswer() + R"(echo '{"cniVersion":"1.0.0","ips":[{"address":"x"}]}')"
                                "\n");
  UseChain({Type("wrong")});
  Error error = ErrorOf([&] { Manager()->Add(Pod("c1")); });
  EXPECT_EQ(error.code(), kCniDecodeFailure);
  EXPECT_THAT(error.what(), HasSubstr("ips[0].address"));
}

TEST_F(NetworkExec, GarbageVersionAnswerIsADecodeError) {
  WriteScript(bin, "mumbler", "echo 'mumble mumble'\n");
  UseChain({Type("mumbler")});
  Error error = ErrorOf([&] { Manager()->Add(Pod("c1")); });
  EXPECT_EQ(error.code(), kCniDecodeFailure);
  EXPECT_THAT(error.what(), HasSubstr("mumbler"));
  EXPECT_THAT(error.what(), HasSubstr("VERSION"));
  EXPECT_THAT(error.what(), HasSubstr("mumble mumble"));
}

TEST_F(NetworkExec, FailureWithoutAnErrorObjectShowsItsOutput) {
  WriteScript(bin, "crasher", VersionAnswer() + "echo 'segfault imminent' >&2\nexit 3\n");
  UseChain({Type("crasher")});
  Error error = ErrorOf([&] { Manager()->Add(Pod("c1")); });
  EXPECT_EQ(error.code(), kCniPluginFailure);
  EXPECT_THAT(error.what(), HasSubstr("exited with status 3"));
  EXPECT_THAT(error.what(), HasSubstr("stderr: segfault imminent"));
}

TEST_F(NetworkExec, HangingPluginIsKilledAtTheTimeout) {
  // It starts a child of its own too, which must go with it.
  // ADD hangs; the DEL that undoes it answers at once.
  WriteScript(bin, "hang",
              VersionAnswer() + "[ \"$CNI_COMMAND\" = ADD ] || exit 0\n" +
                  "sleep 600 &\necho $$ $! > " + (root / "pids") + "\nwait\n");
  UseChain({Type("hang")});
  limits.timeout = std::chrono::milliseconds(500);
  auto manager = Manager();
  auto start = std::chrono::steady_clock::now();
  Error error = ErrorOf([&] { manager->Add(Pod("c1")); });
  auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(error.code(), kCniPluginFailure);
  EXPECT_THAT(error.what(), HasSubstr("did not finish within 500 ms"));
  EXPECT_LT(elapsed, std::chrono::seconds(5));
  int shell = 0, child = 0;
  std::istringstream(testing::ReadFile(root / "pids")) >> shell >> child;
  ASSERT_GT(shell, 0);
  ASSERT_GT(child, 0);
  EXPECT_THAT(error.what(), HasSubstr("killed process " + std::to_string(shell)));
  EXPECT_TRUE(testing::ProcessGone(shell));  // reaped before the error was thrown
  EXPECT_TRUE(
      testing::Eventually([&] { return testing::ProcessGone(child); }, std::chrono::seconds(5)));
}

TEST_F(NetworkExec, OutputBeyondTheLimitIsRefused) {
  WriteScript(bin, "flood", VersionAnswer() + "head -c 300000 /dev/zero | tr '\\0' x\n");
  UseChain({Type("flood")});
  limits.max_stdout = 100000;
  Error error = ErrorOf([&] { Manager()->Add(Pod("c1")); });
  EXPECT_EQ(error.code(), kCniDecodeFailure);
  EXPECT_THAT(error.what(), HasSubstr("printed more than 100000 bytes"));
}

TEST_F(NetworkExec, UnknownTypeIsNotAvailable) {
  UseChain({Type("no-such-plugin")});
  Error error = ErrorOf([&] { Manager()->Add(Pod("c1")); });
  EXPECT_EQ(error.code(), kCniNotAvailable);
  EXPECT_THAT(error.what(), HasSubstr("failed to find plugin \"no-such-plugin\""));
  EXPECT_THAT(error.what(), HasSubstr(bin.string()));
  EXPECT_THAT(error.what(), HasSubstr((config_dir / "10-net.conflist").string()));
}

TEST_F(NetworkExec, NonExecutableFileIsNotAPlugin) {
  testing::WriteFile(bin / "plain", "#!/bin/sh\nexit 0\n", std::filesystem::perms(0644));
  UseChain({Type("plain")});
  EXPECT_EQ(ErrorOf([&] { Manager()->Add(Pod("c1")); }).code(), kCniNotAvailable);
}

TEST_F(NetworkExec, UnsupportedVersionIsRefusedBeforeAnythingRuns) {
  WriteScript(bin, "old",
              VersionAnswer(R"(["0.3.1","0.4.0","1.0.0"])") + "touch " + (root / "ran") +
                  "\necho '" + kResult + "'\n");
  UseChain({Type("old")}, "1.1.0");
  Error error = ErrorOf([&] { Manager()->Add(Pod("c1")); });
  EXPECT_EQ(error.code(), kCniIncompatibleVersion);
  EXPECT_THAT(error.what(), HasSubstr("does not support CNI version 1.1.0"));
  EXPECT_THAT(error.what(), HasSubstr("it supports 0.3.1, 0.4.0, 1.0.0"));
  EXPECT_FALSE(std::filesystem::exists(root / "ran"));
}

TEST_F(NetworkExec, VersionIsAskedOncePerBinary) {
  auto script = [&](const std::string& tag) {
    return "if [ \"$CNI_COMMAND\" = VERSION ]; then echo " + tag + " >> " + (root / "asked") +
           "; fi\n" + VersionAnswer() + "echo '" + kResult + "'\n";
  };
  WriteScript(bin, "counted", script("first"));
  UseChain({Type("counted")});
  auto manager = Manager();
  manager->Add(Pod("c1"));
  manager->Add(Pod("c2"));
  manager->Del(Pod("c1"));
  EXPECT_EQ(testing::ReadFile(root / "asked"), "first\n");
  // A new binary in its place is asked again.
  WriteScript(bin, "counted", script("second"));
  manager->Del(Pod("c2"));
  EXPECT_EQ(testing::ReadFile(root / "asked"), "first\nsecond\n");
}

}  // namespace
}  // namespace hostlet::network
