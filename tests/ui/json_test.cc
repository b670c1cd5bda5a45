// The command reader and the state writer's escaping.
#include "json.h"

#include <gtest/gtest.h>

namespace pyrolens::ui {
namespace {

TEST(Json, ParsesCommands) {
  Result<JsonValue> v =
      ParseJson(R"( {"cmd":"setSearch","query":"a\"b\\c\u00e9\ud83d\ude00","n":-1.5e2,"on":true,
                     "list":[1,{"x":null}]} )");
  ASSERT_TRUE(v.ok()) << v.status().message();
  EXPECT_EQ(v->Find("cmd")->string, "setSearch");
  EXPECT_EQ(v->Find("query")->string, "a\"b\\c\xc3\xa9\xf0\x9f\x98\x80");
  EXPECT_EQ(v->Find("n")->number, -150);
  EXPECT_TRUE(v->Find("on")->boolean);
  EXPECT_EQ(v->Find("list")->array.size(), 2u);
  EXPECT_EQ(v->Find("missing"), nullptr);
}

TEST(Json, RejectsBadInput) {
  for (const char* bad : {"", "{", "{\"a\":}", "{\"a\" 1}", "[1,]", "\"abc", "{\"a\":1} x", "tru",
                          "{\"a\":\"\\q\"}", "{\"a\":\"\\u12\"}", "01x"}) {
    Result<JsonValue> v = ParseJson(bad);
    EXPECT_FALSE(v.ok()) << bad;
    if (!v.ok()) {
      EXPECT_NE(v.status().message().find("offset"), std::string::npos);
    }
  }
  std::string deep(100, '[');
  EXPECT_FALSE(ParseJson(deep).ok());
}

TEST(Json, WritesEscapedStringsAndNumbers) {
  std::string out;
  AppendJsonString(&out, "a\"b\\\n\x01");
  EXPECT_EQ(out, "\"a\\\"b\\\\\\n\\u0001\"");
  out.clear();
  AppendJsonNumber(&out, 3);
  out += ',';
  AppendJsonNumber(&out, 0.25);
  out += ',';
  AppendJsonInt(&out, -9007199254740993);
  EXPECT_EQ(out, "3,0.25,-9007199254740993");
}

}  // namespace
}  // namespace pyrolens::ui
