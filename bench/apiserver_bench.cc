// hostlet-server under load, seen as clients see it: HTTPS with the admin token, one keep-alive
// connection per client, the server started by this program on SQLite and on a one-member etcd
// (Debian's etcd-server, data on the same filesystem as the SQLite file) in the same run.
//
//   (a) create+get of pods with 1, 8 and 64 concurrent clients: throughput, p50/p99 latency;
//       then writes paced at 1,000/s for 5 s (latency counted from each write's scheduled time,
//       so a stall is not hidden by the clients waiting it out).
//   (b) one write observed by 100 watchers: delivery latency from the write's start to each
//       watcher reading the event.
//   (d) hostlet-server's RSS idle, with 1,000 pods, with 10,000 pods, and after listing them.
//
// Usage: apiserver_bench [--no-etcd] [--pods N] (N for (d), default 10000).
#include "bench/support/apiserver_client.h"
#include "tests/support/child_process.h"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace {

namespace beast = boost::beast;
namespace http = beast::http;
using Clock = std::chrono::steady_clock;
using hostlet::bench::Client;
using hostlet::bench::Endpoint;
using hostlet::bench::ReadAll;
using hostlet::bench::Rss;
using hostlet::testing::ChildProcess;
using nlohmann::json;

int FreePort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  if (bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    throw std::runtime_error("no free loopback port");
  }
  close(fd);
  return ntohs(address.sin_port);
}

