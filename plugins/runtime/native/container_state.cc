#include "plugins/runtime/native/container_state.h"

#include "plugins/runtime/oci/util/files.h"

#include <nlohmann/json.hpp>

#include <fstream>
#include <sstream>
#include <stdexcept>

namespace hostlet::native {

bool ContainerState::Running() const {
  return pid > 0 && start_time != 0 && ProcessStartTime(pid) == start_time;
}

void CheckId(const std::string& id) {
  if (id.empty() || id == "." || id == ".." || id.find('/') != std::string::npos) {
    throw std::invalid_argument("invalid container ID \"" + id + "\"");
  }
}

uint64_t ProcessStartTime(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  // The command name may hold spaces and parentheses: the fields start after the last ')'.
  size_t end = text.rfind(')');
  if (end == std::string::npos) return 0;
  std::istringstream fields(text.substr(end + 2));
  std::string field;
  // Field 3 is the state: a process that has exited but is not yet reaped counts as gone.
  if (!(fields >> field) || field == "Z" || field == "X") return 0;
  // Fields 4 to 21 come before starttime (22).
  for (int index = 4; index <= 21 && fields >> field; ++index) {
  }
  uint64_t start = 0;
  fields >> start;
  return start;
}

std::filesystem::path StateDir(const std::filesystem::path& root, const std::string& id) {
  return root / id;
}

void SaveState(const std::filesystem::path& root, const ContainerState& state) {
  nlohmann::json json = {{"id", state.id},
                         {"pid", state.pid},
                         {"startTime", state.start_time},
                         {"bundle", state.bundle.string()},
                         {"cgroupsPath", state.cgroups_path},
                         {"created", state.created}};
  oci::WriteAtomically(StateDir(root, state.id) / "state.json", json.dump());
}

ContainerState LoadState(const std::filesystem::path& root, const std::string& id) {
  CheckId(id);
  std::ifstream in(StateDir(root, id) / "state.json");
  if (!in) throw std::runtime_error("container \"" + id + "\" does not exist");
  std::stringstream text;
  text << in.rdbuf();
  nlohmann::json json = nlohmann::json::parse(text.str(), nullptr, false);
  if (!json.is_object())
    throw std::runtime_error("the state of container \"" + id + "\" is unreadable");
  ContainerState state;
  state.id = id;
  state.pid = json.value("pid", 0);
  state.start_time = json.value("startTime", uint64_t{0});
  state.bundle = json.value("bundle", std::string());
  state.cgroups_path = json.value("cgroupsPath", std::string());
  state.created = json.value("created", int64_t{0});
  return state;
}

}  // namespace hostlet::native
