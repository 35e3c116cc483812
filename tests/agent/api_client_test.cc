// The agent's apiserver client: its kubeconfig loading and its calls and watches against a real
// hostlet-server over HTTPS, and against fake peers that misbehave on purpose.
#include "kubelet/apiclient/api_client.h"
#include "kubelet/apiclient/kubeconfig.h"

#include "controlplane/apiserver/tls_material.h"
#include "tests/support/hostlet_server.h"

#include <boost/asio/read_until.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/write.hpp>

#include <sys/socket.h>

#include <atomic>
#include <condition_variable>
#include <future>
#include <mutex>
#include <thread>

namespace hostlet::apiclient {
namespace {

using hostlet::testing::TempDir;
using ::testing::HasSubstr;
using ::testing::StartsWith;
using json = nlohmann::json;
using Clock = std::chrono::steady_clock;

const std::string kConfigMaps = "/api/v1/namespaces/default/configmaps";

json ConfigMap(const std::string& name, const std::string& value) {
  return {{"apiVersion", "v1"},
          {"kind", "ConfigMap"},
          {"metadata", {{"name", name}}},
          {"data", {{"key", value}}}};
}

// The exception's message, or a failure when `call` throws none.
template <class Call>
std::string ErrorOf(Call call) {
  try {
    call();
  } catch (const std::runtime_error& error) {
    return error.what();
  }
  ADD_FAILURE() << "no exception";
  return "";
}

class ApiClientTest : public hostlet::testing::ServerTest {
 protected:
  void SetUp() override {
    ServerTest::SetUp();
    ASSERT_FALSE(plain_http_) << "the fixture serves HTTPS";
  }

