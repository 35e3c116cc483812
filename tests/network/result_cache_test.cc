// Results and their cache: what a plugin's result must be, how it converts between spec
// versions, and the cache file format libcni reads and writes.
#include "kubelet/network/result_cache.h"
#include "kubelet/network/base64.h"
#include "kubelet/network/error.h"
#include "kubelet/network/result.h"
#include "tests/network/network_fixtures.h"

namespace hostlet::network {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;
using testing::TempDir;

TEST(NetworkBase64, RoundTripsAndRejectsMalformedText) {
  for (std::string text : {"", "a", "ab", "abc", "abcd", "{\"name\":\"n\"}\n\xff"}) {
    EXPECT_EQ(Base64Decode(Base64Encode(text)), text);
  }
  EXPECT_EQ(Base64Encode("{\"a\":1}"), "eyJhIjoxfQ==");  // as Go's encoding/json writes []byte
  EXPECT_FALSE(Base64Decode("abc"));
  EXPECT_FALSE(Base64Decode("ab=c"));
  EXPECT_FALSE(Base64Decode("a!cd"));
}

const json kResult = json::parse(R"({"cniVersion":"1.0.0",
  "interfaces":[{"name":"br0","mac":"aa:bb:cc:dd:ee:ff"},{"name":"eth0","sandbox":"/run/netns/x"}],
  "ips":[{"address":"10.199.1.2/24","gateway":"10.199.1.1","interface":1},
         {"address":"fd00::2/64","interface":1}],
  "routes":[{"dst":"0.0.0.0/0"}],"dns":{}})");

TEST(NetworkResult, ConvertsBetweenVersions) {
  json legacy = NormalizeResult(kResult, "0.4.0");
  EXPECT_EQ(legacy["cniVersion"], "0.4.0");
  EXPECT_EQ(legacy["ips"][0]["version"], "4");
  EXPECT_EQ(legacy["ips"][1]["version"], "6");
  json current = NormalizeResult(legacy, "1.1.0");
  EXPECT_EQ(current["cniVersion"], "1.1.0");
  EXPECT_FALSE(current["ips"][0].contains("version"));
  EXPECT_EQ(current["ips"], kResult["ips"]);
}

TEST(NetworkResult, RejectsWhatARuntimeCannotUse) {
  auto problem = [](const json& result) -> std::string {
    try {
      NormalizeResult(result, "1.0.0");
    } catch (const Error& error) {
      EXPECT_EQ(error.code(), kCniDecodeFailure);
      return error.what();
    }
    return "accepted";
  };
  EXPECT_THAT(problem(json::array()), HasSubstr("not a JSON object"));
  EXPECT_THAT(problem({{"ips", json::array()}}), HasSubstr("cniVersion is missing"));
  EXPECT_THAT(problem({{"cniVersion", "0.2.0"}}), HasSubstr("\"0.2.0\""));
  json bad = kResult;
  bad["ips"][0]["address"] = "10.199.1.2";
  EXPECT_THAT(problem(bad), HasSubstr("ips[0].address"));
  bad = kResult;
  bad["ips"][1]["interface"] = 2;
  EXPECT_THAT(problem(bad), HasSubstr("ips[1].interface"));
  bad = kResult;
  bad["interfaces"][0].erase("name");
  EXPECT_THAT(problem(bad), HasSubstr("interfaces[0].name"));
  bad = kResult;
  bad["routes"][0]["dst"] = "default";
  EXPECT_THAT(problem(bad), HasSubstr("routes[0].dst"));
  EXPECT_EQ(problem(kResult), "accepted");
}

class NetworkCache : public ::testing::Test {
 protected:
  CachedAttachment Entry(const std::string& container) {
    CachedAttachment entry;
    entry.network_name = "podnet";
    entry.container_id = container;
    entry.if_name = "eth0";
    entry.netns = "/run/netns/x";
    entry.config = R"({"cniVersion":"1.0.0","name":"podnet","plugins":[{"type":"bridge"}]})";
    entry.cni_args = {{"IgnoreUnknown", "1"}, {"K8S_POD_NAME", "web"}};
    entry.capability_args = {{"portMappings", json::array({{{"hostPort", 8080}}})}};
    entry.result = kResult;
    return entry;
  }
  TempDir dir;
  ResultCache cache{dir.path()};
};

