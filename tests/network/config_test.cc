// Network configuration files as libcni-based runtimes read them: which file of the directory
// wins, how a single plugin's file becomes a list, and what a broken file is told.
#include "kubelet/network/config.h"
#include "kubelet/network/config_directory.h"
#include "kubelet/network/error.h"
#include "tests/network/network_fixtures.h"

namespace hostlet::network {
namespace {

using ::testing::HasSubstr;
using testing::TempDir;
using testing::WriteFile;

// The error `action` throws.
template <class Action>
Error ErrorOf(Action action) {
  try {
    action();
  } catch (const Error& error) {
    return error;
  }
  ADD_FAILURE() << "no error thrown";
  return Error(0, "");
}

constexpr char kList[] = R"({"cniVersion":"1.0.0","name":"podnet","plugins":[
  {"type":"bridge","capabilities":{"portMappings":true,"mac":false}},{"type":"tuning"}]})";

TEST(NetworkConfig, ParsesAList) {
  NetworkConfigList list = ParseConfigList(kList, "net.conflist");
  EXPECT_EQ(list.name, "podnet");
  EXPECT_EQ(list.cni_version, "1.0.0");
  EXPECT_FALSE(list.disable_check);
  EXPECT_FALSE(list.disable_gc);
  ASSERT_EQ(list.plugins.size(), 2u);
  EXPECT_EQ(list.plugins[0].type, "bridge");
  EXPECT_EQ(list.plugins[0].capabilities, std::set<std::string>{"portMappings"});
  EXPECT_EQ(list.plugins[1].type, "tuning");
  EXPECT_EQ(list.bytes, kList);  // kept exactly, for the result cache
}

TEST(NetworkConfig, FlagsAcceptBooleansAndTheirStrings) {
  NetworkConfigList list = ParseConfigList(
      R"({"cniVersion":"1.1.0","name":"n","disableCheck":"True","disableGC":true,
          "plugins":[{"type":"bridge"}]})",
      "f");
  EXPECT_TRUE(list.disable_check);
  EXPECT_TRUE(list.disable_gc);
  Error error = ErrorOf([] {
    ParseConfigList(R"({"cniVersion":"1.1.0","name":"n","disableCheck":"maybe",
                        "plugins":[{"type":"bridge"}]})",
                    "/etc/cni/net.d/10-n.conflist");
  });
  EXPECT_EQ(error.code(), kCniInvalidConfig);
  EXPECT_THAT(error.what(), HasSubstr("/etc/cni/net.d/10-n.conflist"));
  EXPECT_THAT(error.what(), HasSubstr("\"disableCheck\""));
}

TEST(NetworkConfig, ErrorsNameTheFileAndTheField) {
  struct Case {
    const char* text;
    const char* field;
  } cases[] = {
      {R"({"cniVersion":"1.0.0","plugins":[{"type":"bridge"}]})", "\"name\""},
      {R"({"cniVersion":"1.0.0","name":"bad name","plugins":[{"type":"bridge"}]})", "\"name\""},
      {R"({"name":"n","plugins":[{"type":"bridge"}]})", "\"cniVersion\""},
      {R"({"cniVersion":"1.0.0","name":"n"})", "\"plugins\""},
      {R"({"cniVersion":"1.0.0","name":"n","plugins":[]})", "\"plugins\""},
      {R"({"cniVersion":"1.0.0","name":"n","plugins":[{"type":"a"},{"ipam":{}}]})",
       "\"plugins[1].type\""},
      {R"({"cniVersion":"1.0.0","name":"n","plugins":[{"type":"../../bin/sh"}]})",
       "\"plugins[0].type\""},
      {R"({"cniVersion":"1.0.0","name":"n","plugins":[{"type":"a","capabilities":{"mac":1}}]})",
       "\"plugins[0].capabilities.mac\""},
  };
  for (const Case& c : cases) {
    Error error = ErrorOf([&] { ParseConfigList(c.text, "/cfg/20-x.conflist"); });
    EXPECT_EQ(error.code(), kCniInvalidConfig) << c.text;
    EXPECT_THAT(error.what(), HasSubstr("/cfg/20-x.conflist: field " + std::string(c.field)))
        << c.text;
  }
  Error not_json = ErrorOf([] { ParseConfigList("{\"name\": ", "/cfg/broken.conflist"); });
  EXPECT_EQ(not_json.code(), kCniInvalidConfig);
  EXPECT_THAT(not_json.what(), HasSubstr("/cfg/broken.conflist: not valid JSON"));
}

TEST(NetworkConfig, UnsupportedVersionIsIncompatible) {
  Error error = ErrorOf([] {
    ParseConfigList(R"({"cniVersion":"0.3.1","name":"n","plugins":[{"type":"bridge"}]})", "f");
  });
  EXPECT_EQ(error.code(), kCniIncompatibleVersion);
  EXPECT_THAT(error.what(), HasSubstr("0.3.1"));
  EXPECT_THAT(error.what(), HasSubstr("0.4.0, 1.0.0, 1.1.0"));
}

