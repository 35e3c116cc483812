#include "controlplane/storage/etcd_store.h"

#include <algorithm>
#include <condition_variable>
#include <iostream>
#include <utility>

namespace hostlet::storage {
namespace {

using etcdserverpb::Compare;

std::string Quote(const std::string& key) { return "\"" + key + "\""; }

// The first key after every key that starts with `prefix`, as etcd's clients compute a range
// end; "\0" (no upper bound) when the prefix is empty or all 0xff bytes.
std::string RangeEnd(std::string prefix) {
  while (!prefix.empty()) {
    if (static_cast<unsigned char>(prefix.back()) != 0xff) {
      prefix.back() = static_cast<char>(static_cast<unsigned char>(prefix.back()) + 1);
      return prefix;
    }
    prefix.pop_back();
  }
  return std::string(1, '\0');
}

// etcd answers a read below its compaction point, or above its newest revision, with
// OUT_OF_RANGE; only the message tells the two apart.
bool IsCompactedError(const grpc::Status& status) {
  return status.error_code() == grpc::StatusCode::OUT_OF_RANGE &&
         status.error_message().find("compacted") != std::string::npos;
}
bool IsFutureRevisionError(const grpc::Status& status) {
  return status.error_code() == grpc::StatusCode::OUT_OF_RANGE &&
         status.error_message().find("future") != std::string::npos;
}

ErrorCode CodeFor(const grpc::Status& status) {
  if (IsCompactedError(status)) return ErrorCode::kGone;
  if (IsFutureRevisionError(status)) return ErrorCode::kInvalidArgument;
  if (status.error_code() == grpc::StatusCode::INVALID_ARGUMENT) {
    return ErrorCode::kInvalidArgument;
  }
  return ErrorCode::kInternal;
}

[[noreturn]] void Throw(const std::string& what, const grpc::Status& status,
                        const std::string& endpoint) {
  throw StorageError(CodeFor(status), what + ": " + DescribeEtcdError(status, endpoint));
}

void AddCompare(etcdserverpb::TxnRequest* txn, const std::string& key,
                Compare::CompareTarget target, Compare::CompareResult result,
                std::int64_t operand) {
  Compare* compare = txn->add_compare();
  compare->set_key(key);
  compare->set_target(target);
  compare->set_result(result);
  if (target == Compare::VERSION) compare->set_version(operand);
  if (target == Compare::CREATE) compare->set_create_revision(operand);
  if (target == Compare::MOD) compare->set_mod_revision(operand);
}

}  // namespace

EtcdStore::EtcdStore(EtcdOptions options)
    : options_(std::move(options)),
      client_(options_.endpoints, options_.tls, options_.call_timeout, options_.retry_for) {
  Revision current = 0;
  try {
    current = CurrentRevision();
  } catch (const StorageError& error) {
    std::string endpoints;
    bool tls = false;
    for (const std::string& url : options_.endpoints) {
      endpoints += (endpoints.empty() ? "" : ", ") + url;
      tls |= ParseEtcdEndpoint(url).tls;
    }
    // gRPC reports a refused TLS handshake as an unreachable member.
    std::string hint = tls ? " (over https, a certificate the member refuses, or one this "
                             "server does not trust, also looks like this)"
                           : "";
    throw StorageError(error.code(), "no etcd member of " + endpoints + " answered within " +
                                         std::to_string(options_.retry_for.count()) +
                                         " ms; last: " + error.what() + hint);
  }
  Revision compacted = CompactedRevision();
  // The ring starts as full as history allows; the feed fills it from there.
  Revision start = std::max<Revision>(
      compacted, std::max<Revision>(0, current - static_cast<Revision>(options_.watch.history)));
  watch_cache_ = std::make_unique<WatchCache>(options_.watch, start);
  feed_ = std::thread([this, start] { Feed(start); });
}

EtcdStore::~EtcdStore() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    if (feed_context_ != nullptr) feed_context_->TryCancel();
  }
  feed_stopped_.notify_all();
  feed_.join();
}

etcdserverpb::TxnResponse EtcdStore::Txn(const etcdserverpb::TxnRequest& request,
                                         const std::string& what) {
  etcdserverpb::TxnResponse response;
  std::string endpoint;
  grpc::Status status = client_.Call(
      [&](EtcdMember& member, grpc::ClientContext& context) {
        response.Clear();
        return member.kv->Txn(&context, request, &response);
      },
      &endpoint);
  if (!status.ok()) Throw(what, status, endpoint);
  return response;
}

