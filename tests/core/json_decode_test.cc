// DecodeJson against nlohmann::json::parse as the reference: the same
// values (number types included) for what both accept, a refusal for what
// nlohmann refuses, on hand-picked documents, random ones, random
// corruptions of them and random strings of tokens. A projected decode
// against Project() of the whole value, and the same errors.
#include "core/json_decode.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "core/json_projection.h"

namespace nvsx::core {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;

// True when `a` and `b` are equal and every value has the same type
// (nlohmann's == takes 1 and 1.0, or 1u and 1, as equal).
bool Same(const json& a, const json& b) {
  if (a.type() != b.type()) return false;
  if (a.is_object()) {
    if (a.size() != b.size()) return false;
    for (auto it = a.begin(); it != a.end(); ++it) {
      auto other = b.find(it.key());
      if (other == b.end() || !Same(*it, *other)) return false;
    }
    return true;
  }
  if (a.is_array()) {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i) {
      if (!Same(a[i], b[i])) return false;
    }
    return true;
  }
  return a == b;
}

// Checks that DecodeJson and nlohmann agree on `text`; true when it is JSON.
bool ExpectAgrees(const std::string& text) {
  const json reference = json::parse(text, nullptr, /*allow_exceptions=*/false);
  absl::StatusOr<json> decoded = DecodeJson(text);
  if (reference.is_discarded()) {
    EXPECT_FALSE(decoded.ok()) << "accepted what nlohmann refuses: " << text;
    return false;
  }
  EXPECT_TRUE(decoded.ok()) << decoded.status() << " for: " << text;
  if (!decoded.ok()) return true;
  EXPECT_TRUE(Same(*decoded, reference))
      << "for: " << text << "\n got: " << decoded->dump() << "\nwant: " << reference.dump();
  return true;
}

TEST(DecodeJsonTest, AgreesWithNlohmannOnValidDocuments) {
  const std::vector<std::string> documents = {
      R"({"kind":"Node","metadata":{"name":"gpu-node-1","labels":{"a":"b"}},"n":[1,2,3]})",
      " \t\r\n{ \"a\" : [ true , false , null ] , \"b\" : { } , \"c\" : [ ] } \n",
      R"("plain")",
      R"(["\"\\\/\b\f\n\r\t", "\u0041\u00e9\u4e2d\ud83d\ude00", "\u0000"])",
      "\"raw UTF-8: \xc3\xa9 \xe4\xb8\xad \xf0\x9f\x98\x80 \xf4\x8f\xbf\xbf\"",
      "[0, -0, 7, -7, 1.5, -1.5, 1e3, 1E-3, 2.5e+10, 0.1, 123456789.987654321]",
      "[18446744073709551615, 18446744073709551616, -9223372036854775808, "
      "-9223372036854775809, 9223372036854775807, 9223372036854775808]",
      "[1e-400, -1e-400, 4.9e-324, 1.7976931348623157e308]",
      R"({"dup":1,"dup":{"x":2},"z":0,"a":1})",
      "[[[[[[[[[[[[[[[[[[[[\"deep\"]]]]]]]]]]]]]]]]]]]]",
      "true",
      "null",
      "-12",
      "\"a string long enough to cross several eight-byte blocks without any escape\"",
  };
  for (const std::string& text : documents) EXPECT_TRUE(ExpectAgrees(text)) << text;
}

TEST(DecodeJsonTest, RefusesWhatNlohmannRefuses) {
  const std::vector<std::string> documents = {
      "",
      " ",
      "{",
      "}",
      "[1,]",
      R"({"a":1,})",
      "01",
      "1.",
      ".5",
      "-",
      "1e",
      "1e+",
      "+1",
      "tru",
      "nul",
      "falsey",
      "\"abc",
      R"("\x")",
      R"("\u12")",
      R"("\uD800")",
      R"("\uDC00")",
      R"("\uD800\u0041")",
      "\"a\x01\"",
      "\"\xff\"",
      "\"\xc0\xaf\"",
      "\"\xed\xa0\x80\"",
      "\"\xf4\x90\x80\x80\"",
      "\"\xe4\xb8\"",
      "1 2",
      R"({"a" 1})",
      "[1 2]",
      "1e400",
      "-1e400",
      "NaN",
      "[",
      "]",
      R"({1:2})",
      "[1,,2]",
      "'a'",
      "\"tab\there\"",
  };
  for (const std::string& text : documents) EXPECT_FALSE(ExpectAgrees(text)) << text;
}

