#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdio>

#include "nvsx/cinematic_renderer.h"
#include "nvsx/run_renderer.h"

namespace nvsx::op {
namespace {

using ::testing::HasSubstr;

const absl::Time kT0 = absl::FromUnixMillis(1767225600000);

RunEvent Event(RunEventType type, const std::string& stage, absl::Duration at,
               nlohmann::json data = nlohmann::json::object()) {
  return RunEvent{type, kT0 + at, "run-1", stage, std::move(data)};
}

RunEvent Start() {
  return Event(RunEventType::kRunStart, "", absl::ZeroDuration(),
               {{"runbook", "gpu-off-bus"},
                {"nickname", "rogue-moose"},
                {"title", "GPU fell off bus"},
                {"target_node", "gpu-node-3"},
                {"alias", "daring-narwhal"},
                {"trigger", "manual"},
                {"stages",
                 {{{"id", "detect"}, {"title", "Fault detected"}},
                  {{"id", "quarantine"}, {"title", "Node cordoned"}}}},
                {"dry_run", false}});
}

// Captures what a renderer writes, through a real FILE*.
class Captured {
 public:
  Captured() : file_(open_memstream(&buffer_, &size_)) {}
  ~Captured() {
    std::fclose(file_);
    std::free(buffer_);
  }
  std::FILE* file() { return file_; }
  std::string text() {
    std::fflush(file_);
    return std::string(buffer_, size_);
  }

 private:
  char* buffer_ = nullptr;
  size_t size_ = 0;
  std::FILE* file_;
};

TEST(JsonLinesRendererTest, OneObjectPerLineWithCommonAndEventKeys) {
  Captured out;
  JsonLinesRenderer renderer(out.file());
  renderer.OnEvent(Start());
  renderer.OnEvent(
      Event(RunEventType::kStagePass, "detect", absl::Milliseconds(812), {{"elapsed_ms", 812}}));
  const std::string text = out.text();
  ASSERT_EQ(std::count(text.begin(), text.end(), '\n'), 2);
  auto first = nlohmann::json::parse(text.substr(0, text.find('\n')));
  EXPECT_EQ(first["event"], "run_start");
  EXPECT_EQ(first["ts"], "2026-01-01T00:00:00.000Z");
  EXPECT_EQ(first["alias"], "daring-narwhal");
  EXPECT_FALSE(first.contains("stage"));
  auto second = nlohmann::json::parse(text.substr(text.find('\n') + 1));
  EXPECT_EQ(second["event"], "stage_pass");
  EXPECT_EQ(second["stage"], "detect");
  EXPECT_EQ(second["elapsed_ms"], 812);
}

TEST(CinematicRendererTest, ShowsStagesTimersAliasNarrationAndHookOutput) {
  Captured out;
  CinematicRenderer renderer(out.file(), {.width = 100, .color = false});
  renderer.OnEvent(Start());
  renderer.OnEvent(Event(RunEventType::kStageStart, "detect", absl::ZeroDuration(),
                         {{"title", "Fault detected"}, {"timeout_ms", 60000}}));
  auto frame = renderer.Frame(kT0 + absl::Milliseconds(1500));
  EXPECT_THAT(frame[0], HasSubstr("gpu-off-bus  #rogue-moose"));
  EXPECT_THAT(frame[1], HasSubstr("daring-narwhal (gpu-node-3)"));
  EXPECT_THAT(frame[3], HasSubstr("> detect"));
  EXPECT_THAT(frame[3], HasSubstr("1.5s / 60.0s"));
  EXPECT_THAT(frame[4], HasSubstr(". quarantine"));

  renderer.OnEvent(
      Event(RunEventType::kStagePass, "detect", absl::Milliseconds(812), {{"elapsed_ms", 812}}));
  renderer.OnEvent(Event(RunEventType::kNarration, "detect", absl::Milliseconds(812),
                         {{"text", "Seen in 0.8s."}}));
  renderer.OnEvent(Event(RunEventType::kHookExit, "quarantine", absl::Seconds(1),
                         {{"script", "/x/hooks/on-quarantine.sh"},
                          {"exit_code", 0},
                          {"timed_out", false},
                          {"output_tail", "one\ntwo\nposted to Slack\n"}}));
  renderer.OnEvent(Event(RunEventType::kStageFail, "quarantine", absl::Seconds(2),
                         {{"elapsed_ms", 2000}, {"reason", "timed out after 60s"}}));
  renderer.OnEvent(Event(RunEventType::kRunEnd, "", absl::Seconds(2),
                         {{"result", "fail"}, {"elapsed_ms", 2000}, {"exit_code", 1}}));
  frame = renderer.Frame(kT0 + absl::Seconds(5));
  const std::string all = ::testing::PrintToString(frame);
  EXPECT_THAT(frame[3], HasSubstr("✓ detect"));
  EXPECT_THAT(frame[3], HasSubstr("0.8s"));
  EXPECT_THAT(frame[4], HasSubstr("✗ quarantine"));
  EXPECT_THAT(all, HasSubstr("» Seen in 0.8s."));
  EXPECT_THAT(all, HasSubstr("hook on-quarantine.sh: exit 0  | two | posted to Slack"));
  EXPECT_THAT(all, HasSubstr("quarantine: timed out after 60s"));
  EXPECT_THAT(frame.back(), HasSubstr("result: fail in 2.0s"));
  EXPECT_THAT(frame[1], HasSubstr("2.0s"));                 // the total stops at the end
  EXPECT_EQ(out.text().find("\x1b[3"), std::string::npos);  // NO_COLOR: no colour codes
}

TEST(CinematicRendererTest, RedrawsInPlaceAndFitsNarrowTerminals) {
  Captured out;
  CinematicRenderer renderer(out.file(), {.width = 30, .color = true});
  renderer.OnEvent(Start());
  renderer.Tick(kT0 + absl::Seconds(1));
  for (const std::string& line : renderer.Frame(kT0)) {
    std::string plain;
    for (size_t i = 0; i < line.size(); ++i) {
      if (line[i] == '\x1b') {
        while (i < line.size() && line[i] != 'm') ++i;
      } else if ((static_cast<unsigned char>(line[i]) & 0xC0) != 0x80) {
        plain += line[i];
      }
    }
    EXPECT_LE(plain.size(), 30u) << line;
  }
  // The second draw moves the cursor back over the first frame's six lines.
  EXPECT_THAT(out.text(), HasSubstr("\x1b[6F\x1b[J"));
  EXPECT_THAT(out.text(), HasSubstr("\x1b[1m"));  // colour is on
}

}  // namespace
}  // namespace nvsx::op