TEST_F(NetworkCache, WritesLibcniFormat) {
  cache.Store(Entry("c1"));
  const auto file = dir.path() / "results" / "podnet-c1-eth0";
  json record = json::parse(testing::ReadFile(file));
  EXPECT_EQ(record["kind"], "cniCacheV1");
  EXPECT_EQ(record["containerId"], "c1");
  EXPECT_EQ(record["ifName"], "eth0");
  EXPECT_EQ(record["networkName"], "podnet");
  EXPECT_EQ(record["netns"], "/run/netns/x");
  EXPECT_EQ(Base64Decode(record["config"].get<std::string>()), Entry("c1").config);
  EXPECT_EQ(record["cniArgs"], json::parse(R"([["IgnoreUnknown","1"],["K8S_POD_NAME","web"]])"));
  EXPECT_EQ(record["capabilityArgs"]["portMappings"][0]["hostPort"], 8080);
  EXPECT_EQ(record["result"], kResult);
  EXPECT_EQ(std::filesystem::status(file).permissions(), std::filesystem::perms(0600));
  // Nothing but the record is left in the directory.
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir.path() / "results"),
                          std::filesystem::directory_iterator()),
            1);
}

TEST_F(NetworkCache, ReadsWhatLibcniWrote) {
  // A record as libcni writes it (Go's field order, config in base64, no netns).
  std::filesystem::create_directories(dir.path() / "results");
  testing::WriteFile(
      dir.path() / "results" / "podnet-abc-eth0",
      R"({"kind":"cniCacheV1","containerId":"abc","config":")" + Base64Encode(Entry("abc").config) +
          R"(","ifName":"eth0","networkName":"podnet","result":)" + kResult.dump() + "}");
  auto entry = cache.Load("podnet", "abc", "eth0");
  ASSERT_TRUE(entry);
  EXPECT_EQ(entry->config, Entry("abc").config);
  EXPECT_EQ(entry->result, kResult);
  EXPECT_TRUE(entry->cni_args.empty());
}

TEST_F(NetworkCache, LoadsFindsListsAndRemoves) {
  EXPECT_FALSE(cache.Load("podnet", "c1", "eth0"));
  cache.Store(Entry("c1"));
  cache.Store(Entry("c2"));
  CachedAttachment other = Entry("c1");
  other.network_name = "othernet";
  cache.Store(other);
  auto loaded = cache.Load("podnet", "c1", "eth0");
  ASSERT_TRUE(loaded);
  EXPECT_EQ(loaded->cni_args, Entry("c1").cni_args);
  EXPECT_EQ(loaded->capability_args, Entry("c1").capability_args);
  EXPECT_EQ(cache.Find("c1", "eth0").size(), 2u);  // whatever the network
  EXPECT_EQ(cache.List("podnet").size(), 2u);
  cache.Remove("podnet", "c1", "eth0");
  cache.Remove("podnet", "c1", "eth0");  // nothing there: no error
  EXPECT_FALSE(cache.Load("podnet", "c1", "eth0"));
  EXPECT_EQ(cache.List("podnet").size(), 1u);
}

TEST_F(NetworkCache, ACorruptRecordIsADecodeError) {
  std::filesystem::create_directories(dir.path() / "results");
  testing::WriteFile(dir.path() / "results" / "podnet-c9-eth0", "{\"kind\":\"other\"}");
  try {
    cache.Load("podnet", "c9", "eth0");
    FAIL() << "loaded a corrupt record";
  } catch (const Error& error) {
    EXPECT_EQ(error.code(), kCniDecodeFailure);
    EXPECT_THAT(error.what(), HasSubstr("podnet-c9-eth0"));
  }
  EXPECT_TRUE(cache.Find("c9", "eth0").empty());  // skipped when listing
}

}  // namespace
}  // namespace hostlet::network
