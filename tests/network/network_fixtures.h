// What the network tests share: shell commands, network namespaces, host links and subnets
// that are cleaned up whatever happens, files written the way a careful operator replaces
// configuration (a temporary file renamed over the old one), and CNI bin dirs of scripts.
#pragma once

#include "tests/support/fixtures.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <string>
#include <thread>

namespace hostlet::network::testing {

using hostlet::testing::TempDir;

struct Shell {
  int status;
  std::string output;  // stdout and stderr
};

inline Shell Run(const std::string& command) {
  Shell result{-1, {}};
  FILE* pipe = popen((command + " 2>&1").c_str(), "r");
  if (pipe == nullptr) return result;
  char buffer[4096];
  size_t n;
  while ((n = fread(buffer, 1, sizeof buffer, pipe)) > 0) result.output.append(buffer, n);
  int status = pclose(pipe);
  result.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

// Names unique to this process and call, short enough for an interface name (15 bytes).
inline std::string UniqueName(const std::string& prefix) {
  static std::atomic<int> counter{0};
  return prefix + std::to_string(getpid()) + "x" + std::to_string(counter++);
}

class NetNs {
 public:
  NetNs() : name_(UniqueName("hltns")) {
    Shell add = Run("ip netns add " + name_);
    if (add.status != 0) throw std::runtime_error("ip netns add " + name_ + ": " + add.output);
  }
  ~NetNs() { Run("ip netns del " + name_); }
  NetNs(const NetNs&) = delete;
  NetNs& operator=(const NetNs&) = delete;

  const std::string& name() const { return name_; }
  std::string path() const { return "/run/netns/" + name_; }
  Shell Exec(const std::string& command) const {
    return Run("ip netns exec " + name_ + " " + command);
  }

 private:
  std::string name_;
};

// A host interface a plugin creates (the bridge), deleted when the test ends.
class HostLink {
 public:
  HostLink() : name_(UniqueName("hb")) {}
  ~HostLink() {
    if (Exists()) Run("ip link del " + name_);
  }
  HostLink(const HostLink&) = delete;
  HostLink& operator=(const HostLink&) = delete;

  const std::string& name() const { return name_; }
  bool Exists() const { return Run("ip link show dev " + name_).status == 0; }

 private:
  std::string name_;
};

// A /24 in 10.199.0.0/16 that no route of the host uses and no other test process holds,
// claimed with a lock file naming this process (a dead holder's claim is taken over).
class Subnet {
 public:
  Subnet() {
    const std::filesystem::path locks = "/run/hostlet-test-subnets";
    const std::string routes = Run("ip -4 route show table all").output;
    for (int attempt = 0; attempt < 250; ++attempt) {
      int octet = (getpid() + attempt * 7 + Counter()++) % 250 + 1;
      std::string prefix = "10.199." + std::to_string(octet) + ".";
      if (routes.find(prefix) != std::string::npos) continue;
      std::filesystem::path lock = locks / prefix;
      if (Claim(lock)) {
        prefix_ = prefix;
        lock_ = lock;
        return;
      }
    }
    throw std::runtime_error("no free /24 in 10.199.0.0/16");
  }
  ~Subnet() {
    unlink(lock_.c_str());
    rmdir(lock_.parent_path().c_str());  // the last one out; fails while others hold theirs
  }
  Subnet(const Subnet&) = delete;
  Subnet& operator=(const Subnet&) = delete;

  std::string cidr() const { return prefix_ + "0/24"; }
  std::string prefix() const { return prefix_; }  // "10.199.N.", the first three octets
  std::string address(int host) const { return prefix_ + std::to_string(host); }

 private:
  static std::atomic<int>& Counter() {
    static std::atomic<int> counter{0};
    return counter;
  }
  static bool Claim(const std::filesystem::path& lock) {
    for (int tries = 0; tries < 2; ++tries) {
      std::error_code ignored;
      std::filesystem::create_directories(lock.parent_path(), ignored);
      int fd = open(lock.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
      if (fd >= 0) {
        std::string pid = std::to_string(getpid());
        bool written = write(fd, pid.data(), pid.size()) == static_cast<ssize_t>(pid.size());
        close(fd);
        return written;
      }
      std::ifstream in(lock);
      int holder = 0;
      in >> holder;
      if (holder > 0 && (kill(holder, 0) == 0 || errno != ESRCH)) return false;
      unlink(lock.c_str());
    }
    return false;
  }

  std::string prefix_;
  std::filesystem::path lock_;
};

// Replaces `file` as an operator should: a temporary file renamed over it.
inline void WriteFile(const std::filesystem::path& file, const std::string& text,
                      std::filesystem::perms mode = std::filesystem::perms(0644)) {
  std::filesystem::path temporary = file;
  temporary += ".tmp";
  {
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    out << text;
  }
  std::filesystem::permissions(temporary, mode);
  std::filesystem::rename(temporary, file);
}

inline std::string ReadFile(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// A CNI plugin written as a shell script.
inline void WriteScript(const std::filesystem::path& dir, const std::string& name,
                        const std::string& body) {
  WriteFile(dir / name, "#!/bin/sh\n" + body, std::filesystem::perms(0755));
}

// Whether a process is gone: no longer there, or dead and waiting to be reaped.
inline bool ProcessGone(int pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  if (!stat) return true;
  std::string line;
  std::getline(stat, line);
  size_t close = line.rfind(')');
  return close != std::string::npos && close + 2 < line.size() &&
         (line[close + 2] == 'Z' || line[close + 2] == 'X');
}

// Polls `condition` until it holds or `timeout` passes; returns whether it held.
template <class Condition>
bool Eventually(Condition condition, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!condition()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return true;
}

}  // namespace hostlet::network::testing
