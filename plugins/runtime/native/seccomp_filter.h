// A seccomp filter built with libseccomp from an OCI spec's linux.seccomp section.
#pragma once

#include <nlohmann/json.hpp>

#include <seccomp.h>

#include <string>

namespace hostlet::native {

class SeccompFilter {
 public:
  // Compiles the profile; throws SpecError naming the field for an unknown action, architecture
  // or operator. A syscall this kernel or libseccomp does not know is skipped, as runc does.
  explicit SeccompFilter(const nlohmann::json& profile);
  ~SeccompFilter();
  SeccompFilter(const SeccompFilter&) = delete;
  SeccompFilter& operator=(const SeccompFilter&) = delete;

  // Installs the filter on the calling thread; returns 0 or a negative errno.
  int Load();

 private:
  void Build(const nlohmann::json& profile);

  scmp_filter_ctx context_ = nullptr;
};

}  // namespace hostlet::native
