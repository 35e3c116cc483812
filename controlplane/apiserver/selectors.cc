#include "controlplane/apiserver/selectors.h"

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <map>
#include <set>
#include <utility>

namespace hostlet::apiserver {
namespace {

using nlohmann::json;
using Operator = LabelSelector::Operator;
using Requirement = LabelSelector::Requirement;

// --- Validation, worded as k8s.io/apimachinery/pkg/util/validation words it.

constexpr std::string_view kQualifiedNameFormat = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]";
constexpr std::string_view kQualifiedNameMessage =
    "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an "
    "alphanumeric character";
constexpr std::string_view kLabelValueFormat = "(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?";
constexpr std::string_view kLabelValueMessage =
    "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or "
    "'.', and must start and end with an alphanumeric character";
constexpr std::string_view kSubdomainFormat =
    "[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*";
constexpr std::string_view kSubdomainMessage =
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or "
    "'.', and must start and end with an alphanumeric character";
constexpr size_t kNameMaxLength = 63;
constexpr size_t kSubdomainMaxLength = 253;

bool IsAlnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}
bool IsLowerAlnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }

// [A-Za-z0-9] at both ends, [-A-Za-z0-9_.] between.
bool MatchesNameFormat(std::string_view text) {
  if (text.empty() || !IsAlnum(text.front()) || !IsAlnum(text.back())) return false;
  return std::all_of(text.begin(), text.end(),
                     [](char c) { return IsAlnum(c) || c == '-' || c == '_' || c == '.'; });
}

// Dot-separated labels of [a-z0-9-], each with [a-z0-9] at both ends.
bool MatchesSubdomainFormat(std::string_view text) {
  size_t start = 0;
  while (true) {
    size_t dot = text.find('.', start);
    std::string_view label = text.substr(start, dot == text.npos ? text.npos : dot - start);
    if (label.empty() || !IsLowerAlnum(label.front()) || !IsLowerAlnum(label.back())) return false;
    for (char c : label) {
      if (!IsLowerAlnum(c) && c != '-') return false;
    }
    if (dot == text.npos) return true;
    start = dot + 1;
  }
}

std::string FormatError(std::string_view message, std::string_view format,
                        std::initializer_list<std::string_view> examples) {
  std::string text(message);
  text += " (e.g. ";
  bool first = true;
  for (std::string_view example : examples) {
    // Upstream joins the examples as "'a',  or 'b', " -- two spaces included.
    if (!first) text += " or ";
    first = false;
    text += "'" + std::string(example) + "', ";
  }
  text += "regex used for validation is '" + std::string(format) + "')";
  return text;
}

std::string MaxLengthError(size_t length) {
  return "must be no more than " + std::to_string(length) + " characters";
}

std::vector<std::string> QualifiedNameProblems(std::string_view key) {
  std::vector<std::string> problems;
  std::string_view name = key;
  size_t slash = key.find('/');
  if (slash != key.npos) {
    if (key.find('/', slash + 1) != key.npos) {
      problems.push_back("a qualified name " +
                         FormatError(kQualifiedNameMessage, kQualifiedNameFormat,
                                     {"MyName", "my.name", "123-abc"}) +
                         " with an optional DNS subdomain prefix and '/' (e.g. "
                         "'example.com/MyName')");
      return problems;
    }
    std::string_view prefix = key.substr(0, slash);
    name = key.substr(slash + 1);
    if (prefix.empty()) {
      problems.push_back("prefix part must be non-empty");
    } else {
      if (prefix.size() > kSubdomainMaxLength) {
        problems.push_back("prefix part " + MaxLengthError(kSubdomainMaxLength));
      }
      if (!MatchesSubdomainFormat(prefix)) {
        problems.push_back("prefix part " +
                           FormatError(kSubdomainMessage, kSubdomainFormat, {"example.com"}));
      }
    }
  }
  if (name.empty()) {
    problems.push_back("name part must be non-empty");
  } else if (name.size() > kNameMaxLength) {
    problems.push_back("name part " + MaxLengthError(kNameMaxLength));
  }
  if (!MatchesNameFormat(name)) {
    problems.push_back("name part " + FormatError(kQualifiedNameMessage, kQualifiedNameFormat,
                                                  {"MyName", "my.name", "123-abc"}));
  }
  return problems;
}

