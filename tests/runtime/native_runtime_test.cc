// hostlet-runtime driven through its command line, as the OCI runtime module drives it, on a
// bundle of busybox: a container gets its namespaces, cgroup, limits and settings and is removed
// without a trace; exec runs inside it; mount points cannot lead out of the root; bad configs and
// misuse are refused with the reason and leave nothing behind. (The module's own tests run every
// CRI feature on it too: tests/runtime/pods_test.cc.)
#include "tests/support/cgroup_root.h"
#include "tests/support/child_process.h"
#include "tests/support/fixtures.h"
#include "tests/support/run_command.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <fcntl.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <string>

namespace hostlet {
namespace {

using nlohmann::json;
using testing::CommandResult;
using ::testing::HasSubstr;
using testing::ReadFile;

class NativeRuntime : public ::testing::Test {
 protected:
  void SetUp() override {
    // Containers outlive the runtime process that made them; this test adopts and reaps them.
    prctl(PR_SET_CHILD_SUBREAPER, 1);
    std::filesystem::create_directories(dir.path() / "bundle/rootfs/bin");
    std::filesystem::copy_file("/bin/busybox", dir.path() / "bundle/rootfs/bin/busybox");
    for (const char* tool :
         {"sh", "sleep", "cat", "id", "hostname", "mkdir", "ls", "echo", "true"}) {
      std::filesystem::create_symlink("busybox", dir.path() / "bundle/rootfs/bin" / tool);
    }
    config = {{"ociVersion", "1.0.2"},
              {"process",
               {{"terminal", false},
                {"user", {{"uid", 0}, {"gid", 0}}},
                {"args", {"sleep", "1000"}},
                {"env", {"PATH=/bin", "GREETING=hello"}},
                {"cwd", "/"},
                {"capabilities",
                 {{"bounding", {"CAP_KILL", "CAP_NET_BIND_SERVICE"}},
                  {"effective", {"CAP_KILL", "CAP_NET_BIND_SERVICE"}},
                  {"permitted", {"CAP_KILL", "CAP_NET_BIND_SERVICE"}}}},
                {"noNewPrivileges", true}}},
              {"root", {{"path", "rootfs"}, {"readonly", false}}},
              {"hostname", "native-test"},
              {"mounts",
               {{{"destination", "/proc"}, {"type", "proc"}, {"source", "proc"}},
                {{"destination", "/dev"},
                 {"type", "tmpfs"},
                 {"source", "tmpfs"},
                 {"options", {"nosuid", "mode=755"}}},
                {{"destination", "/sys"},
                 {"type", "sysfs"},
                 {"source", "sysfs"},
                 {"options", {"nosuid", "noexec", "nodev", "ro"}}}}},
              {"linux",
               {{"namespaces",
                 {{{"type", "pid"}}, {{"type", "mount"}}, {{"type", "uts"}}, {{"type", "ipc"}}}},
                {"cgroupsPath", cgroups.path() + "/c1"},
                {"resources",
                 {{"memory", {{"limit", 64 << 20}}},
                  {"devices", {{{"allow", false}, {"access", "rwm"}}}}}},
                {"maskedPaths", {"/proc/timer_list", "/sys/firmware"}},
                {"readonlyPaths", {"/proc/sys"}}}}};
  }

  void TearDown() override {
    Runtime("delete --force c1");
    // Reap what this test adopted.
    while (waitpid(-1, nullptr, WNOHANG) > 0) {
    }
  }

  void WriteConfig() { std::ofstream(dir.path() / "bundle/config.json") << config.dump(); }

  CommandResult Runtime(const std::string& arguments) {
    return testing::RunCommand(std::string(HOSTLET_NATIVE_RUNTIME) + " --root " + (dir / "state") +
                               " " + arguments);
  }

  // The container inherits run's stdout and stderr, as with runc: they go to a file, so that
  // reading run's output does not wait for the container to end.
  CommandResult Start(const std::string& id = "c1") {
    WriteConfig();
    CommandResult result =
        Runtime("run --detach --bundle " + (dir / "bundle") + " --pid-file " + (dir / "pid") + " " +
                id + " > " + (dir / "run.log") + " 2>&1 < /dev/null");
    result.output = ReadFile(dir.path() / "run.log");
    return result;
  }

