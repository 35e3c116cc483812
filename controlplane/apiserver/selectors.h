// Label selectors ("app=web,tier in (a,b),!canary") and field selectors ("spec.nodeName=n1"), as
// list and watch requests carry them in labelSelector= and fieldSelector=, and as objects carry
// label selectors in metav1.LabelSelector form (a Deployment's spec.selector).
#pragma once

#include <nlohmann/json.hpp>

#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace hostlet::apiserver {

// A selector that does not parse or is not valid. The message is worded as upstream's parsers
// word it ("unable to parse requirement: ..."), so the 400 answer reads as Kubernetes' does.
class SelectorError : public std::runtime_error {
 public:
  using runtime_error::runtime_error;
};

class LabelSelector {
 public:
  enum class Operator {
    kEquals,
    kDoubleEquals,
    kNotEquals,
    kIn,
    kNotIn,
    kExists,
    kDoesNotExist,
    kGreaterThan,
    kLessThan
  };
  struct Requirement {
    std::string key;
    Operator op;
    std::vector<std::string> values;  // one for = == != > <, at least one for in and notin
  };

  // Selects everything.
  LabelSelector() = default;

  // The selector syntax: comma-separated requirements "a=b", "a==b", "a!=b", "a in (x,y)",
  // "a notin (x)", "a" (exists), "!a" (does not exist), "a>3", "a<5". Keys must be qualified
  // names and values label values, as on objects. Empty text selects everything.
  static LabelSelector Parse(std::string_view text);

  // A metav1.LabelSelector: matchLabels and matchExpressions (In, NotIn, Exists, DoesNotExist),
  // all of which must hold. As upstream's LabelSelectorAsSelector: null selects nothing, and an
  // empty selector ({} or empty lists) selects everything.
  static LabelSelector FromJson(const nlohmann::json& selector);

  // Whether an object with these labels is selected. `labels` is metadata.labels: an object of
  // strings, or null when the object has none.
  bool Matches(const nlohmann::json& labels) const;

  // True when the selector selects everything (the null selector, selecting nothing, is not).
  bool Empty() const { return !nothing_ && requirements_.empty(); }

  // The canonical form: requirements sorted by key, set values sorted ("a in (x,y),b!=c").
  std::string String() const;

  const std::vector<Requirement>& requirements() const { return requirements_; }

 private:
  std::vector<Requirement> requirements_;  // sorted by key
  bool nothing_ = false;
};

class FieldSelector {
 public:
  struct Term {
    std::string field;
    std::string value;  // unescaped
    bool equals;        // "=" or "==" when true, "!=" when false
  };

  // Selects everything.
  FieldSelector() = default;

  // Comma-separated terms "field=value", "field==value", "field!=value". In values a backslash
  // escapes '\', ',' and '='; unescaped ',' or '=' in a value is an error. Empty terms are skipped.
  static FieldSelector Parse(std::string_view text);

  // Whether every term holds. `value_of` gives an object's value for a field, or nothing when
  // the kind cannot be selected by that field; such a field reads as empty, as upstream's field
  // sets read a missing field, so reject those fields with Fields() before matching.
  bool Matches(const std::function<std::optional<std::string>(const std::string&)>& value_of) const;

  // The fields the terms name, sorted, each once: for rejecting unsupported fields with 400.
  std::vector<std::string> Fields() const;

  // The value an "=" or "==" term requires `field` to have, if there is one: lets the server
  // look objects up by that value instead of scanning.
  std::optional<std::string> RequiredValue(const std::string& field) const;

  bool Empty() const { return terms_.empty(); }

  // As upstream prints it: terms in the sorted order of their text, values escaped, "==" as "="
  // ("metadata.name=a\,b,spec.nodeName!=n").
  std::string String() const;

  const std::vector<Term>& terms() const { return terms_; }

 private:
  std::vector<Term> terms_;
};

}  // namespace hostlet::apiserver
