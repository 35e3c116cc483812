// The OCI runtime module's ImageService through the C ABI: images imported from OCI layouts and
// docker save archives, pulled from a real registry on loopback, inspected, removed; bad images
// refused with the store left intact.
#include "kubelet/plugins/loader.h"
#include "tests/runtime/image_builder.h"
#include "tests/runtime/registry_fixture.h"
#include "tests/support/fixtures.h"

#include <nlohmann/json.hpp>

#include <fstream>

#include "k8s/cri/runtime/v1/api.hostlet.h"

namespace hostlet {
namespace {

using ::testing::Contains;
using ::testing::HasSubstr;
using testing::TempDir;

class Images : public ::testing::Test {
 protected:
  void SetUp() override { std::filesystem::create_directories(dir.path() / "import"); }

  // A fresh module instance over the same root, as after an agent restart.
  void Start(nlohmann::json extra = nlohmann::json::object()) {
    nlohmann::json config = {{"root", dir / "root"}, {"state", dir / "state"}, {"importDirs", {dir / "import"}}};
    config.update(extra);
    images.reset();
    channel = plugins::Load(HOSTLET_OCI_RUNTIME)->Create(config.dump());
    images = std::make_unique<runtime::v1::ImageServiceProxy>(channel);
  }

  std::optional<runtime::v1::Image> Status(const std::string& name) {
    runtime::v1::ImageStatusRequest request;
    request.mutable_image()->set_image(name);
    runtime::v1::ImageStatusResponse response;
    EXPECT_TRUE(images->ImageStatus(request, &response).ok());
    if (!response.has_image()) return std::nullopt;
    return response.image();
  }

  std::vector<runtime::v1::Image> List() {
    runtime::v1::ListImagesResponse response;
    EXPECT_TRUE(images->ListImages({}, &response).ok());
    return {response.images().begin(), response.images().end()};
  }

  std::filesystem::path RootfsOf(const runtime::v1::Image& image) {
    return dir.path() / "root" / "images" / "rootfs" / image.id().substr(7);
  }