  Kubeconfig Config() { return LoadKubeconfig(kubeconfig_); }
};

TEST_F(ApiClientTest, LoadsTheServersKubeconfigAndCreatesReadsPatchesAndDeletesAConfigMap) {
  Kubeconfig config = Config();
  EXPECT_EQ(config.server, "https://127.0.0.1:" + std::to_string(port_));
  EXPECT_THAT(config.certificate_authority_pem, StartsWith("-----BEGIN CERTIFICATE-----"));
  EXPECT_EQ(config.token, token_);
  EXPECT_FALSE(config.insecure_skip_tls_verify);

  ApiClient client(config);
  EXPECT_EQ(client.server(), config.server);
  Response created = client.Post(kConfigMaps, ConfigMap("settings", "one"));
  ASSERT_EQ(created.status, 201) << created.body;
  EXPECT_EQ(created.Json()["metadata"]["name"], "settings");

  Response got = client.Get(kConfigMaps + "/settings");
  ASSERT_TRUE(got.ok()) << got.body;
  EXPECT_EQ(got.Json()["data"]["key"], "one");

  Response patched = client.Patch(kConfigMaps + "/settings", {{"data", {{"other", "two"}}}});
  ASSERT_EQ(patched.status, 200) << patched.body;
  EXPECT_EQ(patched.Json()["data"], json({{"key", "one"}, {"other", "two"}}));

  json replaced = patched.Json();
  replaced["data"] = {{"key", "three"}};
  Response put = client.Put(kConfigMaps + "/settings", replaced);
  ASSERT_EQ(put.status, 200) << put.body;
  EXPECT_EQ(put.Json()["data"], json({{"key", "three"}}));

  Response deleted =
      client.Delete(kConfigMaps + "/settings",
                    {{"kind", "DeleteOptions"}, {"apiVersion", "v1"}, {"gracePeriodSeconds", 0}});
  EXPECT_TRUE(deleted.ok()) << deleted.body;
  EXPECT_EQ(client.Get(kConfigMaps + "/settings").status, 404);
}

TEST_F(ApiClientTest, NotFoundIsAnAnswerWithTheStatusMessage) {
  ApiClient client(Config());
  Response response = client.Get(kConfigMaps + "/missing");
  EXPECT_EQ(response.status, 404);
  EXPECT_FALSE(response.ok());
  EXPECT_EQ(response.Message(), "configmaps \"missing\" not found");
  EXPECT_EQ(response.Json()["kind"], "Status");
}

// Collects a watch's events for the thread that waits for them.
class EventLog {
 public:
  void Add(const json& event) {
    std::lock_guard lock(mutex_);
    events_.push_back(event);
    changed_.notify_all();
  }
  // Waits for an event of `type` about the object `name`.
  bool WaitFor(const std::string& type, const std::string& name) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, std::chrono::seconds(10), [&] {
      for (const json& event : events_) {
        if (event["type"] == type && event["object"]["metadata"]["name"] == name) return true;
      }
      return false;
    });
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<json> events_;
};

TEST_F(ApiClientTest, AWatchSeesChangesMadeByAnotherThreadAndCancelEndsItAtOnce) {
  ApiClient client(Config());
  Cancellation cancel;
  EventLog log;
  std::atomic<Clock::time_point> returned_at{};
  auto watch = std::async(std::launch::async, [&] {
    Response response = client.Watch(
        kConfigMaps + "?watch=1", [&](const json& event) { log.Add(event); }, cancel);
    returned_at = Clock::now();
    return response;
  });

  // Each step waits for the last one's event, so whether the watch started before the object
  // was created (a live ADDED) or after (ADDED as its initial state), the sequence is the same.
  ASSERT_EQ(client.Post(kConfigMaps, ConfigMap("watched", "one")).status, 201);
  ASSERT_TRUE(log.WaitFor("ADDED", "watched"));
  ASSERT_EQ(client.Patch(kConfigMaps + "/watched", {{"data", {{"key", "two"}}}}).status, 200);
  ASSERT_TRUE(log.WaitFor("MODIFIED", "watched"));
  ASSERT_TRUE(client.Delete(kConfigMaps + "/watched").ok());
  ASSERT_TRUE(log.WaitFor("DELETED", "watched"));

  auto cancelled_at = Clock::now();
  std::thread([&] { cancel.Cancel(); }).join();
  ASSERT_EQ(watch.wait_for(std::chrono::seconds(5)), std::future_status::ready);
  Response response = watch.get();
  EXPECT_EQ(response.status, 0);
  EXPECT_EQ(response.body, "");
  EXPECT_LT(returned_at.load() - cancelled_at, std::chrono::seconds(1));

  // A cancelled Cancellation ends the next watch before it starts.
  EXPECT_EQ(client
                .Watch(
                    kConfigMaps + "?watch=1", [](const json&) {}, cancel)
                .status,
            0);
}

TEST_F(ApiClientTest, AWatchThatIsRefusedReturnsTheAnswer) {
  ApiClient client(Config());
  Cancellation cancel;
  Response response = client.Watch(
      "/api/v1/namespaces/default/nosuchthings?watch=1", [](const json&) {}, cancel);
  EXPECT_EQ(response.status, 404);
  EXPECT_FALSE(response.Message().empty());
}

TEST_F(ApiClientTest, ServerVerifiedAgainstAnotherCaFailsWithAClearError) {
  TempDir elsewhere;
  Kubeconfig config = Config();
  config.certificate_authority_pem =
      apiserver::EnsureServingCertificate(elsewhere / "pki", {"127.0.0.1"}).ca_pem;
  ApiClient client(config);
  std::string error = ErrorOf([&] { client.Get("/api/v1/namespaces"); });
  EXPECT_THAT(error, StartsWith("GET /api/v1/namespaces: TLS handshake: "));
  EXPECT_THAT(error, HasSubstr("certificate verify failed"));
}

TEST_F(ApiClientTest, TheServerIsCheckedByNameToo) {
  // The serving certificate names localhost; SNI goes with the name.
  Kubeconfig config = Config();
  config.server = "https://localhost:" + std::to_string(port_);
  EXPECT_EQ(ApiClient(config).Get("/api/v1/namespaces/default").status, 200);
}

TEST_F(ApiClientTest, InsecureSkipTlsVerifyTrustsAnyServer) {
  Kubeconfig config = Config();
  config.certificate_authority_pem.clear();
  config.insecure_skip_tls_verify = true;
  EXPECT_EQ(ApiClient(config).Get("/api/v1/namespaces/default").status, 200);
}

TEST_F(ApiClientTest, AWrongTokenIsUnauthorized) {
  Kubeconfig config = Config();
  config.token = "not-the-token";
  Response response = ApiClient(config).Get("/api/v1/namespaces");
  EXPECT_EQ(response.status, 401);
  EXPECT_EQ(response.Message(), "Unauthorized");
}

TEST_F(ApiClientTest, SixteenThreadsCallingAtOnceAllSucceed) {
  ApiClient client(Config());
  std::atomic<int> succeeded = 0;
  std::vector<std::string> failures(16);
  std::vector<std::thread> threads;
  for (int t = 0; t < 16; ++t) {
    threads.emplace_back([&, t] {
      try {
        std::string name = "thread-" + std::to_string(t);
        for (int i = 0; i < 5; ++i) {
          Response response = i == 0 ? client.Post(kConfigMaps, ConfigMap(name, "v"))
                                     : client.Get(kConfigMaps + "/" + name);
          if (!response.ok())
            throw std::runtime_error(std::to_string(response.status) + " " + response.body);
        }
        if (!client.Delete(kConfigMaps + "/" + name).ok())
          throw std::runtime_error("delete failed");
        ++succeeded;
      } catch (const std::exception& error) {
        failures[t] = error.what();
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(succeeded.load(), 16) << ::testing::PrintToString(failures);
}

// Kubeconfigs written by hand.
class KubeconfigTest : public ::testing::Test {
 protected:
  std::string Write(const std::string& name, const std::string& text) {
    std::string path = dir_ / name;
    std::ofstream(path) << text;
    return path;
  }
  std::string ErrorLoading(const std::string& text) {
    std::string path = Write("config", text);
    return ErrorOf([&] { LoadKubeconfig(path); });
  }

  TempDir dir_;
  const std::string contexts_ =
      "contexts:\n- name: here\n  context: {cluster: local, user: node}\n";
  const std::string users_ = "users:\n- name: node\n  user: {token: secret}\n";
};

TEST_F(KubeconfigTest, ReadsFilesRelativeToTheKubeconfigsDirectory) {
  Write("ca.pem", "CA PEM");
  Write("token", "from-file\n");
  Write("node.crt", "CERT PEM");
  Write("node.key", "KEY PEM");
  std::string path = Write("config",
                           "clusters:\n- name: local\n  cluster:\n"
                           "    server: https://10.0.0.1:6443\n"
                           "    certificate-authority: ca.pem\n" +
                               contexts_ +
                               "users:\n- name: node\n  user:\n    tokenFile: token\n"
                               "    client-certificate: node.crt\n"
                               "    client-key: " +
                               (dir_.path() / "node.key").string() +
                               "\n"
                               "current-context: here\n");
  Kubeconfig config = LoadKubeconfig(path);
  EXPECT_EQ(config.server, "https://10.0.0.1:6443");
  EXPECT_EQ(config.certificate_authority_pem, "CA PEM");
  EXPECT_EQ(config.token, "from-file");
  EXPECT_EQ(config.client_certificate_pem, "CERT PEM");
  EXPECT_EQ(config.client_key_pem, "KEY PEM");
}

TEST_F(KubeconfigTest, ReadsInlineData) {
  std::string path =
      Write("config",
            "clusters:\n- name: local\n  cluster:\n    server: https://10.0.0.1\n"
            "    certificate-authority-data: Q0EgUEVN\n    insecure-skip-tls-verify: true\n" +
                contexts_ +
                "users:\n- name: node\n  user:\n    client-certificate-data: Q0VSVA==\n"
                "    client-key-data: S0VZ\n"
                "current-context: here\n");
  Kubeconfig config = LoadKubeconfig(path);
  EXPECT_EQ(config.certificate_authority_pem, "CA PEM");
  EXPECT_TRUE(config.insecure_skip_tls_verify);
  EXPECT_EQ(config.client_certificate_pem, "CERT");
  EXPECT_EQ(config.client_key_pem, "KEY");
  EXPECT_EQ(config.token, "");
}

TEST_F(KubeconfigTest, ErrorsNameTheFileAndTheField) {
  const std::string file = dir_ / "config";
  const std::string cluster = "clusters:\n- name: local\n  cluster: {server: https://10.0.0.1}\n";

  EXPECT_EQ(ErrorLoading(cluster + contexts_ + users_), file + ": current-context: not set");
  EXPECT_EQ(ErrorLoading(cluster + contexts_ + users_ + "current-context: there\n"),
            file + ": contexts: no entry named \"there\" (the current-context)");
  EXPECT_EQ(ErrorLoading(contexts_ + users_ + "current-context: here\n"),
            file + ": clusters: no entry named \"local\" (the cluster of context \"here\")");
  EXPECT_EQ(ErrorLoading(cluster + contexts_ + "current-context: here\n"),
            file + ": users: no entry named \"node\" (the user of context \"here\")");
  EXPECT_EQ(ErrorLoading("clusters:\n- name: local\n  cluster:\n    server: https://10.0.0.1\n"
                         "    certificate-authority-data: '%%%'\n" +
                         contexts_ + users_ + "current-context: here\n"),
            file + ": clusters[local].cluster.certificate-authority-data: not valid base64");
  EXPECT_EQ(ErrorLoading("clusters:\n- name: local\n  cluster: {}\n" + contexts_ + users_ +
                         "current-context: here\n"),
            file + ": clusters[local].cluster.server: not set");
  EXPECT_THAT(ErrorLoading(cluster + contexts_ +
                           "users:\n- name: node\n  user: {tokenFile: missing-token}\n"
                           "current-context: here\n"),
              StartsWith(file + ": users[node].user.tokenFile: cannot read " +
                         (dir_.path() / "missing-token").string()));
  EXPECT_THAT(ErrorLoading("clusters: [\n"), StartsWith(file + ": not valid YAML"));
  std::string absent = dir_ / "absent";
  EXPECT_EQ(ErrorOf([&] { LoadKubeconfig(absent); }),
            absent + ": cannot read: No such file or directory");
}

// A peer on a loopback port that answers each connection with `answer` and closes it: for what
// hostlet-server does not do, such as dropping keep-alive connections or streaming garbage.
class FakeServer {
 public:
  explicit FakeServer(std::string answer, boost::asio::ssl::context* tls = nullptr)
      : answer_(std::move(answer)), tls_(tls) {
    acceptor_.open(boost::asio::ip::tcp::v4());
    acceptor_.bind({boost::asio::ip::make_address("127.0.0.1"), 0});
    acceptor_.listen();
    thread_ = std::thread([this] { Serve(); });
  }
  ~FakeServer() {
    // Wakes the blocked accept(), which then fails.
    ::shutdown(acceptor_.native_handle(), SHUT_RDWR);
    thread_.join();
  }
  unsigned short port() const { return acceptor_.local_endpoint().port(); }
  int connections() const { return connections_; }

 private:
  void Serve() {
    while (true) {
      boost::asio::ip::tcp::socket socket(io_);
      boost::system::error_code error;
      acceptor_.accept(socket, error);
      if (error) return;
      ++connections_;
      if (tls_) {
        boost::asio::ssl::stream<boost::asio::ip::tcp::socket&> stream(socket, *tls_);
        stream.handshake(boost::asio::ssl::stream_base::server, error);
        if (!error) Answer(stream);
      } else {
        Answer(socket);
      }
    }
  }
  template <class Stream>
  void Answer(Stream& stream) {
    boost::asio::streambuf request;
    boost::system::error_code error;
    boost::asio::read_until(stream, request, "\r\n\r\n", error);
    if (!error) boost::asio::write(stream, boost::asio::buffer(answer_), error);
  }

  std::string answer_;
  boost::asio::ssl::context* tls_;
  boost::asio::io_context io_;
  boost::asio::ip::tcp::acceptor acceptor_{io_};
  std::atomic<int> connections_ = 0;
  std::thread thread_;
};

// One chunk of a chunked body.
std::string Chunk(const std::string& data) {
  char size[16];
  snprintf(size, sizeof size, "%zx\r\n", data.size());
  return size + data + "\r\n";
}

const std::string kChunkedOk =
    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n";

Kubeconfig PlainHttp(unsigned short port) {
  Kubeconfig config;
  config.server = "http://127.0.0.1:" + std::to_string(port);
  return config;
}

TEST(ApiClientPeers, AKeepAliveConnectionTheServerClosedIsReplacedByAFreshOne) {
  FakeServer server("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
  ApiClient client(PlainHttp(server.port()));
  for (int i = 0; i < 3; ++i) {
    Response response = client.Get("/healthz");
    EXPECT_EQ(response.status, 200);
    EXPECT_EQ(response.body, "ok");
  }
  EXPECT_EQ(server.connections(), 3);
}

TEST(ApiClientPeers, AWatchStreamIsSplitIntoEventsWhereverItsChunksEnd) {
  // Two events, the first cut across chunks, the second in the same chunk as the first's end
  // and without its newline.
  FakeServer server(kChunkedOk + Chunk("{\"type\":") +
                    Chunk("\"ADDED\",\"object\":{}}\n{\"type\":\"X\"}") + Chunk(""));
  ApiClient client(PlainHttp(server.port()));
  Cancellation cancel;
  std::vector<json> events;
  Response response = client.Watch(
      "/api/v1/pods?watch=1", [&](const json& event) { events.push_back(event); }, cancel);
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(events,
            (std::vector<json>{{{"type", "ADDED"}, {"object", json::object()}}, {{"type", "X"}}}));
}

TEST(ApiClientPeers, AWatchLineThatIsNotJsonThrowsNamingThePath) {
  FakeServer server(kChunkedOk + Chunk("not json\n") + Chunk(""));
  ApiClient client(PlainHttp(server.port()));
  Cancellation cancel;
  EXPECT_THAT(ErrorOf([&] {
                client.Watch(
                    "/api/v1/pods?watch=1", [](const json&) {}, cancel);
              }),
              HasSubstr("GET /api/v1/pods?watch=1: watch stream line is not JSON: not json"));
}

TEST(ApiClientPeers, AServerThatNeverAnswersTimesOut) {
  // Listening but never accepting: the kernel completes the handshake, nothing answers.
  boost::asio::io_context io;
  boost::asio::ip::tcp::acceptor silent(io, {boost::asio::ip::make_address("127.0.0.1"), 0});
  ApiClient client(PlainHttp(silent.local_endpoint().port()));
  client.set_timeout(std::chrono::milliseconds(300));
  auto start = Clock::now();
  EXPECT_EQ(ErrorOf([&] { client.Get("/api/v1/nodes"); }),
            "GET /api/v1/nodes: reading the answer: timed out");
  EXPECT_LT(Clock::now() - start, std::chrono::seconds(3));
}

TEST(ApiClientPeers, ARefusedConnectionThrowsNamingTheRequest) {
  unsigned short port;
  {
    boost::asio::io_context io;
    boost::asio::ip::tcp::acceptor closed(io, {boost::asio::ip::make_address("127.0.0.1"), 0});
    port = closed.local_endpoint().port();
  }
  ApiClient client(PlainHttp(port));
  EXPECT_THAT(ErrorOf([&] { client.Post("/api/v1/nodes", json::object()); }),
              StartsWith("POST /api/v1/nodes: connect: Connection refused"));
}

TEST(ApiClientPeers, AServerWhoseCertificateNamesAnotherHostIsRefused) {
  TempDir dir;
  apiserver::ServingCertificate certificate =
      apiserver::EnsureServingCertificate(dir / "pki", {"elsewhere.example"});
  boost::asio::ssl::context tls(boost::asio::ssl::context::tls_server);
  tls.use_certificate_chain(boost::asio::buffer(certificate.cert_pem));
  tls.use_private_key(boost::asio::buffer(certificate.key_pem), boost::asio::ssl::context::pem);
  FakeServer server("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", &tls);

  Kubeconfig config;
  config.server = "https://127.0.0.1:" + std::to_string(server.port());
  config.certificate_authority_pem = certificate.ca_pem;
  EXPECT_THAT(ErrorOf([&] { ApiClient(config).Get("/"); }), HasSubstr("IP address mismatch"));
  config.insecure_skip_tls_verify = true;
  EXPECT_EQ(ApiClient(config).Get("/").status, 200);
}

}  // namespace
}  // namespace hostlet::apiclient
