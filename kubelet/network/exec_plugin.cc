#include "kubelet/network/exec_plugin.h"

#include "kubelet/network/error.h"

#include <signal.h>
#include <sys/stat.h>

#include <cstring>
#include <system_error>

namespace hostlet::network {
namespace {

// Some reference plugins run tools such as iptables, so the clean environment still has a PATH.
constexpr char kPath[] = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

std::string Streams(const ProcessOutcome& outcome) {
  std::string text;
  if (!outcome.out.empty()) text += "; stdout: " + Excerpt(outcome.out);
  if (!outcome.err.empty()) text += "; stderr: " + Excerpt(outcome.err);
  return text;
}

}  // namespace

std::string ExecPlugin::Describe() const { return type_ + " (" + binary_.string() + ")"; }

std::string ExecPlugin::Identity() const {
  struct stat info {};
  stat(binary_.c_str(), &info);
  return binary_.string() + ":" + std::to_string(info.st_ino) + ":" + std::to_string(info.st_size) +
         ":" + std::to_string(info.st_mtim.tv_sec) + "." + std::to_string(info.st_mtim.tv_nsec);
}

std::string ExecPlugin::Invoke(const PluginCall& call) {
  const std::vector<std::string> env = {"CNI_COMMAND=" + call.command,
                                        "CNI_CONTAINERID=" + call.container_id,
                                        "CNI_NETNS=" + call.netns,
                                        "CNI_IFNAME=" + call.if_name,
                                        "CNI_ARGS=" + call.args,
                                        "CNI_PATH=" + call.path,
                                        kPath};
  const std::string what = "plugin " + Describe() + " " + call.command;
  ProcessOutcome outcome;
  try {
    outcome = RunProcess(binary_.string(), env, call.config, limits_);
  } catch (const std::system_error& error) {
    throw Error(kCniIoFailure, what + ": " + error.what());
  }
  if (outcome.timed_out) {
    throw Error(kCniPluginFailure, what + " did not finish within " +
                                       std::to_string(limits_.timeout.count()) +
                                       " ms; killed process " + std::to_string(outcome.pid) +
                                       " and its process group" + Streams(outcome));
  }
  if (outcome.stdout_overflow) {
    throw Error(kCniDecodeFailure, what + " printed more than " +
                                       std::to_string(limits_.max_stdout) +
                                       " bytes; killed process " + std::to_string(outcome.pid));
  }
  if (outcome.exit_code == 0) return outcome.out;
  if (outcome.exit_code > 0) {
    if (auto error = ParseErrorJson(outcome.out)) throw *error;
    throw Error(kCniPluginFailure, what + " exited with status " +
                                       std::to_string(outcome.exit_code) + " without a CNI error" +
                                       Streams(outcome));
  }
  throw Error(kCniPluginFailure, what + " was killed by signal " + std::to_string(outcome.signal) +
                                     " (" + strsignal(outcome.signal) + ")" + Streams(outcome));
}

}  // namespace hostlet::network