  TempDir dir;
  std::shared_ptr<Channel> channel;
  std::unique_ptr<runtime::v1::ImageServiceProxy> images;
};

TEST_F(Images, ImportsAnOciLayoutAndUnpacksItsLayersWithWhiteoutsAndHardLinks) {
  testing::WriteOciLayout(testing::BusyboxImage({"/bin/sleep", "3600"}), "example.com/tools/busybox:1.36",
                          dir.path() / "import" / "busybox-oci");
  Start();
  auto image = Status("example.com/tools/busybox:1.36");
  ASSERT_TRUE(image.has_value());
  EXPECT_THAT(image->repo_tags(), Contains("example.com/tools/busybox:1.36"));
  ASSERT_EQ(image->repo_digests_size(), 1);
  EXPECT_THAT(image->repo_digests(0), HasSubstr("example.com/tools/busybox@sha256:"));
  EXPECT_GT(image->size(), 500000u);

  auto rootfs = RootfsOf(*image);
  EXPECT_TRUE(std::filesystem::exists(rootfs / "bin/busybox"));
  EXPECT_TRUE(std::filesystem::is_symlink(rootfs / "bin/sh"));
  EXPECT_TRUE(std::filesystem::exists(rootfs / "upper.txt"));
  EXPECT_FALSE(std::filesystem::exists(rootfs / "removed-by-upper")) << "whiteout not applied";
  EXPECT_TRUE(std::filesystem::equivalent(rootfs / "bin/busybox", rootfs / "bin/busybox-link"));
  EXPECT_EQ(std::filesystem::status(rootfs / "tmp").permissions() & std::filesystem::perms::sticky_bit,
            std::filesystem::perms::sticky_bit);

  // By id, by id prefix, and the same after a restart.
  EXPECT_TRUE(Status(image->id()).has_value());
  EXPECT_TRUE(Status(image->id().substr(7, 12)).has_value());
  Start();
  EXPECT_EQ(List().size(), 1u);
}

TEST_F(Images, ImportsDockerSaveAndOciArchivesWithShortNames) {
  testing::WriteDockerArchive(testing::BusyboxImage({"/bin/sh"}, /*gzip=*/false), "busybox:saved",
                              dir.path() / "import" / "saved.tar");
  testing::WriteOciArchive(testing::BusyboxImage({"/bin/true"}), "docker.io/library/other:2",
                           dir.path() / "import" / "other.tar");
  Start();
  auto saved = Status("busybox:saved");
  ASSERT_TRUE(saved.has_value());
  EXPECT_THAT(saved->repo_tags(), Contains("docker.io/library/busybox:saved"));
  EXPECT_EQ(saved->repo_digests_size(), 0);  // as docker load: no registry digest
  EXPECT_TRUE(Status("other:2").has_value());
  EXPECT_TRUE(Status("docker.io/library/other:2").has_value());
  EXPECT_FALSE(Status("other:3").has_value());
  EXPECT_EQ(List().size(), 2u);
}

TEST_F(Images, RefusesCorruptImagesAndKeepsWhatItHad) {
  testing::WriteOciLayout(testing::BusyboxImage(), "good:1", dir.path() / "import" / "good");
  Start();
  ASSERT_EQ(List().size(), 1u);
  auto before = List()[0].SerializeAsString();

  // A layer whose bytes do not match its digest, a manifest that is not JSON, and a directory
  // that is no image at all; each is skipped and reported, the module starts, nothing is lost.
  // (Uncompressed layers, so that its blobs are not already in the store from "good".)
  testing::TestImage tampered = testing::BusyboxImage({"/bin/sh"}, /*gzip=*/false);
  testing::WriteOciLayout(tampered, "tampered:1", dir.path() / "import" / "tampered");
  for (const auto& entry : std::filesystem::directory_iterator(dir.path() / "import/tampered/blobs/sha256")) {
    if (std::filesystem::file_size(entry.path()) > 100000) std::ofstream(entry.path(), std::ios::app) << "extra";
  }
  testing::WriteOciLayout(testing::BusyboxImage(), "garbled:1", dir.path() / "import" / "garbled");
  std::ofstream(dir.path() / "import/garbled/index.json") << "{\"manifests\": [ not json";
  std::filesystem::create_directories(dir.path() / "import" / "nothing");
  std::ofstream(dir.path() / "import/random.tar") << "not an archive";

  std::vector<std::string> warnings;
  plugins::SetLogSink([&](const std::string&, hostlet_log_level level, const std::string& message) {
    if (level >= HOSTLET_LOG_WARNING) warnings.push_back(message);
  });
  Start();
  plugins::SetLogSink(nullptr);
  ASSERT_EQ(List().size(), 1u);
  EXPECT_EQ(List()[0].SerializeAsString(), before);
  std::string all;
  for (const auto& warning : warnings) all += warning + "\n";
  EXPECT_THAT(all, HasSubstr("tampered: content digest mismatch"));
  EXPECT_THAT(all, HasSubstr("garbled: index.json is not a JSON object"));
  EXPECT_THAT(all, HasSubstr("nothing: neither an OCI image layout"));
  EXPECT_THAT(all, HasSubstr("random.tar: not a readable archive"));
  // Nothing half-unpacked was left behind.
  for (const auto& entry : std::filesystem::directory_iterator(dir.path() / "root/images/rootfs")) {
    EXPECT_FALSE(entry.path().filename().string().starts_with(".")) << entry.path();
  }
}

TEST_F(Images, PullsFromARegistryOnLoopbackVerifiesAndRemoves) {
  testing::LocalRegistry registry;
  testing::TestImage image = testing::BusyboxImage({"/bin/sleep", "1"});
  std::string manifest = registry.Push(image, "team/busybox", "v1");
  Start();

  runtime::v1::PullImageRequest pull;
  pull.mutable_image()->set_image(registry.host() + "/team/busybox:v1");
  runtime::v1::PullImageResponse pulled;
  grpc::Status status = images->PullImage(pull, &pulled);
  ASSERT_TRUE(status.ok()) << status.error_message();
  auto stored = Status(registry.host() + "/team/busybox:v1");
  ASSERT_TRUE(stored.has_value());
  EXPECT_EQ(pulled.image_ref(), stored->id());
  EXPECT_THAT(stored->repo_digests(), Contains(registry.host() + "/team/busybox@" + manifest));
  EXPECT_TRUE(std::filesystem::exists(RootfsOf(*stored) / "upper.txt"));

  // By digest too.
  pull.mutable_image()->set_image(registry.host() + "/team/busybox@" + manifest);
  ASSERT_TRUE(images->PullImage(pull, &pulled).ok());

  pull.mutable_image()->set_image(registry.host() + "/team/missing:v1");
  status = images->PullImage(pull, &pulled);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND) << status.error_message();
  EXPECT_THAT(status.error_message(), HasSubstr("team/missing"));

