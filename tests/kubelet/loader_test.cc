// Every way a file can fail to be a plugin module is refused with one message naming the file,
// what it is and what was expected; good modules load, and stay mapped while an instance lives.
#include "kubelet/plugins/loader.h"
#include "kubelet/plugins/plugin_directory.h"
#include "tests/support/fixtures.h"

#include <fstream>

#include "k8s/deviceplugin/v1beta1/api.hostlet.h"

namespace hostlet::plugins {
namespace {

using ::testing::HasSubstr;
using hostlet::testing::TempDir;

std::string RefusalOf(const std::filesystem::path& file,
                      std::optional<hostlet_kind> kind = std::nullopt) {
  try {
    Load(file, kind);
  } catch (const ModuleError& error) {
    return error.what();
  }
  return "(loaded)";
}

bool Mapped(const std::string& file) {
  std::ifstream maps("/proc/self/maps");
  std::string line;
  while (std::getline(maps, line)) {
    if (line.find(file) != std::string::npos) return true;
  }
  return false;
}

TEST(Loader, RefusesAFileThatIsNotElf) {
  TempDir dir;
  std::ofstream(dir / "notes.so") << "these are not the bytes of a library\n";
  std::string message = RefusalOf(dir / "notes.so");
  EXPECT_THAT(message, HasSubstr(dir / "notes.so"));
  EXPECT_THAT(message, HasSubstr("not an ELF file"));
  EXPECT_THAT(message, HasSubstr("expected a hostlet plugin module"));
}

TEST(Loader, RefusesAnOrdinarySharedLibrary) {
  std::string message = RefusalOf(HOSTLET_PLAIN_LIBRARY);
  EXPECT_THAT(message, HasSubstr(HOSTLET_PLAIN_LIBRARY));
  EXPECT_THAT(message, HasSubstr("without a hostlet manifest"));
  EXPECT_THAT(message, HasSubstr("HOSTLET_PLUGIN"));
}

TEST(Loader, RefusesAManifestWithoutEntrySymbol) {
  std::string message = RefusalOf(HOSTLET_MANIFEST_ONLY);
  EXPECT_THAT(message, HasSubstr(HOSTLET_MANIFEST_ONLY));
  EXPECT_THAT(message, HasSubstr("no 'hostlet_plugin_entry' symbol"));
}

TEST(Loader, RefusesAnotherAbiMajorWithoutRunningItsCode) {
  // The module aborts the process from its constructor and entry, so reaching the assertions
  // shows the refusal came from the manifest alone.
  std::string message = RefusalOf(HOSTLET_FUTURE_ABI);
  EXPECT_THAT(message, HasSubstr(HOSTLET_FUTURE_ABI));
  EXPECT_THAT(message, HasSubstr("built for hostlet plugin ABI 2.0"));
  EXPECT_THAT(message, HasSubstr("this host speaks ABI 1.0"));
  EXPECT_FALSE(Mapped(HOSTLET_FUTURE_ABI));
}

TEST(Loader, RefusesAModuleOfAnotherKindThanExpected) {
  std::string message = RefusalOf(HOSTLET_STATIC_IP, HOSTLET_KIND_DEVICE);
  EXPECT_THAT(message, HasSubstr("a network plugin ('static-ip'); expected a device plugin"));
}

TEST(Loader, ReportsAModuleThatRefusesItsConfiguration) {
  auto module = Load(HOSTLET_THROWING_DEVICE);
  try {
    module->Create(R"({"refuse": true})");
    FAIL() << "create should have failed";
  } catch (const ModuleError& error) {
    EXPECT_THAT(error.what(), HasSubstr("throwing-device"));
    EXPECT_THAT(error.what(), HasSubstr(HOSTLET_THROWING_DEVICE));
    EXPECT_THAT(error.what(), HasSubstr("no devices on this node"));
  }
  try {
    Load(HOSTLET_SAMPLE_DEVICE)->Create("{not json");
    FAIL() << "create should have failed";
  } catch (const ModuleError& error) {
    EXPECT_THAT(error.what(), HasSubstr("not a JSON object"));
  }
  try {
    Load(HOSTLET_SAMPLE_DEVICE)->Create(R"({"count": -1})");
    FAIL() << "create should have failed";
  } catch (const ModuleError& error) {
    EXPECT_THAT(error.what(), HasSubstr("count must not be negative"));
  }
}

TEST(Loader, KeepsTheLibraryLoadedWhileAnInstanceLives) {
  std::shared_ptr<Channel> instance;
  {
    auto module = Load(HOSTLET_SAMPLE_DEVICE);
    EXPECT_EQ(module->name(), "sample-device");
    EXPECT_EQ(module->kind(), HOSTLET_KIND_DEVICE);
    EXPECT_EQ(module->version(), "0.1.0");
    instance = module->Create();
  }
  ASSERT_TRUE(Mapped(HOSTLET_SAMPLE_DEVICE));
  {
    v1beta1::DevicePluginProxy plugin(instance);
    v1beta1::AllocateResponse response;
    EXPECT_TRUE(plugin.Allocate({}, &response).ok());
  }
  instance.reset();
  EXPECT_FALSE(Mapped(HOSTLET_SAMPLE_DEVICE));
}

TEST(Loader, ManifestIsReadWithoutLoading) {
  ModuleManifest manifest = ReadManifest(HOSTLET_IDENTITY_CSI);
  EXPECT_EQ(manifest.name, "identity-csi");
  EXPECT_EQ(manifest.kind, HOSTLET_KIND_STORAGE);
  EXPECT_EQ(manifest.abi_major, HOSTLET_ABI_MAJOR);
  EXPECT_FALSE(Mapped(HOSTLET_IDENTITY_CSI));
}

TEST(PluginDirectory, LoadsGoodModulesAndReportsEachRefusal) {
  TempDir dir;
  for (const char* file : {HOSTLET_SAMPLE_DEVICE, HOSTLET_STATIC_IP, HOSTLET_FUTURE_ABI,
                           HOSTLET_PLAIN_LIBRARY}) {
    std::filesystem::copy_file(file, dir.path() / std::filesystem::path(file).filename());
  }
  std::ofstream(dir / "broken.so") << "garbage";
  std::ofstream(dir / "README") << "not a module and not *.so: ignored";
  // The same plugin twice: the second is refused.
  std::filesystem::copy_file(HOSTLET_SAMPLE_DEVICE, dir / "zz_duplicate.so");

  ScanResult scan = ScanDirectories({dir.path(), dir.path() / "missing"});
  std::vector<std::string> names;
  for (const auto& module : scan.modules) names.push_back(module->name());
  EXPECT_EQ(names, (std::vector<std::string>{"sample-device", "static-ip"}));
  std::string reasons;
  for (const auto& refusal : scan.refused) reasons += refusal.reason + "\n";
  EXPECT_EQ(scan.refused.size(), 5u) << reasons;
  EXPECT_THAT(reasons, HasSubstr("broken.so: not an ELF file"));
  EXPECT_THAT(reasons, HasSubstr("future_abi.so: plugin 'future-device' was built for hostlet plugin ABI 2.0"));
  EXPECT_THAT(reasons, HasSubstr("plain_library.so: a shared library without a hostlet manifest"));
  EXPECT_THAT(reasons, HasSubstr("zz_duplicate.so: plugin 'sample-device' is already provided"));
  EXPECT_THAT(reasons, HasSubstr("missing: cannot read plugin directory"));
}

}  // namespace
}  // namespace hostlet::plugins
