// The validator on log, training-log and mongo-event clauses: what each
// requires, and every error pointing at its file, line and field.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "nvsx/log_pattern.h"
#include "nvsx/mongo_filter.h"
#include "nvsx/mongo_shell.h"
#include "nvsx/runbook_loader.h"
#include "test_support/temp_dir.h"

namespace nvsx::op {
namespace {

using ::testing::HasSubstr;

// Line 7 is the log clause, 12 the training-log one, 16 the mongo-event one.
constexpr char kRunbook[] = R"yaml(apiVersion: nvsx/v1
kind: Runbook
metadata: {name: logs, title: Logs}
stages:
  - id: detect
    watch:
      - kind: log
        namespace: workloads
        selector: app=training
        pattern: "NCCL error|Xid 79"
        container: main
      - kind: training-log
        pod: training-0
        namespace: workloads
        pattern: "step (\\d+)"
      - kind: mongo-event
        collection: HealthEvents
        filter: '{"checkName": "GpuPcieWatch", isFatal: true}'
)yaml";

class StreamWatchValidationTest : public ::testing::Test {
 protected:
  absl::StatusOr<Runbook> Parse(const std::string& text) {
    return ParseRunbook(text, dir_.path() / "logs.yaml",
                        {.runbooks_dir = dir_.path(), .project_root = dir_.path()});
  }

  // The error of the runbook with `from` replaced by `to`, which must not load.
  std::string ErrorOf(const std::string& from, const std::string& to) {
    std::string text = kRunbook;
    const size_t at = text.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    if (at != std::string::npos) text.replace(at, from.size(), to);
    absl::StatusOr<Runbook> runbook = Parse(text);
    EXPECT_FALSE(runbook.ok()) << "loaded: " << text;
    return runbook.ok() ? "" : std::string(runbook.status().message());
  }

  std::string File() const { return (dir_.path() / "logs.yaml").string(); }