  pid_t Pid() { return std::stoi(ReadFile(dir.path() / "pid")); }

  std::string MemoryCgroup() { return "/sys/fs/cgroup/memory" + cgroups.path() + "/c1"; }

  // No state, no cgroup directory in any hierarchy.
  bool NothingLeft() {
    if (std::filesystem::exists(dir.path() / "state/c1")) return false;
    for (const auto& hierarchy : std::filesystem::directory_iterator("/sys/fs/cgroup")) {
      if (std::filesystem::exists(hierarchy.path().string() + cgroups.path() + "/c1")) return false;
    }
    return true;
  }

  int ProcessesInCgroup() {
    std::ifstream procs(MemoryCgroup() + "/cgroup.procs");
    int count = 0;
    for (pid_t pid; procs >> pid;) ++count;
    return count;
  }

  testing::TempDir dir;
  testing::CgroupRoot cgroups{"hostlet-native-runtime-test"};
  json config;
};

TEST_F(NativeRuntime, RunsAContainerInItsNamespacesAndCgroupAndDeletesItWithoutATrace) {
  CommandResult started = Start();
  ASSERT_EQ(started.exit_code, 0) << started.output;
  pid_t pid = Pid();
  EXPECT_EQ(kill(pid, 0), 0);

  CommandResult state = Runtime("state c1");
  ASSERT_EQ(state.exit_code, 0) << state.output;
  json parsed = json::parse(state.output);
  EXPECT_EQ(parsed["status"], "running");
  EXPECT_EQ(parsed["pid"], pid);
  EXPECT_EQ(Runtime("list -q").output, "c1\n");

  // Its own mount and PID namespaces, in its cgroup, with the memory limit written.
  for (const char* ns : {"mnt", "pid", "uts", "ipc"}) {
    struct stat mine {
    }, theirs{};
    stat((std::string("/proc/self/ns/") + ns).c_str(), &mine);
    stat(("/proc/" + std::to_string(pid) + "/ns/" + ns).c_str(), &theirs);
    EXPECT_NE(mine.st_ino, theirs.st_ino) << ns;
  }
  EXPECT_THAT(ReadFile("/proc/" + std::to_string(pid) + "/cgroup"),
              HasSubstr("memory:" + cgroups.path() + "/c1\n"));
  EXPECT_EQ(ReadFile(MemoryCgroup() + "/memory.limit_in_bytes"), std::to_string(64 << 20) + "\n");

  // exec: inside the container, with its hostname, environment, user and capabilities.
  CommandResult exec = Runtime(
      "exec c1 sh -c 'hostname; echo $GREETING; id -u; grep CapEff /proc/self/status; "
      "cat /proc/1/cmdline | tr \"\\0\" \" \"; grep NoNewPrivs /proc/self/status'");
  ASSERT_EQ(exec.exit_code, 0) << exec.output;
  EXPECT_THAT(exec.output, HasSubstr("native-test\nhello\n0\n"));
  EXPECT_THAT(exec.output, HasSubstr("CapEff:\t0000000000000420"));  // KILL, NET_BIND_SERVICE
  EXPECT_THAT(exec.output, HasSubstr("sleep 1000"));
  EXPECT_THAT(exec.output, HasSubstr("NoNewPrivs:\t1"));
  // Masked and read-only paths, and /dev's own nodes.
  EXPECT_EQ(
      Runtime("exec c1 sh -c 'cat /proc/timer_list | wc -c; ls /sys/firmware | wc -l'").output,
      "0\n0\n");
  EXPECT_THAT(Runtime("exec c1 sh -c 'echo x > /proc/sys/kernel/hostname'").output,
              HasSubstr("Read-only file system"));
  EXPECT_EQ(Runtime("exec c1 sh -c 'echo hi > /dev/null && ls /dev/zero'").output, "/dev/zero\n");
  // The exit code of the command is exec's.
  EXPECT_EQ(Runtime("exec c1 sh -c 'exit 7'").exit_code, 7);

  CommandResult deleted = Runtime("delete --force c1");
  ASSERT_EQ(deleted.exit_code, 0) << deleted.output;
  waitpid(pid, nullptr, 0);
  EXPECT_TRUE(NothingLeft());
  EXPECT_EQ(Runtime("list -q").output, "");
}

TEST_F(NativeRuntime, AMountPointThatLinksOutOfTheRootStaysInsideIt) {
  // An image's symlink pointing at a host directory: the mount must land in the image's own
  // directory of that name, never on the host's.
  std::filesystem::path host_side = dir.path() / "host-side";
  std::filesystem::create_directories(host_side);
  std::filesystem::create_directories(dir.path() / "bundle/rootfs" / host_side.relative_path());
  std::filesystem::create_symlink(host_side, dir.path() / "bundle/rootfs/escape");
  std::filesystem::create_directories(dir.path() / "volume");
  std::ofstream(dir.path() / "volume/marker") << "volume";
  config["mounts"].push_back({{"destination", "/escape"},
                              {"type", "bind"},
                              {"source", dir / "volume"},
                              {"options", {"rbind", "ro"}}});
  CommandResult started = Start();
  ASSERT_EQ(started.exit_code, 0) << started.output;
  // Seen from inside, the volume is where the link leads within the root; the host's directory
  // of that name, which the container cannot see, got nothing.
  EXPECT_EQ(Runtime("exec c1 cat /escape/marker").output, "volume");
  EXPECT_THAT(ReadFile("/proc/" + std::to_string(Pid()) + "/mountinfo"),
              HasSubstr(" " + host_side.string() + " "));
  EXPECT_FALSE(std::filesystem::exists(host_side / "marker"));
  // "ro" holds.
  EXPECT_NE(Runtime("exec c1 sh -c 'echo x > /escape/other'").exit_code, 0);
}

TEST_F(NativeRuntime, BadConfigsAreRefusedNamingTheFieldAndLeaveNothing) {
  struct Case {
    const char* what;
    std::function<void(json&)> change;
    const char* reason;
  };
  std::vector<Case> cases = {
      {"no args", [](json& c) { c["process"]["args"] = json::array(); }, "process.args"},
      {"a terminal", [](json& c) { c["process"]["terminal"] = true; }, "process.terminal"},
      {"a user namespace",
       [](json& c) {
         c["linux"]["namespaces"].push_back({{"type", "user"}});
       },
       "user namespace"},
      {"a relative mount point", [](json& c) { c["mounts"][0]["destination"] = "proc"; },
       "mounts[0].destination"},
      {"an unknown capability",
       [](json& c) { c["process"]["capabilities"]["bounding"] = {"CAP_FLY"}; }, "CAP_FLY"},
      {"a bad seccomp action",
       [](json& c) {
         c["linux"]["seccomp"] = {{"defaultAction", "SCMP_ACT_MAYBE"}};
       },
       "linux.seccomp.defaultAction"},
      {"a wrong type", [](json& c) { c["process"]["cwd"] = 5; }, "process.cwd"},
      {"a missing program", [](json& c) { c["process"]["args"] = {"/bin/not-there"}; },
       "/bin/not-there"},
      {"a uid the kernel reads as \"unchanged\"",
       [](json& c) { c["process"]["user"]["uid"] = 4294967295LL; }, "not a valid id"},
      {"a host sysctl",
       [](json& c) {
         c["linux"]["sysctl"] = {{"kernel.core_pattern", "|/x"}};
       },
       "not a namespaced sysctl"},
      {"a network sysctl without a network namespace",
       [](json& c) {
         c["linux"]["sysctl"] = {{"net.ipv4.ip_forward", "1"}};
       },
       "needs a network namespace"},
      {"a shared root", [](json& c) { c["linux"]["rootfsPropagation"] = "rshared"; },
       "rootfsPropagation"},
      {"the whole cgroup hierarchy", [](json& c) { c["linux"]["cgroupsPath"] = "//"; },
       "names the root of the hierarchy"},
      {"a device outside /dev",
       [](json& c) {
         c["linux"]["devices"] = {{{"path", "/etc/x"}, {"type", "c"}, {"major", 1}, {"minor", 3}}};
       },
       "not a path under /dev"},
      {"a device in a directory bound from the host",
       [](json& c) {
         c["mounts"].push_back({{"destination", "/dev/shm"},
                                {"type", "bind"},
                                {"source", "/tmp"},
                                {"options", {"rbind"}}});
         c["linux"]["devices"] = {
             {{"path", "/dev/shm/x"}, {"type", "c"}, {"major", 1}, {"minor", 3}}};
       },
       "not the container's own"},
      {"CPUs this machine does not have",
       [](json& c) {
         c["linux"]["resources"]["cpu"] = {{"cpus", "999"}};
       },
       "cpuset.cpus"},
  };
  const json good = config;
  for (const auto& bad : cases) {
    config = good;
    bad.change(config);
    CommandResult started = Start();
    EXPECT_EQ(started.exit_code, 1) << bad.what << ": " << started.output;
    EXPECT_THAT(started.output, HasSubstr(bad.reason)) << bad.what;
    EXPECT_TRUE(NothingLeft()) << bad.what;
  }
  std::ofstream(dir.path() / "bundle/config.json") << "{not json";
  CommandResult unreadable = Runtime("run --detach --bundle " + (dir / "bundle") + " c1");
  EXPECT_EQ(unreadable.exit_code, 1);
  EXPECT_THAT(unreadable.output, HasSubstr("is not valid JSON"));
  EXPECT_TRUE(NothingLeft());
}

TEST_F(NativeRuntime, MisuseIsRefusedWithTheReason) {
  ASSERT_EQ(Start().exit_code, 0);
  pid_t pid = Pid();
  CommandResult again = Start();
  EXPECT_EQ(again.exit_code, 1);
  EXPECT_THAT(again.output, HasSubstr("\"c1\" already exists"));
  EXPECT_EQ(kill(pid, 0), 0) << "the running container was touched";

  // A second container in a cgroup that already has processes: they would be its to kill.
  CommandResult shared = Start("c2");
  EXPECT_EQ(shared.exit_code, 1);
  EXPECT_THAT(shared.output, HasSubstr("already has processes"));
  EXPECT_EQ(kill(pid, 0), 0) << "the running container was touched";
  EXPECT_EQ(Runtime("kill c1 SIGRTMINPLUS3").exit_code, 0);  // CRI's spelling of SIGRTMIN+3
  EXPECT_THAT(Runtime("kill c1 SIGNOTHING").output, HasSubstr("unknown signal"));

  CommandResult running = Runtime("delete c1");
  EXPECT_EQ(running.exit_code, 1);
  EXPECT_THAT(running.output, HasSubstr("is running"));

  CommandResult missing = Runtime("exec c1 /bin/not-there");
  EXPECT_EQ(missing.exit_code, 127);
  EXPECT_THAT(missing.output, HasSubstr("/bin/not-there"));

  // update changes the limit in place.
  std::ofstream(dir.path() / "resources.json") << json{{"memory", {{"limit", 32 << 20}}}}.dump();
  CommandResult updated = Runtime("update --resources " + (dir / "resources.json") + " c1");
  EXPECT_EQ(updated.exit_code, 0) << updated.output;
  EXPECT_EQ(ReadFile(MemoryCgroup() + "/memory.limit_in_bytes"), std::to_string(32 << 20) + "\n");

  EXPECT_EQ(Runtime("kill c1 KILL").exit_code, 0);
  waitpid(pid, nullptr, 0);
  EXPECT_EQ(json::parse(Runtime("state c1").output)["status"], "stopped");
  CommandResult stopped = Runtime("kill c1 TERM");
  EXPECT_EQ(stopped.exit_code, 1);
  EXPECT_THAT(stopped.output, HasSubstr("not running"));
  EXPECT_EQ(Runtime("delete c1").exit_code, 0);
  EXPECT_TRUE(NothingLeft());

  CommandResult gone = Runtime("state c1");
  EXPECT_EQ(gone.exit_code, 1);
  EXPECT_THAT(gone.output, HasSubstr("does not exist"));
  EXPECT_THAT(Runtime("run --detach ../c1").output, HasSubstr("invalid container ID"));
  EXPECT_THAT(Runtime("frobnicate c1").output, HasSubstr("unknown command"));
}

TEST_F(NativeRuntime, UserGroupsCapabilitiesAndSeccompApplyToTheFirstProcessAndToExec) {
  config["process"]["user"] = {{"uid", 1000}, {"gid", 1000}, {"additionalGids", {2000}}};
  // Another user's process keeps capabilities across its exec only as ambient ones, which must
  // be permitted and inheritable too.
  config["process"]["capabilities"] = {{"bounding", {"CAP_KILL"}},
                                       {"effective", {"CAP_KILL"}},
                                       {"permitted", {"CAP_KILL"}},
                                       {"inheritable", {"CAP_KILL"}},
                                       {"ambient", {"CAP_KILL"}}};
  config["process"]["noNewPrivileges"] = false;
  config["process"]["args"] = {"sleep", "1000"};
  config["linux"]["seccomp"] = {
      {"defaultAction", "SCMP_ACT_ALLOW"},
      {"syscalls", {{{"names", {"mkdir", "mkdirat"}}, {"action", "SCMP_ACT_ERRNO"}}}}};
  CommandResult started = Start();
  ASSERT_EQ(started.exit_code, 0) << started.output;
  std::string status = ReadFile("/proc/" + std::to_string(Pid()) + "/status");
  EXPECT_THAT(status, HasSubstr("Uid:\t1000\t1000\t1000\t1000"));
  EXPECT_THAT(status, HasSubstr("Gid:\t1000\t1000\t1000\t1000"));
  EXPECT_THAT(status, HasSubstr("Groups:\t2000"));
  EXPECT_THAT(status, HasSubstr("CapEff:\t0000000000000020"));  // CAP_KILL
  EXPECT_THAT(status, HasSubstr("CapBnd:\t0000000000000020"));
  EXPECT_THAT(status, HasSubstr("CapAmb:\t0000000000000020"));
  // The filter is there without no_new_privs, which the spec did not ask for.
  EXPECT_THAT(status, HasSubstr("NoNewPrivs:\t0"));
  EXPECT_THAT(status, HasSubstr("Seccomp:\t2"));
  CommandResult mkdir = Runtime("exec c1 mkdir /made");
  EXPECT_NE(mkdir.exit_code, 0);
  EXPECT_THAT(mkdir.output, HasSubstr("Operation not permitted"));
  EXPECT_EQ(Runtime("exec c1 id -u").output, "1000\n");

  // A command whose exec is killed (a probe's timeout) ends with it, even as another user.
  int before = ProcessesInCgroup();
  testing::ChildProcess exec(
      {HOSTLET_NATIVE_RUNTIME, "--root", dir / "state", "exec", "c1", "sleep", "777"},
      dir / "exec.log");
  ASSERT_TRUE(testing::Eventually([&] { return ProcessesInCgroup() == before + 2; }))
      << ReadFile(dir.path() / "exec.log");
  // It runs from a sealed copy of the runtime: nothing can write the binary through its link.
  std::string exe = std::filesystem::read_symlink("/proc/" + std::to_string(exec.pid()) + "/exe");
  ASSERT_THAT(exe, HasSubstr("memfd:hostlet-runtime"));
  int copy = open(("/proc/" + std::to_string(exec.pid()) + "/exe").c_str(), O_RDONLY | O_CLOEXEC);
  ASSERT_GE(copy, 0);
  EXPECT_EQ(fcntl(copy, F_GET_SEALS) & (F_SEAL_WRITE | F_SEAL_GROW | F_SEAL_SHRINK | F_SEAL_SEAL),
            F_SEAL_WRITE | F_SEAL_GROW | F_SEAL_SHRINK | F_SEAL_SEAL);
  close(copy);
  exec.Stop(SIGKILL, std::chrono::seconds(5));
  EXPECT_TRUE(testing::Eventually([&] { return ProcessesInCgroup() == before; }));
}

TEST_F(NativeRuntime, AProcessWithoutACapabilitiesSectionGetsNone) {
  config["process"].erase("capabilities");
  ASSERT_EQ(Start().exit_code, 0);
  std::string status = ReadFile("/proc/" + std::to_string(Pid()) + "/status");
  EXPECT_THAT(status, HasSubstr("CapEff:\t0000000000000000"));
  EXPECT_THAT(status, HasSubstr("CapBnd:\t0000000000000000"));
}

TEST_F(NativeRuntime, JoinsNamespacesGivenByPathAndSetsTheirSysctls) {
  // A network namespace pinned as a pod's is: the container must be in that one.
  std::string pinned = dir / "netns";
  ASSERT_EQ(
      testing::RunCommand("touch " + pinned + " && unshare --net=" + pinned + " true").exit_code,
      0);
  config["linux"]["namespaces"].push_back({{"type", "network"}, {"path", pinned}});
  const std::string host_value = ReadFile("/proc/sys/net/ipv4/ip_unprivileged_port_start");
  config["linux"]["sysctl"] = {{"net.ipv4.ip_unprivileged_port_start", "80"}};
  CommandResult started = Start();
  EXPECT_EQ(started.exit_code, 0) << started.output;
  if (started.exit_code == 0) {
    struct stat theirs {
    }, expected{};
    stat(("/proc/" + std::to_string(Pid()) + "/ns/net").c_str(), &theirs);
    stat(pinned.c_str(), &expected);
    EXPECT_EQ(theirs.st_ino, expected.st_ino);
    EXPECT_EQ(Runtime("exec c1 cat /proc/sys/net/ipv4/ip_unprivileged_port_start").output, "80\n");
    // The host's own value is untouched.
    EXPECT_EQ(ReadFile("/proc/sys/net/ipv4/ip_unprivileged_port_start"), host_value);
  }
  Runtime("delete --force c1");
  // The host's own network namespace given by path: its sysctls would be the host's.
  config["linux"]["namespaces"].back()["path"] = "/proc/self/ns/net";
  CommandResult host = Start();
  EXPECT_EQ(host.exit_code, 1);
  EXPECT_THAT(host.output, HasSubstr("is the host's"));
  EXPECT_TRUE(NothingLeft());
  umount2(pinned.c_str(), MNT_DETACH);
}

TEST_F(NativeRuntime, KillAllAndForcedDeleteReachEveryProcessWithoutAPidNamespace) {
  // Without a PID namespace of its own, a container's processes do not end with its first one.
  config["linux"]["namespaces"] = {{{"type", "mount"}}, {{"type", "uts"}}, {{"type", "ipc"}}};
  config["process"]["args"] = {"sh", "-c", "sleep 1001 & sleep 1002 & wait"};
  ASSERT_EQ(Start().exit_code, 0);
  ASSERT_TRUE(testing::Eventually([&] { return ProcessesInCgroup() == 3; }));
  auto all_in_state = [&](char wanted) {
    std::ifstream procs(MemoryCgroup() + "/cgroup.procs");
    for (pid_t pid; procs >> pid;) {
      std::string stat = ReadFile("/proc/" + std::to_string(pid) + "/stat");
      size_t end = stat.rfind(')');
      if (end == std::string::npos || stat[end + 2] != wanted) return false;
    }
    return true;
  };
  EXPECT_EQ(Runtime("kill --all c1 STOP").exit_code, 0);
  EXPECT_TRUE(testing::Eventually([&] { return all_in_state('T'); }));
  EXPECT_EQ(Runtime("kill --all c1 SIGCONT").exit_code, 0);
  EXPECT_TRUE(testing::Eventually([&] { return all_in_state('S'); }));
  CommandResult deleted = Runtime("delete --force c1");
  EXPECT_EQ(deleted.exit_code, 0) << deleted.output;
  EXPECT_TRUE(NothingLeft());
}

}  // namespace
}  // namespace hostlet
