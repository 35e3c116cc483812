// `state`, `list`, `kill`, `delete` and `update`: the commands that act on containers already made.
#include "plugins/runtime/native/cgroups.h"
#include "plugins/runtime/native/commands.h"
#include "plugins/runtime/native/container_state.h"

#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>
#include <thread>
#include <tuple>

namespace hostlet::native {
namespace {

// A signal by number or name, with or without "SIG": the standard names, their aliases, and the
// real-time ones as RTMIN+n / RTMAX-n or CRI's spelling (SIGRTMINPLUS3, SIGRTMAXMINUS2).
int SignalNumber(const std::string& name) {
  auto digits = [](const std::string& text) {
    return !text.empty() &&
           std::all_of(text.begin(), text.end(), [](char c) { return std::isdigit(c); });
  };
  if (digits(name)) {
    int number = name.size() > 3 ? 0 : std::stoi(name);
    if (number > 0 && number < NSIG) return number;
    throw std::invalid_argument("signal " + name + " is out of range");
  }
  std::string bare = name.starts_with("SIG") ? name.substr(3) : name;
  static const std::pair<const char*, int> kAliases[] = {
      {"CLD", SIGCHLD}, {"POLL", SIGIO}, {"IOT", SIGABRT}};
  for (const auto& [alias, number] : kAliases) {
    if (bare == alias) return number;
  }
  for (int number = 1; number < SIGRTMIN; ++number) {
    const char* known = sigabbrev_np(number);
    if (known && bare == known) return number;
  }
  for (const auto& [prefix, base, sign] :
       {std::tuple{"RTMINPLUS", SIGRTMIN, 1}, std::tuple{"RTMIN+", SIGRTMIN, 1},
        std::tuple{"RTMAXMINUS", SIGRTMAX, -1}, std::tuple{"RTMAX-", SIGRTMAX, -1}}) {
    std::string rest = bare.substr(0, std::string(prefix).size()) == prefix
                           ? bare.substr(std::string(prefix).size())
                           : "";
    if (digits(rest) && rest.size() <= 3) {
      int number = base + sign * std::stoi(rest);
      if (number >= SIGRTMIN && number <= SIGRTMAX) return number;
    }
  }
  if (bare == "RTMIN") return SIGRTMIN;
  if (bare == "RTMAX") return SIGRTMAX;
  throw std::invalid_argument("unknown signal \"" + name + "\"");
}

// Signals the recorded process only if it is still that process (not a later one with its
// PID): through a pidfd opened, then checked against the recorded start time.
void SignalRecorded(const ContainerState& state, int signal) {
  int pidfd = static_cast<int>(syscall(SYS_pidfd_open, state.pid, 0));
  if (pidfd < 0 && errno == ENOSYS) {
    // A kernel before 5.3: the start time is checked just before the signal instead.
    if (!state.Running()) throw std::runtime_error("container \"" + state.id + "\" is not running");
    if (kill(state.pid, signal) != 0) {
      throw std::runtime_error("signalling the container: " + std::string(std::strerror(errno)));
    }
    return;
  }
  if (pidfd < 0) throw std::runtime_error("container \"" + state.id + "\" is not running");
  bool same = state.Running();
  int sent =
      same ? static_cast<int>(syscall(SYS_pidfd_send_signal, pidfd, signal, nullptr, 0)) : -1;
  int error = errno;
  close(pidfd);
  if (!same) throw std::runtime_error("container \"" + state.id + "\" is not running");
  if (sent != 0)
    throw std::runtime_error("signalling the container: " + std::string(std::strerror(error)));
}

}  // namespace

int State(const std::filesystem::path& root, const std::string& id) {
  ContainerState state = LoadState(root, id);
  bool running = state.Running();
  nlohmann::json json = {
      {"ociVersion", "1.0.2"},           {"id", state.id},
      {"pid", running ? state.pid : 0},  {"status", running ? "running" : "stopped"},
      {"bundle", state.bundle.string()}, {"created", state.created}};
  std::cout << json.dump(2) << "\n";
  return 0;
}

int List(const std::filesystem::path& root, bool quiet) {
  std::error_code missing;
  std::vector<ContainerState> containers;
  for (const auto& entry : std::filesystem::directory_iterator(root, missing)) {
    try {
      containers.push_back(LoadState(root, entry.path().filename()));
    } catch (const std::exception&) {
      // A directory being made or removed by another command has no state yet (or any more).
    }
  }
  if (!quiet) std::cout << "ID\tPID\tSTATUS\tBUNDLE\n";
  for (const auto& state : containers) {
    if (quiet) {
      std::cout << state.id << "\n";
    } else {
      bool running = state.Running();
      std::cout << state.id << "\t" << (running ? state.pid : 0) << "\t"
                << (running ? "running" : "stopped") << "\t" << state.bundle.string() << "\n";
    }
  }
  return 0;
}

int Kill(const std::filesystem::path& root, const std::string& id, const std::string& signal,
         bool all) {
  ContainerState state = LoadState(root, id);
  int number = SignalNumber(signal);
  if (all) {
    for (pid_t pid : ContainerCgroup(state.cgroups_path).Pids()) kill(pid, number);
    return 0;
  }
  SignalRecorded(state, number);
  return 0;
}

int Delete(const std::filesystem::path& root, const std::string& id, bool force) {
  ContainerState state = LoadState(root, id);
  ContainerCgroup cgroup(state.cgroups_path);
  if (state.Running()) {
    if (!force)
      throw std::runtime_error("container \"" + id + "\" is running; stop it or use --force");
    try {
      SignalRecorded(state, SIGKILL);
    } catch (const std::runtime_error&) {
      // It ended meanwhile; the cgroup below is emptied all the same.
    }
  }
  // Whatever is left in the cgroup (processes the first one started) goes too. The container's
  // first process is reaped by its parent (the caller's monitor), not here.
  for (int attempt = 0; attempt < 500; ++attempt) {
    auto pids = cgroup.Pids();
    if (pids.empty()) break;
    for (pid_t pid : pids) kill(pid, SIGKILL);
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  if (!cgroup.Remove())
    throw std::runtime_error("container \"" + id + "\"'s cgroup " + state.cgroups_path +
                             " cannot be removed");
  std::filesystem::remove_all(StateDir(root, id));
  return 0;
}

int Update(const std::filesystem::path& root, const std::string& id,
           const std::filesystem::path& resources) {
  ContainerState state = LoadState(root, id);
  std::ifstream in(resources);
  if (!in) throw std::runtime_error(resources.string() + " cannot be read");
  std::stringstream text;
  text << in.rdbuf();
  nlohmann::json json = nlohmann::json::parse(text.str(), nullptr, false);
  if (!json.is_object()) throw std::runtime_error(resources.string() + " is not a JSON object");
  ContainerCgroup(state.cgroups_path).Apply(json);
  return 0;
}

}  // namespace hostlet::native