std::vector<std::string> LabelValueProblems(std::string_view value) {
  std::vector<std::string> problems;
  if (value.size() > kNameMaxLength) problems.push_back(MaxLengthError(kNameMaxLength));
  if (!value.empty() && !MatchesNameFormat(value)) {
    problems.push_back(
        FormatError(kLabelValueMessage, kLabelValueFormat, {"MyValue", "my_value", "12345"}));
  }
  return problems;
}

// A string as Go's %q prints it: quoted, with control characters and bad UTF-8 escaped.
std::string GoQuote(std::string_view text) {
  std::string out = "\"";
  for (size_t i = 0; i < text.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    switch (c) {
      case '"':
        out += "\\\"";
        continue;
      case '\\':
        out += "\\\\";
        continue;
      case '\n':
        out += "\\n";
        continue;
      case '\t':
        out += "\\t";
        continue;
      case '\r':
        out += "\\r";
        continue;
      default:
        break;
    }
    size_t length = c < 0x80           ? 1
                    : (c >> 5) == 0x6  ? 2
                    : (c >> 4) == 0xe  ? 3
                    : (c >> 3) == 0x1e ? 4
                                       : 0;
    bool valid = length > 0 && i + length <= text.size();
    for (size_t k = 1; valid && k < length; ++k) {
      valid = (static_cast<unsigned char>(text[i + k]) & 0xc0) == 0x80;
    }
    if (c < 0x20 || c == 0x7f || !valid) {
      char escaped[8];
      std::snprintf(escaped, sizeof(escaped), "\\x%02x", c);
      out += escaped;
      continue;
    }
    out.append(text.substr(i, length));
    i += length - 1;
  }
  return out + "\"";
}

// A list of values as Go's %#v prints a []string.
std::string GoStrings(const std::vector<std::string>& values) {
  if (values.empty()) return "[]string(nil)";
  std::string out = "[]string{";
  for (size_t i = 0; i < values.size(); ++i) {
    if (i > 0) out += ", ";
    out += GoQuote(values[i]);
  }
  return out + "}";
}

std::string Join(const std::vector<std::string>& parts, std::string_view separator) {
  std::string out;
  for (size_t i = 0; i < parts.size(); ++i) {
    if (i > 0) out += separator;
    out += parts[i];
  }
  return out;
}

// A field.Error of type Invalid: `path: Invalid value: "value": detail`.
std::string InvalidValue(std::string_view path, std::string_view quoted_value,
                         std::string_view detail) {
  return std::string(path) + ": Invalid value: " + std::string(quoted_value) + ": " +
         std::string(detail);
}

// Several field errors as an aggregate error prints them: one alone, or "[a, b]".
std::string Aggregate(const std::vector<std::string>& errors) {
  std::vector<std::string> unique;
  for (const std::string& error : errors) {
    if (std::find(unique.begin(), unique.end(), error) == unique.end()) unique.push_back(error);
  }
  if (unique.size() == 1) return unique.front();
  return "[" + Join(unique, ", ") + "]";
}

std::optional<std::int64_t> ParseInt64(std::string_view text) {
  size_t i = 0;
  bool negative = false;
  if (!text.empty() && (text[0] == '+' || text[0] == '-')) negative = text[i++] == '-';
  if (i == text.size()) return std::nullopt;
  std::uint64_t magnitude = 0;
  const std::uint64_t limit = negative ? std::uint64_t{1} << 63 : (std::uint64_t{1} << 63) - 1;
  for (; i < text.size(); ++i) {
    if (text[i] < '0' || text[i] > '9') return std::nullopt;
    std::uint64_t digit = static_cast<std::uint64_t>(text[i] - '0');
    if (magnitude > (limit - digit) / 10) return std::nullopt;
    magnitude = magnitude * 10 + digit;
  }
  if (negative) return static_cast<std::int64_t>(0 - magnitude);
  return static_cast<std::int64_t>(magnitude);
}