grpc::Status EtcdStore::Range(const etcdserverpb::RangeRequest& request,
                              etcdserverpb::RangeResponse* response, std::string* endpoint) {
  return client_.Call(
      [&](EtcdMember& member, grpc::ClientContext& context) {
        // A retried call must not add to what a failed attempt left.
        response->Clear();
        return member.kv->Range(&context, request, response);
      },
      endpoint);
}

Revision EtcdStore::Create(const std::string& key, const std::string& value) {
  if (key.empty()) throw StorageError(ErrorCode::kInvalidArgument, "create: empty key");
  std::string full = options_.prefix + key;
  etcdserverpb::TxnRequest txn;
  AddCompare(&txn, full, Compare::CREATE, Compare::EQUAL, 0);
  etcdserverpb::PutRequest* put = txn.add_success()->mutable_request_put();
  put->set_key(full);
  put->set_value(value);
  etcdserverpb::TxnResponse response = Txn(txn, "create of " + Quote(key));
  if (!response.succeeded()) {
    throw StorageError(ErrorCode::kAlreadyExists, "key " + Quote(key) + " already exists");
  }
  return response.header().revision();
}

KeyValue EtcdStore::Get(const std::string& key) {
  etcdserverpb::RangeRequest request;
  request.set_key(options_.prefix + key);
  etcdserverpb::RangeResponse response;
  std::string endpoint;
  grpc::Status status = Range(request, &response, &endpoint);
  if (!status.ok()) Throw("get of " + Quote(key), status, endpoint);
  if (response.kvs().empty()) throw StorageError(ErrorCode::kNotFound, "key " + Quote(key));
  const mvccpb::KeyValue& kv = response.kvs(0);
  return KeyValue{key, kv.value(), kv.create_revision(), kv.mod_revision()};
}

Revision EtcdStore::Update(const std::string& key, const std::string& value,
                           Revision expected_mod_revision) {
  std::string full = options_.prefix + key;
  etcdserverpb::TxnRequest txn;
  // A missing key has mod_revision 0 in a compare, so existence is checked on its own.
  AddCompare(&txn, full, Compare::VERSION, Compare::GREATER, 0);
  AddCompare(&txn, full, Compare::MOD, Compare::EQUAL, expected_mod_revision);
  etcdserverpb::PutRequest* put = txn.add_success()->mutable_request_put();
  put->set_key(full);
  put->set_value(value);
  txn.add_failure()->mutable_request_range()->set_key(full);
  etcdserverpb::TxnResponse response = Txn(txn, "update of " + Quote(key));
  if (response.succeeded()) return response.header().revision();
  const auto& found = response.responses(0).response_range().kvs();
  if (found.empty()) throw StorageError(ErrorCode::kNotFound, "key " + Quote(key));
  throw StorageError(ErrorCode::kConflict, "key " + Quote(key) + " is at revision " +
                                               std::to_string(found[0].mod_revision()) + ", not " +
                                               std::to_string(expected_mod_revision));
}

DeleteResult EtcdStore::Delete(const std::string& key, Revision expected_mod_revision) {
  std::string full = options_.prefix + key;
  etcdserverpb::TxnRequest txn;
  AddCompare(&txn, full, Compare::VERSION, Compare::GREATER, 0);
  if (expected_mod_revision != 0) {
    AddCompare(&txn, full, Compare::MOD, Compare::EQUAL, expected_mod_revision);
  }
  etcdserverpb::DeleteRangeRequest* remove = txn.add_success()->mutable_request_delete_range();
  remove->set_key(full);
  remove->set_prev_kv(true);
  txn.add_failure()->mutable_request_range()->set_key(full);
  etcdserverpb::TxnResponse response = Txn(txn, "delete of " + Quote(key));
  if (response.succeeded()) {
    const auto& removed = response.responses(0).response_delete_range().prev_kvs();
    return DeleteResult{removed.empty() ? std::string() : removed[0].value(),
                        response.header().revision()};
  }
  const auto& found = response.responses(0).response_range().kvs();
  if (found.empty()) throw StorageError(ErrorCode::kNotFound, "key " + Quote(key));
  throw StorageError(ErrorCode::kConflict, "key " + Quote(key) + " is at revision " +
                                               std::to_string(found[0].mod_revision()) + ", not " +
                                               std::to_string(expected_mod_revision));
}

