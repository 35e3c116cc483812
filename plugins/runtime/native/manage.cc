// `state`, `list`, `kill`, `delete` and `update`: the commands that act on containers already made.
#include "plugins/runtime/native/cgroups.h"
#include "plugins/runtime/native/commands.h"
#include "plugins/runtime/native/container_state.h"

#include <signal.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>
#include <thread>

namespace hostlet::native {
namespace {

int SignalNumber(const std::string& name) {
  static const std::pair<const char*, int> kSignals[] = {
      {"HUP", SIGHUP},   {"INT", SIGINT},     {"QUIT", SIGQUIT}, {"KILL", SIGKILL},
      {"USR1", SIGUSR1}, {"USR2", SIGUSR2},   {"TERM", SIGTERM}, {"STOP", SIGSTOP},
      {"CONT", SIGCONT}, {"WINCH", SIGWINCH}, {"PIPE", SIGPIPE}, {"ALRM", SIGALRM},
      {"ABRT", SIGABRT}, {"TRAP", SIGTRAP},   {"CHLD", SIGCHLD}};
  if (!name.empty() &&
      std::all_of(name.begin(), name.end(), [](char c) { return std::isdigit(c); })) {
    int number = std::stoi(name);
    if (number > 0 && number < NSIG) return number;
  }
  std::string bare = name.starts_with("SIG") ? name.substr(3) : name;
  for (const auto& [known, number] : kSignals) {
    if (bare == known) return number;
  }
  throw std::invalid_argument("unknown signal \"" + name + "\"");
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
  if (!state.Running()) throw std::runtime_error("container \"" + id + "\" is not running");
  if (kill(state.pid, number) != 0)
    throw std::runtime_error("signalling the container: " + std::string(std::strerror(errno)));
  return 0;
}

int Delete(const std::filesystem::path& root, const std::string& id, bool force) {
  ContainerState state = LoadState(root, id);
  ContainerCgroup cgroup(state.cgroups_path);
  if (state.Running()) {
    if (!force)
      throw std::runtime_error("container \"" + id + "\" is running; stop it or use --force");
    kill(state.pid, SIGKILL);
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