  test::TempDir dir_;
};

TEST_F(StreamWatchValidationTest, LoadsTheThreeKindsAsTheOriginalWroteThem) {
  absl::StatusOr<Runbook> runbook = Parse(kRunbook);
  ASSERT_TRUE(runbook.ok()) << runbook.status();
  const std::vector<WatchClause>& watch = runbook->stages[0].watch;
  ASSERT_EQ(watch.size(), 3u);
  EXPECT_EQ(watch[0].kind, WatchKind::kLog);
  EXPECT_EQ(watch[0].Field("selector"), "app=training");
  EXPECT_EQ(watch[1].kind, WatchKind::kTrainingLog);
  EXPECT_EQ(watch[1].Field("pattern"), "step (\\d+)");
  EXPECT_EQ(watch[2].kind, WatchKind::kMongoEvent);
  EXPECT_EQ(watch[2].Field("filter"), R"({"checkName": "GpuPcieWatch", isFatal: true})");
}

TEST_F(StreamWatchValidationTest, EachKindsRequiredFieldsAreRequired) {
  std::string error = ErrorOf("        pattern: \"NCCL error|Xid 79\"\n", "");
  EXPECT_THAT(error, HasSubstr(File() + ":7:9: stages[0].watch[0].pattern: missing required "
                                        "field for a log watch"));
  error = ErrorOf("        selector: app=training\n", "");
  EXPECT_THAT(error, HasSubstr("stages[0].watch[0].selector: missing required field for a log "
                               "watch"));
  error = ErrorOf("        pod: training-0\n", "");
  EXPECT_THAT(error, HasSubstr(":12:9: stages[0].watch[1].pod: missing required field for a "
                               "training-log watch"));
  error = ErrorOf("        collection: HealthEvents\n", "");
  EXPECT_THAT(error, HasSubstr("stages[0].watch[2].collection: missing required field for a "
                               "mongo-event watch"));
  error = ErrorOf("selector: app=training", "selector: \"\"");
  EXPECT_THAT(error, HasSubstr(":9:19: stages[0].watch[0].selector: must not be empty in a log "
                               "watch"));
  error = ErrorOf("pattern: \"NCCL", "patern: \"NCCL");
  EXPECT_THAT(error, HasSubstr(":10:9: stages[0].watch[0].patern: \"patern\" is not a field of a "
                               "log watch; its fields: selector, pattern, namespace, container"));
}

TEST_F(StreamWatchValidationTest, APatternMustBeARegularExpression) {
  const std::string error = ErrorOf("\"step (\\\\d+)\"", "\"step (\\\\d+\"");
  EXPECT_THAT(error, HasSubstr(File() + ":15:18: stages[0].watch[1].pattern: not a regular "
                                        "expression"));
  EXPECT_THAT(error, HasSubstr("e.g. \"NCCL error|Xid 79\""));
  EXPECT_TRUE(CompileLogPattern("(?i)nccl ERROR").ok());
  EXPECT_TRUE(std::regex_search("NCCL error in: ...", *CompileLogPattern("(?i)nccl ERROR")));
  EXPECT_FALSE(CompileLogPattern("").ok());
}

TEST_F(StreamWatchValidationTest, NamesMustBeKubernetesNames) {
  std::string error =
      ErrorOf("namespace: workloads\n        selector", "namespace: Work_Loads\n        selector");
  EXPECT_THAT(error, HasSubstr(":8:20: stages[0].watch[0].namespace: \"Work_Loads\" is not a "
                               "namespace name"));
  error = ErrorOf("pod: training-0", "pod: \"training 0; rm -rf /\"");
  EXPECT_THAT(error, HasSubstr(":13:14: stages[0].watch[1].pod: \"training 0; rm -rf /\" is not "
                               "a pod name"));
  error = ErrorOf("container: main", "container: Main.x");
  EXPECT_THAT(error, HasSubstr("stages[0].watch[0].container: \"Main.x\" is not a container "
                               "name"));
}

TEST_F(StreamWatchValidationTest, AMongoFilterIsOneObjectLiteral) {
  std::string error =
      ErrorOf(R"('{"checkName": "GpuPcieWatch", isFatal: true}')", R"('{}).drop({}')");
  EXPECT_THAT(error, HasSubstr(":18:17: stages[0].watch[2].filter: the object ends at offset 1 "
                               "but text follows: one object literal only"));
  error = ErrorOf(R"('{"checkName": "GpuPcieWatch", isFatal: true}')", "isFatal");
  EXPECT_THAT(error, HasSubstr("stages[0].watch[2].filter: must be one object literal, e.g. "
                               "{isFatal: true}"));
  error = ErrorOf(R"('{"checkName": "GpuPcieWatch", isFatal: true}')", R"('{"a": "}')");
  EXPECT_THAT(error, HasSubstr("stages[0].watch[2].filter: a string is not closed"));
  error = ErrorOf("collection: HealthEvents", "collection: system.users");
  EXPECT_THAT(error, HasSubstr(":17:21: stages[0].watch[2].collection: system.* collections are "
                               "MongoDB's own"));
  error = ErrorOf("collection: HealthEvents", "collection: \"$cmd\"");
  EXPECT_THAT(error, HasSubstr("contain no '$'"));
  // Absent or empty, the filter is {} (every document), as in the original.
  std::string text = kRunbook;
  text.replace(text.find("        filter:"), std::string::npos, "        filter: \"\"\n");
  EXPECT_TRUE(Parse(text).ok()) << Parse(text).status();
}

TEST(MongoFilterTest, BracketsAndStringsAreBalanced) {
  EXPECT_TRUE(CheckMongoFilter("{}").ok());
  EXPECT_TRUE(CheckMongoFilter(" {a: [1, {b: '}'}], c: \"x\\\"}\"} ").ok());
  EXPECT_TRUE(CheckMongoFilter("{createdAt: {$gt: ISODate(\"2024-01-01\")}}").ok());
  EXPECT_FALSE(CheckMongoFilter("{a: 1}}").ok());
  EXPECT_FALSE(CheckMongoFilter("{a: [1}").ok());
  EXPECT_FALSE(CheckMongoFilter("{a: 1").ok());
  EXPECT_FALSE(CheckMongoFilter("{}; db.dropDatabase(); {}").ok());
}

TEST(MongoFilterTest, OnlyQueryValuesPass) {
  EXPECT_TRUE(CheckMongoFilter("{message: /XID 7[49]/i, errorCode: {$in: ['79', \"48\"]}}").ok());
  EXPECT_TRUE(
      CheckMongoFilter("{_id: {$gt: ObjectId('65a1b2c30000000000000000')}, n: -1.5e3}").ok());
  EXPECT_TRUE(CheckMongoFilter("{isFatal: true, a: null, b: NumberLong(5)}").ok());
  // Code hidden in a query: a call, a call in a constructor, a template, an operator.
  EXPECT_THAT(std::string(CheckMongoFilter("{x: db.dropDatabase()}").message()),
              HasSubstr("calls db.dropDatabase() at offset 4"));
  EXPECT_FALSE(CheckMongoFilter("{x: ObjectId(db.dropDatabase())}").ok());
  EXPECT_THAT(std::string(CheckMongoFilter("{x: `${db.dropDatabase()}`}").message()),
              HasSubstr("'`' at offset 4: a filter holds only field names"));
  EXPECT_FALSE(CheckMongoFilter("{x: (1)}").ok());
  EXPECT_FALSE(CheckMongoFilter("{x: a = 1}").ok());
  EXPECT_FALSE(CheckMongoFilter("{x: /unclosed}").ok());
}

TEST(MongoFilterTest, OperatorsThatRunJavaScriptAreRefused) {
  EXPECT_TRUE(CheckMongoFilter("{message: {$regex: 'where'}, note: '$where'}").ok());
  EXPECT_THAT(std::string(CheckMongoFilter("{$where: 'sleep(100000) || true'}").message()),
              HasSubstr("$where at offset 1 runs JavaScript on the server"));
  EXPECT_THAT(std::string(CheckMongoFilter("{\"$where\": \"true\"}").message()),
              HasSubstr("$where at offset 1 runs JavaScript"));
  EXPECT_THAT(
      std::string(
          CheckMongoFilter("{$expr: {$function: {body: 'f', args: [], lang: 'js'}}}").message()),
      HasSubstr("$function at offset 9"));
  EXPECT_FALSE(CheckMongoFilter("{x: {'$accumulator' : {}}}").ok());
  // An escape could spell $where in a quoted name ("\u0024where").
  EXPECT_THAT(std::string(CheckMongoFilter("{\"\\u0024where\": \"true\"}").message()),
              HasSubstr("holds an escape"));
}

}  // namespace
}  // namespace nvsx::op
