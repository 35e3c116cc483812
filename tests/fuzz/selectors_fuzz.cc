// Label and field selectors come from request URLs, label selectors also from stored objects.
// Any bytes must parse or fail with SelectorError, never crash; and what parses must print as
// a selector that parses back to the same thing.
#include "controlplane/apiserver/selectors.h"

#include <nlohmann/json.hpp>

#include <cstdlib>
#include <string>
#include <vector>

namespace {

using hostlet::apiserver::FieldSelector;
using hostlet::apiserver::LabelSelector;
using hostlet::apiserver::SelectorError;

void CheckLabels(const std::string& text) {
  LabelSelector selector;
  try {
    selector = LabelSelector::Parse(text);
  } catch (const SelectorError&) {
    return;
  }
  const std::string canonical = selector.String();
  LabelSelector again = LabelSelector::Parse(canonical);  // must not throw
  if (again.String() != canonical) std::abort();
  static const nlohmann::json kLabels[] = {
      nullptr, nlohmann::json::object(), {{"a", "b"}, {"in", ""}, {"x.io/k", "5"}}, {{"a", 1}}};
  for (const auto& labels : kLabels) {
    if (selector.Matches(labels) != again.Matches(labels)) std::abort();
  }
}

void CheckFields(const std::string& text) {
  FieldSelector selector;
  try {
    selector = FieldSelector::Parse(text);
  } catch (const SelectorError&) {
    return;
  }
  // Terms keep the order of their text as written, and "==" prints as "=", so the string can
  // reorder once ("f==b" sorts before "f=a", "f=b" after it); from then on it is fixed.
  FieldSelector again = FieldSelector::Parse(selector.String());
  const std::string canonical = again.String();
  if (FieldSelector::Parse(canonical).String() != canonical) std::abort();
  if (again.Fields() != selector.Fields()) std::abort();
  auto value_of = [](const std::string& field) -> std::optional<std::string> {
    if (field == "metadata.name") return "a,b=c";
    return std::nullopt;
  };
  if (selector.Matches(value_of) != again.Matches(value_of)) std::abort();
  for (const std::string& field : selector.Fields()) selector.RequiredValue(field);
}

void CheckJson(const std::string& text) {
  nlohmann::json selector = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (selector.is_discarded()) return;
  LabelSelector parsed;
  try {
    parsed = LabelSelector::FromJson(selector);
  } catch (const SelectorError&) {
    return;
  }
  if (selector.is_null()) return;  // selects nothing, which no selector string says
  // The string form of a valid metav1.LabelSelector is a valid selector selecting the same.
  LabelSelector again = LabelSelector::Parse(parsed.String());
  const nlohmann::json labels = {{"app", "web"}, {"env", "prod"}};
  if (again.Matches(labels) != parsed.Matches(labels)) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  CheckLabels(text);
  CheckFields(text);
  CheckJson(text);
  return 0;
}

std::vector<std::string> FuzzSeeds() {
  return {
      "a=b,c!=d,e in (x,y),f notin (z),g,!h,i>3,j<5",
      "x in (foo,,baz),y,z notin ()",
      "example.com/app==web, in in (in,notin)",
      "metadata.name=a\\,b\\=c\\\\d,spec.nodeName!=n1,status.phase==Running",
      R"({"matchLabels":{"app":"web"},"matchExpressions":[{"key":"env","operator":"In","values":["prod"]},{"key":"x","operator":"DoesNotExist"}]})",
      "null",
      "{}",
      "",
      "!",
      "a in (",
      "a=b=c",
      "\\"};
}
