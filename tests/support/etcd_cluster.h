// A private etcd cluster for tests: 1 or 3 members of the etcd on PATH, on free loopback ports,
// their data in a directory of their own; stopped by the PIDs it started and removed with it,
// whatever the test did. With EtcdTlsFiles its clients are served over TLS only and must present
// a certificate (etcd's --client-cert-auth), as production clusters are run.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "etcd/api/etcdserverpb/rpc.grpc.pb.h"
#include "tests/support/child_process.h"
#include "tests/support/fixtures.h"

namespace hostlet::testing {

// The etcd binary on PATH; throws when there is none.
inline std::string FindEtcd() {
  const char* path = std::getenv("PATH");
  std::string dirs = path != nullptr ? path : "/usr/local/bin:/usr/bin:/bin";
  for (std::size_t start = 0; start <= dirs.size();) {
    std::size_t colon = std::min(dirs.find(':', start), dirs.size());
    std::filesystem::path candidate =
        std::filesystem::path(dirs.substr(start, colon - start)) / "etcd";
    if (access(candidate.c_str(), X_OK) == 0) return candidate.string();
    start = colon + 1;
  }
  throw std::runtime_error("no etcd on PATH (Debian: apt-get install etcd-server)");
}

// PEM files: the serving certificate and key every member presents to clients (it must name
// 127.0.0.1), the CA that signed the client certificates it accepts, and a client certificate
// and key of that CA for the cluster's own health checks.
struct EtcdTlsFiles {
  std::filesystem::path cert;
  std::filesystem::path key;
  std::filesystem::path ca;
  std::filesystem::path client_cert;
  std::filesystem::path client_key;
};

class EtcdCluster {
 public:
  explicit EtcdCluster(int size, std::optional<EtcdTlsFiles> tls = std::nullopt)
      : binary_(FindEtcd()), tls_(std::move(tls)) {
    // etcd syncs every write to disk; these tests need no durability beyond the process, so
    // memory-backed storage keeps them fast where the system has it.
    std::filesystem::path base = std::filesystem::is_directory("/dev/shm")
                                     ? std::filesystem::path("/dev/shm")
                                     : std::filesystem::temp_directory_path();
    std::string pattern = (base / "hostlet-etcd-XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    dir_ = pattern;
    // All ports are held open together so no two members get the same one.
    std::vector<int> sockets;
    std::vector<int> ports;
    for (int i = 0; i < 2 * size; ++i) ports.push_back(FreePort(&sockets));
    for (int socket : sockets) close(socket);
    for (int i = 0; i < size; ++i) {
      Member member;
      member.name = "m" + std::to_string(i);
      member.client_url =
          (tls_ ? "https://127.0.0.1:" : "http://127.0.0.1:") + std::to_string(ports[2 * i]);
      member.peer_url = "http://127.0.0.1:" + std::to_string(ports[2 * i + 1]);
      members_.push_back(std::move(member));
    }
    for (int i = 0; i < size; ++i) Start(i);
    if (!WaitHealthy(std::chrono::seconds(30))) {
      throw std::runtime_error("etcd cluster did not become healthy; logs in " + dir_.string() +
                               ":\n" + ReadFile(dir_ / "m0.log"));
    }
  }

  ~EtcdCluster() {
    members_.clear();  // kills every member before its data goes
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }

  EtcdCluster(const EtcdCluster&) = delete;
  EtcdCluster& operator=(const EtcdCluster&) = delete;

  int size() const { return static_cast<int>(members_.size()); }
  const std::string& ClientUrl(int member) const { return members_[member].client_url; }
  std::vector<std::string> ClientUrls() const {
    std::vector<std::string> urls;
    for (const Member& member : members_) urls.push_back(member.client_url);
    return urls;
  }
  // The same, as hostlet-server's --etcd-servers takes them.
  std::string ClientUrlList() const {
    std::string list;
    for (const Member& member : members_) list += (list.empty() ? "" : ",") + member.client_url;
    return list;
  }

  // SIGKILL, as a crash or a power cut would stop it.
  void Kill(int member) {
    if (members_[member].process) members_[member].process->Stop(SIGKILL, std::chrono::seconds(10));
    members_[member].process.reset();
  }

  // The member that every running member names as leader, once they agree; -1 if they do not
  // within `timeout`.
  int Leader(std::chrono::seconds timeout = std::chrono::seconds(30)) {
    int leader = -1;
    Eventually(
        [&] {
          leader = -1;
          std::uint64_t agreed = 0;
          std::vector<std::uint64_t> ids(members_.size(), 0);
          for (std::size_t i = 0; i < members_.size(); ++i) {
            if (!members_[i].process) continue;
            etcdserverpb::StatusResponse status;
            if (!Status(static_cast<int>(i), &status) || status.leader() == 0) return false;
            if (agreed != 0 && agreed != status.leader()) return false;
            agreed = status.leader();
            ids[i] = status.header().member_id();
          }
          for (std::size_t i = 0; i < ids.size(); ++i) {
            if (ids[i] == agreed && agreed != 0) leader = static_cast<int>(i);
          }
          return leader >= 0;
        },
        timeout);
    return leader;
  }

  // True once every running member serves a linearizable read.
  bool WaitHealthy(std::chrono::seconds timeout) {
    return Eventually(
        [&] {
          for (std::size_t i = 0; i < members_.size(); ++i) {
            if (!members_[i].process) continue;
            if (!members_[i].process->Running()) return false;
            auto kv = etcdserverpb::KV::NewStub(Channel(static_cast<int>(i)));
            grpc::ClientContext context;
            context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(1));
            etcdserverpb::RangeRequest request;
            request.set_key("health");
            etcdserverpb::RangeResponse response;
            if (!kv->Range(&context, request, &response).ok()) return false;
          }
          return true;
        },
        timeout);
  }

