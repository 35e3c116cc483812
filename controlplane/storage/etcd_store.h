// The clustered backend: etcd v3 over gRPC, so several apiservers can share one replicated store.
//
// Keys live under a prefix of the etcd keyspace. Creates, updates and deletes are transactions
// whose compare gives AlreadyExists, Conflict and NotFound, so they are safe to retry across a
// leader change. Revisions are etcd's own, which are global to the cluster: with a prefix shared
// by nothing else, they still only increase, as the Store contract asks.
//
// Watches: one etcd watch over the whole prefix feeds a WatchCache, which fans out to every
// watcher; the feed resumes on another member after a failure without losing events, and if the
// revisions it needs were compacted meanwhile it ends every watcher with an error event.
//
// etcd does not report its compaction point, but refuses a read below it; CompactedRevision()
// probes for it (one read when it has not moved since the last look).
#pragma once

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "controlplane/storage/etcd_client.h"
#include "controlplane/storage/store.h"
#include "controlplane/storage/watch_cache.h"

namespace hostlet::storage {

struct EtcdOptions {
  std::vector<std::string> endpoints;  // http[s]://host:port of one or more members
  EtcdTls tls;                         // for https:// members
  std::string prefix = "/hostlet";     // prepended to every key
  // A write forwarded to a leader that dies is answered only by this deadline, so it bounds
  // what a leader change costs; reads and writes here take milliseconds.
  std::chrono::milliseconds call_timeout{3000};
  // How long a call keeps trying other members before it fails: longer than an election.
  std::chrono::milliseconds retry_for{15000};
  WatchOptions watch;
};

class EtcdStore : public Store {
 public:
  // Reaches the cluster before returning; throws StorageError naming the endpoints otherwise.
  explicit EtcdStore(EtcdOptions options);
  ~EtcdStore() override;

  Revision Create(const std::string& key, const std::string& value) override;
  KeyValue Get(const std::string& key) override;
  ListResult List(const std::string& prefix, std::size_t limit, const std::string& continue_key,
                  Revision at_revision) override;
  Revision Update(const std::string& key, const std::string& value,
                  Revision expected_mod_revision) override;
  DeleteResult Delete(const std::string& key, Revision expected_mod_revision) override;
  std::unique_ptr<WatchHandle> Watch(const std::string& prefix, Revision from_revision,
                                     WatchCallback callback) override;
  void Compact(Revision revision) override;
  Revision CurrentRevision() override;
  Revision CompactedRevision() override;

 private:
  etcdserverpb::TxnResponse Txn(const etcdserverpb::TxnRequest& request, const std::string& what);
  // A range read on whichever member answers; the status is the caller's to judge, since a
  // compacted revision is an answer to some callers and an error to others.
  grpc::Status Range(const etcdserverpb::RangeRequest& request,
                     etcdserverpb::RangeResponse* response, std::string* endpoint);
  // Whether a read at `revision` is refused as compacted.
  bool IsCompacted(Revision revision);
  // The watch feed's thread: follows the prefix from `after` on, failing over between members.
  void Feed(Revision after);

  EtcdOptions options_;
  EtcdClient client_;
  std::unique_ptr<WatchCache> watch_cache_;

  std::mutex mutex_;
  Revision compacted_ = 0;  // the newest compaction point seen; only ever grows
  bool stopping_ = false;
  std::condition_variable feed_stopped_;         // wakes the feed from its pause between retries
  grpc::ClientContext* feed_context_ = nullptr;  // the feed's stream, to cancel it on close
  std::thread feed_;
};

}  // namespace hostlet::storage