// The problems with a requirement, as upstream's NewRequirement reports them; empty if valid.
// `key_path` is where a bad key is reported ("key" or "<nil>").
std::vector<std::string> RequirementProblems(const Requirement& requirement,
                                             std::string_view key_path) {
  std::vector<std::string> problems;
  const std::vector<std::string>& values = requirement.values;
  if (auto key_problems = QualifiedNameProblems(requirement.key); !key_problems.empty()) {
    problems.push_back(InvalidValue(key_path, GoQuote(requirement.key), Join(key_problems, "; ")));
  }
  switch (requirement.op) {
    case Operator::kIn:
    case Operator::kNotIn:
      if (values.empty()) {
        problems.push_back(InvalidValue("values", GoStrings(values),
                                        "for 'in', 'notin' operators, values set can't be empty"));
      }
      break;
    case Operator::kEquals:
    case Operator::kDoubleEquals:
    case Operator::kNotEquals:
      if (values.size() != 1) {
        problems.push_back(InvalidValue("values", GoStrings(values),
                                        "exact-match compatibility requires one single value"));
      }
      break;
    case Operator::kExists:
    case Operator::kDoesNotExist:
      if (!values.empty()) {
        problems.push_back(InvalidValue("values", GoStrings(values),
                                        "values set must be empty for exists and does not exist"));
      }
      break;
    case Operator::kGreaterThan:
    case Operator::kLessThan:
      if (values.size() != 1) {
        problems.push_back(InvalidValue("values", GoStrings(values),
                                        "for 'Gt', 'Lt' operators, exactly one value is required"));
      }
      for (size_t i = 0; i < values.size(); ++i) {
        if (!ParseInt64(values[i])) {
          problems.push_back(
              InvalidValue("values[" + std::to_string(i) + "]", GoQuote(values[i]),
                           "for 'Gt', 'Lt' operators, the value must be an integer"));
        }
      }
      break;
  }
  for (size_t i = 0; i < values.size(); ++i) {
    if (auto value_problems = LabelValueProblems(values[i]); !value_problems.empty()) {
      problems.push_back(InvalidValue("values[" + std::to_string(i) + "][" + requirement.key + "]",
                                      GoQuote(values[i]), Join(value_problems, "; ")));
    }
  }
  return problems;
}

void SortByKey(std::vector<Requirement>& requirements) {
  std::stable_sort(requirements.begin(), requirements.end(),
                   [](const Requirement& a, const Requirement& b) { return a.key < b.key; });
}

// --- The label selector grammar, tokenized as upstream's lexer does.

enum class Token {
  kEnd,
  kIdentifier,
  kIn,
  kNotIn,
  kOpenParen,
  kCloseParen,
  kComma,
  kNot,
  kEquals,
  kDoubleEquals,
  kNotEquals,
  kGreater,
  kLess
};

struct Lexeme {
  Token token;
  std::string text;
};

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }
bool IsSymbol(char c) {
  return c == '=' || c == '!' || c == '(' || c == ')' || c == ',' || c == '>' || c == '<';
}

std::optional<Token> SymbolToken(std::string_view text) {
  static const std::map<std::string_view, Token> kSymbols = {
      {"(", Token::kOpenParen},  {")", Token::kCloseParen}, {",", Token::kComma},
      {"!", Token::kNot},        {"=", Token::kEquals},     {"==", Token::kDoubleEquals},
      {"!=", Token::kNotEquals}, {">", Token::kGreater},    {"<", Token::kLess}};
  auto it = kSymbols.find(text);
  if (it == kSymbols.end()) return std::nullopt;
  return it->second;
}

