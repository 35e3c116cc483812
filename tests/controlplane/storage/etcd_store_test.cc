// What only the etcd backend has: several members, failover, endpoint errors.
#include "controlplane/storage/etcd_store.h"

#include <atomic>
#include <iostream>
#include <mutex>
#include <set>
#include <thread>

#include "controlplane/apiserver/tls_material.h"
#include "tests/controlplane/storage/store_conformance.h"
#include "tests/support/etcd_cluster.h"

namespace hostlet::storage::testing {
namespace {

using ::testing::HasSubstr;
using Clock = std::chrono::steady_clock;

TEST(EtcdStoreEndpoints, MalformedEndpointsAreInvalidArguments) {
  for (const char* url : {"https://", "http://", "127.0.0.1:0", "unix:///x", "", "https://a/b",
                          "https://http://127.0.0.1:2379"}) {
    EtcdOptions options;
    options.endpoints = {url};
    auto result = FailsWith(ErrorCode::kInvalidArgument, [&] { EtcdStore store(options); });
    EXPECT_TRUE(result) << url;
  }
  EXPECT_TRUE(FailsWith(ErrorCode::kInvalidArgument, [] { EtcdStore store(EtcdOptions{}); }));
  EXPECT_EQ(ParseEtcdEndpoint("http://etcd-0.example:2379/").address, "etcd-0.example:2379");
  EXPECT_FALSE(ParseEtcdEndpoint("http://etcd-0.example:2379/").tls);
  EXPECT_EQ(ParseEtcdEndpoint("10.0.0.1").address, "10.0.0.1:2379");
  EXPECT_FALSE(ParseEtcdEndpoint("10.0.0.1").tls);
  EXPECT_EQ(ParseEtcdEndpoint("https://etcd-1.example").address, "etcd-1.example:2379");
  EXPECT_TRUE(ParseEtcdEndpoint("https://etcd-1.example").tls);
  // A client certificate without its key, or the reverse, cannot be used.
  EtcdOptions half;
  half.endpoints = {"https://127.0.0.1:2379"};
  half.tls.cert_pem = "-----BEGIN CERTIFICATE-----";
  EXPECT_TRUE(FailsWith(ErrorCode::kInvalidArgument, [&] { EtcdStore store(half); }));
}

// A cluster that serves clients over TLS and asks for their certificates, as clusters are run
// in production: the store works with the CA and a client certificate, and without the
// certificate, or trusting another CA, it fails with an error naming the member.
class EtcdStoreTls : public ::testing::Test {
 protected:
  void SetUp() override {
    apiserver::EnsureServingCertificate(certs_.path(), {"127.0.0.1"});
    apiserver::EnsureClientCertificate(certs_.path(), "client", "hostlet-server");
    files_ = {certs_ / "apiserver.crt", certs_ / "apiserver.key", certs_ / "ca.crt",
              certs_ / "client.crt", certs_ / "client.key"};
    cluster_ = std::make_unique<hostlet::testing::EtcdCluster>(1, files_);
  }

  EtcdOptions Options() {
    EtcdOptions options;
    options.endpoints = cluster_->ClientUrls();
    options.prefix = "/tls";
    options.retry_for = std::chrono::milliseconds(1500);
    options.tls.ca_pem = hostlet::testing::ReadFile(files_.ca);
    options.tls.cert_pem = hostlet::testing::ReadFile(files_.client_cert);
    options.tls.key_pem = hostlet::testing::ReadFile(files_.client_key);
    return options;
  }

  hostlet::testing::TempDir certs_;
  hostlet::testing::EtcdTlsFiles files_;
  std::unique_ptr<hostlet::testing::EtcdCluster> cluster_;
};

TEST_F(EtcdStoreTls, WorksWithTheClusterCaAndAClientCertificate) {
  ASSERT_TRUE(cluster_->ClientUrl(0).starts_with("https://"));
  EtcdStore store(Options());
  EventLog log;
  auto watch = store.Watch("/", 0, log.Callback());
  Revision created = store.Create("/pods/a", "one");
  EXPECT_EQ(store.Get("/pods/a").value, "one");
  ASSERT_TRUE(log.WaitFor(1));
  EXPECT_EQ(log.events().front().mod_revision, created);
}

TEST_F(EtcdStoreTls, WithoutAClientCertificateTheStoreFailsNamingTheMember) {
  EtcdOptions options = Options();
  options.tls.cert_pem.clear();
  options.tls.key_pem.clear();
  auto result = FailsWith(ErrorCode::kInternal, [&] { EtcdStore store(options); });
  EXPECT_TRUE(result);
  EXPECT_THAT(result.message(), HasSubstr(cluster_->ClientUrl(0).substr(8)));
  EXPECT_THAT(result.message(), HasSubstr("UNAVAILABLE"));
  EXPECT_THAT(result.message(), HasSubstr("a certificate the member refuses"));
}

TEST_F(EtcdStoreTls, AServerCertificateOfAnotherCaIsRefused) {
  hostlet::testing::TempDir other;
  apiserver::EnsureServingCertificate(other.path(), {"127.0.0.1"});
  EtcdOptions options = Options();
  options.tls.ca_pem = hostlet::testing::ReadFile(other / "ca.crt");
  auto result = FailsWith(ErrorCode::kInternal, [&] { EtcdStore store(options); });
  EXPECT_TRUE(result);
  EXPECT_THAT(result.message(), HasSubstr("UNAVAILABLE"));
}

TEST(EtcdStoreEndpoints, UnreachableClusterIsAnErrorNamingTheEndpoint) {
  // A port bound but not listening: connections to it are refused.
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof(address);
  ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)), 0);
  ASSERT_EQ(getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length), 0);
  std::string url = "http://127.0.0.1:" + std::to_string(ntohs(address.sin_port));
  EtcdOptions options;
  options.endpoints = {url};
  options.retry_for = std::chrono::milliseconds(300);
  auto started = Clock::now();
  auto result = FailsWith(ErrorCode::kInternal, [&] { EtcdStore store(options); });
  EXPECT_TRUE(result);
  EXPECT_THAT(result.message(), HasSubstr(url.substr(7)));
  EXPECT_THAT(result.message(), HasSubstr("UNAVAILABLE"));
  EXPECT_LT(Clock::now() - started, std::chrono::seconds(5));
  close(fd);
}

