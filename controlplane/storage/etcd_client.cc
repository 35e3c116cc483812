#include "controlplane/storage/etcd_client.h"

#include <algorithm>
#include <thread>

#include "controlplane/storage/store.h"

namespace hostlet::storage {
namespace {

std::string_view CodeName(grpc::StatusCode code) {
  switch (code) {
    case grpc::StatusCode::OK:
      return "OK";
    case grpc::StatusCode::CANCELLED:
      return "CANCELLED";
    case grpc::StatusCode::UNKNOWN:
      return "UNKNOWN";
    case grpc::StatusCode::INVALID_ARGUMENT:
      return "INVALID_ARGUMENT";
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      return "DEADLINE_EXCEEDED";
    case grpc::StatusCode::NOT_FOUND:
      return "NOT_FOUND";
    case grpc::StatusCode::ALREADY_EXISTS:
      return "ALREADY_EXISTS";
    case grpc::StatusCode::PERMISSION_DENIED:
      return "PERMISSION_DENIED";
    case grpc::StatusCode::RESOURCE_EXHAUSTED:
      return "RESOURCE_EXHAUSTED";
    case grpc::StatusCode::FAILED_PRECONDITION:
      return "FAILED_PRECONDITION";
    case grpc::StatusCode::ABORTED:
      return "ABORTED";
    case grpc::StatusCode::OUT_OF_RANGE:
      return "OUT_OF_RANGE";
    case grpc::StatusCode::UNIMPLEMENTED:
      return "UNIMPLEMENTED";
    case grpc::StatusCode::INTERNAL:
      return "INTERNAL";
    case grpc::StatusCode::UNAVAILABLE:
      return "UNAVAILABLE";
    case grpc::StatusCode::DATA_LOSS:
      return "DATA_LOSS";
    case grpc::StatusCode::UNAUTHENTICATED:
      return "UNAUTHENTICATED";
    default:
      return "UNKNOWN";
  }
}

}  // namespace

EtcdEndpoint ParseEtcdEndpoint(const std::string& url) {
  std::string rest = url;
  bool tls = rest.starts_with("https://");
  if (tls) {
    rest = rest.substr(8);
  } else if (rest.starts_with("http://")) {
    rest = rest.substr(7);
  }
  while (rest.ends_with("/")) rest.pop_back();
  bool malformed = rest.empty() || rest.find_first_of("/?#@ ") != std::string::npos ||
                   rest.find("://") != std::string::npos;
  if (malformed) {
    throw StorageError(ErrorCode::kInvalidArgument,
                       "etcd endpoint \"" + url + "\" is not http[s]://HOST[:PORT]");
  }
  // A bracketed IPv6 address or a name; the port is what follows the last colon outside brackets.
  std::size_t bracket = rest.rfind(']');
  std::size_t colon = rest.rfind(':');
  bool has_port = colon != std::string::npos && (bracket == std::string::npos || colon > bracket);
  if (!has_port) return {rest + ":2379", tls};
  std::string port = rest.substr(colon + 1);
  bool numeric = !port.empty() && port.size() <= 5 &&
                 std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; });
  if (!numeric || std::stoi(port) == 0 || std::stoi(port) > 65535 || colon == 0) {
    throw StorageError(ErrorCode::kInvalidArgument,
                       "etcd endpoint \"" + url + "\" has no valid host and port");
  }
  return {rest, tls};
}

EtcdClient::EtcdClient(const std::vector<std::string>& urls, const EtcdTls& tls,
                       std::chrono::milliseconds call_timeout, std::chrono::milliseconds retry_for)
    : call_timeout_(call_timeout), retry_for_(retry_for) {
  if (urls.empty()) throw StorageError(ErrorCode::kInvalidArgument, "no etcd endpoints");
  if (tls.cert_pem.empty() != tls.key_pem.empty()) {
    throw StorageError(ErrorCode::kInvalidArgument,
                       "an etcd client certificate needs its key, and a key its certificate");
  }
  grpc::SslCredentialsOptions ssl;
  ssl.pem_root_certs = tls.ca_pem;
  ssl.pem_cert_chain = tls.cert_pem;
  ssl.pem_private_key = tls.key_pem;
  for (const std::string& url : urls) {
    EtcdMember member;
    EtcdEndpoint endpoint = ParseEtcdEndpoint(url);
    member.endpoint = endpoint.address;
    grpc::ChannelArguments args;
    // A member that comes back is used again soon, not after gRPC's default two-minute backoff.
    args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 100);
    args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 1000);
    // Keepalives end a watch stream whose member vanished without closing the connection.
    args.SetInt(GRPC_ARG_KEEPALIVE_TIME_MS, 10000);
    args.SetInt(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, 5000);
    args.SetMaxReceiveMessageSize(-1);
    // The server's certificate must name the host of the URL, as etcd's own clients check.
    member.channel = grpc::CreateCustomChannel(
        member.endpoint,
        endpoint.tls ? grpc::SslCredentials(ssl) : grpc::InsecureChannelCredentials(), args);
    member.kv = etcdserverpb::KV::NewStub(member.channel);
    member.watch = etcdserverpb::Watch::NewStub(member.channel);
    members_.push_back(std::move(member));
  }
}

EtcdMember& EtcdClient::Current(std::size_t* index) {
  *index = current_.load() % members_.size();
  return members_[*index];
}

void EtcdClient::Failed(std::size_t index) {
  std::size_t expected = index;
  current_.compare_exchange_strong(expected, (index + 1) % members_.size());
}

grpc::Status EtcdClient::Call(const Rpc& rpc, std::string* endpoint) {
  auto give_up = std::chrono::steady_clock::now() + retry_for_;
  auto pause = std::chrono::milliseconds(20);
  std::size_t tried_in_round = 0;
  for (;;) {
    std::size_t index = 0;
    EtcdMember& member = Current(&index);
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + call_timeout_);
    grpc::Status status = rpc(member, context);
    *endpoint = member.endpoint;
    if (status.ok() || !IsRetryable(status)) return status;
    Failed(index);
    // Every member gets one quick try before waiting: usually one of them is fine.
    if (++tried_in_round < members_.size()) continue;
    tried_in_round = 0;
    if (std::chrono::steady_clock::now() + pause >= give_up) return status;
    std::this_thread::sleep_for(pause);
    pause = std::min(pause * 2, std::chrono::milliseconds(500));
  }
}

bool IsRetryable(const grpc::Status& status) {
  // etcd reports "no leader", "leader changed" and proposal timeouts as UNAVAILABLE; a member
  // that hangs shows as a missed deadline.
  return status.error_code() == grpc::StatusCode::UNAVAILABLE ||
         status.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED;
}

std::string DescribeEtcdError(const grpc::Status& status, const std::string& endpoint) {
  return "etcd at " + endpoint + ": " + std::string(CodeName(status.error_code())) + ": " +
         status.error_message();
}

}  // namespace hostlet::storage