ListResult EtcdStore::List(const std::string& prefix, std::size_t limit,
                           const std::string& continue_key, Revision at_revision) {
  if (!continue_key.empty() && !continue_key.starts_with(prefix)) {
    throw StorageError(ErrorCode::kInvalidArgument,
                       "continue key " + Quote(continue_key) + " is not under " + Quote(prefix));
  }
  if (at_revision < 0) {
    throw StorageError(ErrorCode::kInvalidArgument,
                       "list of " + Quote(prefix) + " at revision " + std::to_string(at_revision));
  }
  etcdserverpb::RangeRequest request;
  // The page starts just after the previous page's last key.
  request.set_key(continue_key.empty() ? options_.prefix + prefix
                                       : options_.prefix + continue_key + std::string(1, '\0'));
  request.set_range_end(RangeEnd(options_.prefix + prefix));
  request.set_limit(static_cast<std::int64_t>(limit));
  request.set_revision(at_revision);
  etcdserverpb::RangeResponse response;
  std::string endpoint;
  grpc::Status status = Range(request, &response, &endpoint);
  if (!status.ok()) {
    Throw("list of " + Quote(prefix) + " at revision " + std::to_string(at_revision), status,
          endpoint);
  }
  ListResult result;
  result.revision = at_revision == 0 ? response.header().revision() : at_revision;
  for (const mvccpb::KeyValue& kv : response.kvs()) {
    result.items.push_back(KeyValue{kv.key().substr(options_.prefix.size()), kv.value(),
                                    kv.create_revision(), kv.mod_revision()});
  }
  if (response.more() && !result.items.empty()) result.continue_key = result.items.back().key;
  return result;
}

std::unique_ptr<WatchHandle> EtcdStore::Watch(const std::string& prefix, Revision from_revision,
                                              WatchCallback callback) {
  if (from_revision < 0) {
    throw StorageError(
        ErrorCode::kInvalidArgument,
        "watch of " + Quote(prefix) + " from revision " + std::to_string(from_revision));
  }
  // "Now" is etcd's revision, not the cache's, which may still be catching up: the cache holds
  // back what it receives up to `from`.
  Revision from = from_revision == 0 ? CurrentRevision() : from_revision;
  // Our own compactions are known here, even before the feed has caught up with them. Ones by
  // another apiserver are not, and need not be: the events the cache still holds replay
  // correctly wherever etcd has dropped them, and older ones the cache refuses as Gone. So a
  // watch costs no round trip to etcd for its compaction point.
  Revision compacted = 0;
  {
    std::lock_guard lock(mutex_);
    compacted = compacted_;
  }
  if (from < compacted) {
    throw StorageError(ErrorCode::kGone, "watch of " + Quote(prefix) + " from revision " +
                                             std::to_string(from) + ": compacted up to " +
                                             std::to_string(compacted));
  }
  return watch_cache_->Watch(prefix, from, std::move(callback));
}

void EtcdStore::Compact(Revision revision) {
  etcdserverpb::CompactionRequest request;
  request.set_revision(revision);
  // Waits until the space is given back, so a compaction that returned is one that happened.
  request.set_physical(true);
  etcdserverpb::CompactionResponse response;
  std::string endpoint;
  grpc::Status status = client_.Call(
      [&](EtcdMember& member, grpc::ClientContext& context) {
        return member.kv->Compact(&context, request, &response);
      },
      &endpoint);
  // Already compacted that far (by another apiserver, or by our own retried call): etcd's part
  // is done, and the cache's window moves all the same.
  if (!status.ok() && !IsCompactedError(status)) {
    Throw("compact to revision " + std::to_string(revision), status, endpoint);
  }
  {
    std::lock_guard lock(mutex_);
    compacted_ = std::max(compacted_, revision);
  }
  watch_cache_->Compact(revision);
}

Revision EtcdStore::CurrentRevision() {
  // The cheapest linearizable read: one key, no value. Its header carries the revision.
  etcdserverpb::RangeRequest request;
  request.set_key(options_.prefix);
  request.set_keys_only(true);
  request.set_limit(1);
  etcdserverpb::RangeResponse response;
  std::string endpoint;
  grpc::Status status = Range(request, &response, &endpoint);
  if (!status.ok()) Throw("reading the current revision", status, endpoint);
  return response.header().revision();
}

bool EtcdStore::IsCompacted(Revision revision) {
  etcdserverpb::RangeRequest request;
  request.set_key(options_.prefix);
  request.set_keys_only(true);
  request.set_limit(1);
  request.set_revision(revision);
  etcdserverpb::RangeResponse response;
  std::string endpoint;
  grpc::Status status = Range(request, &response, &endpoint);
  if (IsCompactedError(status)) return true;
  if (!status.ok()) {
    Throw("probing for the compaction point at revision " + std::to_string(revision), status,
          endpoint);
  }
  return false;
}

