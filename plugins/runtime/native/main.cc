// hostlet-runtime: hostlet's own OCI runtime, for the OCI runtime module to drive as it drives
// runc. It speaks the part of runc's command line the module uses:
//   hostlet-runtime [--root DIR] run [--detach] [--bundle DIR] [--pid-file FILE] ID
//   hostlet-runtime [--root DIR] exec ID COMMAND [ARG...]
//   hostlet-runtime [--root DIR] state ID
//   hostlet-runtime [--root DIR] list [--quiet]
//   hostlet-runtime [--root DIR] kill [--all] ID [SIGNAL]
//   hostlet-runtime [--root DIR] delete [--force] ID
//   hostlet-runtime [--root DIR] update --resources FILE ID
// A container is made with clone(2) straight into its namespaces and cgroups (v1 controllers),
// without a runtime process staying behind: the caller's monitor (a subreaper) inherits it.
#include "plugins/runtime/native/commands.h"
#include "plugins/runtime/native/sealed_self.h"

#include <sys/prctl.h>

#include <cerrno>
#include <cstring>
#include <iostream>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace {

constexpr const char* kUsage =
    "usage: hostlet-runtime [--root DIR] COMMAND ...\n"
    "  run [--detach|-d] [--bundle|-b DIR] [--pid-file FILE] ID\n"
    "  exec ID COMMAND [ARG...]\n"
    "  state ID\n"
    "  list [--quiet|-q]\n"
    "  kill [--all|-a] ID [SIGNAL]\n"
    "  delete [--force|-f] ID\n"
    "  update --resources|-r FILE ID\n";

// Options ("--name value", "--name=value", flags) before the positional arguments, runc's way.
struct Parsed {
  std::map<std::string, std::string> values;
  std::vector<std::string> positional;
};

Parsed Parse(const std::vector<std::string>& args,
             const std::map<std::string, std::string>& with_value,
             const std::map<std::string, std::string>& flags, bool stop_at_first_positional) {
  Parsed parsed;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (!parsed.positional.empty() && stop_at_first_positional) {
      parsed.positional.push_back(arg);
      continue;
    }
    if (arg.size() < 2 || arg[0] != '-') {
      parsed.positional.push_back(arg);
      continue;
    }
    std::string name = arg;
    std::optional<std::string> value;
    if (auto equals = arg.find('='); equals != std::string::npos) {
      name = arg.substr(0, equals);
      value = arg.substr(equals + 1);
    }
    if (auto flag = flags.find(name); flag != flags.end()) {
      parsed.values[flag->second] = "true";
    } else if (auto option = with_value.find(name); option != with_value.end()) {
      if (!value) {
        if (i + 1 == args.size()) throw std::invalid_argument(name + " needs a value");
        value = args[++i];
      }
      parsed.values[option->second] = *value;
    } else {
      throw std::invalid_argument("unknown option " + name);
    }
  }
  return parsed;
}

std::string One(const Parsed& parsed, const std::string& command) {
  if (parsed.positional.size() != 1)
    throw std::invalid_argument(command + " takes one container ID");
  return parsed.positional[0];
}

}  // namespace

