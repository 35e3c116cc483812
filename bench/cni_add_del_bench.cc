// ADD+DEL latency of one pod on a bridge network with host-local addresses, three ways, in the
// same run and interleaved so that machine noise falls on all alike:
//   - the bridge module in process, called through the C ABI Channel (what the agent does);
//   - the same module as a CNI binary (hostlet-cni), exec'd per command;
//   - the reference bridge + host-local binaries (containernetworking-plugins).
// Prints p50/p99 of each and the ratios to the in-process path. With --sequential, each path's
// iterations run back to back instead (kernel work left over by one path, such as deferred
// device teardown, then no longer lands on the next).
//
// It runs as root in a network namespace of its own (the "host" for the bridge), with one pod
// namespace reused by every iteration, and removes both, and its data directory, at the end.
#include "kubelet/plugins/loader.h"

#include <hostlet/abi.h>

#include <nlohmann/json.hpp>

#include <fcntl.h>
#include <sched.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

extern char** environ;

namespace {

constexpr int kIterations = 100;
constexpr int kWarmUp = 10;

// Runs `argv` with `env`, `input` on stdin; returns the exit code and stdout.
std::pair<int, std::string> Exec(const std::vector<std::string>& argv,
                                 const std::vector<std::string>& env, const std::string& input) {
  int in[2];
  int out[2];
  if (pipe2(in, O_CLOEXEC) != 0 || pipe2(out, O_CLOEXEC) != 0) throw std::runtime_error("pipe");
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, in[0], STDIN_FILENO);
  posix_spawn_file_actions_adddup2(&actions, out[1], STDOUT_FILENO);
  std::vector<char*> args;
  for (const auto& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
  args.push_back(nullptr);
  std::vector<char*> envp;
  for (const auto& entry : env) envp.push_back(const_cast<char*>(entry.c_str()));
  envp.push_back(nullptr);
  pid_t pid = -1;
  int error = posix_spawnp(&pid, args[0], &actions, nullptr, args.data(),
                           env.empty() ? environ : envp.data());
  posix_spawn_file_actions_destroy(&actions);
  close(in[0]);
  close(out[1]);
  if (error != 0) throw std::runtime_error("cannot start " + argv[0]);
  // Configurations are far smaller than a pipe's buffer, so writing first cannot block.
  if (write(in[1], input.data(), input.size()) != static_cast<ssize_t>(input.size())) {
    throw std::runtime_error("short write to " + argv[0]);
  }
  close(in[1]);
  std::string output;
  char buffer[4096];
  for (ssize_t n; (n = read(out[0], buffer, sizeof(buffer))) > 0;) output.append(buffer, n);
  close(out[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, output};
}

void Shell(const std::vector<std::string>& argv) {
  auto [code, out] = Exec(argv, {}, "");
  if (code != 0) throw std::runtime_error("failed: " + argv[0] + " " + argv[1] + ": " + out);
}

// One CNI command; throws with the plugin's output when it fails.
using Command = std::function<void(const std::string& command, const std::string& container_id)>;

Command InProcess(hostlet::Channel& channel, const std::string& netns,
                  const nlohmann::json& config) {
  return [&channel, netns, config](const std::string& command, const std::string& id) {
    nlohmann::json envelope = {{"containerID", id}, {"netns", netns}, {"ifName", "eth0"},
                               {"args", ""},        {"path", ""},     {"config", config}};
    std::string response;
    grpc::Status status = channel.Unary(command.c_str(), envelope.dump(), &response);
    if (!status.ok()) throw std::runtime_error(command + ": " + status.error_message());
  };
}

Command Binary(const std::string& binary, const std::string& cni_path, const std::string& netns,
               const nlohmann::json& config) {
  const std::string input = config.dump();
  return [=](const std::string& command, const std::string& id) {
    auto [code, out] =
        Exec({binary},
             {"CNI_COMMAND=" + command, "CNI_CONTAINERID=" + id, "CNI_NETNS=" + netns,
              "CNI_IFNAME=eth0", "CNI_PATH=" + cni_path, "PATH=/usr/sbin:/usr/bin:/sbin:/bin"},
             input);
    if (code != 0) throw std::runtime_error(command + " via " + binary + ": " + out);
  };
}

struct Path {
  Path(std::string name, std::string container_id, Command run)
      : name(std::move(name)), container_id(std::move(container_id)), run(std::move(run)) {}
  std::string name;
  std::string container_id;
  Command run;
  std::vector<double> micros;  // ADD+DEL
  std::vector<double> add_micros;
  std::vector<double> del_micros;
};

double Percentile(std::vector<double> samples, double fraction) {
  std::sort(samples.begin(), samples.end());
  size_t index = std::min(samples.size() - 1, static_cast<size_t>(fraction * samples.size()));
  return samples[index];
}

int Main(bool sequential) {
  if (unshare(CLONE_NEWNET) != 0) {
    std::fprintf(stderr, "needs root: cannot create its own network namespace\n");
    return 1;
  }
  Shell({"ip", "link", "set", "lo", "up"});
  const std::string pid = std::to_string(getpid());
  const std::string pod = "hostlet-bench-" + pid;
  const std::string netns = "/var/run/netns/" + pod;
  const auto work = std::filesystem::temp_directory_path() / ("hostlet-cni-bench-" + pid);
  std::filesystem::create_directories(work / "bin");
  Shell({"ip", "netns", "add", pod});
  struct Cleanup {
    std::string pod;
    std::filesystem::path work;
    ~Cleanup() {
      Exec({"ip", "netns", "del", pod}, {}, "");
      std::filesystem::remove_all(work);
    }
  } cleanup{pod, work};

  const nlohmann::json config = {{"cniVersion", "1.0.0"},
                                 {"name", "bench"},
                                 {"type", "bridge"},
                                 {"bridge", "hlbench0"},
                                 {"isGateway", true},
                                 {"ipam",
                                  {{"type", "host-local"},
                                   {"dataDir", (work / "ipam").string()},
                                   {"ranges", {{{{"subnet", "10.123.0.0/24"}}}}}}}};
  std::filesystem::create_symlink(HOSTLET_CNI_BINARY, work / "bin" / "bridge");
  std::filesystem::create_symlink(HOSTLET_CNI_BRIDGE_MODULE, work / "bin" / "bridge.so");
  auto module = hostlet::plugins::Load(HOSTLET_CNI_BRIDGE_MODULE, HOSTLET_KIND_NETWORK);
  auto channel = module->Create();

  std::vector<Path> paths;
  paths.emplace_back("in-process module (C ABI)", "bench-abi", InProcess(*channel, netns, config));
  paths.emplace_back(
      "module as binary (hostlet-cni)", "bench-exec",
      Binary((work / "bin" / "bridge").string(), (work / "bin").string(), netns, config));
  paths.emplace_back(
      "reference bridge + host-local", "bench-ref",
      Binary(HOSTLET_REFERENCE_CNI_DIR "/bridge", HOSTLET_REFERENCE_CNI_DIR, netns, config));

  auto measure = [](Path& path, bool keep) {
    auto start = std::chrono::steady_clock::now();
    path.run("ADD", path.container_id);
    auto added = std::chrono::steady_clock::now();
    path.run("DEL", path.container_id);
    auto deleted = std::chrono::steady_clock::now();
    if (!keep) return;
    using Micros = std::chrono::duration<double, std::micro>;
    path.micros.push_back(Micros(deleted - start).count());
    path.add_micros.push_back(Micros(added - start).count());
    path.del_micros.push_back(Micros(deleted - added).count());
  };
  if (sequential) {
    for (Path& path : paths) {
      for (int i = 0; i < kWarmUp + kIterations; ++i) measure(path, i >= kWarmUp);
    }
  } else {
    for (int i = 0; i < kWarmUp + kIterations; ++i) {
      for (Path& path : paths) measure(path, i >= kWarmUp);
    }
  }

  std::printf("ADD+DEL of one pod (bridge + host-local), %d iterations each, %s\n", kIterations,
              sequential ? "one path after the other" : "interleaved");
  std::printf("%-32s %10s %10s %12s %12s\n", "path", "p50 (us)", "p99 (us)", "ADD p50", "DEL p50");
  for (const Path& path : paths) {
    std::printf("%-32s %10.0f %10.0f %12.0f %12.0f\n", path.name.c_str(),
                Percentile(path.micros, 0.5), Percentile(path.micros, 0.99),
                Percentile(path.add_micros, 0.5), Percentile(path.del_micros, 0.5));
  }
  const double base50 = Percentile(paths[0].micros, 0.5);
  const double base99 = Percentile(paths[0].micros, 0.99);
  for (size_t i = 1; i < paths.size(); ++i) {
    std::printf("%s / in-process: p50 %.1fx, p99 %.1fx\n", paths[i].name.c_str(),
                Percentile(paths[i].micros, 0.5) / base50,
                Percentile(paths[i].micros, 0.99) / base99);
  }
  return 0;
}

}  // namespace

// --sequential runs each path's iterations together instead of interleaving them.
int main(int argc, char** argv) {
  try {
    return Main(argc > 1 && std::string(argv[1]) == "--sequential");
  } catch (const std::exception& error) {
    std::fprintf(stderr, "cni_add_del_bench: %s\n", error.what());
    return 1;
  }
}
