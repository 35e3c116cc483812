// The apiserver's storage contract, shaped like etcd v3 so that an etcd backend can sit behind it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace hostlet::storage {

// A global, strictly increasing counter: every committed write gets the next one.
using Revision = std::int64_t;

enum class ErrorCode {
  kNotFound,
  kAlreadyExists,
  kConflict,         // the key's mod_revision is not the one the caller expected
  kGone,             // the revision asked for has been compacted away
  kInvalidArgument,  // e.g. a revision in the future, an empty key
  kInternal,
};

std::string_view ErrorCodeName(ErrorCode code);

class StorageError : public std::runtime_error {
 public:
  StorageError(ErrorCode code, const std::string& message);
  ErrorCode code() const { return code_; }

 private:
  ErrorCode code_;
};

struct KeyValue {
  std::string key;
  std::string value;
  Revision create_revision = 0;
  Revision mod_revision = 0;
};

struct ListResult {
  std::vector<KeyValue> items;  // ordered by key
  Revision revision = 0;        // the revision the whole list was read at
  std::string continue_key;     // empty when this page is the last
};

struct DeleteResult {
  std::string value;      // the value the key held when it was deleted
  Revision revision = 0;  // the revision of the deletion
};

enum class EventType { kAdded, kModified, kDeleted, kError };

struct Event {
  EventType type = EventType::kAdded;
  std::string key;
  std::string value;          // for kDeleted the last value the key held
  Revision mod_revision = 0;  // the revision of the write
  std::string error;          // for kError: why the watch ended; the client must re-list
};

using WatchCallback = std::function<void(const Event&)>;

// A running watch; destroying it stops delivery (after the callback in progress, if any).
class WatchHandle {
 public:
  virtual ~WatchHandle() = default;
};

class Store {
 public:
  virtual ~Store() = default;

  // Returns the revision of the creation; AlreadyExists if the key is present.
  virtual Revision Create(const std::string& key, const std::string& value) = 0;

  virtual KeyValue Get(const std::string& key) = 0;

  // Keys starting with `prefix`, after `continue_key` (the previous page's continue_key), at most
  // `limit` of them (0: no limit), as they were at `at_revision` (0: now). Every page of one list
  // must pass the first page's revision so the pages add up to one consistent snapshot.
  virtual ListResult List(const std::string& prefix, std::size_t limit = 0,
                          const std::string& continue_key = {}, Revision at_revision = 0) = 0;

  // Returns the new mod_revision; Conflict when the key's mod_revision is not `expected`.
  virtual Revision Update(const std::string& key, const std::string& value,
                          Revision expected_mod_revision) = 0;

  // `expected_mod_revision` 0 deletes whatever revision the key is at.
  virtual DeleteResult Delete(const std::string& key, Revision expected_mod_revision = 0) = 0;

  // Events for keys under `prefix` with revisions after `from_revision` (0: from now), in
  // revision order, on a thread of the store's; Gone if those events are no longer kept.
  virtual std::unique_ptr<WatchHandle> Watch(const std::string& prefix, Revision from_revision,
                                             WatchCallback callback) = 0;

  // Forgets history before `revision`: reads and watches at older revisions become Gone, and
  // the space of superseded values is given back.
  virtual void Compact(Revision revision) = 0;

  virtual Revision CurrentRevision() = 0;
  virtual Revision CompactedRevision() = 0;

  // What the owner calls periodically so history stays bounded: keeps the last
  // `retain_revisions` revisions.
  void CompactOlderThan(Revision retain_revisions);
};

}  // namespace hostlet::storage
