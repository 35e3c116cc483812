// Label and field selectors: the syntax upstream's parsers accept, what they match, their
// canonical strings, and errors worded as Kubernetes words them.
#include "controlplane/apiserver/selectors.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <map>
#include <string>

namespace hostlet::apiserver {
namespace {

using nlohmann::json;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

std::string LabelError(std::string_view text) {
  try {
    LabelSelector::Parse(text);
  } catch (const SelectorError& error) {
    return error.what();
  }
  ADD_FAILURE() << "no error for \"" << text << "\"";
  return "";
}

std::string JsonError(const char* selector) {
  try {
    LabelSelector::FromJson(json::parse(selector));
  } catch (const SelectorError& error) {
    return error.what();
  }
  ADD_FAILURE() << "no error for " << selector;
  return "";
}

std::string FieldError(std::string_view text) {
  try {
    FieldSelector::Parse(text);
  } catch (const SelectorError& error) {
    return error.what();
  }
  ADD_FAILURE() << "no error for \"" << text << "\"";
  return "";
}

bool Selects(std::string_view selector, const char* labels) {
  return LabelSelector::Parse(selector).Matches(json::parse(labels));
}

TEST(LabelSelector, EmptyTextSelectsEverything) {
  for (const char* text : {"", "   ", "\t\n"}) {
    LabelSelector selector = LabelSelector::Parse(text);
    EXPECT_TRUE(selector.Empty());
    EXPECT_EQ(selector.String(), "");
    EXPECT_TRUE(selector.Matches(json::parse(R"({"a": "b"})")));
    EXPECT_TRUE(selector.Matches(nullptr));
  }
  EXPECT_TRUE(LabelSelector().Empty());
  EXPECT_TRUE(LabelSelector().Matches(nullptr));
}

TEST(LabelSelector, EqualityOperators) {
  EXPECT_TRUE(Selects("app=web", R"({"app": "web", "x": "y"})"));
  EXPECT_TRUE(Selects("app==web", R"({"app": "web"})"));
  EXPECT_FALSE(Selects("app=web", R"({"app": "db"})"));
  EXPECT_FALSE(Selects("app=web", R"({})"));
  EXPECT_FALSE(Selects("app=web", "null"));
  EXPECT_TRUE(Selects("app!=web", R"({"app": "db"})"));
  EXPECT_FALSE(Selects("app!=web", R"({"app": "web"})"));
  // A label that is absent is not equal to anything.
  EXPECT_TRUE(Selects("app!=web", R"({})"));
  EXPECT_TRUE(Selects("app!=web", "null"));
  // "a=" asks for the empty value.
  EXPECT_TRUE(Selects("app=", R"({"app": ""})"));
  EXPECT_FALSE(Selects("app=", R"({})"));
}

TEST(LabelSelector, SetOperators) {
  EXPECT_TRUE(Selects("env in (prod,staging)", R"({"env": "staging"})"));
  EXPECT_FALSE(Selects("env in (prod,staging)", R"({"env": "dev"})"));
  EXPECT_FALSE(Selects("env in (prod)", R"({})"));
  EXPECT_TRUE(Selects("env notin (prod)", R"({"env": "dev"})"));
  EXPECT_TRUE(Selects("env notin (prod)", R"({})"));
  EXPECT_FALSE(Selects("env notin (prod)", R"({"env": "prod"})"));
  // "()" and empty entries stand for the empty value.
  EXPECT_TRUE(Selects("env in ()", R"({"env": ""})"));
  EXPECT_TRUE(Selects("env in (a,,b)", R"({"env": ""})"));
  EXPECT_TRUE(Selects("env in (,a)", R"({"env": ""})"));
  EXPECT_TRUE(Selects("env in (a,)", R"({"env": ""})"));
  EXPECT_FALSE(Selects("env in (a,b)", R"({"env": ""})"));
}

TEST(LabelSelector, ExistenceOperators) {
  EXPECT_TRUE(Selects("canary", R"({"canary": ""})"));
  EXPECT_FALSE(Selects("canary", R"({"other": "x"})"));
  EXPECT_TRUE(Selects("!canary", R"({"other": "x"})"));
  EXPECT_TRUE(Selects("!canary", "null"));
  EXPECT_FALSE(Selects("!canary", R"({"canary": "yes"})"));
}

TEST(LabelSelector, NumericComparisons) {
  EXPECT_TRUE(Selects("replicas>3", R"({"replicas": "4"})"));
  EXPECT_FALSE(Selects("replicas>3", R"({"replicas": "3"})"));
  EXPECT_TRUE(Selects("replicas<3", R"({"replicas": "2"})"));
  EXPECT_TRUE(Selects("replicas<3", R"({"replicas": "-20"})"));
  // Values that are not integers, and absent labels, never compare.
  EXPECT_FALSE(Selects("replicas>3", R"({"replicas": "x"})"));
  EXPECT_FALSE(Selects("replicas<3", R"({})"));
  EXPECT_FALSE(Selects("replicas<3", R"({"replicas": "99999999999999999999"})"));
}

TEST(LabelSelector, AllRequirementsMustHold) {
  const char* selector = "a=b,c!=d,e in (x,y),f notin (z),g,!h,i>3,j<5";
  EXPECT_TRUE(Selects(selector, R"({"a": "b", "e": "x", "g": "", "i": "4", "j": "4"})"));
  EXPECT_FALSE(Selects(selector, R"({"a": "b", "e": "x", "g": "", "i": "4", "j": "4", "h": "1"})"));
  EXPECT_FALSE(Selects(selector, R"({"a": "b", "e": "x", "g": "", "i": "4", "j": "5"})"));
  EXPECT_FALSE(Selects(selector, R"({"a": "b", "c": "d", "e": "x", "g": "", "i": "4", "j": "4"})"));
}

TEST(LabelSelector, WhitespaceAndKeywords) {
  EXPECT_EQ(LabelSelector::Parse("  a = b ,  c in ( x , y ) ").String(), "a=b,c in (x,y)");
  // "in" and "notin" are words wherever an operator is not expected.
  LabelSelector selector = LabelSelector::Parse("in in (in,notin),notin");
  EXPECT_EQ(selector.String(), "in in (in,notin),notin");
  EXPECT_TRUE(selector.Matches(json::parse(R"({"in": "notin", "notin": ""})")));
}

TEST(LabelSelector, StringIsCanonical) {
  EXPECT_EQ(LabelSelector::Parse("z=1,a in (y,x,x),!m,k==v,n!=o,p>1,q<2,e").String(),
            "a in (x,y),e,k==v,!m,n!=o,p>1,q<2,z=1");
  EXPECT_EQ(LabelSelector::Parse("x in (foo,,baz)").String(), "x in (,baz,foo)");
  EXPECT_EQ(LabelSelector::Parse("x notin ()").String(), "x notin ()");
  EXPECT_EQ(LabelSelector::Parse("example.com/app=web").String(), "example.com/app=web");
}

TEST(LabelSelector, StringParsesBackToItself) {
  for (const char* text : {"a=b,c!=d,e in (x,y),f notin (z),g,!h,i>3,j<5", "a in (,b)",
                           "a=", "x.io/y==Z_9", "in in (notin)", "a,b,c"}) {
    std::string canonical = LabelSelector::Parse(text).String();
    EXPECT_EQ(LabelSelector::Parse(canonical).String(), canonical) << text;
  }
}

TEST(LabelSelector, SyntaxErrorsReadAsUpstream) {
  EXPECT_EQ(LabelError("a b"),
            "unable to parse requirement: found 'b', expected: in, notin, =, ==, !=, gt, lt");
  EXPECT_EQ(LabelError("a in b"), "unable to parse requirement: found 'b' expected: '('");
  EXPECT_EQ(LabelError("a in (b"), "unable to parse requirement: found '', expected: ',' or ')'");
  EXPECT_EQ(LabelError("a in (b c)"),
            "unable to parse requirement: found 'c', expected: ',' or ')'");
  EXPECT_EQ(LabelError("a in (=)"),
            "unable to parse requirement: found '=', expected: ',', ')' or identifier");
  EXPECT_EQ(LabelError("a in (b,=)"),
            "unable to parse requirement: found '=', expected: ',', or identifier");
  EXPECT_EQ(LabelError("a,"), "found '', expected: identifier after ','");
  EXPECT_EQ(LabelError("a,,b"), "found ',', expected: identifier after ','");
  EXPECT_EQ(LabelError(",a"), "found ',', expected: !, identifier, or 'end of string'");
  EXPECT_EQ(LabelError("!a=b"), "found '=', expected: ',' or 'end of string'");
  EXPECT_EQ(LabelError("a=b c"), "found 'c', expected: ',' or 'end of string'");
  EXPECT_EQ(LabelError("!"), "unable to parse requirement: found '', expected: identifier");
  EXPECT_EQ(LabelError("a=(b)"), "unable to parse requirement: found '(', expected: identifier");
  EXPECT_EQ(LabelError("a<=3"), "unable to parse requirement: found '=', expected: identifier");
}

TEST(LabelSelector, InvalidKeysAndValuesReadAsUpstream) {
  EXPECT_EQ(LabelError("Foo$=a"),
            "unable to parse requirement: <nil>: Invalid value: \"Foo$\": name part must consist "
            "of alphanumeric characters, '-', '_' or '.', and must start and end with an "
            "alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for "
            "validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')");
  EXPECT_EQ(LabelError("a=b$"),
            "unable to parse requirement: values[0][a]: Invalid value: \"b$\": a valid label must "
            "be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must "
            "start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or "
            "'12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')");
  EXPECT_EQ(LabelError("a>b"),
            "unable to parse requirement: values[0]: Invalid value: \"b\": for 'Gt', 'Lt' "
            "operators, the value must be an integer");
  // Set values are reported in sorted order: "-y" comes before "x".
  EXPECT_THAT(LabelError("a in (x,-y)"), HasSubstr("values[0][a]: Invalid value: \"-y\""));
  // An integer that is not a label value, and a label value that is not an integer.
  EXPECT_THAT(LabelError("a>-5"), HasSubstr("values[0][a]: Invalid value: \"-5\""));
  EXPECT_THAT(LabelError("a>b$"), testing::StartsWith("unable to parse requirement: [values[0]: "));
  std::string long_name(64, 'a');
  EXPECT_THAT(LabelError(long_name), HasSubstr("name part must be no more than 63 characters"));
  EXPECT_THAT(LabelError("a=" + long_name), HasSubstr("must be no more than 63 characters"));
  EXPECT_THAT(LabelError("Example.com/app"),
              HasSubstr("prefix part a lowercase RFC 1123 subdomain must consist of lower case "
                        "alphanumeric characters, '-' or '.', and must start and end with an "
                        "alphanumeric character (e.g. 'example.com', regex used for validation"));
  EXPECT_THAT(LabelError("/app"), HasSubstr("prefix part must be non-empty"));
  EXPECT_THAT(LabelError("example.com/"), HasSubstr("name part must be non-empty"));
  EXPECT_THAT(LabelError("a/b/c"),
              HasSubstr("a qualified name must consist of alphanumeric characters"));
  EXPECT_THAT(
      LabelError("a/b/c"),
      HasSubstr("with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"));
  EXPECT_THAT(LabelError("k=\x01"), HasSubstr("Invalid value: \"\\x01\""));
  EXPECT_NO_THROW(LabelSelector::Parse(std::string(253, 'a') + "/" + std::string(63, 'b')));
  EXPECT_THAT(LabelError(std::string(254, 'a') + "/b"),
              HasSubstr("prefix part must be no more than 253 characters"));
}

TEST(LabelSelectorJson, NullSelectsNothingAndEmptySelectsEverything) {
  LabelSelector nothing = LabelSelector::FromJson(nullptr);
  EXPECT_FALSE(nothing.Empty());
  EXPECT_FALSE(nothing.Matches(json::parse(R"({"a": "b"})")));
  EXPECT_FALSE(nothing.Matches(nullptr));
  EXPECT_EQ(nothing.String(), "");
  for (const char* empty :
       {"{}", R"({"matchLabels": {}, "matchExpressions": []})", R"({"matchLabels": null})"}) {
    LabelSelector everything = LabelSelector::FromJson(json::parse(empty));
    EXPECT_TRUE(everything.Empty()) << empty;
    EXPECT_TRUE(everything.Matches(nullptr)) << empty;
  }
}

TEST(LabelSelectorJson, MatchLabelsAndExpressions) {
  LabelSelector selector = LabelSelector::FromJson(json::parse(R"({
      "matchLabels": {"app": "web", "tier": "front"},
      "matchExpressions": [{"key": "env", "operator": "In", "values": ["prod", "canary"]},
                           {"key": "legacy", "operator": "DoesNotExist"},
                           {"key": "zone", "operator": "NotIn", "values": ["a"]},
                           {"key": "ready", "operator": "Exists"}]})"));
  EXPECT_EQ(selector.String(),
            "app=web,env in (canary,prod),!legacy,ready,tier=front,zone notin (a)");
  EXPECT_TRUE(selector.Matches(
      json::parse(R"({"app": "web", "tier": "front", "env": "prod", "ready": "1"})")));
  EXPECT_FALSE(selector.Matches(
      json::parse(R"({"app": "web", "tier": "front", "env": "prod", "ready": "1", "zone": "a"})")));
  EXPECT_FALSE(selector.Matches(json::parse(R"({"app": "web", "tier": "front", "env": "prod"})")));
}

TEST(LabelSelectorJson, ErrorsReadAsUpstream) {
  EXPECT_EQ(JsonError(R"({"matchExpressions": [{"key": "a", "operator": "Foo"}]})"),
            "\"Foo\" is not a valid label selector operator");
  EXPECT_EQ(JsonError(R"({"matchExpressions": [{"key": "a", "operator": "In", "values": []}]})"),
            "values: Invalid value: []string(nil): for 'in', 'notin' operators, values set can't "
            "be empty");
  EXPECT_EQ(JsonError(R"({"matchExpressions": [{"key": "a", "operator": "Exists",
                                                "values": ["x", "y"]}]})"),
            "values: Invalid value: []string{\"x\", \"y\"}: values set must be empty for exists "
            "and does not exist");
  EXPECT_THAT(JsonError(R"({"matchLabels": {"Bad Key": "v"}})"),
              testing::StartsWith("key: Invalid value: \"Bad Key\": name part must consist"));
  EXPECT_THAT(JsonError(R"({"matchLabels": {"k": "bad value"}})"),
              testing::StartsWith("values[0][k]: Invalid value: \"bad value\""));
  EXPECT_THAT(JsonError(R"({"matchLabels": {"k": 1}})"), HasSubstr("matchLabels"));
  EXPECT_THAT(JsonError(R"({"matchExpressions": {}})"), HasSubstr("matchExpressions"));
  EXPECT_THAT(JsonError(R"("app=web")"), HasSubstr("must be an object"));
}