// hostlet-server (and its etcd) for one backend, stopped by PID when destroyed.
class Cluster {
 public:
  Cluster(const std::filesystem::path& dir, bool etcd) : dir_(dir) {
    std::filesystem::create_directories(dir);
    std::vector<std::string> argv{HOSTLET_SERVER_BINARY,
                                  "--listen",
                                  "127.0.0.1:0",
                                  "--data-dir",
                                  (dir / "server").string(),
                                  "--disable-scheduler",
                                  "--threads",
                                  "2"};
    if (etcd) {
      int client = FreePort(), peer = FreePort();
      std::string client_url = "http://127.0.0.1:" + std::to_string(client);
      std::string peer_url = "http://127.0.0.1:" + std::to_string(peer);
      etcd_.emplace(
          std::vector<std::string>{"/usr/bin/etcd", "--name", "bench", "--data-dir",
                                   (dir / "etcd").string(), "--listen-client-urls", client_url,
                                   "--advertise-client-urls", client_url, "--listen-peer-urls",
                                   peer_url, "--initial-advertise-peer-urls", peer_url,
                                   "--initial-cluster", "bench=" + peer_url},
          (dir / "etcd.log").string());
      argv.insert(argv.end(), {"--storage", "etcd", "--etcd-servers", client_url});
    }
    server_.emplace(argv, (dir / "server.log").string());
    auto kubeconfig = dir / "server" / "admin.kubeconfig";
    auto deadline = Clock::now() + std::chrono::seconds(60);
    while (!std::filesystem::exists(kubeconfig)) {
      if (Clock::now() > deadline) {
        throw std::runtime_error("hostlet-server did not start:\n" + ReadAll(dir / "server.log"));
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    endpoint_ = hostlet::bench::EndpointOf(dir / "server");
    // Ready means the storage answers too (an etcd member may still be electing itself).
    Client client(endpoint_);
    while (client.Call(http::verb::get, "/api/v1/namespaces/default") != 200) {
      if (Clock::now() > deadline) throw std::runtime_error("hostlet-server never became ready");
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }

  const Endpoint& endpoint() const { return endpoint_; }
  pid_t server_pid() const { return server_->pid(); }

 private:
  std::filesystem::path dir_;
  std::optional<ChildProcess> etcd_;
  std::optional<ChildProcess> server_;
  Endpoint endpoint_;
};

struct Summary {
  double p50_ms = 0, p99_ms = 0;
};

Summary Summarize(std::vector<double> ms) {
  if (ms.empty()) return {};
  std::sort(ms.begin(), ms.end());
  auto at = [&](double q) { return ms[std::min(ms.size() - 1, size_t(q * ms.size()))]; };
  return {at(0.50), at(0.99)};
}

double Ms(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

std::string PodJson(const std::string& name) {
  return json{{"apiVersion", "v1"},
              {"kind", "Pod"},
              {"metadata", {{"name", name}, {"labels", {{"app", "bench"}}}}},
              {"spec",
               {{"containers",
                 {{{"name", "main"},
                   {"image", "localhost/busybox:latest"},
                   {"resources", {{"requests", {{"cpu", "10m"}, {"memory", "16Mi"}}}}}}}}}}}
      .dump();
}

void CreateNamespace(Client& client, const std::string& name) {
  int status = client.Call(http::verb::post, "/api/v1/namespaces",
                           json{{"metadata", {{"name", name}}}}.dump());
  if (status != 201 && status != 409) {
    throw std::runtime_error("cannot create namespace " + name + ": " + std::to_string(status));
  }
}

struct Throughput {
  double ops_per_s = 0;
  Summary create, get;
  int errors = 0;
};

// (a): each client creates a pod and reads it back, `per_client` times.
Throughput CreateGet(const Endpoint& endpoint, const std::string& ns, int clients, int per_client) {
  std::vector<std::vector<double>> creates(clients), gets(clients);
  std::atomic<int> errors{0};
  std::vector<std::thread> threads;
  auto start = Clock::now();
  for (int c = 0; c < clients; ++c) {
    threads.emplace_back([&, c] {
      Client client(endpoint);
      for (int i = 0; i < per_client; ++i) {
        std::string name = "p-" + std::to_string(c) + "-" + std::to_string(i);
        auto t0 = Clock::now();
        if (client.Call(http::verb::post, "/api/v1/namespaces/" + ns + "/pods", PodJson(name)) !=
            201) {
          ++errors;
        }
        auto t1 = Clock::now();
        if (client.Call(http::verb::get, "/api/v1/namespaces/" + ns + "/pods/" + name) != 200) {
          ++errors;
        }
        auto t2 = Clock::now();
        creates[c].push_back(Ms(t1 - t0));
        gets[c].push_back(Ms(t2 - t1));
      }
    });
  }
  for (auto& thread : threads) thread.join();
  double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  std::vector<double> all_creates, all_gets;
  for (int c = 0; c < clients; ++c) {
    all_creates.insert(all_creates.end(), creates[c].begin(), creates[c].end());
    all_gets.insert(all_gets.end(), gets[c].begin(), gets[c].end());
  }
  return {2.0 * clients * per_client / seconds, Summarize(all_creates), Summarize(all_gets),
          errors.load()};
}

struct Paced {
  double achieved_per_s = 0;
  Summary latency;
  int errors = 0;
};

// (a) at a fixed rate: `clients` clients share `rate` writes/s for `seconds`; each write's
// latency runs from when it was due, not from when its client got to it.
Paced PacedWrites(const Endpoint& endpoint, const std::string& ns, int rate, int seconds,
                  int clients) {
  std::vector<std::vector<double>> latencies(clients);
  std::atomic<int> errors{0};
  int total = rate * seconds;
  auto interval = std::chrono::nanoseconds(1'000'000'000LL / rate);
  std::vector<std::thread> threads;
  auto start = Clock::now() + std::chrono::milliseconds(200);
  for (int c = 0; c < clients; ++c) {
    threads.emplace_back([&, c] {
      Client client(endpoint);
      client.Call(http::verb::get, "/version");  // connect before the clock starts
      for (int i = c; i < total; i += clients) {
        auto due = start + i * interval;
        std::this_thread::sleep_until(due);
        if (client.Call(http::verb::post, "/api/v1/namespaces/" + ns + "/pods",
                        PodJson("r-" + std::to_string(i))) != 201) {
          ++errors;
        }
        latencies[c].push_back(Ms(Clock::now() - due));
      }
    });
  }
  for (auto& thread : threads) thread.join();
  double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  std::vector<double> all;
  for (auto& l : latencies) all.insert(all.end(), l.begin(), l.end());
  return {total / elapsed, Summarize(all), errors.load()};
}

// (b): `watchers` watches of a namespace's configmaps, then `writes` creates spaced apart;
// every (watcher, write) pair's delivery latency.
Summary WatchFanOut(const Endpoint& endpoint, const std::string& ns, int watchers, int writes,
                    int* missing) {
  std::vector<Clock::time_point> sent(writes);
  std::vector<std::vector<double>> delays(watchers);
  std::atomic<int> ready{0};
  Client setup(endpoint);
  std::string list;
  setup.Call(http::verb::get, "/api/v1/namespaces/" + ns + "/configmaps", "", &list);
  std::string rv = json::parse(list)["metadata"]["resourceVersion"];
  std::vector<std::thread> threads;
  for (int w = 0; w < watchers; ++w) {
    threads.emplace_back([&, w] {
      Client client(endpoint);
      int seen = 0;
      hostlet::bench::Watch(
          client,
          "/api/v1/namespaces/" + ns + "/configmaps?watch=true&timeoutSeconds=120&" +
              "resourceVersion=" + rv,
          [&] { ++ready; },
          [&](const json& event) {
            auto now = Clock::now();
            std::string name = event["object"]["metadata"]["name"];
            int index = std::stoi(name.substr(2));
            delays[w].push_back(Ms(now - sent[index]));
            return ++seen < writes;
          });
    });
  }
  while (ready < watchers) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  for (int i = 0; i < writes; ++i) {
    sent[i] = Clock::now();
    setup.Call(
        http::verb::post, "/api/v1/namespaces/" + ns + "/configmaps",
        json{{"metadata", {{"name", "c-" + std::to_string(i)}}}, {"data", {{"k", "v"}}}}.dump());
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  for (auto& thread : threads) thread.join();
  std::vector<double> all;
  *missing = 0;
  for (auto& d : delays) {
    *missing += writes - static_cast<int>(d.size());
    all.insert(all.end(), d.begin(), d.end());
  }
  return Summarize(all);
}

void CreatePods(const Endpoint& endpoint, const std::string& ns, int from, int to, int clients) {
  std::vector<std::thread> threads;
  std::atomic<int> next{from};
  for (int c = 0; c < clients; ++c) {
    threads.emplace_back([&] {
      Client client(endpoint);
      for (int i; (i = next++) < to;) {
        client.Call(http::verb::post, "/api/v1/namespaces/" + ns + "/pods",
                    PodJson("m-" + std::to_string(i)));
      }
    });
  }
  for (auto& thread : threads) thread.join();
}

}  // namespace

int main(int argc, char** argv) {
  bool with_etcd = true;
  int pods = 10000;
  for (int i = 1; i < argc; ++i) {
    std::string flag = argv[i];
    if (flag == "--no-etcd") {
      with_etcd = false;
    } else if (flag == "--pods" && i + 1 < argc) {
      pods = std::max(1000, std::atoi(argv[++i]));
    } else {
      std::cerr << "usage: apiserver_bench [--no-etcd] [--pods N]\n";
      return 2;
    }
  }
  char pattern[] = "/tmp/hostlet-apiserver-bench-XXXXXX";
  if (mkdtemp(pattern) == nullptr) return 1;
  std::filesystem::path dir = pattern;
  int exit_code = 0;
  try {
    std::vector<std::string> backends{"sqlite"};
    if (with_etcd) backends.push_back("etcd");
    struct Row {
      std::string backend;
      int clients;
      Throughput result;
    };
    std::vector<Row> rows;
    std::vector<std::pair<std::string, Paced>> paced;
    std::vector<std::pair<std::string, Summary>> fanout;
    for (const auto& backend : backends) {
      Cluster cluster(dir / backend, backend == "etcd");
      Client admin(cluster.endpoint());
      for (int clients : {1, 8, 64}) {
        std::string ns = "a" + std::to_string(clients);
        CreateNamespace(admin, ns);
        int per_client = std::max(10, 2000 / clients);
        rows.push_back({backend, clients, CreateGet(cluster.endpoint(), ns, clients, per_client)});
      }
      CreateNamespace(admin, "paced");
      paced.emplace_back(backend, PacedWrites(cluster.endpoint(), "paced", 1000, 5, 16));
      CreateNamespace(admin, "watch");
      int missing = 0;
      fanout.emplace_back(backend, WatchFanOut(cluster.endpoint(), "watch", 100, 50, &missing));
      if (missing > 0) std::cout << backend << ": " << missing << " watch events never arrived\n";
    }

    std::printf("\n(a) create+get of pods, each client one keep-alive HTTPS connection\n");
    std::printf("%-8s %8s %12s %14s %14s %12s %12s %7s\n", "backend", "clients", "ops/s",
                "create p50 ms", "create p99 ms", "get p50 ms", "get p99 ms", "errors");
    for (const auto& row : rows) {
      std::printf("%-8s %8d %12.0f %14.2f %14.2f %12.2f %12.2f %7d\n", row.backend.c_str(),
                  row.clients, row.result.ops_per_s, row.result.create.p50_ms,
                  row.result.create.p99_ms, row.result.get.p50_ms, row.result.get.p99_ms,
                  row.result.errors);
    }
    if (with_etcd) {
      for (size_t i = 0; i < 3; ++i) {
        std::printf("sqlite/etcd throughput with %d clients: %.2fx\n", rows[i].clients,
                    rows[i].result.ops_per_s / rows[i + 3].result.ops_per_s);
      }
    }
    std::printf(
        "\n(a) pod creates paced at 1,000/s for 5 s over 16 connections "
        "(target on sqlite: p99 < 10 ms)\n");
    for (const auto& [backend, result] : paced) {
      std::printf("%-8s achieved %.0f writes/s, p50 %.2f ms, p99 %.2f ms, errors %d\n",
                  backend.c_str(), result.achieved_per_s, result.latency.p50_ms,
                  result.latency.p99_ms, result.errors);
    }
    std::printf("\n(b) 50 configmap creates, each observed by 100 watchers\n");
    for (const auto& [backend, summary] : fanout) {
      std::printf("%-8s delivery p50 %.2f ms, p99 %.2f ms\n", backend.c_str(), summary.p50_ms,
                  summary.p99_ms);
    }

    std::printf("\n(d) hostlet-server RSS on sqlite (target: < 64 MiB with 1,000 pods)\n");
    Cluster cluster(dir / "rss", false);
    Client admin(cluster.endpoint());
    CreateNamespace(admin, "rss");
    std::printf("idle:               %s\n", Rss(cluster.server_pid()).c_str());
    CreatePods(cluster.endpoint(), "rss", 0, 1000, 16);
    std::printf("1000 pods:          %s\n", Rss(cluster.server_pid()).c_str());
    CreatePods(cluster.endpoint(), "rss", 1000, pods, 16);
    std::printf("%-6d pods:         %s\n", pods, Rss(cluster.server_pid()).c_str());
    std::string body;
    auto t0 = Clock::now();
    admin.Call(http::verb::get, "/api/v1/pods", "", &body);
    std::printf("after listing them: %s; the list of %zu items took %.0f ms, %.1f MB\n",
                Rss(cluster.server_pid()).c_str(), json::parse(body)["items"].size(),
                Ms(Clock::now() - t0), body.size() / 1e6);
  } catch (const std::exception& error) {
    std::cerr << "apiserver_bench: " << error.what() << "\n";
    exit_code = 1;
  }
  std::error_code ignored;
  std::filesystem::remove_all(dir, ignored);
  return exit_code;
}