TEST(DecodeJsonTest, ErrorsSayWhatAndWhere) {
  JsonSyntaxError error;
  absl::StatusOr<json> decoded = DecodeJson("[1, 2,,]", {}, &error);
  ASSERT_FALSE(decoded.ok());
  EXPECT_EQ(decoded.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(error.offset, 6u);
  EXPECT_EQ(error.reason, "unexpected ','; expected a value");
  EXPECT_EQ(decoded.status().message(), "JSON: unexpected ','; expected a value at byte 6");

  EXPECT_FALSE(DecodeJson(R"({"a": )", {}, &error).ok());
  EXPECT_EQ(error.offset, 6u);
  EXPECT_EQ(error.reason, "unexpected end of input; expected a value");

  EXPECT_FALSE(DecodeJson("\"caf\xc3\"", {}, &error).ok());
  EXPECT_EQ(error.offset, 5u);
  EXPECT_THAT(error.reason, HasSubstr("invalid UTF-8 byte 0x22"));

  EXPECT_FALSE(DecodeJson(R"(["\uD83D"])", {}, &error).ok());
  EXPECT_THAT(error.reason, HasSubstr("must be followed by a low surrogate"));
}

TEST(DecodeJsonTest, NestingPastTheLimitIsAnErrorNotACrash) {
  const std::string deep = std::string(100000, '[') + std::string(100000, ']');
  JsonSyntaxError error;
  EXPECT_FALSE(DecodeJson(deep, {}, &error).ok());
  EXPECT_EQ(error.reason, "nesting deeper than 512");
  EXPECT_EQ(error.offset, 512u);
  const std::string fine = std::string(50, '[') + std::string(50, ']');
  EXPECT_TRUE(DecodeJson(fine, {.max_depth = 50}).ok());
  EXPECT_FALSE(DecodeJson(fine, {.max_depth = 49}).ok());
}

TEST(PlainStringBytesTest, StopsAtAQuoteOrABackslashInAnyPosition) {
  for (size_t at = 0; at < 20; ++at) {
    for (char stop : {'"', '\\'}) {
      std::string text(20, 'x');
      text[at] = stop;
      EXPECT_EQ(PlainStringBytes(text), at) << at;
    }
  }
  EXPECT_EQ(PlainStringBytes(std::string(19, 'y')), 19u);
  EXPECT_EQ(PlainStringBytes("caf\xc3\xa9 \x01 \x7f end"), 13u);
  EXPECT_EQ(PlainStringBytes(""), 0u);
}

// A random value: every JSON type, all three number types, strings with
// escapes, control characters and code points from every UTF-8 length.
json RandomValue(std::mt19937_64& random, int depth) {
  const int kind = static_cast<int>(random() % (depth > 4 ? 7 : 9));
  switch (kind) {
    case 0:
      return nullptr;
    case 1:
      return random() % 2 == 0;
    case 2:
      return static_cast<int64_t>(random());
    case 3:
      return static_cast<uint64_t>(random());
    case 4: {
      double value = std::ldexp(static_cast<double>(random() % 1000000) - 500000.0,
                                static_cast<int>(random() % 200) - 100);
      return value;
    }
    case 5:
    case 6: {
      std::string text;
      const int length = static_cast<int>(random() % 24);
      for (int i = 0; i < length; ++i) {
        uint32_t code_point = 0;
        switch (random() % 5) {
          case 0:
            code_point = static_cast<uint32_t>(random() % 0x20);  // control
            break;
          case 1:
            code_point = static_cast<uint32_t>(0x80 + random() % 0x780);
            break;
          case 2:
            code_point = static_cast<uint32_t>(0x800 + random() % 0xD000);  // below surrogates
            break;
          case 3:
            code_point = static_cast<uint32_t>(0x10000 + random() % 0x100000);
            break;
          default:
            code_point = static_cast<uint32_t>(0x20 + random() % 0x60);
        }
        // nlohmann decodes the escape: the reference encodes the code point.
        char escape[16];
        if (code_point < 0x10000) {
          std::snprintf(escape, sizeof(escape), "\"\\u%04X\"", code_point);
        } else {
          const uint32_t offset = code_point - 0x10000;
          std::snprintf(escape, sizeof(escape), "\"\\u%04X\\u%04X\"", 0xD800 + (offset >> 10),
                        0xDC00 + (offset & 0x3FF));
        }
        text += json::parse(escape).get<std::string>();
      }
      return text;
    }
    case 7: {
      json array = json::array();
      const int size = static_cast<int>(random() % 5);
      for (int i = 0; i < size; ++i) array.push_back(RandomValue(random, depth + 1));
      return array;
    }
    default: {
      json object = json::object();
      const int size = static_cast<int>(random() % 5);
      for (int i = 0; i < size; ++i) {
        object["k" + std::to_string(random() % 8)] = RandomValue(random, depth + 1);
      }
      return object;
    }
  }
}

TEST(DecodeJsonTest, RandomDocumentsInEveryLayoutDecodeToTheSameValue) {
  std::mt19937_64 random(20261124);
  for (int i = 0; i < 2000; ++i) {
    const json value = RandomValue(random, 0);
    for (const std::string& text :
         {value.dump(), value.dump(2), value.dump(-1, ' ', /*ensure_ascii=*/true)}) {
      absl::StatusOr<json> decoded = DecodeJson(text);
      ASSERT_TRUE(decoded.ok()) << decoded.status() << " for: " << text;
      ASSERT_EQ(*decoded, value) << "for: " << text;
      // A positive int64 comes back unsigned, from either parser.
      ASSERT_TRUE(Same(*decoded, json::parse(text))) << "for: " << text;
    }
  }
}

TEST(DecodeJsonTest, RandomCorruptionsAreAcceptedOrRefusedAsNlohmannDoes) {
  std::mt19937_64 random(7);
  const std::string alphabet = "{}[]\",:\\/-+.eE0123456789 tfnu\x01\x80\xc3\xe4\xf0\xff";
  int accepted = 0;
  int refused = 0;
  for (int i = 0; i < 3000; ++i) {
    std::string text =
        json::array({RandomValue(random, 0), RandomValue(random, 0), RandomValue(random, 0)})
            .dump();
    const int edits = 1 + static_cast<int>(random() % 3);
    for (int e = 0; e < edits && !text.empty(); ++e) {
      const size_t at = random() % text.size();
      switch (random() % 3) {
        case 0:
          text[at] = alphabet[random() % alphabet.size()];
          break;
        case 1:
          text.erase(at, 1);
          break;
        default:
          text.insert(at, 1, alphabet[random() % alphabet.size()]);
      }
    }
    ExpectAgrees(text) ? ++accepted : ++refused;
  }
  // Both sides of the comparison were exercised.
  EXPECT_GT(accepted, 300);
  EXPECT_GT(refused, 300);
}

// Random strings of JSON tokens, many of them not JSON: a differential test
// of the grammar rather than of single corruptions.
TEST(DecodeJsonTest, RandomTokenStringsAreAcceptedOrRefusedAsNlohmannDoes) {
  const std::vector<std::string> tokens = {"{",           "}",
                                           "[",           "]",
                                           ",",           ":",
                                           "\"k\"",       "\"\\u00e9\"",
                                           "1",           "-0.5e3",
                                           "true",        "null",
                                           " ",           "\"\\uD83D\\uDE00\"",
                                           "\"\\uD83D\"", "0",
                                           "01",          "\"a\\tb\"",
                                           "1e",          "\"\xc3\xa9\"",
                                           "\"\xc3\"",    "tru",
                                           "\"",          "18446744073709551616",
                                           "\n",          "-",
                                           "\"\\/\"",     "fals"};
  std::mt19937_64 random(11);
  int accepted = 0;
  int refused = 0;
  for (int i = 0; i < 20000; ++i) {
    std::string text;
    for (int n = 1 + static_cast<int>(random() % 7); n > 0; --n) {
      text += tokens[random() % tokens.size()];
    }
    ExpectAgrees(text) ? ++accepted : ++refused;
  }
  EXPECT_GT(accepted, 1000);
  EXPECT_GT(refused, 1000);
}

// A random projection over RandomValue's keys.
JsonProjection RandomProjection(std::mt19937_64& random, int depth) {
  using Keep = JsonProjection::Keep;
  JsonProjection projection;
  projection.keep = static_cast<Keep>(random() % (depth > 3 ? 2 : 4));
  projection.empty_object_for_nothing = random() % 4 == 0;
  if (projection.keep == Keep::kAll || projection.keep == Keep::kNothing) return projection;
  for (int k = 0; k < 8; ++k) {
    if (random() % 3 == 0) {
      projection.fields.push_back({"k" + std::to_string(k), RandomProjection(random, depth + 1)});
    }
  }
  if (random() % 2 == 0) {
    projection.elements =
        std::make_shared<const JsonProjection>(RandomProjection(random, depth + 1));
  }
  return projection;
}

// Decoding `text` narrowed by `projection` gives what Project() gives of the
// whole value, or the error the whole decode gives.
void ExpectProjectedAgrees(const std::string& text, const JsonProjection& projection) {
  JsonSyntaxError whole_error;
  JsonSyntaxError projected_error;
  absl::StatusOr<json> whole = DecodeJson(text, {}, &whole_error);
  absl::StatusOr<json> projected = DecodeJson(text, {.projection = &projection}, &projected_error);
  ASSERT_EQ(whole.ok(), projected.ok()) << text;
  if (!whole.ok()) {
    EXPECT_EQ(projected.status(), whole.status()) << text;
    EXPECT_EQ(projected_error.offset, whole_error.offset) << text;
    return;
  }
  const json expected = Project(*whole, projection);
  EXPECT_TRUE(Same(*projected, expected))
      << "for: " << text << "\n got: " << projected->dump() << "\nwant: " << expected.dump();
}

TEST(DecodeJsonTest, AProjectedDecodeGivesWhatProjectGivesOfTheWholeValue) {
  std::mt19937_64 random(99);
  for (int i = 0; i < 3000; ++i) {
    const json value = RandomValue(random, 0);
    const JsonProjection projection = RandomProjection(random, 0);
    for (const std::string& text : {value.dump(), value.dump(1)}) {
      ASSERT_NO_FATAL_FAILURE(ExpectProjectedAgrees(text, projection));
    }
  }
}

TEST(DecodeJsonTest, AProjectedDecodeRefusesWhatTheWholeDecodeRefuses) {
  std::mt19937_64 random(5);
  const std::string alphabet = "{}[]\",:\\/-+.eE0123456789 tfnu\x01\x80\xc3\xe4\xf0\xff";
  for (int i = 0; i < 3000; ++i) {
    std::string text = json{{"k0", RandomValue(random, 0)}, {"k1", RandomValue(random, 0)}}.dump();
    const size_t at = random() % text.size();
    text[at] = alphabet[random() % alphabet.size()];
    ASSERT_NO_FATAL_FAILURE(ExpectProjectedAgrees(text, RandomProjection(random, 0)));
  }
}

TEST(DecodeJsonTest, WhatAProjectionSkipsIsCheckedAsStrictly) {
  const JsonProjection keep_a = KeepPaths({{"a"}});
  const std::vector<std::string> bad = {
      R"({"a":1,"b":"caf)"
      "\xc3"
      R"("})",
      R"({"a":1,"b":[1,2,]})",
      R"({"a":1,"b":1e400})",
      R"({"a":1,"b":"\uD800"})",
      R"({"a":1,"b":{"c" 1}})",
      R"({"a":1,"b":tru})",
      "{\"b\":\"tab\there\",\"a\":1}",
      "{\"a\":1,\"b\":" + std::string(600, '[') + std::string(600, ']') + "}",
  };
  for (const std::string& text : bad) {
    EXPECT_FALSE(DecodeJson(text, {.projection = &keep_a}).ok()) << text;
    ExpectProjectedAgrees(text, keep_a);
  }
  absl::StatusOr<json> fine = DecodeJson(
      R"({"b":{"x":["\u00e9\n",1e300,-0,{"y":null}]},"a":{"z":true}})", {.projection = &keep_a});
  ASSERT_TRUE(fine.ok()) << fine.status();
  EXPECT_EQ(*fine, (json{{"a", {{"z", true}}}}));
}

