// URL query strings as Go's net/url reads them: '&'-separated key=value pairs, percent-decoding,
// '+' for a space (so "a+in+(x,y)" is the label selector "a in (x,y)").
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace hostlet::apiserver {

// Decodes `text`; nothing when a '%' is not followed by two hex digits.
std::optional<std::string> PercentDecode(std::string_view text);

// The parameters of a query; a repeated key keeps its first value. Throws ApiException (400)
// for a malformed escape.
using Query = std::map<std::string, std::string>;
Query ParseQuery(std::string_view query);

}  // namespace hostlet::apiserver
