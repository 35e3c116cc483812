// The pieces of the Prometheus text exposition format 0.0.4 that need care: escaping and the
// spelling of numbers.
#pragma once

#include <string>
#include <string_view>

namespace hostlet::metrics {

// A label value inside double quotes: backslash, double quote and line feed escaped.
std::string EscapeLabelValue(std::string_view value);
// HELP text: backslash and line feed escaped (quotes stay as they are).
std::string EscapeHelp(std::string_view help);
// A sample value or bucket bound: the shortest text that reads back as the same double, "+Inf",
// "-Inf" or "NaN".
std::string FormatNumber(double value);

// Names as Prometheus allows them: metric names [a-zA-Z_:][a-zA-Z0-9_:]*, label names
// [a-zA-Z_][a-zA-Z0-9_]* not starting with "__" (reserved).
bool ValidMetricName(std::string_view name);
bool ValidLabelName(std::string_view name);

}  // namespace hostlet::metrics
