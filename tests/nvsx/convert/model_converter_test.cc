// `nvsx convert` with a key: against a stub of the Messages API on 127.0.0.1
// that answers from a script and records what it was asked.
#include <deque>
#include <filesystem>
#include <mutex>
#include <string>
#include <vector>

#include "core/environment.h"
#include "core/file_io.h"
#include "core/http_server.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "nvsx/convert/convert_runbook.h"
#include "nvsx/convert/offline_converter.h"
#include "nvsx/runbook_loader.h"
#include "test_support/temp_dir.h"

namespace nvsx::convert {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

constexpr char kMarkdown[] = R"(# XID 79

## Drain
```
kubectl drain $NODE --ignore-daemonsets
curl -X POST https://hooks.slack.com/services/T/B/X -d '{"text":"draining"}'
```
)";

struct Answer {
  int status = 200;
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
};

// An envelope the way the API wraps it: {"content":[{"type":"text","text":...}]}.
Answer Text(const std::string& text) {
  return {200,
          json{{"id", "msg_1"},
               {"type", "message"},
               {"role", "assistant"},
               {"content", json::array({{{"type", "text"}, {"text", text}}})},
               {"stop_reason", "end_turn"}}
              .dump(),
          {}};
}

std::string Envelope(const Conversion& conversion) {
  json hooks = json::object();
  for (const HookScript& hook : conversion.hooks) hooks[hook.name] = hook.text;
  return json{
      {"runbook_yaml", conversion.runbook_yaml}, {"hooks", hooks}, {"unplaced", json::array()}}
      .dump();
}

// A valid answer: what the rules make of the Markdown.
std::string ValidEnvelope() { return Envelope(ConvertOffline(kMarkdown, "xid-79", "xid-79.md")); }

// An answer with two problems: a watch kind that does not exist and a hook
// that drains the node itself.
std::string InvalidEnvelope() {
  Conversion conversion = ConvertOffline(kMarkdown, "xid-79", "xid-79.md");
  const size_t at = conversion.runbook_yaml.find("kind: healthevent");
  conversion.runbook_yaml.replace(at, std::string("kind: healthevent").size(), "kind: telepathy");
  conversion.hooks.front().text += "kubectl drain \"$NODE\"\n";
  return Envelope(conversion);
}

class StubApi {
 public:
  StubApi() : server_({.listen = {"127.0.0.1", 0}}) {
    server_.routes().Post(
        "/v1/messages", [this](const httplib::Request& request, httplib::Response& response) {
          std::lock_guard<std::mutex> guard(mu_);
          requests_.push_back(request);
          Answer answer = answers_.empty() ? Answer{500, "{}", {}} : answers_.front();
          if (!answers_.empty()) answers_.pop_front();
          response.status = answer.status;
          for (const auto& [name, value] : answer.headers) response.set_header(name, value);
          response.set_content(answer.body, "application/json");
        });
    EXPECT_TRUE(server_.Start().ok());
  }
  ~StubApi() { server_.Stop(); }

  void Queue(Answer answer) {
    std::lock_guard<std::mutex> guard(mu_);
    answers_.push_back(std::move(answer));
  }
  std::vector<httplib::Request> requests() {
    std::lock_guard<std::mutex> guard(mu_);
    return requests_;
  }
  std::string url() const { return "http://" + server_.address(); }

 private:
  core::HttpServer server_;
  std::mutex mu_;
  std::deque<Answer> answers_;
  std::vector<httplib::Request> requests_;
};

class ModelConvertTest : public ::testing::Test {
 protected:
  ConvertOptions Options() {
    ConvertOptions options;
    options.markdown = dir_.Write("xid-79.md", kMarkdown);
    options.runbooks_dir = dir_.path() / "runbooks";
    options.model.endpoint = api_.url();
    options.model.api_key = "sk-test-key";
    options.model.timeout = absl::Seconds(30);
    options.env = core::Environment::FromProcess();
    options.scratch_parent = dir_.path();
    return options;
  }

  bool NothingWritten() const { return !std::filesystem::exists(dir_.path() / "runbooks"); }

  test::TempDir dir_;
  StubApi api_;
};

TEST_F(ModelConvertTest, AValidAnswerIsCheckedAndWritten) {
  api_.Queue(Text(ValidEnvelope()));
  absl::StatusOr<ConvertReport> report = ConvertMarkdownRunbook(Options());
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_EQ(report->method, "claude-sonnet-4-5");
  EXPECT_EQ(report->attempts, 1);
  const std::filesystem::path runbooks = dir_.path() / "runbooks";
  EXPECT_TRUE(std::filesystem::exists(runbooks / "hooks/xid-79/on-drain.sh"));
  absl::StatusOr<op::Runbook> loaded = op::LoadRunbook(runbooks / "xid-79.yaml", {runbooks, {}});
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_EQ(loaded->metadata.name, "xid-79");

  const std::vector<httplib::Request> requests = api_.requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].get_header_value("x-api-key"), "sk-test-key");
  EXPECT_EQ(requests[0].get_header_value("anthropic-version"), "2023-06-01");
  EXPECT_EQ(requests[0].get_header_value("content-type"), "application/json");
  const json body = json::parse(requests[0].body);
  EXPECT_EQ(body["model"], "claude-sonnet-4-5");
  EXPECT_GT(body["max_tokens"].get<int>(), 0);
  EXPECT_THAT(body["system"].get<std::string>(), HasSubstr("passive watch clause"));
  ASSERT_EQ(body["messages"].size(), 1u);
  EXPECT_EQ(body["messages"][0]["role"], "user");
  EXPECT_THAT(body["messages"][0]["content"].get<std::string>(),
              HasSubstr("5: kubectl drain $NODE --ignore-daemonsets"));
}

