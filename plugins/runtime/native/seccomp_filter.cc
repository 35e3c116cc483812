#include "plugins/runtime/native/seccomp_filter.h"

#include "plugins/runtime/native/spec.h"

#include <cerrno>
#include <vector>

namespace hostlet::native {
namespace {

using nlohmann::json;

uint32_t Action(const json& rule, const char* key, const std::string& where) {
  std::string name = rule.value(key, std::string());
  // The default action's errno is defaultErrnoRet, a rule's is errnoRet; EPERM when absent.
  int errno_ret =
      rule.value(std::string(key) == "defaultAction" ? "defaultErrnoRet" : "errnoRet", EPERM);
  if (name == "SCMP_ACT_ALLOW") return SCMP_ACT_ALLOW;
  if (name == "SCMP_ACT_ERRNO") return SCMP_ACT_ERRNO(static_cast<uint16_t>(errno_ret));
  if (name == "SCMP_ACT_KILL" || name == "SCMP_ACT_KILL_THREAD") return SCMP_ACT_KILL_THREAD;
  if (name == "SCMP_ACT_KILL_PROCESS") return SCMP_ACT_KILL_PROCESS;
  if (name == "SCMP_ACT_TRAP") return SCMP_ACT_TRAP;
  if (name == "SCMP_ACT_LOG") return SCMP_ACT_LOG;
  if (name == "SCMP_ACT_TRACE") return SCMP_ACT_TRACE(static_cast<uint16_t>(errno_ret));
  throw SpecError(where + "." + key + " \"" + name + "\" is not a seccomp action");
}

scmp_compare Operator(const std::string& name, const std::string& where) {
  if (name == "SCMP_CMP_NE") return SCMP_CMP_NE;
  if (name == "SCMP_CMP_LT") return SCMP_CMP_LT;
  if (name == "SCMP_CMP_LE") return SCMP_CMP_LE;
  if (name == "SCMP_CMP_EQ") return SCMP_CMP_EQ;
  if (name == "SCMP_CMP_GE") return SCMP_CMP_GE;
  if (name == "SCMP_CMP_GT") return SCMP_CMP_GT;
  if (name == "SCMP_CMP_MASKED_EQ") return SCMP_CMP_MASKED_EQ;
  throw SpecError(where + ".op \"" + name + "\" is not a seccomp operator");
}

uint32_t Architecture(const std::string& name, const std::string& where) {
  // "SCMP_ARCH_X86_64" -> "x86_64", the spelling libseccomp resolves.
  std::string lower;
  for (char c : name.substr(name.starts_with("SCMP_ARCH_") ? 10 : 0))
    lower += static_cast<char>(std::tolower(c));
  uint32_t arch = seccomp_arch_resolve_name(lower.c_str());
  if (arch == 0)
    throw SpecError(where + " \"" + name + "\" is not an architecture libseccomp knows");
  return arch;
}

}  // namespace

SeccompFilter::SeccompFilter(const json& profile) {
  try {
    Build(profile);
  } catch (const json::exception& error) {
    if (context_) seccomp_release(context_);
    context_ = nullptr;
    throw SpecError(std::string("linux.seccomp has a field of the wrong type: ") + error.what());
  } catch (...) {
    if (context_) seccomp_release(context_);
    context_ = nullptr;
    throw;
  }
}

void SeccompFilter::Build(const json& profile) {
  const std::string where = "linux.seccomp";
  uint32_t default_action = Action(profile, "defaultAction", where);
  context_ = seccomp_init(default_action);
  if (!context_) throw SpecError(where + ": libseccomp cannot make a filter");
  // libseccomp would set no_new_privs itself when loading; whether a container gets it is the
  // spec's noNewPrivileges, so the filter goes in while CAP_SYS_ADMIN is held instead.
  if (seccomp_attr_set(context_, SCMP_FLTATR_CTL_NNP, 0) != 0) {
    throw SpecError(where + ": libseccomp cannot leave no_new_privs alone");
  }
  if (!profile.is_object()) throw SpecError(where + " is not an object");
  for (const auto& name : profile.value("architectures", std::vector<std::string>{})) {
    uint32_t arch = Architecture(name, where + ".architectures");
    if (arch == seccomp_arch_native()) continue;
    int added = seccomp_arch_add(context_, arch);
    if (added != 0 && added != -EEXIST)
      throw SpecError(where + ".architectures: cannot add \"" + name + "\"");
  }
  // A default action of ERRNO applies to syscalls the filter does not list; rules that repeat
  // the default are refused by libseccomp, and runc skips them too.
  const json syscalls = profile.value("syscalls", json::array());
  for (size_t i = 0; i < syscalls.size(); ++i) {
    const std::string at = where + ".syscalls[" + std::to_string(i) + "]";
    uint32_t action = Action(syscalls[i], "action", at);
    if (action == default_action) continue;
    std::vector<scmp_arg_cmp> conditions;
    for (const auto& arg : syscalls[i].value("args", json::array())) {
      conditions.push_back({arg.value("index", 0u),
                            Operator(arg.value("op", std::string()), at + ".args"),
                            arg.value("value", uint64_t{0}), arg.value("valueTwo", uint64_t{0})});
    }
    // Conditions on different arguments must all hold; several on the same argument cannot
    // (libseccomp refuses them in one rule), so each becomes a rule of its own, as runc does.
    std::vector<std::vector<scmp_arg_cmp>> rules = {conditions};
    for (size_t a = 0; a < conditions.size(); ++a) {
      for (size_t b = a + 1; b < conditions.size(); ++b) {
        if (conditions[a].arg == conditions[b].arg) rules.clear();
      }
    }
    if (rules.empty()) {
      for (const auto& condition : conditions) rules.push_back({condition});
    }
    for (const auto& name : syscalls[i].value("names", std::vector<std::string>{})) {
      int number = seccomp_syscall_resolve_name(name.c_str());
      if (number == __NR_SCMP_ERROR) continue;
      for (const auto& rule : rules) {
        int added =
            seccomp_rule_add_array(context_, action, number, static_cast<unsigned>(rule.size()),
                                   rule.empty() ? nullptr : rule.data());
        if (added != 0) throw SpecError(at + ": libseccomp refused the rule for \"" + name + "\"");
      }
    }
  }
}

SeccompFilter::~SeccompFilter() {
  if (context_) seccomp_release(context_);
}

int SeccompFilter::Load() { return seccomp_load(context_); }

}  // namespace hostlet::native
