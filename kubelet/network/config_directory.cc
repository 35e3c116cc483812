#include "kubelet/network/config_directory.h"

#include <sys/stat.h>

#include <algorithm>
#include <fstream>
#include <iterator>
#include <vector>

namespace hostlet::network {
namespace {

struct Candidate {
  std::string name;
  struct stat info;
};

bool IsConfigName(const std::filesystem::path& name) {
  const std::string extension = name.extension().string();
  return extension == ".conflist" || extension == ".conf" || extension == ".json";
}

// The candidate files, lexically ordered; a missing directory has none.
std::vector<Candidate> ListCandidates(const std::filesystem::path& dir) {
  std::vector<Candidate> candidates;
  std::error_code error;
  for (std::filesystem::directory_iterator it(dir, error), end; !error && it != end;
       it.increment(error)) {
    const std::filesystem::path& path = it->path();
    if (!IsConfigName(path.filename())) continue;
    Candidate candidate{path.filename().string(), {}};
    // stat, not lstat: configuration files are often links (a mounted ConfigMap, say).
    if (stat(path.c_str(), &candidate.info) != 0 || !S_ISREG(candidate.info.st_mode)) continue;
    candidates.push_back(std::move(candidate));
  }
  if (error && error != std::errc::no_such_file_or_directory) {
    throw Error(kCniIoFailure,
                dir.string() + ": cannot list network configurations: " + error.message());
  }
  std::sort(candidates.begin(), candidates.end(),
            [](const Candidate& a, const Candidate& b) { return a.name < b.name; });
  return candidates;
}

std::string Fingerprint(const std::vector<Candidate>& candidates) {
  std::string print;
  for (const Candidate& candidate : candidates) {
    const struct stat& info = candidate.info;
    print += candidate.name + '\0' + std::to_string(info.st_ino) + ':' +
             std::to_string(info.st_size) + ':' + std::to_string(info.st_mtim.tv_sec) + '.' +
             std::to_string(info.st_mtim.tv_nsec) + '\0';
  }
  return print;
}

NetworkConfigList Read(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::string bytes{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  if (!in.good() && !in.eof()) {
    throw Error(kCniIoFailure, file.string() + ": cannot read the network configuration");
  }
  if (file.extension() == ".conflist") return ParseConfigList(std::move(bytes), file.string());
  return ParseSingleConfig(bytes, file.string());
}

}  // namespace

std::shared_ptr<const NetworkConfigList> ConfigDirectory::Current() {
  std::lock_guard lock(mutex_);
  std::vector<Candidate> candidates = ListCandidates(dir_);
  std::string print = Fingerprint(candidates);
  if (fingerprint_ != print) {
    current_.reset();
    error_.reset();
    try {
      if (candidates.empty()) {
        throw Error(kCniNotAvailable,
                    "no network configuration (*.conflist, *.conf, *.json) in " + dir_.string());
      }
      current_ = std::make_shared<const NetworkConfigList>(Read(dir_ / candidates.front().name));
    } catch (const Error& error) {
      error_ = error;
    }
    fingerprint_ = std::move(print);
  }
  if (error_) throw *error_;
  return current_;
}

}  // namespace hostlet::network
