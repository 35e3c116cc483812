// hostlet-cni run as a real CNI binary would be: exec'd through a symlink named after the CNI
// type, CNI_* in the environment, configuration on stdin, result or error JSON on stdout.
#include "tests/support/fixtures.h"

#include <nlohmann/json.hpp>

#include <sys/wait.h>
#include <unistd.h>

#include <fstream>

namespace hostlet {
namespace {

using ::testing::HasSubstr;
using testing::TempDir;

struct Exec {
  int exit_code;
  std::string out;
};

// Runs `binary` with exactly `env`, feeding `input` on stdin.
Exec RunBinary(const std::string& binary, const std::vector<std::string>& env, const std::string& input) {
  TempDir io;
  std::ofstream(io / "in") << input;
  pid_t pid = fork();
  if (pid == 0) {
    freopen((io / "in").c_str(), "r", stdin);
    freopen((io / "out").c_str(), "w", stdout);
    std::vector<char*> envp;
    for (const auto& entry : env) envp.push_back(const_cast<char*>(entry.c_str()));
    envp.push_back(nullptr);
    char* argv[] = {const_cast<char*>(binary.c_str()), nullptr};
    execve(binary.c_str(), argv, envp.data());
    _exit(127);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  std::ifstream out(io / "out");
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1,
          std::string(std::istreambuf_iterator<char>(out), {})};
}

class HostletCni : public ::testing::Test {
 protected:
  void SetUp() override {
    // The layout of a CNI bin dir: the type's name links to hostlet-cni, the module beside it.
    std::filesystem::create_symlink(HOSTLET_CNI_BINARY, bin.path() / "static-ip");
    std::filesystem::copy_file(HOSTLET_STATIC_IP, bin.path() / "static-ip.so");
  }
  Exec Cni(const std::string& command, const std::string& config,
           std::vector<std::string> extra = {"CNI_CONTAINERID=c1", "CNI_NETNS=/var/run/netns/p1",
                                             "CNI_IFNAME=eth0"}) {
    extra.push_back("CNI_COMMAND=" + command);
    extra.push_back("CNI_PATH=" + bin.path().string());
    return RunBinary(bin / "static-ip", extra, config);
  }
  TempDir bin;
  const std::string config =
      R"({"cniVersion":"1.1.0","name":"net","type":"static-ip","address":"10.1.2.3/24"})";
};

TEST_F(HostletCni, AddPrintsTheResult) {
  Exec add = Cni("ADD", config);
  ASSERT_EQ(add.exit_code, 0) << add.out;
  auto result = nlohmann::json::parse(add.out);
  EXPECT_EQ(result["cniVersion"], "1.1.0");
  EXPECT_EQ(result["ips"][0]["address"], "10.1.2.3/24");
  EXPECT_EQ(result["interfaces"][0]["name"], "eth0");
  EXPECT_EQ(result["interfaces"][0]["sandbox"], "/var/run/netns/p1");
}

TEST_F(HostletCni, DelCheckAndStatusPrintNothingOnSuccess) {
  for (const char* command : {"DEL", "CHECK", "STATUS"}) {
    Exec run = Cni(command, config);
    EXPECT_EQ(run.exit_code, 0) << command << ": " << run.out;
    EXPECT_EQ(run.out, "") << command;
  }
}

TEST_F(HostletCni, VersionListsSupportedVersions) {
  Exec version = Cni("VERSION", "");
  ASSERT_EQ(version.exit_code, 0) << version.out;
  EXPECT_THAT(version.out, HasSubstr("\"supportedVersions\":[\"0.4.0\",\"1.0.0\",\"1.1.0\"]"));
}

TEST_F(HostletCni, ErrorsAreTheSpecsErrorJson) {
  auto error_of = [](const Exec& run) {
    EXPECT_EQ(run.exit_code, 1) << run.out;
    return nlohmann::json::parse(run.out);
  };
  EXPECT_EQ(error_of(Cni("ADD", "{not json"))["code"], 6);
  EXPECT_EQ(error_of(Cni("FLY", config))["code"], 4);
  auto missing = error_of(Cni("ADD", config, {"CNI_CONTAINERID=c1", "CNI_IFNAME=eth0"}));
  EXPECT_EQ(missing["code"], 4);
  EXPECT_EQ(missing["msg"], "CNI_NETNS is not set");
  // The module's own CniError passes through with its code.
  auto invalid = error_of(Cni("ADD", R"({"cniVersion":"1.0.0","name":"net","type":"static-ip"})"));
  EXPECT_EQ(invalid["code"], 7);
  EXPECT_EQ(invalid["cniVersion"], "1.0.0");
  EXPECT_THAT(invalid["msg"].get<std::string>(), HasSubstr("no \"address\""));
  // GC is not implemented by this module.
  EXPECT_EQ(error_of(Cni("GC", config))["code"], 4);
}

TEST_F(HostletCni, AMissingModuleIsReportedAsPluginNotAvailable) {
  std::filesystem::remove(bin.path() / "static-ip.so");
  Exec run = Cni("ADD", config);
  EXPECT_EQ(run.exit_code, 1);
  auto error = nlohmann::json::parse(run.out);
  EXPECT_EQ(error["code"], 50);
  EXPECT_THAT(error["msg"].get<std::string>(), HasSubstr("static-ip.so"));
}

}  // namespace
}  // namespace hostlet