TEST(FieldSelector, EqualityAndInequality) {
  std::map<std::string, std::string> pod = {{"metadata.name", "web-1"},
                                            {"spec.nodeName", "node-a"}};
  auto value_of = [&](const std::string& field) -> std::optional<std::string> {
    auto it = pod.find(field);
    if (it == pod.end()) return std::nullopt;
    return it->second;
  };
  EXPECT_TRUE(FieldSelector::Parse("metadata.name=web-1").Matches(value_of));
  EXPECT_TRUE(FieldSelector::Parse("metadata.name==web-1").Matches(value_of));
  EXPECT_FALSE(FieldSelector::Parse("metadata.name!=web-1").Matches(value_of));
  EXPECT_TRUE(FieldSelector::Parse("spec.nodeName=node-a,metadata.name!=x").Matches(value_of));
  EXPECT_FALSE(FieldSelector::Parse("spec.nodeName=node-a,metadata.name=x").Matches(value_of));
  // An unknown field reads as empty.
  EXPECT_TRUE(FieldSelector::Parse("status.phase=").Matches(value_of));
  EXPECT_TRUE(FieldSelector::Parse("status.phase!=Running").Matches(value_of));
  EXPECT_TRUE(FieldSelector().Matches(value_of));
  EXPECT_TRUE(FieldSelector::Parse("").Empty());
  EXPECT_TRUE(FieldSelector::Parse(",,").Empty());
}

