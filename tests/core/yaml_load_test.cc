#include "core/yaml_load.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>

#include "core/file_io.h"
#include "test_support/temp_dir.h"

namespace nvsx::core {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

TEST(ParseYamlTest, MalformedYamlReportsLineAndColumn) {
  // The unclosed flow sequence starts on line 3.
  const char* text = "apiVersion: nvsx/v1\nkind: Runbook\nstages: [a, b\nother: 1\n";
  auto parsed = ParseYaml(text, "runbooks/bad.yaml");
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(parsed.status().message()), StartsWith("runbooks/bad.yaml:4:"));
}

TEST(ParseYamlTest, BadIndentationReportsItsLine) {
  const char* text = "metadata:\n  name: x\n bad: y\n";
  auto parsed = ParseYaml(text, "r.yaml");
  ASSERT_FALSE(parsed.ok());
  EXPECT_THAT(std::string(parsed.status().message()), StartsWith("r.yaml:3:"));
}

TEST(ParseYamlTest, FieldErrorPointsAtTheNode) {
  auto parsed = ParseYaml("stages:\n  - id: detect\n    timeout: 10x\n", "r.yaml");
  ASSERT_TRUE(parsed.ok());
  YAML::Node timeout = (*parsed)["stages"][0]["timeout"];
  absl::Status error = YamlFieldError("r.yaml", timeout, "stages[0].timeout", "bad duration");
  EXPECT_EQ(std::string(error.message()), "r.yaml:3:14: stages[0].timeout: bad duration");
}

TEST(LoadYamlFileTest, ReadsFileAndNamesItInErrors) {
  test::TempDir dir;
  const auto good = dir.path() / "good.yaml";
  ASSERT_TRUE(WriteFileAtomically(good, "a: 1\n").ok());
  auto loaded = LoadYamlFile(good);
  ASSERT_TRUE(loaded.ok());
  EXPECT_EQ((*loaded)["a"].as<int>(), 1);
  const auto bad = dir.path() / "bad.yaml";
  ASSERT_TRUE(WriteFileAtomically(bad, "a: [\n").ok());
  EXPECT_THAT(std::string(LoadYamlFile(bad).status().message()), StartsWith(bad.string() + ":"));
}

TEST(YamlToJsonTest, TypesPlainScalarsAndKeepsQuotedOnesAsStrings) {
  auto parsed = ParseYaml(
      "int: 42\nneg: -7\nhex: 0x1F\nfloat: 1.5\nexp: 2e3\nyes: true\nno: False\nnull1: ~\n"
      "null2:\nquoted: \"42\"\nsingle: 'true'\nword: hello\nversion: 1.2.3\n"
      "list: [1, two]\nnested: {a: {b: null}}\nbig: 18446744073709551615\ninf: .inf\n",
      "t.yaml");
  ASSERT_TRUE(parsed.ok());
  nlohmann::json json = YamlToJson(*parsed);
  EXPECT_EQ(json["int"], 42);
  EXPECT_EQ(json["neg"], -7);
  EXPECT_EQ(json["hex"], 31);
  EXPECT_EQ(json["float"], 1.5);
  EXPECT_EQ(json["exp"], 2000.0);
  EXPECT_EQ(json["yes"], true);
  EXPECT_EQ(json["no"], false);
  EXPECT_TRUE(json["null1"].is_null());
  EXPECT_TRUE(json["null2"].is_null());
  EXPECT_EQ(json["quoted"], "42");
  EXPECT_EQ(json["single"], "true");
  EXPECT_EQ(json["word"], "hello");
  EXPECT_EQ(json["version"], "1.2.3");
  EXPECT_EQ(json["list"], nlohmann::json::array({1, "two"}));
  EXPECT_TRUE(json["nested"]["a"]["b"].is_null());
  EXPECT_EQ(json["big"].get<uint64_t>(), 18446744073709551615ULL);
  EXPECT_TRUE(std::isinf(json["inf"].get<double>()));
}

}  // namespace
}  // namespace nvsx::core