  pull.mutable_image()->set_image("Not A Reference");
  EXPECT_EQ(images->PullImage(pull, &pulled).error_code(), grpc::StatusCode::INVALID_ARGUMENT);

  runtime::v1::ImageFsInfoResponse fs;
  ASSERT_TRUE(images->ImageFsInfo({}, &fs).ok());
  ASSERT_EQ(fs.image_filesystems_size(), 1);
  EXPECT_GT(fs.image_filesystems(0).used_bytes().value(), 500000u);
  EXPECT_GT(fs.image_filesystems(0).inodes_used().value(), 10u);

  runtime::v1::RemoveImageRequest remove;
  remove.mutable_image()->set_image(stored->id());
  runtime::v1::RemoveImageResponse removed;
  ASSERT_TRUE(images->RemoveImage(remove, &removed).ok());
  EXPECT_FALSE(Status(registry.host() + "/team/busybox:v1").has_value());
  EXPECT_FALSE(std::filesystem::exists(RootfsOf(*stored)));
  // Removing again is not an error.
  EXPECT_TRUE(images->RemoveImage(remove, &removed).ok());
}

TEST_F(Images, PullsWithBasicAuthenticationAndReportsMissingCredentials) {
  testing::LocalRegistry registry({.user = "puller", .password = "s3cret", .tls = false});
  registry.Push(testing::BusyboxImage({"/bin/sh"}), "private/busybox", "v1");
  Start();
  runtime::v1::PullImageRequest pull;
  pull.mutable_image()->set_image(registry.host() + "/private/busybox:v1");
  runtime::v1::PullImageResponse pulled;
  grpc::Status status = images->PullImage(pull, &pulled);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED) << status.error_message();
  EXPECT_THAT(status.error_message(), HasSubstr("credentials"));

  pull.mutable_auth()->set_username("puller");
  pull.mutable_auth()->set_password("wrong");
  EXPECT_EQ(images->PullImage(pull, &pulled).error_code(), grpc::StatusCode::UNAUTHENTICATED);

  pull.mutable_auth()->set_password("s3cret");
  status = images->PullImage(pull, &pulled);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_TRUE(Status(registry.host() + "/private/busybox:v1").has_value());

  // The docker config form: base64 of user:password.
  runtime::v1::PullImageRequest encoded;
  encoded.mutable_image()->set_image(registry.host() + "/private/busybox:v1");
  encoded.mutable_auth()->set_auth("cHVsbGVyOnMzY3JldA==");
  status = images->PullImage(encoded, &pulled);
  EXPECT_TRUE(status.ok()) << status.error_message();
}

TEST_F(Images, PullsOverHttpsTrustingOnlyTheConfiguredCa) {
  testing::LocalRegistry registry({.user = "", .password = "", .tls = true});
  registry.Push(testing::BusyboxImage({"/bin/sh"}), "secure/busybox", "v1");
  runtime::v1::PullImageRequest pull;
  pull.mutable_image()->set_image(registry.host() + "/secure/busybox:v1");
  runtime::v1::PullImageResponse pulled;

  // Without the CA the certificate is not trusted, and plain HTTP to a TLS port gets nowhere.
  Start();
  EXPECT_FALSE(images->PullImage(pull, &pulled).ok());
  EXPECT_FALSE(Status(registry.host() + "/secure/busybox:v1").has_value());

  Start({{"registryCAFiles", {registry.ca_file()}}});
  grpc::Status status = images->PullImage(pull, &pulled);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_TRUE(Status(registry.host() + "/secure/busybox:v1").has_value());
}

}  // namespace
}  // namespace hostlet
