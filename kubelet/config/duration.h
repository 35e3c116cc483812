// Go duration strings ("10s", "1m30s", "1.5h"), the form KubeletConfiguration uses for
// frequencies, read into whole seconds, the unit the agent's timers use.
#pragma once

#include <optional>
#include <string>

namespace hostlet::agent {

// Seconds in `text` (units ns, us, µs, ms, s, m, h; a lone "0" allowed), or nothing when it is
// not a duration, is negative, or is not a whole number of seconds.
std::optional<long long> ParseDurationSeconds(const std::string& text);

}  // namespace hostlet::agent