 private:
  struct Member {
    std::string name;
    std::string client_url;
    std::string peer_url;
    std::unique_ptr<ChildProcess> process;
  };

  static int FreePort(std::vector<int>* sockets) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof(address);
    if (fd < 0 || bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0 ||
        getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
      throw std::runtime_error("no free loopback port");
    }
    sockets->push_back(fd);
    return ntohs(address.sin_port);
  }

  void Start(int i) {
    std::string cluster;
    for (const Member& member : members_) {
      cluster += (cluster.empty() ? "" : ",") + member.name + "=" + member.peer_url;
    }
    Member& member = members_[i];
    std::vector<std::string> argv{
        binary_, "--name", member.name, "--data-dir", (dir_ / member.name).string(),
        "--listen-client-urls", member.client_url, "--advertise-client-urls", member.client_url,
        "--listen-peer-urls", member.peer_url, "--initial-advertise-peer-urls", member.peer_url,
        "--initial-cluster", cluster, "--initial-cluster-state", "new", "--initial-cluster-token",
        dir_.filename().string(),
        // Short raft timings so a lost leader is replaced in well under a second.
        "--heartbeat-interval", "50", "--election-timeout", "500", "--logger", "zap"};
    if (tls_) {
      argv.insert(argv.end(), {"--cert-file", tls_->cert.string(), "--key-file", tls_->key.string(),
                               "--trusted-ca-file", tls_->ca.string(), "--client-cert-auth"});
    }
    member.process = std::make_unique<ChildProcess>(argv, (dir_ / (member.name + ".log")).string());
  }

  std::shared_ptr<grpc::Channel> Channel(int i) const {
    const std::string& url = members_[i].client_url;
    std::string address = url.substr(url.find("://") + 3);
    if (!tls_) return grpc::CreateChannel(address, grpc::InsecureChannelCredentials());
    grpc::SslCredentialsOptions ssl;
    ssl.pem_root_certs = ReadFile(tls_->ca);
    ssl.pem_cert_chain = ReadFile(tls_->client_cert);
    ssl.pem_private_key = ReadFile(tls_->client_key);
    return grpc::CreateChannel(address, grpc::SslCredentials(ssl));
  }

  bool Status(int i, etcdserverpb::StatusResponse* status) const {
    auto maintenance = etcdserverpb::Maintenance::NewStub(Channel(i));
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(1));
    return maintenance->Status(&context, etcdserverpb::StatusRequest(), status).ok();
  }

  std::string binary_;
  std::optional<EtcdTlsFiles> tls_;
  std::filesystem::path dir_;
  std::vector<Member> members_;
};

}  // namespace hostlet::testing