// A writer keeps creating keys while the leader is killed: writes resume within seconds on the
// survivors, every acknowledged write is there afterwards, and the watch saw each of them once.
// The store talks first either to the leader itself (its calls and its watch stream break) or
// to a follower (which loses the leader its writes were forwarded to).
class EtcdStoreFailover : public ::testing::TestWithParam<bool> {};

TEST_P(EtcdStoreFailover, KillingTheLeaderLosesNoAcknowledgedWrite) {
  bool on_leader = GetParam();
  hostlet::testing::EtcdCluster cluster(3);
  int leader = cluster.Leader();
  ASSERT_GE(leader, 0);
  EtcdOptions options;
  int first = on_leader ? leader : (leader + 1) % cluster.size();
  for (int i = 0; i < cluster.size(); ++i) {
    options.endpoints.push_back(cluster.ClientUrl((first + i) % cluster.size()));
  }
  options.prefix = "/failover";
  options.call_timeout = std::chrono::seconds(2);
  EtcdStore store(options);

  EventLog log;
  auto watch = store.Watch("/", 0, log.Callback());

  std::mutex mutex;
  std::vector<std::pair<std::string, Revision>> acknowledged;
  std::vector<Clock::time_point> acknowledged_at;
  std::vector<std::string> failures;
  std::atomic<bool> stop{false};
  std::thread writer([&] {
    for (int i = 0; !stop; ++i) {
      std::string key = "/keys/k" + std::to_string(100000 + i);
      try {
        Revision revision = store.Create(key, std::to_string(i));
        std::lock_guard lock(mutex);
        acknowledged.emplace_back(key, revision);
        acknowledged_at.push_back(Clock::now());
      } catch (const StorageError& error) {
        std::lock_guard lock(mutex);
        failures.push_back(error.what());
      }
    }
  });
  auto count = [&] {
    std::lock_guard lock(mutex);
    return acknowledged.size();
  };
  bool warmed_up = hostlet::testing::Eventually([&] { return count() >= 20; });
  std::size_t before_kill = count();
  auto killed_at = Clock::now();
  cluster.Kill(leader);
  bool resumed = hostlet::testing::Eventually([&] { return count() >= before_kill + 20; },
                                              std::chrono::seconds(20));
  stop = true;
  writer.join();
  ASSERT_TRUE(warmed_up);
  ASSERT_TRUE(resumed) << failures.size()
                       << " failures; first: " << (failures.empty() ? "" : failures.front());

  // The first acknowledgement of a write that started after the kill.
  Clock::time_point first_after = Clock::time_point::max();
  for (std::size_t i = before_kill + 1; i < acknowledged_at.size(); ++i) {
    if (acknowledged_at[i - 1] > killed_at) {
      first_after = acknowledged_at[i];
      break;
    }
  }
  auto outage = std::chrono::duration_cast<std::chrono::milliseconds>(first_after - killed_at);
  EXPECT_LT(outage, std::chrono::seconds(5));
  RecordProperty("outage_ms", static_cast<int>(outage.count()));
  std::cout << "writes resumed " << outage.count() << " ms after the leader was killed; "
            << failures.size() << " ambiguous writes" << std::endl;
  // A write in flight when the leader died may or may not have been applied; the client cannot
  // tell, so a retried create may report AlreadyExists. Nothing else may fail.
  for (const std::string& failure : failures) EXPECT_THAT(failure, HasSubstr("AlreadyExists"));
  EXPECT_LE(failures.size(), 2u);

  std::set<Revision> written;
  for (const auto& [key, revision] : acknowledged) {
    KeyValue got = store.Get(key);
    EXPECT_EQ(got.mod_revision, revision) << key;
    written.insert(revision);
  }
  ASSERT_TRUE(log.WaitFor(acknowledged.size()));
  std::set<Revision> seen;
  for (const Event& event : log.events()) {
    EXPECT_EQ(event.type, EventType::kAdded);
    EXPECT_TRUE(seen.insert(event.mod_revision).second) << "twice: " << event.mod_revision;
  }
  for (Revision revision : written) EXPECT_TRUE(seen.count(revision)) << revision;
}

INSTANTIATE_TEST_SUITE_P(StartingOn, EtcdStoreFailover, ::testing::Values(true, false),
                         [](const ::testing::TestParamInfo<bool>& info) {
                           return std::string(info.param ? "Leader" : "Follower");
                         });

}  // namespace
}  // namespace hostlet::storage::testing