TEST(DecodeJsonTest, ARepeatedKeyNarrowedAwayRemovesTheEarlierValue) {
  const JsonProjection keep_a_x = KeepPaths({{"a", "x"}, {"b"}});
  ExpectProjectedAgrees(R"({"a":{"x":1},"b":2,"a":{"y":3}})", keep_a_x);
  ExpectProjectedAgrees(R"({"a":{"y":3},"a":{"x":1}})", keep_a_x);
  absl::StatusOr<json> decoded =
      DecodeJson(R"({"a":{"x":1},"b":2,"a":{"y":3}})", {.projection = &keep_a_x});
  ASSERT_TRUE(decoded.ok());
  EXPECT_EQ(*decoded, (json{{"b", 2}}));
}

TEST(DecodeJsonPrefixTest, DecodesTheFirstValueAndSaysWhereItEnds) {
  size_t end = 0;
  absl::StatusOr<json> first = DecodeJsonPrefix(" {\"a\":[1,2]} {\"b\":2}", &end);
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(*first, (json{{"a", {1, 2}}}));
  EXPECT_EQ(end, 12u);
  ASSERT_TRUE(DecodeJsonPrefix("123", &end).ok());
  EXPECT_EQ(end, 3u);
  ASSERT_TRUE(DecodeJsonPrefix("\"x\"garbage", &end).ok());
  EXPECT_EQ(end, 3u);
  const JsonProjection keep_b = KeepPaths({{"b"}});
  absl::StatusOr<json> narrowed =
      DecodeJsonPrefix("{\"a\":1,\"b\":2}\n{", &end, {.projection = &keep_b});
  ASSERT_TRUE(narrowed.ok());
  EXPECT_EQ(*narrowed, (json{{"b", 2}}));
  EXPECT_EQ(end, 13u);

  JsonSyntaxError error;
  EXPECT_FALSE(DecodeJsonPrefix("{\"a\":", &end, {}, &error).ok());
  EXPECT_EQ(error.offset, 5u);
  EXPECT_EQ(error.reason, "unexpected end of input; expected a value");
  EXPECT_FALSE(DecodeJsonPrefix("", &end).ok());
}

}  // namespace
}  // namespace nvsx::core
