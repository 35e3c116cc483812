// The connection to an etcd cluster: one gRPC channel per member, with failover.
//
// Every member of an etcd cluster answers every request (followers forward writes to the
// leader), so the client talks to one member at a time and moves to the next when that one is
// unavailable. A call that fails in a way a dead member or a leader election explains is tried
// again, on the next member, until `retry_for` passes: an election costs a few seconds, not an
// error. Only calls that are safe to repeat go through here: reads, and writes guarded by a
// compare, which cannot apply twice.
#pragma once

#include <grpcpp/grpcpp.h>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "etcd/api/etcdserverpb/rpc.grpc.pb.h"

namespace hostlet::storage {

struct EtcdMember {
  std::string endpoint;  // host:port, as named in errors
  std::shared_ptr<grpc::Channel> channel;
  std::unique_ptr<etcdserverpb::KV::Stub> kv;
  std::unique_ptr<etcdserverpb::Watch::Stub> watch;
};

// What a member URL names: "http://host:port", "https://host:port" or "host:port" (plain; the
// port defaults to etcd's 2379).
struct EtcdEndpoint {
  std::string address;  // host:port
  bool tls = false;     // https://
};

// Throws StorageError(kInvalidArgument) for anything but the forms above.
EtcdEndpoint ParseEtcdEndpoint(const std::string& url);

// TLS to https:// members, PEM contents: the CA their serving certificates chain to (the
// system's roots when empty), and the client certificate and key to present to a cluster that
// asks for one (etcd's --client-cert-auth), both or neither.
struct EtcdTls {
  std::string ca_pem;
  std::string cert_pem;
  std::string key_pem;
};

class EtcdClient {
 public:
  // Throws StorageError(kInvalidArgument) for an empty list or a malformed URL. http:// members
  // are reached in the clear, https:// ones with `tls`.
  EtcdClient(const std::vector<std::string>& urls, const EtcdTls& tls,
             std::chrono::milliseconds call_timeout, std::chrono::milliseconds retry_for);

  // Runs `rpc` with a fresh context carrying the call deadline, retrying on other members as
  // described above. Returns the last status; `endpoint` names the member that gave it.
  using Rpc = std::function<grpc::Status(EtcdMember& member, grpc::ClientContext& context)>;
  grpc::Status Call(const Rpc& rpc, std::string* endpoint);

  // The member to use now and its index, for a long-lived stream.
  EtcdMember& Current(std::size_t* index);
  // Moves on from member `index` after it failed (no-op if another caller already did).
  void Failed(std::size_t index);

  std::size_t size() const { return members_.size(); }
  std::chrono::milliseconds retry_for() const { return retry_for_; }

 private:
  std::vector<EtcdMember> members_;
  std::atomic<std::size_t> current_{0};
  std::chrono::milliseconds call_timeout_;
  std::chrono::milliseconds retry_for_;
};

// Failures after which the same request may succeed on another member, or on this one once an
// election is over.
bool IsRetryable(const grpc::Status& status);

// "etcd at HOST:PORT: CODE: message", for StorageError messages.
std::string DescribeEtcdError(const grpc::Status& status, const std::string& endpoint);

}  // namespace hostlet::storage
