#include "controlplane/storage/store.h"

namespace hostlet::storage {

std::string_view ErrorCodeName(ErrorCode code) {
  switch (code) {
    case ErrorCode::kNotFound:
      return "NotFound";
    case ErrorCode::kAlreadyExists:
      return "AlreadyExists";
    case ErrorCode::kConflict:
      return "Conflict";
    case ErrorCode::kGone:
      return "Gone";
    case ErrorCode::kInvalidArgument:
      return "InvalidArgument";
    case ErrorCode::kInternal:
      return "Internal";
  }
  return "Unknown";
}

StorageError::StorageError(ErrorCode code, const std::string& message)
    : std::runtime_error(std::string(ErrorCodeName(code)) + ": " + message), code_(code) {}

void Store::CompactOlderThan(Revision retain_revisions) {
  Revision target = CurrentRevision() - retain_revisions;
  if (target > CompactedRevision()) Compact(target);
}

}  // namespace hostlet::storage