TEST(NetworkConfig, CniVersionsChoosesTheHighestSupported) {
  NetworkConfigList list = ParseConfigList(
      R"({"cniVersion":"0.4.0","cniVersions":["1.0.0","1.1.0","2.0.0"],"name":"n",
          "plugins":[{"type":"bridge"}]})",
      "f");
  EXPECT_EQ(list.cni_version, "1.1.0");
}

TEST(NetworkConfig, SinglePluginFileBecomesAListOfOne) {
  NetworkConfigList list = ParseSingleConfig(
      R"({"cniVersion":"0.4.0","name":"single","type":"bridge","bridge":"cni0"})", "10.conf");
  EXPECT_EQ(list.name, "single");
  EXPECT_EQ(list.cni_version, "0.4.0");
  ASSERT_EQ(list.plugins.size(), 1u);
  EXPECT_EQ(list.plugins[0].type, "bridge");
  EXPECT_EQ(list.plugins[0].raw["bridge"], "cni0");
  // The bytes are the wrapped list, which is what reads back from the result cache.
  NetworkConfigList again = ParseConfigList(list.bytes, "cache");
  EXPECT_EQ(again.plugins[0].raw, list.plugins[0].raw);

  Error error =
      ErrorOf([] { ParseSingleConfig(R"({"cniVersion":"1.0.0","name":"n"})", "x.conf"); });
  EXPECT_THAT(error.what(), HasSubstr("x.conf: field \"type\""));
}

class NetworkConfigDir : public ::testing::Test {
 protected:
  TempDir dir;
  ConfigDirectory configs{dir.path()};
};

TEST_F(NetworkConfigDir, LexicallyFirstFileWinsWhateverItsExtension) {
  WriteFile(dir.path() / "20-b.conflist", R"({"cniVersion":"1.0.0","name":"b",
                                             "plugins":[{"type":"bridge"}]})");
  WriteFile(dir.path() / "30-c.conf", R"({"cniVersion":"1.0.0","name":"c","type":"bridge"})");
  WriteFile(dir.path() / "05-ignored.yaml", "not: considered");
  EXPECT_EQ(configs.Current()->name, "b");
  WriteFile(dir.path() / "10-a.json", R"({"cniVersion":"1.0.0","name":"a","type":"ptp"})");
  auto current = configs.Current();
  EXPECT_EQ(current->name, "a");
  EXPECT_EQ(current->plugins[0].type, "ptp");
  EXPECT_EQ(current->source, (dir.path() / "10-a.json").string());
}

TEST_F(NetworkConfigDir, ChangedContentIsReadAgain) {
  WriteFile(dir.path() / "10-n.conflist", R"({"cniVersion":"1.0.0","name":"first",
                                             "plugins":[{"type":"bridge"}]})");
  auto first = configs.Current();
  EXPECT_EQ(configs.Current(), first);  // unchanged: not parsed again
  WriteFile(dir.path() / "10-n.conflist", R"({"cniVersion":"1.0.0","name":"second",
                                             "plugins":[{"type":"bridge"}]})");
  EXPECT_EQ(configs.Current()->name, "second");
}

TEST_F(NetworkConfigDir, MalformedFirstFileIsAnErrorNamingIt) {
  WriteFile(dir.path() / "10-bad.conflist", R"({"cniVersion":"1.0.0","name":"bad","plugins":[)");
  WriteFile(dir.path() / "20-good.conflist", R"({"cniVersion":"1.0.0","name":"good",
                                               "plugins":[{"type":"bridge"}]})");
  Error error = ErrorOf([&] { configs.Current(); });
  EXPECT_EQ(error.code(), kCniInvalidConfig);
  EXPECT_THAT(error.what(), HasSubstr((dir.path() / "10-bad.conflist").string()));
  // Fixing the file is noticed.
  WriteFile(dir.path() / "10-bad.conflist", R"({"cniVersion":"1.0.0","name":"fixed",
                                               "plugins":[{"type":"bridge"}]})");
  EXPECT_EQ(configs.Current()->name, "fixed");
}

TEST_F(NetworkConfigDir, NoConfigurationIsNotAvailable) {
  std::filesystem::create_directory(dir.path() / "sub.conflist");  // a directory is no file
  Error error = ErrorOf([&] { configs.Current(); });
  EXPECT_EQ(error.code(), kCniNotAvailable);
  EXPECT_THAT(error.what(), HasSubstr(dir.path().string()));
  ConfigDirectory missing(dir.path() / "does-not-exist");
  EXPECT_EQ(ErrorOf([&] { missing.Current(); }).code(), kCniNotAvailable);
}

}  // namespace
}  // namespace hostlet::network
