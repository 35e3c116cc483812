// How Table cells spell things, shared by every printer: ages as kubectl has always shown them,
// label maps and selectors, and forgiving reads of stored objects (a cell never throws because a
// field is missing or of an unexpected type; it shows what Kubernetes shows for the zero value).
#pragma once

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hostlet::apiserver {

// A duration in two or three significant figures, as apimachinery's duration.HumanDuration:
// "45s", "119s", "3m2s", "10m", "179m", "3h", "7h59m", "47h", "3d4h", "364d", "2y", "3y45d",
// "9y". Up to a second in the future reads "0s" (clock skew); further is "<invalid>".
std::string HumanDuration(std::chrono::system_clock::duration duration);

// An RFC 3339 time as metav1.Time and MicroTime marshal ("2026-01-02T03:04:05Z",
// "2026-01-02T03:04:05.123456Z"); other offsets ("+02:00") are accepted too.
std::optional<std::chrono::system_clock::time_point> ParseTimestamp(std::string_view text);

// HumanDuration from `timestamp` to `now`, "<unknown>" when the timestamp is missing or unreadable
// (Kubernetes' zero time prints the same).
std::string Since(const nlohmann::json& timestamp, std::chrono::system_clock::time_point now);

// The value at `path` in `object`, or null when any step is missing or not an object.
const nlohmann::json& At(const nlohmann::json& object,
                         std::initializer_list<std::string_view> path);
// The string at `path`, or "" (the zero value Kubernetes prints for an unset string).
std::string StringAt(const nlohmann::json& object, std::initializer_list<std::string_view> path);
// The integer at `path`, or `fallback`.
std::int64_t IntAt(const nlohmann::json& object, std::initializer_list<std::string_view> path,
                   std::int64_t fallback = 0);
// The boolean at `path`, or `fallback`.
bool BoolAt(const nlohmann::json& object, std::initializer_list<std::string_view> path,
            bool fallback = false);
// The elements of an array or the keys of an object; 0 for anything else.
std::int64_t CountOf(const nlohmann::json& value);
// The elements of an array; empty for anything else.
const nlohmann::json& ArrayOf(const nlohmann::json& value);

std::string Join(const std::vector<std::string>& parts, std::string_view separator);

// "app=web,tier=front" sorted by key, "<none>" when empty: labels.FormatLabels.
std::string FormatLabels(const nlohmann::json& labels);

// A metav1.LabelSelector as its selector string: requirements sorted by key, "app=web",
// "tier in (back,front)", "env notin (dev)", "canary", "!legacy". Empty for a missing or empty
// selector; nothing when an operator is unknown.
std::optional<std::string> FormatLabelSelector(const nlohmann::json& selector);

// A resource quantity as stored: its string, or a bare number (`storage: 5`) as written.
std::string QuantityText(const nlohmann::json& quantity);

// A container list as two cells, "web,sidecar" and "nginx:1.27,busybox".
void LayoutContainers(const nlohmann::json& containers, std::string& names, std::string& images);

}  // namespace hostlet::apiserver