std::vector<Lexeme> Tokenize(std::string_view text) {
  std::vector<Lexeme> lexemes;
  size_t i = 0;
  while (true) {
    while (i < text.size() && IsSpace(text[i])) ++i;
    if (i == text.size()) break;
    if (IsSymbol(text[i])) {
      // The longest run of symbols that is still an operator: "!=" but "!" then "(".
      size_t length = 1;
      while (i + length < text.size() && IsSymbol(text[i + length]) &&
             SymbolToken(text.substr(i, length + 1))) {
        ++length;
      }
      lexemes.push_back(
          {*SymbolToken(text.substr(i, length)), std::string(text.substr(i, length))});
      i += length;
      continue;
    }
    size_t start = i;
    while (i < text.size() && !IsSpace(text[i]) && !IsSymbol(text[i])) ++i;
    std::string word(text.substr(start, i - start));
    Token token = word == "in" ? Token::kIn : word == "notin" ? Token::kNotIn : Token::kIdentifier;
    lexemes.push_back({token, std::move(word)});
  }
  lexemes.push_back({Token::kEnd, ""});
  return lexemes;
}

class LabelParser {
 public:
  explicit LabelParser(std::string_view text) : lexemes_(Tokenize(text)) {}

  std::vector<Requirement> Parse() {
    std::vector<Requirement> requirements;
    while (true) {
      const Lexeme next = Peek();
      if (next.token == Token::kEnd) return requirements;
      if (next.token != Token::kIdentifier && next.token != Token::kNot) {
        throw SelectorError("found '" + next.text +
                            "', expected: !, identifier, or 'end of string'");
      }
      requirements.push_back(ParseRequirement());
      const Lexeme after = Take();
      if (after.token == Token::kEnd) return requirements;
      if (after.token != Token::kComma) {
        throw SelectorError("found '" + after.text + "', expected: ',' or 'end of string'");
      }
      const Lexeme following = Peek();
      if (following.token != Token::kIdentifier && following.token != Token::kNot) {
        throw SelectorError("found '" + following.text + "', expected: identifier after ','");
      }
    }
  }

 private:
  // Except where an operator is expected, the keywords "in" and "notin" are plain words, so
  // "in in (in,notin)" is valid.
  Lexeme Peek(bool keywords = false) const {
    return AsWord(lexemes_[std::min(position_, lexemes_.size() - 1)], keywords);
  }
  Lexeme Take(bool keywords = false) {
    Lexeme lexeme = Peek(keywords);
    ++position_;
    return lexeme;
  }
  static Lexeme AsWord(Lexeme lexeme, bool keywords) {
    if (!keywords && (lexeme.token == Token::kIn || lexeme.token == Token::kNotIn)) {
      lexeme.token = Token::kIdentifier;
    }
    return lexeme;
  }

  [[noreturn]] static void Fail(const std::string& message) {
    throw SelectorError("unable to parse requirement: " + message);
  }

  Requirement ParseRequirement() {
    Requirement requirement{"", Operator::kExists, {}};
    Lexeme first = Take();
    bool negated = first.token == Token::kNot;
    if (negated) first = Take();
    if (first.token != Token::kIdentifier) Fail("found '" + first.text + "', expected: identifier");
    requirement.key = first.text;
    if (auto problems = QualifiedNameProblems(requirement.key); !problems.empty()) {
      Fail(InvalidValue("<nil>", GoQuote(requirement.key), Join(problems, "; ")));
    }
    Token next = Peek().token;
    // "!key" and a bare "key" test existence; what follows "!key" is left to the caller, which
    // rejects anything but ',' or the end.
    if (negated || next == Token::kEnd || next == Token::kComma) {
      requirement.op = negated ? Operator::kDoesNotExist : Operator::kExists;
      Validate(requirement);
      return requirement;
    }
    requirement.op = ParseOperator();
    std::set<std::string> values;
    if (requirement.op == Operator::kIn || requirement.op == Operator::kNotIn) {
      values = ParseValueSet();
    } else {
      values = ParseSingleValue();
    }
    requirement.values.assign(values.begin(), values.end());
    Validate(requirement);
    return requirement;
  }