Revision EtcdStore::CompactedRevision() {
  Revision known = 0;
  {
    std::lock_guard lock(mutex_);
    known = compacted_;
  }
  // etcd refuses reads below its compaction point and serves reads at it: the point is the
  // oldest readable revision. It only grows, so a readable `known` is still the answer.
  // (Never compacted and compacted at 1 read the same; both mean "nothing before 1".)
  Revision unreadable = std::max<Revision>(known, 1);
  if (!IsCompacted(unreadable)) return known;
  Revision readable = CurrentRevision();
  while (unreadable + 1 < readable) {
    Revision middle = unreadable + (readable - unreadable) / 2;
    (IsCompacted(middle) ? unreadable : readable) = middle;
  }
  std::lock_guard lock(mutex_);
  compacted_ = std::max(compacted_, readable);
  return compacted_;
}

void EtcdStore::Feed(Revision after) {
  auto pause = std::chrono::milliseconds(50);
  for (;;) {
    std::size_t index = 0;
    EtcdMember& member = client_.Current(&index);
    grpc::ClientContext context;
    // Makes the member end the stream when it loses its leader, instead of going quiet.
    context.AddMetadata("hasleader", "true");
    {
      std::lock_guard lock(mutex_);
      if (stopping_) return;
      feed_context_ = &context;
    }
    auto stream = member.watch->Watch(&context);
    etcdserverpb::WatchRequest request;
    etcdserverpb::WatchCreateRequest* create = request.mutable_create_request();
    create->set_key(options_.prefix);
    create->set_range_end(RangeEnd(options_.prefix));
    create->set_start_revision(after + 1);
    create->set_prev_kv(true);  // a deletion's event carries the value it removed
    create->set_progress_notify(true);
    std::string reason = "stream ended";
    bool compacted = false;
    bool cancelled_here = false;  // we end the stream ourselves, rather than etcd ending it
    if (stream->Write(request)) {
      etcdserverpb::WatchResponse response;
      while (stream->Read(&response)) {
        if (response.compact_revision() != 0) {
          compacted = cancelled_here = true;
          reason = "revision " + std::to_string(after + 1) + " was compacted away (up to " +
                   std::to_string(response.compact_revision()) + ")";
          break;
        }
        if (response.canceled()) {
          cancelled_here = true;
          reason = "watch cancelled: " + response.cancel_reason();
          break;
        }
        if (response.created()) pause = std::chrono::milliseconds(50);
        for (const mvccpb::Event& change : response.events()) {
          const mvccpb::KeyValue& kv = change.kv();
          Event event;
          event.key = kv.key().substr(options_.prefix.size());
          event.mod_revision = kv.mod_revision();
          if (change.type() == mvccpb::Event::DELETE) {
            event.type = EventType::kDeleted;
            event.value = change.prev_kv().value();
          } else {
            event.type = kv.version() == 1 ? EventType::kAdded : EventType::kModified;
            event.value = kv.value();
          }
          after = std::max(after, kv.mod_revision());
          watch_cache_->Append(std::move(event));
        }
        // A progress notification promises nothing at or below its revision is still to come,
        // so a resumed feed may start after it.
        if (response.events().empty() && !response.created()) {
          after = std::max(after, response.header().revision());
        }
      }
    }
    if (cancelled_here) context.TryCancel();
    grpc::Status status = stream->Finish();
    {
      std::lock_guard lock(mutex_);
      feed_context_ = nullptr;
      if (stopping_) return;
    }
    if (compacted) {
      // The events in between are gone: every watcher must re-list, and the feed starts at now.
      try {
        Revision now = CurrentRevision();
        watch_cache_->Restart(now, reason);
        after = now;
        continue;
      } catch (const StorageError& error) {
        reason = error.what();
      }
    } else if (!status.ok()) {
      reason = DescribeEtcdError(status, member.endpoint);
    }
    std::cerr << "etcd store: watch of " << Quote(options_.prefix) << " on " << member.endpoint
              << " stopped (" << reason << "); resuming after revision " << after << std::endl;
    client_.Failed(index);
    std::unique_lock lock(mutex_);
    if (feed_stopped_.wait_for(lock, pause, [&] { return stopping_; })) return;
    pause = std::min(pause * 2, std::chrono::milliseconds(1000));
  }
}

}  // namespace hostlet::storage
