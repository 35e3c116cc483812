#include "kubelet/config/names.h"

#include <cctype>

namespace hostlet::agent {
namespace {

bool LowerAlnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }
bool Alnum(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; }

// The "qualified name" part of a label key, also a label value's form.
bool IsQualifiedName(const std::string& name) {
  if (name.empty() || name.size() > 63) return false;
  if (!Alnum(name.front()) || !Alnum(name.back())) return false;
  for (char c : name) {
    if (!Alnum(c) && c != '-' && c != '_' && c != '.') return false;
  }
  return true;
}

}  // namespace

bool IsDns1123Label(const std::string& name) {
  if (name.empty() || name.size() > 63) return false;
  if (!LowerAlnum(name.front()) || !LowerAlnum(name.back())) return false;
  for (char c : name) {
    if (!LowerAlnum(c) && c != '-') return false;
  }
  return true;
}

bool IsDns1123Subdomain(const std::string& name) {
  if (name.empty() || name.size() > 253) return false;
  size_t start = 0;
  while (true) {
    size_t dot = name.find('.', start);
    std::string label = name.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    if (!IsDns1123Label(label)) return false;
    if (dot == std::string::npos) return true;
    start = dot + 1;
  }
}

bool IsLabelKey(const std::string& key) {
  size_t slash = key.find('/');
  if (slash == std::string::npos) return IsQualifiedName(key);
  return IsDns1123Subdomain(key.substr(0, slash)) && IsQualifiedName(key.substr(slash + 1));
}

bool IsLabelValue(const std::string& value) { return value.empty() || IsQualifiedName(value); }

}  // namespace hostlet::agent
