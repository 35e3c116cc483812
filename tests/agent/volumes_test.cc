// Pod volumes on a real filesystem: these tests run as root and mount for real (tmpfs), then
// check the kernel's own view in /proc/self/mountinfo.
#include "kubelet/volumes/atomic_writer.h"
#include "kubelet/volumes/mounts.h"
#include "kubelet/volumes/safe_remove.h"
#include "kubelet/volumes/volume_manager.h"
#include "tests/support/fixtures.h"

#include <fcntl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <fstream>
#include <map>
#include <sstream>
#include <thread>
#include <tuple>

namespace hostlet::agent {
namespace {

namespace fs = std::filesystem;
using hostlet::testing::ReadFile;
using hostlet::testing::TempDir;
using nlohmann::json;

// The apiserver as the volume manager sees it: objects by (kind, namespace, name).
struct FakeApi {
  std::map<std::tuple<std::string, std::string, std::string>, json> objects;
  int calls = 0;

  ObjectGetter Getter() {
    return [this](const std::string& kind, const std::string& ns,
                  const std::string& name) -> std::optional<json> {
      ++calls;
      auto it = objects.find({kind, ns, name});
      if (it == objects.end()) return std::nullopt;
      return it->second;
    };
  }
  void ConfigMap(const std::string& name, json data, json binary = json::object()) {
    objects[{"configmaps", "apps", name}] = {{"metadata", {{"name", name}, {"namespace", "apps"}}},
                                             {"data", std::move(data)},
                                             {"binaryData", std::move(binary)}};
  }
  void Secret(const std::string& name, json data) {
    objects[{"secrets", "apps", name}] = {{"metadata", {{"name", name}, {"namespace", "apps"}}},
                                          {"data", std::move(data)}};
  }
};

json Pod(json volumes, const std::string& uid = "0f6c-uid") {
  return {{"metadata",
           {{"name", "web"},
            {"namespace", "apps"},
            {"uid", uid},
            {"labels", {{"tier", "front"}, {"app", "web"}}},
            {"annotations", {{"note", "say \"hi\"\nbye"}}}}},
          {"spec",
           {{"volumes", std::move(volumes)}, {"containers", json::array({{{"name", "main"}}})}}}};
}

std::string Canonical(const std::string& path) { return fs::canonical(path).string(); }

// The mountinfo lines whose mount point is `path`: the filesystem type after " - ".
std::vector<std::string> MountTypesAt(const std::string& path) {
  std::vector<std::string> types;
  std::ifstream in("/proc/self/mountinfo");
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string id, parent, device, root, point;
    fields >> id >> parent >> device >> root >> point;
    if (point != path) continue;
    auto dash = line.find(" - ");
    std::istringstream rest(line.substr(dash + 3));
    std::string type;
    rest >> type;
    types.push_back(type);
  }
  return types;
}

unsigned Mode(const fs::path& path) {
  struct stat info {};
  EXPECT_EQ(stat(path.c_str(), &info), 0) << path;
  return info.st_mode & 07777;
}

template <class F>
PodConfigError ExpectConfigError(F&& f) {
  try {
    f();
  } catch (const PodConfigError& error) {
    EXPECT_EQ(error.reason, "CreateContainerConfigError");
    return error;
  }
  ADD_FAILURE() << "no PodConfigError";
  return PodConfigError("", "");
}

class VolumesTest : public ::testing::Test {
 protected:
  TempDir root_;
  FakeApi api_;
  fs::path pods_ = root_.path() / "pods";
  VolumeManager manager_{pods_, api_.Getter()};
  fs::path PodDir(const std::string& uid = "0f6c-uid") const { return pods_ / uid; }
};

// --- emptyDir ---

TEST_F(VolumesTest, EmptyDirIsAWorldWritableDirectoryThatSurvivesResync) {
  auto pod = Pod({{{"name", "scratch"}, {"emptyDir", json::object()}}});
  auto volumes = manager_.SetUp(pod);
  const fs::path dir = PodDir() / "volumes/kubernetes.io~empty-dir/scratch";
  ASSERT_EQ(volumes.at("scratch"), dir.string());
  EXPECT_TRUE(fs::is_directory(dir));
  EXPECT_EQ(Mode(dir), 0777u);
  EXPECT_TRUE(MountTypesAt(Canonical(dir)).empty());
  std::ofstream(dir / "kept") << "data";
  EXPECT_EQ(manager_.SetUp(pod), volumes);
  EXPECT_EQ(ReadFile(dir / "kept"), "data");
}

TEST_F(VolumesTest, MemoryEmptyDirIsASizedTmpfsMountedOnceAndUnmountedByTearDown) {
  auto pod =
      Pod({{{"name", "cache"}, {"emptyDir", {{"medium", "Memory"}, {"sizeLimit", "64Mi"}}}}});
  auto volumes = manager_.SetUp(pod);
  const std::string dir = Canonical(volumes.at("cache"));
  EXPECT_EQ(MountTypesAt(dir), std::vector<std::string>{"tmpfs"});
  struct statvfs info {};
  ASSERT_EQ(statvfs(dir.c_str(), &info), 0);
  EXPECT_EQ(static_cast<unsigned long long>(info.f_blocks) * info.f_frsize, 64ull << 20);
  EXPECT_EQ(Mode(dir), 0777u);

  manager_.SetUp(pod);  // a resync must not stack a second tmpfs
  EXPECT_EQ(MountTypesAt(dir).size(), 1u);

  manager_.TearDown("0f6c-uid");
  EXPECT_TRUE(MountTypesAt(dir).empty());
  EXPECT_FALSE(fs::exists(PodDir()));
}

TEST_F(VolumesTest, TearDownDetachesABusyTmpfs) {
  auto volumes = manager_.SetUp(Pod({{{"name", "cache"}, {"emptyDir", {{"medium", "Memory"}}}}}));
  const std::string dir = Canonical(volumes.at("cache"));
  ASSERT_EQ(MountTypesAt(dir).size(), 1u);
  // An open file makes a plain umount fail with EBUSY; the lazy detach still takes it away.
  int fd = open((dir + "/busy").c_str(), O_CREAT | O_RDWR | O_CLOEXEC, 0600);
  ASSERT_GE(fd, 0);
  int cwd = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  ASSERT_EQ(chdir(dir.c_str()), 0);
  EXPECT_NO_THROW(manager_.TearDown("0f6c-uid"));
  ASSERT_EQ(fchdir(cwd), 0);
  close(cwd);
  close(fd);
  EXPECT_TRUE(MountTypesAt(dir).empty());
  EXPECT_FALSE(fs::exists(PodDir()));
}

TEST_F(VolumesTest, TearDownNeverFollowsSymlinksOutOfThePod) {
  TempDir outside;
  std::ofstream(outside / "precious") << "keep me";
  auto volumes = manager_.SetUp(Pod({{{"name", "scratch"}, {"emptyDir", json::object()}}}));
  fs::create_directory_symlink(outside.path(), fs::path(volumes.at("scratch")) / "escape");
  fs::create_symlink(outside.path() / "precious", fs::path(volumes.at("scratch")) / "file-link");
  manager_.TearDown("0f6c-uid");
  EXPECT_FALSE(fs::exists(PodDir()));
  EXPECT_EQ(ReadFile(outside / "precious"), "keep me");
}

TEST_F(VolumesTest, RemovalRefusesToEmptyAMountPoint) {
  // What TearDown relies on when an unmount left something behind: the walk stops at another
  // filesystem instead of deleting its contents.
  const fs::path dir = root_.path() / "tree";
  fs::create_directories(dir / "mnt");
  ASSERT_EQ(mount("tmpfs", (dir / "mnt").c_str(), "tmpfs", 0, "size=1m"), 0) << strerror(errno);
  std::ofstream(dir / "mnt/inside") << "x";
  EXPECT_THROW(RemoveTreeNoFollow(dir), fs::filesystem_error);
  EXPECT_EQ(ReadFile(dir / "mnt/inside"), "x");
  ASSERT_EQ(umount2((dir / "mnt").c_str(), MNT_DETACH), 0);
  EXPECT_NO_THROW(RemoveTreeNoFollow(dir));
  EXPECT_FALSE(fs::exists(dir));
}

TEST_F(VolumesTest, TearDownOfNothingIsFineAndBadUidsAreRefused) {
  EXPECT_NO_THROW(manager_.TearDown("never-there"));
  for (const char* uid : {"", ".", "..", "a/b", "../pods"}) {
    EXPECT_THROW(manager_.TearDown(uid), std::invalid_argument) << uid;
  }
  EXPECT_TRUE(fs::exists(root_.path()));
}

TEST_F(VolumesTest, PodDirectoriesListsEveryPodWithADirectory) {
  EXPECT_TRUE(manager_.PodDirectories().empty());  // pods_dir does not even exist yet
  manager_.SetUp(Pod(json::array(), "uid-a"));
  manager_.SetUp(Pod(json::array(), "uid-b"));
  std::ofstream(pods_ / "stray-file") << "";
  auto uids = manager_.PodDirectories();
  std::sort(uids.begin(), uids.end());
  EXPECT_EQ(uids, (std::vector<std::string>{"uid-a", "uid-b"}));
  manager_.TearDown("uid-a");
  EXPECT_EQ(manager_.PodDirectories(), std::vector<std::string>{"uid-b"});
}

// --- hostPath ---

json HostPath(const std::string& path, const std::string& type) {
  return json::array({{{"name", "host"}, {"hostPath", {{"path", path}, {"type", type}}}}});
}

TEST_F(VolumesTest, HostPathIsUsedInPlaceAndChecksItsType) {
  TempDir host;
  const std::string made = host / "a/b/made";
  auto volumes = manager_.SetUp(Pod(HostPath(made, "DirectoryOrCreate")));
  EXPECT_EQ(volumes.at("host"), made);
  EXPECT_TRUE(fs::is_directory(made));
  EXPECT_EQ(Mode(made), 0755u);
  EXPECT_NO_THROW(manager_.SetUp(Pod(HostPath(made, "Directory"))));

  const std::string file = host / "file";
  manager_.SetUp(Pod(HostPath(file, "FileOrCreate")));
  EXPECT_TRUE(fs::is_regular_file(file));
  EXPECT_EQ(Mode(file), 0644u);
  EXPECT_NO_THROW(manager_.SetUp(Pod(HostPath(file, "File"))));
  EXPECT_NO_THROW(manager_.SetUp(Pod(HostPath(host / "nothing", ""))));
  EXPECT_NO_THROW(manager_.SetUp(Pod(HostPath("/dev/null", "CharDevice"))));

  const std::string socket_path = host / "sock";
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::snprintf(address.sun_path, sizeof address.sun_path, "%s", socket_path.c_str());
  ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
  EXPECT_NO_THROW(manager_.SetUp(Pod(HostPath(socket_path, "Socket"))));
  close(fd);

  auto error =
      ExpectConfigError([&] { manager_.SetUp(Pod(HostPath(host / "missing", "Directory"))); });
  EXPECT_THAT(error.what(), ::testing::HasSubstr("does not exist"));
  EXPECT_FALSE(fs::exists(host / "missing"));
  error = ExpectConfigError([&] { manager_.SetUp(Pod(HostPath(file, "Directory"))); });
  EXPECT_THAT(error.what(), ::testing::HasSubstr("is not a directory"));
  ExpectConfigError([&] { manager_.SetUp(Pod(HostPath(made, "File"))); });
  ExpectConfigError([&] { manager_.SetUp(Pod(HostPath(file, "Socket"))); });
  ExpectConfigError([&] { manager_.SetUp(Pod(HostPath("/dev/null", "BlockDevice"))); });
  ExpectConfigError([&] { manager_.SetUp(Pod(HostPath(file, "CharDevice"))); });
  ExpectConfigError([&] { manager_.SetUp(Pod(HostPath(file, "DirectoryOrCreate"))); });
  ExpectConfigError([&] { manager_.SetUp(Pod(HostPath(made, "FileOrCreate"))); });
  ExpectConfigError([&] { manager_.SetUp(Pod(HostPath(host / "no-dir/file", "FileOrCreate"))); });
  ExpectConfigError([&] { manager_.SetUp(Pod(HostPath(file, "Fifo"))); });

  // TearDown of a pod with hostPath volumes leaves the host's files alone.
  manager_.TearDown("0f6c-uid");
  EXPECT_TRUE(fs::is_regular_file(file));
  EXPECT_TRUE(fs::is_directory(made));
}

// --- configMap and secret ---

TEST_F(VolumesTest, ConfigMapShowsEveryKeyThroughDataWithTheDefaultMode) {
  api_.ConfigMap("app-config", {{"app.conf", "port=80\n"}, {"mode", "prod"}},
                 {{"blob", "AAEC/w=="}});
  auto volumes =
      manager_.SetUp(Pod({{{"name", "config"}, {"configMap", {{"name", "app-config"}}}}}));
  const fs::path dir = volumes.at("config");
  EXPECT_EQ(dir, PodDir() / "volumes/kubernetes.io~configmap/config");
  EXPECT_EQ(ReadFile(dir / "app.conf"), "port=80\n");
  EXPECT_EQ(ReadFile(dir / "mode"), "prod");
  EXPECT_EQ(ReadFile(dir / "blob"), std::string("\x00\x01\x02\xff", 4));
  EXPECT_EQ(Mode(dir / "app.conf"), 0644u);
  EXPECT_TRUE(fs::is_symlink(dir / "app.conf"));
  EXPECT_EQ(fs::read_symlink(dir / "app.conf"), "..data/app.conf");
  EXPECT_TRUE(fs::is_symlink(dir / "..data"));
  EXPECT_EQ(fs::read_symlink(dir / "..data").string().rfind("..20", 0), 0u);
}

TEST_F(VolumesTest, ConfigMapItemsChoosePathsAndModes) {
  api_.ConfigMap("app-config", {{"app.conf", "port=80"}, {"other", "x"}});
  json volume = {{"name", "config"},
                 {"configMap",
                  {{"name", "app-config"},
                   {"defaultMode", 0600},
                   {"items",
                    {{{"key", "app.conf"}, {"path", "etc/app/app.conf"}, {"mode", 0400}},
                     {{"key", "other"}, {"path", "other.txt"}}}}}}};
  const fs::path dir = manager_.SetUp(Pod({volume})).at("config");
  EXPECT_EQ(ReadFile(dir / "etc/app/app.conf"), "port=80");
  EXPECT_EQ(Mode(dir / "etc/app/app.conf"), 0400u);
  EXPECT_EQ(Mode(dir / "other.txt"), 0600u);
  EXPECT_EQ(fs::read_symlink(dir / "etc"), "..data/etc");
  EXPECT_FALSE(fs::exists(dir / "app.conf"));
  EXPECT_FALSE(fs::exists(dir / "other"));
}

TEST_F(VolumesTest, SecretDataIsDecodedFromBase64) {
  api_.Secret("db", {{"password", "czNjcjN0"}, {"token", "AAE="}});
  json volume = {{"name", "creds"}, {"secret", {{"secretName", "db"}, {"defaultMode", 0400}}}};
  const fs::path dir = manager_.SetUp(Pod({volume})).at("creds");
  EXPECT_EQ(dir, PodDir() / "volumes/kubernetes.io~secret/creds");
  EXPECT_EQ(ReadFile(dir / "password"), "s3cr3t");
  EXPECT_EQ(ReadFile(dir / "token"), std::string("\x00\x01", 2));
  EXPECT_EQ(Mode(dir / "password"), 0400u);

  json items = {
      {"name", "creds"},
      {"secret", {{"secretName", "db"}, {"items", {{{"key", "password"}, {"path", "pw"}}}}}}};
  const fs::path again = manager_.SetUp(Pod({items})).at("creds");
  EXPECT_EQ(ReadFile(again / "pw"), "s3cr3t");
  EXPECT_EQ(Mode(again / "pw"), 0644u);
  EXPECT_FALSE(fs::exists(again / "password"));  // the previous payload's names are gone
  EXPECT_FALSE(fs::exists(again / "token"));
}

TEST_F(VolumesTest, MissingObjectsAndKeysFailUnlessOptional) {
  auto error = ExpectConfigError([&] {
    manager_.SetUp(Pod({{{"name", "config"}, {"configMap", {{"name", "app-config"}}}}}));
  });
  EXPECT_STREQ(error.what(), "configmap \"app-config\" not found");
  error = ExpectConfigError([&] {
    manager_.SetUp(Pod({{{"name", "s"}, {"secret", {{"secretName", "db"}}}}}));
  });
  EXPECT_STREQ(error.what(), "secret \"db\" not found");

  // Optional and missing: an empty volume.
  auto volumes = manager_.SetUp(
      Pod({{{"name", "s"}, {"secret", {{"secretName", "db"}, {"optional", true}}}}}));
  EXPECT_TRUE(fs::is_directory(volumes.at("s")));
  EXPECT_FALSE(fs::exists(fs::path(volumes.at("s")) / "password"));

  api_.Secret("db", {{"password", "czNjcjN0"}});
  json missing_key = {
      {"name", "s"},
      {"secret", {{"secretName", "db"}, {"items", {{{"key", "user"}, {"path", "user"}}}}}}};
  error = ExpectConfigError([&] { manager_.SetUp(Pod({missing_key})); });
  EXPECT_STREQ(error.what(), "couldn't find key user in Secret apps/db");
  missing_key["secret"]["optional"] = true;
  missing_key["secret"]["items"].push_back({{"key", "password"}, {"path", "pw"}});
  const fs::path dir = manager_.SetUp(Pod({missing_key})).at("s");
  EXPECT_FALSE(fs::exists(dir / "user"));
  EXPECT_EQ(ReadFile(dir / "pw"), "s3cr3t");
}

TEST_F(VolumesTest, GetterFailuresAreNotConfigErrors) {
  VolumeManager failing(
      pods_, [](const std::string&, const std::string&, const std::string&) -> std::optional<json> {
        throw std::runtime_error("apiserver unreachable");
      });
  try {
    failing.SetUp(Pod({{{"name", "config"}, {"configMap", {{"name", "app-config"}}}}}));
    ADD_FAILURE() << "no error";
  } catch (const PodConfigError&) {
    ADD_FAILURE() << "a retryable failure became a config error";
  } catch (const std::runtime_error& error) {
    EXPECT_STREQ(error.what(), "apiserver unreachable");
  }
}

TEST_F(VolumesTest, UpdatesSwapDataAtomicallyAndKeepNoOldVersions) {
  api_.ConfigMap("app-config", {{"a", "1"}, {"b", "2"}});
  auto pod = Pod({{{"name", "config"}, {"configMap", {{"name", "app-config"}}}}});
  const fs::path dir = manager_.SetUp(pod).at("config");
  const fs::path first = fs::read_symlink(dir / "..data");

  manager_.SetUp(pod);  // unchanged: the same version stays
  EXPECT_EQ(fs::read_symlink(dir / "..data"), first);

  api_.ConfigMap("app-config", {{"a", "10"}, {"c", "3"}});
  manager_.SetUp(pod);
  const fs::path second = fs::read_symlink(dir / "..data");
  EXPECT_NE(second, first);
  EXPECT_EQ(ReadFile(dir / "a"), "10");
  EXPECT_EQ(ReadFile(dir / "c"), "3");
  EXPECT_FALSE(fs::exists(fs::symlink_status(dir / "b")));
  std::vector<std::string> entries;
  for (const auto& entry : fs::directory_iterator(dir))
    entries.push_back(entry.path().filename().string());
  std::sort(entries.begin(), entries.end());
  EXPECT_EQ(entries, (std::vector<std::string>{second.string(), "..data", "a", "c"}));
}

TEST_F(VolumesTest, AReaderNeverSeesHalfAnUpdate) {
  // Two versions whose files must always be read together, as one: a reader that follows
  // ..data once sees both from the same version.
  const std::string big_a(256 * 1024, 'a');
  const std::string big_b(256 * 1024, 'b');
  api_.ConfigMap("app-config", {{"one", big_a}, {"two", big_a}});
  auto pod = Pod({{{"name", "config"}, {"configMap", {{"name", "app-config"}}}}});
  const fs::path dir = manager_.SetUp(pod).at("config");

  std::atomic<bool> stop{false};
  std::atomic<int> torn{0}, reads{0};
  std::thread reader([&] {
    while (!stop) {
      // Resolve ..data once, then read both files of that version.
      std::error_code error;
      fs::path version = fs::read_symlink(dir / "..data", error);
      if (error) continue;
      int fd = open((dir / version / "one").c_str(), O_RDONLY | O_CLOEXEC);
      if (fd < 0) continue;  // that version was just replaced and removed
      std::string one;
      char buffer[65536];
      ssize_t got;
      while ((got = read(fd, buffer, sizeof buffer)) > 0)
        one.append(buffer, static_cast<size_t>(got));
      close(fd);
      if (one != big_a && one != big_b) ++torn;
      // And through the visible name, the way a container reads it.
      std::string two = ReadFile(dir / "two");
      if (!two.empty() && two != big_a && two != big_b) ++torn;
      ++reads;
    }
  });
  for (int i = 0; i < 60; ++i) {
    const std::string& value = i % 2 == 0 ? big_b : big_a;
    api_.ConfigMap("app-config", {{"one", value}, {"two", value}});
    manager_.SetUp(pod);
  }
  stop = true;
  reader.join();
  EXPECT_EQ(torn, 0);
  EXPECT_GT(reads, 0);
}

TEST_F(VolumesTest, ItemPathsCannotLeaveTheVolume) {
  api_.ConfigMap("app-config", {{"a", "1"}});
  for (const char* path :
       {"../escape", "/etc/passwd", "..data", "..hidden/x", "a/../../x", "a//b", "./a", ""}) {
    json volume = {
        {"name", "config"},
        {"configMap", {{"name", "app-config"}, {"items", {{{"key", "a"}, {"path", path}}}}}}};
    ExpectConfigError([&] { manager_.SetUp(Pod({volume})); });
  }
  EXPECT_FALSE(fs::exists(PodDir().parent_path() / "escape"));
  EXPECT_THROW(ValidatePayloadPath("x/.."), PodConfigError);
  EXPECT_NO_THROW(ValidatePayloadPath("x/..y/z"));
}

// --- downwardAPI and projected ---

TEST_F(VolumesTest, DownwardApiWritesPodMetadataAndRefreshesIt) {
  json volume = {
      {"name", "info"},
      {"downwardAPI",
       {{"items",
         {{{"path", "name"}, {"fieldRef", {{"fieldPath", "metadata.name"}}}},
          {{"path", "namespace"}, {"fieldRef", {{"fieldPath", "metadata.namespace"}}}},
          {{"path", "uid"}, {"fieldRef", {{"fieldPath", "metadata.uid"}}}},
          {{"path", "labels"}, {"fieldRef", {{"fieldPath", "metadata.labels"}}}, {"mode", 0600}},
          {{"path", "meta/annotations"}, {"fieldRef", {{"fieldPath", "metadata.annotations"}}}},
          {{"path", "app"}, {"fieldRef", {{"fieldPath", "metadata.labels['app']"}}}}}}}}};
  auto pod = Pod({volume});
  const fs::path dir = manager_.SetUp(pod).at("info");
  EXPECT_EQ(dir, PodDir() / "volumes/kubernetes.io~downward-api/info");
  EXPECT_EQ(ReadFile(dir / "name"), "web");
  EXPECT_EQ(ReadFile(dir / "namespace"), "apps");
  EXPECT_EQ(ReadFile(dir / "uid"), "0f6c-uid");
  EXPECT_EQ(ReadFile(dir / "labels"), "app=\"web\"\ntier=\"front\"");
  EXPECT_EQ(Mode(dir / "labels"), 0600u);
  EXPECT_EQ(ReadFile(dir / "meta/annotations"), "note=\"say \\\"hi\\\"\\nbye\"");
  EXPECT_EQ(ReadFile(dir / "app"), "web");

  pod["metadata"]["labels"]["zone"] = "b";
  manager_.SetUp(pod);
  EXPECT_EQ(ReadFile(dir / "labels"), "app=\"web\"\ntier=\"front\"\nzone=\"b\"");

  json status = {
      {"name", "info"},
      {"downwardAPI",
       {{"items", {{{"path", "node"}, {"fieldRef", {{"fieldPath", "spec.nodeName"}}}}}}}}};
  ExpectConfigError([&] { manager_.SetUp(Pod({status})); });
}

TEST_F(VolumesTest, ProjectedVolumesCombineTheirSources) {
  api_.ConfigMap("app-config", {{"app.conf", "port=80"}});
  api_.Secret("db", {{"password", "czNjcjN0"}});
  json volume = {
      {"name", "all"},
      {"projected",
       {{"defaultMode", 0440},
        {"sources",
         {{{"configMap", {{"name", "app-config"}}}},
          {{"secret", {{"name", "db"}, {"items", {{{"key", "password"}, {"path", "creds/pw"}}}}}}},
          {{"downwardAPI",
            {{"items",
              {{{"path", "name"}, {"fieldRef", {{"fieldPath", "metadata.name"}}}}}}}}}}}}}};
  const fs::path dir = manager_.SetUp(Pod({volume})).at("all");
  EXPECT_EQ(dir, PodDir() / "volumes/kubernetes.io~projected/all");
  EXPECT_EQ(ReadFile(dir / "app.conf"), "port=80");
  EXPECT_EQ(ReadFile(dir / "creds/pw"), "s3cr3t");
  EXPECT_EQ(ReadFile(dir / "name"), "web");
  EXPECT_EQ(Mode(dir / "creds/pw"), 0440u);

  json token = {{"name", "token"},
                {"projected", {{"sources", {{{"serviceAccountToken", {{"path", "token"}}}}}}}}};
  auto error = ExpectConfigError([&] { manager_.SetUp(Pod({token})); });
  EXPECT_THAT(error.what(), ::testing::HasSubstr("serviceAccountToken"));
}

TEST_F(VolumesTest, UnsupportedVolumeTypesAreConfigErrors) {
  auto error = ExpectConfigError([&] {
    manager_.SetUp(Pod({{{"name", "data"}, {"persistentVolumeClaim", {{"claimName", "pvc"}}}}}));
  });
  EXPECT_STREQ(error.what(),
               "volume \"data\": persistentVolumeClaim volumes are not supported yet");
  error = ExpectConfigError([&] {
    manager_.SetUp(Pod({{{"name", "x"}, {"csi", {{"driver", "d"}}}}}));
  });
  EXPECT_STREQ(error.what(), "volume \"x\": csi volumes are not supported yet");
}

// --- mounts of a container ---

TEST_F(VolumesTest, MountsForMapsVolumeMountsToHostPaths) {
  api_.ConfigMap("app-config", {{"app.conf", "port=80"}});
  TempDir host;
  auto volumes =
      manager_.SetUp(Pod({{{"name", "scratch"}, {"emptyDir", json::object()}},
                          {{"name", "config"}, {"configMap", {{"name", "app-config"}}}},
                          {{"name", "host"}, {"hostPath", {{"path", host.path().string()}}}}}));
  json container = {{"name", "main"},
                    {"volumeMounts",
                     {{{"name", "scratch"}, {"mountPath", "/scratch"}},
                      {{"name", "config"}, {"mountPath", "/etc/app"}, {"readOnly", false}},
                      {{"name", "host"}, {"mountPath", "/host"}, {"readOnly", true}},
                      {{"name", "scratch"}, {"mountPath", "/logs"}, {"subPath", "logs/main"}},
                      {{"name", "config"}, {"mountPath", "/app.conf"}, {"subPath", "app.conf"}}}}};
  auto mounts = manager_.MountsFor(container, volumes);
  ASSERT_EQ(mounts.size(), 5u);
  EXPECT_EQ(mounts[0].container_path, "/scratch");
  EXPECT_EQ(mounts[0].host_path, volumes.at("scratch"));
  EXPECT_FALSE(mounts[0].read_only);
  EXPECT_EQ(mounts[1].host_path, volumes.at("config"));
  EXPECT_TRUE(mounts[1].read_only);  // API data is always read-only
  EXPECT_EQ(mounts[2].host_path, host.path().string());
  EXPECT_TRUE(mounts[2].read_only);
  // A missing subPath becomes a directory inside the volume, with the volume's permissions.
  const fs::path logs = fs::path(volumes.at("scratch")) / "logs/main";
  EXPECT_EQ(mounts[3].host_path, fs::canonical(logs).string());
  EXPECT_TRUE(fs::is_directory(logs));
  EXPECT_EQ(Mode(logs), 0777u);
  // A subPath into a configMap binds the current version's file itself.
  EXPECT_EQ(ReadFile(mounts[4].host_path), "port=80");
  EXPECT_THAT(mounts[4].host_path, ::testing::HasSubstr("/..20"));
}

TEST_F(VolumesTest, SubPathsCannotEscapeTheVolume) {
  TempDir outside;
  auto volumes = manager_.SetUp(Pod({{{"name", "scratch"}, {"emptyDir", json::object()}}}));
  fs::create_directory_symlink(outside.path(), fs::path(volumes.at("scratch")) / "link");
  fs::create_directory_symlink("../../..", fs::path(volumes.at("scratch")) / "up");
  for (const char* sub : {"../x", "a/../../x", "/etc", "link", "link/inner", "up"}) {
    json container = {
        {"name", "main"},
        {"volumeMounts", {{{"name", "scratch"}, {"mountPath", "/m"}, {"subPath", sub}}}}};
    ExpectConfigError([&] { manager_.MountsFor(container, volumes); });
  }
  EXPECT_FALSE(fs::exists(outside / "inner"));
  EXPECT_FALSE(fs::exists(fs::path(volumes.at("scratch")).parent_path() / "x"));
}

TEST_F(VolumesTest, AMountOfNoVolumeIsAConfigError) {
  json container = {{"name", "main"}, {"volumeMounts", {{{"name", "ghost"}, {"mountPath", "/g"}}}}};
  auto error = ExpectConfigError([&] { manager_.MountsFor(container, {}); });
  EXPECT_STREQ(error.what(), "cannot find volume \"ghost\" to mount into container \"main\"");
  EXPECT_TRUE(manager_.MountsFor({{"name", "bare"}}, {}).empty());
}

}  // namespace
}  // namespace hostlet::agent