TEST_F(ModelConvertTest, AnInvalidAnswerIsSentBackOnceWithItsProblems) {
  api_.Queue(Text(InvalidEnvelope()));
  api_.Queue(Text("```json\n" + ValidEnvelope() + "\n```"));
  absl::StatusOr<ConvertReport> report = ConvertMarkdownRunbook(Options());
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_EQ(report->attempts, 2);
  const std::vector<httplib::Request> requests = api_.requests();
  ASSERT_EQ(requests.size(), 2u);
  const json second = json::parse(requests[1].body);
  ASSERT_EQ(second["messages"].size(), 3u);
  EXPECT_EQ(second["messages"][1]["role"], "assistant");
  EXPECT_EQ(second["messages"][1]["content"], InvalidEnvelope());
  const std::string feedback = second["messages"][2]["content"];
  EXPECT_THAT(feedback, HasSubstr("telepathy"));
  EXPECT_THAT(feedback, HasSubstr("hooks/xid-79/on-drain.sh:"));
  EXPECT_THAT(feedback, HasSubstr("kubectl drain: NVSentinel drains the node"));
  EXPECT_TRUE(std::filesystem::exists(dir_.path() / "runbooks/xid-79.yaml"));
}

TEST_F(ModelConvertTest, TwoInvalidAnswersWriteNothing) {
  api_.Queue(Text(InvalidEnvelope()));
  api_.Queue(Text("not json at all"));
  absl::StatusOr<ConvertReport> report = ConvertMarkdownRunbook(Options());
  ASSERT_FALSE(report.ok());
  EXPECT_EQ(report.status().code(), absl::StatusCode::kAborted);
  EXPECT_THAT(report.status().message(), HasSubstr("failed validation twice"));
  EXPECT_THAT(report.status().message(), HasSubstr("not one JSON object"));
  EXPECT_EQ(api_.requests().size(), 2u);
  EXPECT_TRUE(NothingWritten());
}

TEST_F(ModelConvertTest, HttpErrorsNameTheirCause) {
  api_.Queue(
      {401,
       R"({"type":"error","error":{"type":"authentication_error","message":"invalid x-api-key"}})",
       {}});
  absl::StatusOr<ConvertReport> report = ConvertMarkdownRunbook(Options());
  ASSERT_FALSE(report.ok());
  EXPECT_EQ(report.status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_THAT(report.status().message(), HasSubstr("HTTP 401"));
  EXPECT_THAT(report.status().message(), HasSubstr("invalid x-api-key"));
  EXPECT_THAT(report.status().message(), HasSubstr("ANTHROPIC_API_KEY"));
  EXPECT_EQ(api_.requests().size(), 1u);  // a rejected key is not retried
  EXPECT_TRUE(NothingWritten());

  api_.Queue({429,
              R"({"type":"error","error":{"type":"rate_limit_error","message":"slow down"}})",
              {{"retry-after", "20"}}});
  report = ConvertMarkdownRunbook(Options());
  EXPECT_EQ(report.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(report.status().message(), HasSubstr("rate limited; try again in 20 s"));

  api_.Queue(
      {529, R"({"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}})", {}});
  report = ConvertMarkdownRunbook(Options());
  EXPECT_EQ(report.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(report.status().message(), HasSubstr("overloaded_error: Overloaded"));
  EXPECT_TRUE(NothingWritten());
}

TEST_F(ModelConvertTest, AnExistingRunbookIsNeitherPaidForNorOverwritten) {
  dir_.Write("runbooks/xid-79.yaml", "mine\n");
  absl::StatusOr<ConvertReport> report = ConvertMarkdownRunbook(Options());
  ASSERT_FALSE(report.ok());
  EXPECT_EQ(report.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(report.status().message(), HasSubstr("--force"));
  EXPECT_THAT(api_.requests(), IsEmpty());
  EXPECT_EQ(*core::ReadFile(dir_.path() / "runbooks/xid-79.yaml"), "mine\n");

  api_.Queue(Text(ValidEnvelope()));
  ConvertOptions forced = Options();
  forced.force = true;
  ASSERT_TRUE(ConvertMarkdownRunbook(forced).ok());
  EXPECT_THAT(*core::ReadFile(dir_.path() / "runbooks/xid-79.yaml"), HasSubstr("nvsx/v1"));
}

TEST_F(ModelConvertTest, WithoutAKeyOrWithOfflineTheRulesConvertAndNoRequestIsMade) {
  ConvertOptions options = Options();
  options.offline = true;
  absl::StatusOr<ConvertReport> report = ConvertMarkdownRunbook(options);
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_EQ(report->method, "rules");
  EXPECT_THAT(api_.requests(), IsEmpty());
  EXPECT_TRUE(std::filesystem::exists(dir_.path() / "runbooks/hooks/xid-79/on-drain.sh"));
}

TEST(SlugTest, FromTheFileName) {
  EXPECT_EQ(SlugFromPath("docs/XID 79 Runbook.md"), "xid-79-runbook");
  EXPECT_EQ(SlugFromPath("--ecc__double--.md"), "ecc-double");
}

}  // namespace
}  // namespace nvsx::convert
