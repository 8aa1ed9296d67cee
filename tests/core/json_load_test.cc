#include "core/json_load.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "core/file_io.h"
#include "test_support/temp_dir.h"

namespace nvsx::core {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

TEST(ParseJsonTest, ParsesValidDocument) {
  auto parsed = ParseJson(R"({"kind": "Node", "count": 3})", "inline");
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ((*parsed)["kind"], "Node");
  EXPECT_EQ((*parsed)["count"], 3);
}

TEST(ParseJsonTest, ErrorCarriesSourceLineAndColumn) {
  // The second comma, on line 3 at column 14, is the unexpected one.
  const char* text = "{\n  \"a\": 1,\n  \"b\": [1, 2,,]\n}";
  auto parsed = ParseJson(text, "body.json");
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(parsed.status().message()), StartsWith("body.json:3:14: "));
  EXPECT_THAT(std::string(parsed.status().message()), HasSubstr("unexpected ','"));
}

TEST(ParseJsonTest, TruncatedInputPointsAtTheEnd) {
  auto parsed = ParseJson("{\"a\": ", "req");
  ASSERT_FALSE(parsed.ok());
  EXPECT_THAT(std::string(parsed.status().message()), StartsWith("req:1:7: "));
}

TEST(LoadJsonFileTest, NamesTheFileInErrors) {
  test::TempDir dir;
  const auto path = dir.path() / "bad.json";
  ASSERT_TRUE(WriteFileAtomically(path, "[1,\n 2\n").ok());
  auto loaded = LoadJsonFile(path);
  ASSERT_FALSE(loaded.ok());
  EXPECT_THAT(std::string(loaded.status().message()), StartsWith(path.string() + ":3:1: "));
  EXPECT_EQ(LoadJsonFile(dir.path() / "missing.json").status().code(), absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace nvsx::core