  Operator ParseOperator() {
    const Lexeme lexeme = Take(/*keywords=*/true);
    switch (lexeme.token) {
      case Token::kIn:
        return Operator::kIn;
      case Token::kNotIn:
        return Operator::kNotIn;
      case Token::kEquals:
        return Operator::kEquals;
      case Token::kDoubleEquals:
        return Operator::kDoubleEquals;
      case Token::kNotEquals:
        return Operator::kNotEquals;
      case Token::kGreater:
        return Operator::kGreaterThan;
      case Token::kLess:
        return Operator::kLessThan;
      default:
        Fail("found '" + lexeme.text + "', expected: in, notin, =, ==, !=, gt, lt");
    }
  }

  // "(a,b)", where empty entries are the empty value: "()" and "(,a)" hold "".
  std::set<std::string> ParseValueSet() {
    const Lexeme open = Take();
    if (open.token != Token::kOpenParen) Fail("found '" + open.text + "' expected: '('");
    const Lexeme first = Peek();
    if (first.token == Token::kCloseParen) {
      Take();
      return {""};
    }
    if (first.token != Token::kIdentifier && first.token != Token::kComma) {
      Fail("found '" + first.text + "', expected: ',', ')' or identifier");
    }
    std::set<std::string> values;
    while (true) {
      const Lexeme lexeme = Take();
      if (lexeme.token == Token::kIdentifier) {
        values.insert(lexeme.text);
        const Lexeme after = Peek();
        if (after.token == Token::kCloseParen) break;
        if (after.token != Token::kComma) {
          Fail("found '" + after.text + "', expected: ',' or ')'");
        }
      } else if (lexeme.token == Token::kComma) {
        if (values.empty()) values.insert("");  // "(,"
        Token after = Peek().token;
        if (after == Token::kCloseParen) {
          values.insert("");  // ",)"
          break;
        }
        if (after == Token::kComma) {
          Take();
          values.insert("");  // ",,"
        }
      } else {
        Fail("found '" + lexeme.text + "', expected: ',', or identifier");
      }
    }
    if (Take().token != Token::kCloseParen) {
      Fail("found '" + first.text + "', expected: ')'");
    }
    return values;
  }

  // The value after = == != > <, which may be empty: "a=" selects a="".
  std::set<std::string> ParseSingleValue() {
    Token next = Peek().token;
    if (next == Token::kEnd || next == Token::kComma) return {""};
    const Lexeme lexeme = Take();
    if (lexeme.token != Token::kIdentifier)
      Fail("found '" + lexeme.text + "', expected: identifier");
    return {lexeme.text};
  }

  static void Validate(const Requirement& requirement) {
    std::vector<std::string> problems = RequirementProblems(requirement, "key");
    if (!problems.empty()) Fail(Aggregate(problems));
  }

  std::vector<Lexeme> lexemes_;
  size_t position_ = 0;
};

bool RequirementMatches(const Requirement& requirement, const json& labels) {
  const std::string* value = nullptr;
  if (labels.is_object()) {
    auto it = labels.find(requirement.key);
    if (it != labels.end() && it->is_string()) value = it->get_ptr<const std::string*>();
  }
  auto listed = [&] {
    return std::find(requirement.values.begin(), requirement.values.end(), *value) !=
           requirement.values.end();
  };
  switch (requirement.op) {
    case Operator::kIn:
    case Operator::kEquals:
    case Operator::kDoubleEquals:
      return value != nullptr && listed();
    case Operator::kNotIn:
    case Operator::kNotEquals:
      return value == nullptr || !listed();
    case Operator::kExists:
      return value != nullptr;
    case Operator::kDoesNotExist:
      return value == nullptr;
    case Operator::kGreaterThan:
    case Operator::kLessThan: {
      if (value == nullptr || requirement.values.size() != 1) return false;
      auto have = ParseInt64(*value);
      auto bound = ParseInt64(requirement.values.front());
      if (!have || !bound) return false;
      return requirement.op == Operator::kGreaterThan ? *have > *bound : *have < *bound;
    }
  }
  return false;
}