TEST(FieldSelector, TheFirstOperatorSplitsATerm) {
  FieldSelector selector = FieldSelector::Parse("a==b");
  ASSERT_EQ(selector.terms().size(), 1u);
  EXPECT_EQ(selector.terms()[0].field, "a");
  EXPECT_EQ(selector.terms()[0].value, "b");
  selector = FieldSelector::Parse("a!=b");
  EXPECT_FALSE(selector.terms()[0].equals);
  EXPECT_EQ(selector.terms()[0].value, "b");
  selector = FieldSelector::Parse("a!b=c");
  EXPECT_EQ(selector.terms()[0].field, "a!b");
  selector = FieldSelector::Parse(" a = b");
  EXPECT_EQ(selector.terms()[0].field, " a ");
  EXPECT_EQ(selector.terms()[0].value, " b");
}

TEST(FieldSelector, BackslashEscapesInValues) {
  FieldSelector selector = FieldSelector::Parse(R"(metadata.name=a\,b\=c\\d,spec.x=y)");
  ASSERT_EQ(selector.terms().size(), 2u);
  EXPECT_EQ(selector.terms()[0].value, R"(a,b=c\d)");
  EXPECT_EQ(selector.String(), R"(metadata.name=a\,b\=c\\d,spec.x=y)");
  EXPECT_EQ(FieldSelector::Parse(selector.String()).String(), selector.String());
}