int main(int argc, char* argv[]) {
  using namespace hostlet::native;
  std::vector<std::string> args(argv + 1, argv + argc);
  try {
    // Global options: --root; runc's logging options are accepted and have nothing to change.
    std::filesystem::path root = "/run/hostlet-runtime";
    size_t index = 0;
    while (index < args.size() && args[index].starts_with("-")) {
      std::string arg = args[index];
      std::string name = arg.substr(0, arg.find('='));
      bool inline_value = arg.find('=') != std::string::npos;
      if (name == "--root" || name == "--log" || name == "--log-format" || name == "--criu") {
        std::string value = inline_value ? arg.substr(arg.find('=') + 1)
                                         : (index + 1 < args.size() ? args[++index] : "");
        if (value.empty()) throw std::invalid_argument(name + " needs a value");
        if (name == "--root") root = value;
      } else if (name == "--debug") {
      } else if (name == "--systemd-cgroup") {
        throw std::invalid_argument(
            "--systemd-cgroup: hostlet-runtime manages cgroups through the file system only");
      } else if (name == "--help" || name == "-h") {
        std::cout << kUsage;
        return 0;
      } else if (name == "--version" || name == "-v") {
        std::cout << "hostlet-runtime version 1\nspec: 1.0.2\n";
        return 0;
      } else {
        throw std::invalid_argument("unknown option " + name);
      }
      ++index;
    }
    if (index == args.size()) {
      std::cerr << kUsage;
      return 2;
    }
    std::string command = args[index];
    std::vector<std::string> rest(args.begin() + static_cast<long>(index) + 1, args.end());
    if (command == "run" || command == "exec") {
      // These two make processes that are this program until they exec in the container.
      if (!ReexecFromSealedCopy(argv)) {
        throw std::runtime_error(std::string("cannot run from a sealed copy of the runtime: ") +
                                 std::strerror(errno));
      }
      // Nothing sharing the container's PID namespace may ptrace those processes or open their
      // /proc files while they are this program; children inherit this until their exec.
      prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
    }
    if (command == "run") {
      Parsed parsed =
          Parse(rest, {{"--bundle", "bundle"}, {"-b", "bundle"}, {"--pid-file", "pid-file"}},
                {{"--detach", "detach"},
                 {"-d", "detach"},
                 {"--no-new-keyring", "ignored"},
                 {"--no-pivot", "ignored"}},
                false);
      RunOptions options;
      if (parsed.values.contains("bundle")) options.bundle = parsed.values["bundle"];
      if (parsed.values.contains("pid-file"))
        options.pid_file = std::filesystem::absolute(parsed.values["pid-file"]);
      options.detach = parsed.values.contains("detach");
      return Run(root, One(parsed, command), options);
    }
    if (command == "exec") {
      Parsed parsed = Parse(rest, {}, {}, true);
      if (parsed.positional.size() < 2)
        throw std::invalid_argument("exec takes a container ID and a command");
      return Exec(root, parsed.positional[0],
                  {parsed.positional.begin() + 1, parsed.positional.end()});
    }
    if (command == "state") return State(root, One(Parse(rest, {}, {}, false), command));
    if (command == "list") {
      Parsed parsed = Parse(rest, {}, {{"--quiet", "quiet"}, {"-q", "quiet"}}, false);
      if (!parsed.positional.empty()) throw std::invalid_argument("list takes no arguments");
      return List(root, parsed.values.contains("quiet"));
    }
    if (command == "kill") {
      Parsed parsed = Parse(rest, {}, {{"--all", "all"}, {"-a", "all"}}, false);
      if (parsed.positional.empty() || parsed.positional.size() > 2)
        throw std::invalid_argument("kill takes an ID and a signal");
      return Kill(root, parsed.positional[0],
                  parsed.positional.size() == 2 ? parsed.positional[1] : "TERM",
                  parsed.values.contains("all"));
    }
    if (command == "delete") {
      Parsed parsed = Parse(rest, {}, {{"--force", "force"}, {"-f", "force"}}, false);
      return Delete(root, One(parsed, command), parsed.values.contains("force"));
    }
    if (command == "update") {
      Parsed parsed = Parse(rest, {{"--resources", "resources"}, {"-r", "resources"}}, {}, false);
      if (!parsed.values.contains("resources"))
        throw std::invalid_argument("update needs --resources FILE");
      return Update(root, One(parsed, command), parsed.values["resources"]);
    }
    throw std::invalid_argument("unknown command \"" + command + "\"\n" + kUsage);
  } catch (const std::exception& error) {
    std::cerr << "hostlet-runtime: " << error.what() << "\n";
    return 1;
  }
}