std::string RequirementString(const Requirement& requirement) {
  std::string out = requirement.op == Operator::kDoesNotExist ? "!" : "";
  out += requirement.key;
  switch (requirement.op) {
    case Operator::kExists:
    case Operator::kDoesNotExist:
      return out;
    case Operator::kEquals:
      out += "=";
      break;
    case Operator::kDoubleEquals:
      out += "==";
      break;
    case Operator::kNotEquals:
      out += "!=";
      break;
    case Operator::kGreaterThan:
      out += ">";
      break;
    case Operator::kLessThan:
      out += "<";
      break;
    case Operator::kIn:
      out += " in (";
      break;
    case Operator::kNotIn:
      out += " notin (";
      break;
  }
  std::vector<std::string> values = requirement.values;
  std::sort(values.begin(), values.end());
  out += Join(values, ",");
  if (requirement.op == Operator::kIn || requirement.op == Operator::kNotIn) out += ")";
  return out;
}

// --- Field selectors, as k8s.io/apimachinery/pkg/fields parses them.

std::string EscapeFieldValue(std::string_view value) {
  std::string out;
  for (char c : value) {
    if (c == '\\' || c == ',' || c == '=') out += '\\';
    out += c;
  }
  return out;
}

std::string UnescapeFieldValue(std::string_view value) {
  std::string out;
  for (size_t i = 0; i < value.size(); ++i) {
    char c = value[i];
    if (c == '\\') {
      if (i + 1 == value.size()) {
        throw SelectorError("invalid field selector: invalid escape sequence: \\");
      }
      char next = value[++i];
      if (next != '\\' && next != ',' && next != '=') {
        // Name the whole character escaped, however many bytes of UTF-8 it takes.
        size_t end = i + 1;
        while (end < value.size() && (static_cast<unsigned char>(value[end]) & 0xc0) == 0x80) ++end;
        throw SelectorError("invalid field selector: invalid escape sequence: \\" +
                            std::string(value.substr(i, end - i)));
      }
      out += next;
    } else if (c == ',' || c == '=') {
      // Upstream prints the character's code point here ("61" for '=').
      throw SelectorError("invalid field selector: unescaped character in value: " +
                          std::to_string(static_cast<int>(c)));
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace

LabelSelector LabelSelector::Parse(std::string_view text) {
  LabelSelector selector;
  selector.requirements_ = LabelParser(text).Parse();
  SortByKey(selector.requirements_);
  return selector;
}

LabelSelector LabelSelector::FromJson(const nlohmann::json& selector) {
  LabelSelector result;
  if (selector.is_null()) {
    result.nothing_ = true;
    return result;
  }
  if (!selector.is_object()) throw SelectorError("a label selector must be an object");
  const json empty;
  auto member = [&](const char* name) -> const json& {
    auto it = selector.find(name);
    return it == selector.end() ? empty : *it;
  };
  const json& match_labels = member("matchLabels");
  const json& match_expressions = member("matchExpressions");
  if (!match_labels.is_null() && !match_labels.is_object()) {
    throw SelectorError("matchLabels must be an object of strings");
  }
  if (!match_expressions.is_null() && !match_expressions.is_array()) {
    throw SelectorError("matchExpressions must be a list");
  }
  std::vector<Requirement> requirements;
  if (match_labels.is_object()) {
    for (const auto& [key, value] : match_labels.items()) {
      if (!value.is_string()) throw SelectorError("matchLabels must be an object of strings");
      requirements.push_back({key, Operator::kEquals, {value.get<std::string>()}});
    }
  }
  if (match_expressions.is_array()) {
    for (const json& expression : match_expressions) {
      if (!expression.is_object())
        throw SelectorError("matchExpressions must be a list of objects");
      auto text_of = [&](const char* name) {
        auto it = expression.find(name);
        if (it == expression.end() || it->is_null()) return std::string();
        if (!it->is_string())
          throw SelectorError(std::string("matchExpressions ") + name + " must be a string");
        return it->get<std::string>();
      };
      Requirement requirement{text_of("key"), Operator::kIn, {}};
      std::string op = text_of("operator");
      if (op == "In") {
        requirement.op = Operator::kIn;
      } else if (op == "NotIn") {
        requirement.op = Operator::kNotIn;
      } else if (op == "Exists") {
        requirement.op = Operator::kExists;
      } else if (op == "DoesNotExist") {
        requirement.op = Operator::kDoesNotExist;
      } else {
        throw SelectorError(GoQuote(op) + " is not a valid label selector operator");
      }
      auto values = expression.find("values");
      if (values != expression.end() && !values->is_null()) {
        if (!values->is_array()) throw SelectorError("matchExpressions values must be a list");
        for (const json& value : *values) {
          if (!value.is_string()) {
            throw SelectorError("matchExpressions values must be a list of strings");
          }
          requirement.values.push_back(value.get<std::string>());
        }
      }
      requirements.push_back(std::move(requirement));
    }
  }
  for (const Requirement& requirement : requirements) {
    std::vector<std::string> problems = RequirementProblems(requirement, "key");
    if (!problems.empty()) throw SelectorError(Aggregate(problems));
  }
  SortByKey(requirements);
  result.requirements_ = std::move(requirements);
  return result;
}

bool LabelSelector::Matches(const nlohmann::json& labels) const {
  if (nothing_) return false;
  return std::all_of(requirements_.begin(), requirements_.end(),
                     [&](const Requirement& r) { return RequirementMatches(r, labels); });
}

std::string LabelSelector::String() const {
  std::vector<std::string> parts;
  for (const Requirement& requirement : requirements_)
    parts.push_back(RequirementString(requirement));
  return Join(parts, ",");
}

FieldSelector FieldSelector::Parse(std::string_view text) {
  // Split at commas a backslash does not escape.
  std::vector<std::string> parts;
  if (!text.empty()) {
    size_t start = 0;
    for (size_t i = 0; i < text.size(); ++i) {
      if (text[i] == '\\') {
        ++i;
      } else if (text[i] == ',') {
        parts.emplace_back(text.substr(start, i - start));
        start = i + 1;
      }
    }
    parts.emplace_back(text.substr(std::min(start, text.size())));
  }
  std::sort(parts.begin(), parts.end());

  FieldSelector selector;
  for (const std::string& part : parts) {
    if (part.empty()) continue;
    // The first operator splits the term: no escaping applies to the field name.
    size_t at = std::string::npos, length = 0;
    bool equals = true;
    for (size_t i = 0; i < part.size() && at == std::string::npos; ++i) {
      std::string_view rest = std::string_view(part).substr(i);
      for (std::string_view op : {"!=", "==", "="}) {
        if (rest.substr(0, op.size()) == op) {
          at = i;
          length = op.size();
          equals = op != "!=";
          break;
        }
      }
    }
    if (at == std::string::npos) {
      throw SelectorError("invalid selector: '" + std::string(text) + "'; can't understand '" +
                          part + "'");
    }
    selector.terms_.push_back({part.substr(0, at),
                               UnescapeFieldValue(std::string_view(part).substr(at + length)),
                               equals});
  }
  return selector;
}

bool FieldSelector::Matches(
    const std::function<std::optional<std::string>(const std::string&)>& value_of) const {
  for (const Term& term : terms_) {
    std::string value = value_of(term.field).value_or("");
    if ((value == term.value) != term.equals) return false;
  }
  return true;
}

std::vector<std::string> FieldSelector::Fields() const {
  std::set<std::string> fields;
  for (const Term& term : terms_) fields.insert(term.field);
  return {fields.begin(), fields.end()};
}

std::optional<std::string> FieldSelector::RequiredValue(const std::string& field) const {
  for (const Term& term : terms_) {
    if (term.equals && term.field == field) return term.value;
  }
  return std::nullopt;
}

std::string FieldSelector::String() const {
  std::vector<std::string> parts;
  for (const Term& term : terms_) {
    parts.push_back(term.field + (term.equals ? "=" : "!=") + EscapeFieldValue(term.value));
  }
  return Join(parts, ",");
}

}  // namespace hostlet::apiserver