TEST(FieldSelector, StringSortsTerms) {
  EXPECT_EQ(FieldSelector::Parse("z=1,a!=2,,m==3").String(), "a!=2,m=3,z=1");
}

TEST(FieldSelector, FieldsAndRequiredValue) {
  FieldSelector selector =
      FieldSelector::Parse("spec.nodeName=n1,metadata.name!=x,spec.nodeName==n2,status.phase=");
  EXPECT_THAT(selector.Fields(), ElementsAre("metadata.name", "spec.nodeName", "status.phase"));
  // Terms are taken in sorted order, so "spec.nodeName==n2" comes before "spec.nodeName=n1".
  EXPECT_EQ(selector.RequiredValue("spec.nodeName"), "n2");
  EXPECT_EQ(selector.RequiredValue("metadata.name"), std::nullopt);
  EXPECT_EQ(selector.RequiredValue("status.phase"), "");
  EXPECT_EQ(selector.RequiredValue("metadata.namespace"), std::nullopt);
}

TEST(FieldSelector, ErrorsReadAsUpstream) {
  EXPECT_EQ(FieldError("a"), "invalid selector: 'a'; can't understand 'a'");
  EXPECT_EQ(FieldError("x=1,b"), "invalid selector: 'x=1,b'; can't understand 'b'");
  EXPECT_EQ(FieldError("a=b=c"), "invalid field selector: unescaped character in value: 61");
  EXPECT_EQ(FieldError(R"(a=b\x)"), R"(invalid field selector: invalid escape sequence: \x)");
  EXPECT_EQ(FieldError("a=b\\"), R"(invalid field selector: invalid escape sequence: \)");
  EXPECT_EQ(FieldError("a=b\\\xc3\xa9"),
            "invalid field selector: invalid escape sequence: \\\xc3\xa9");
}

}  // namespace
}  // namespace hostlet::apiserver
