#include "controlplane/apiserver/object_meta.h"

#include <boost/uuid/random_generator.hpp>
#include <boost/uuid/uuid_io.hpp>

#include <ctime>
#include <random>
#include <stdexcept>

namespace hostlet::apiserver {
namespace {

bool IsLowerAlnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }
bool IsAlnum(char c) { return IsLowerAlnum(c) || (c >= 'A' && c <= 'Z'); }

// At most 63 of [A-Za-z0-9-_.], alphanumeric at both ends: the name part of a qualified name.
bool IsQualifiedNamePart(std::string_view name) {
  if (name.empty() || name.size() > 63) return false;
  if (!IsAlnum(name.front()) || !IsAlnum(name.back())) return false;
  for (char c : name) {
    if (!IsAlnum(c) && c != '-' && c != '_' && c != '.') return false;
  }
  return true;
}

}  // namespace

bool IsDnsLabel(std::string_view name) {
  if (name.empty() || name.size() > 63) return false;
  if (!IsLowerAlnum(name.front()) || !IsLowerAlnum(name.back())) return false;
  for (char c : name) {
    if (!IsLowerAlnum(c) && c != '-') return false;
  }
  return true;
}

bool IsDnsSubdomain(std::string_view name) {
  if (name.empty() || name.size() > 253) return false;
  size_t start = 0;
  while (true) {
    size_t dot = name.find('.', start);
    auto label = name.substr(start, dot == std::string_view::npos ? name.npos : dot - start);
    // Inside a subdomain a label may be longer than 63; only the whole is bounded.
    if (label.empty() || !IsLowerAlnum(label.front()) || !IsLowerAlnum(label.back())) return false;
    for (char c : label) {
      if (!IsLowerAlnum(c) && c != '-') return false;
    }
    if (dot == std::string_view::npos) return true;
    start = dot + 1;
  }
}

bool IsQualifiedName(std::string_view key) {
  auto slash = key.find('/');
  if (slash == std::string_view::npos) return IsQualifiedNamePart(key);
  auto prefix = key.substr(0, slash);
  return IsDnsSubdomain(prefix) && IsQualifiedNamePart(key.substr(slash + 1));
}

bool IsLabelValue(std::string_view value) { return value.empty() || IsQualifiedNamePart(value); }

std::string NameProblem(std::string_view name, bool rule_is_label) {
  if (rule_is_label) {
    if (IsDnsLabel(name)) return "";
    return "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or "
           "'-', and must start and end with an alphanumeric character (e.g. 'my-name',  or "
           "'123-abc'), and be at most 63 characters";
  }
  if (IsDnsSubdomain(name)) return "";
  return "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, "
         "'-' or '.', and must start and end with an alphanumeric character (e.g. "
         "'example.com'), and be at most 253 characters";
}

std::vector<StatusCause> ValidateObjectMeta(const nlohmann::json& metadata, bool name_is_label) {
  std::vector<StatusCause> causes;
  std::string name = metadata.value("name", "");
  if (name.empty()) {
    causes.push_back({"FieldValueRequired", "Required value: name or generateName is required",
                      "metadata.name"});
  } else if (auto problem = NameProblem(name, name_is_label); !problem.empty()) {
    causes.push_back(
        {"FieldValueInvalid", "Invalid value: \"" + name + "\": " + problem, "metadata.name"});
  }
  if (auto labels = metadata.find("labels"); labels != metadata.end() && !labels->is_null()) {
    if (!labels->is_object()) {
      causes.push_back(
          {"FieldValueInvalid", "Invalid value: must be a map of strings", "metadata.labels"});
    } else {
      for (const auto& [key, value] : labels->items()) {
        if (!IsQualifiedName(key)) {
          causes.push_back({"FieldValueInvalid",
                            "Invalid value: \"" + key +
                                "\": name part must consist of alphanumeric characters, '-', "
                                "'_' or '.', and must start and end with an alphanumeric "
                                "character, at most 63 characters, with an optional DNS "
                                "subdomain prefix and '/'",
                            "metadata.labels"});
        }
        if (!value.is_string() || !IsLabelValue(value.get<std::string>())) {
          causes.push_back({"FieldValueInvalid",
                            "Invalid value: " + value.dump() +
                                ": a valid label must be an empty string or consist of "
                                "alphanumeric characters, '-', '_' or '.', and must start and "
                                "end with an alphanumeric character, at most 63 characters",
                            "metadata.labels"});
        }
      }
    }
  }
  if (auto annotations = metadata.find("annotations");
      annotations != metadata.end() && !annotations->is_null()) {
    size_t total = 0;
    bool all_strings = annotations->is_object();
    if (all_strings) {
      for (const auto& [key, value] : annotations->items()) {
        if (!IsQualifiedName(key)) {
          causes.push_back({"FieldValueInvalid", "Invalid value: \"" + key + "\": not a valid key",
                            "metadata.annotations"});
        }
        if (!value.is_string()) {
          all_strings = false;
        } else {
          total += key.size() + value.get<std::string>().size();
        }
      }
    }
    if (!all_strings) {
      causes.push_back(
          {"FieldValueInvalid", "Invalid value: must be a map of strings", "metadata.annotations"});
    }
    // The same bound as Kubernetes: all annotations of an object together.
    if (total > 256 * 1024) {
      causes.push_back({"FieldValueTooLong", "Too long: must have at most 262144 bytes",
                        "metadata.annotations"});
    }
  }
  return causes;
}

std::string NewUid() {
  thread_local boost::uuids::random_generator generator;
  return boost::uuids::to_string(generator());
}

std::string FormatTime(std::chrono::system_clock::time_point time) {
  std::time_t seconds = std::chrono::system_clock::to_time_t(time);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &utc);
  return text;
}

std::string RandomNameSuffix() {
  // No vowels (no words) and no look-alikes (0/o, 1/l), as Kubernetes' own generator.
  static constexpr char kAlphabet[] = "bcdfghjklmnpqrstvwxz2456789";
  thread_local std::mt19937 random{std::random_device{}()};
  std::uniform_int_distribution<size_t> pick(0, sizeof kAlphabet - 2);
  std::string suffix;
  for (int i = 0; i < 5; ++i) suffix += kAlphabet[pick(random)];
  return suffix;
}

}  // namespace hostlet::apiserver
