#include "kubelet/volumes/env_expansion.h"

namespace hostlet::agent {

std::string ExpandEnvReferences(
    std::string_view input,
    const std::function<std::optional<std::string>(const std::string&)>& lookup) {
  std::string out;
  size_t checkpoint = 0;
  // A '$' as the last byte is literal; otherwise the byte after it decides, and is consumed.
  for (size_t cursor = 0; cursor + 1 < input.size(); ++cursor) {
    if (input[cursor] != '$') continue;
    out.append(input.substr(checkpoint, cursor - checkpoint));
    std::string_view rest = input.substr(cursor + 1);
    size_t advance = 1;
    if (rest[0] == '$') {
      out += '$';  // escaped operator
    } else if (rest[0] == '(') {
      size_t close = rest.find(')', 1);
      if (close == std::string_view::npos) {
        out += "$(";  // incomplete reference: kept, and the scan goes on after "("
      } else {
        std::string name(rest.substr(1, close - 1));
        auto value = lookup(name);
        out += value ? *value : "$(" + name + ")";
        advance = close + 1;
      }
    } else {
      out += '$';  // an operator that starts no expression: kept with the byte after it
      out += rest[0];
    }
    cursor += advance;
    checkpoint = cursor + 1;
  }
  if (checkpoint < input.size()) out.append(input.substr(checkpoint));
  return out;
}

}  // namespace hostlet::agent
