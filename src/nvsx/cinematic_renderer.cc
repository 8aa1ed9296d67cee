#include "nvsx/cinematic_renderer.h"

#include <filesystem>

#include "core/str_cat.h"
#include "fmt/format.h"

namespace nvsx::op {
namespace {

constexpr size_t kMaxNotes = 4;
constexpr char kGreen[] = "\x1b[32m";
constexpr char kRed[] = "\x1b[31m";
constexpr char kYellow[] = "\x1b[33m";
constexpr char kDim[] = "\x1b[2m";
constexpr char kBold[] = "\x1b[1m";
constexpr char kReset[] = "\x1b[0m";

std::string Seconds(absl::Duration d) { return fmt::format("{:.1f}s", absl::ToDoubleSeconds(d)); }

// Cuts `text` to `width` display columns, counting UTF-8 sequences as one.
std::string Fit(const std::string& text, int width) {
  int columns = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    const auto byte = static_cast<unsigned char>(text[i]);
    if (text[i] == '\x1b') {  // skip an escape sequence: it takes no room
      while (i < text.size() && text[i] != 'm') ++i;
      continue;
    }
    if ((byte & 0xC0) != 0x80 && ++columns > width) {
      // Close any colour the cut left open.
      return text.substr(0, i) + (text.find('\x1b') != std::string::npos ? kReset : "");
    }
  }
  return text;
}

std::string LastLines(const std::string& text, size_t count) {
  std::vector<std::string> lines;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    if (end > start) lines.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  std::string out;
  for (size_t i = lines.size() > count ? lines.size() - count : 0; i < lines.size(); ++i) {
    core::StrAppend(&out, out.empty() ? "" : " | ", lines[i]);
  }
  return out;
}

}  // namespace

CinematicRenderer::CinematicRenderer(std::FILE* out, CinematicOptions options)
    : out_(out), options_(options) {}

std::string CinematicRenderer::Paint(const std::string& text, const char* color) const {
  return options_.color ? core::StrCat(color, text, kReset) : text;
}

CinematicRenderer::StageRow* CinematicRenderer::Row(const std::string& id) {
  for (StageRow& row : stages_) {
    if (row.id == id) return &row;
  }
  return nullptr;
}

void CinematicRenderer::OnEvent(const RunEvent& event) {
  const nlohmann::json& data = event.data;
  auto text = [&](const char* key) { return data.value(key, std::string()); };
  switch (event.type) {
    case RunEventType::kRunStart: {
      run_id_ = event.run_id;
      run_started_ = event.time;
      title_ = core::StrCat(text("runbook"), text("nickname").empty() ? "" : "  #",
                            text("nickname"), "   ", text("title"));
      target_ = core::StrCat(text("alias"), " (", text("target_node"), ")");
      stages_.clear();
      for (const auto& stage : data.value("stages", nlohmann::json::array())) {
        stages_.push_back({stage.value("id", ""), stage.value("title", ""), StageState::kPending,
                           absl::Time(), absl::ZeroDuration(), absl::ZeroDuration()});
      }
      break;
    }
    case RunEventType::kStageStart:
      if (StageRow* row = Row(event.stage)) {
        row->state = StageState::kRunning;
        row->started = event.time;
        row->timeout = absl::Milliseconds(data.value("timeout_ms", 0));
      }
      break;
    case RunEventType::kStagePass:
    case RunEventType::kStageFail:
    case RunEventType::kStageSkip:
      if (StageRow* row = Row(event.stage)) {
        row->state = event.type == RunEventType::kStagePass   ? StageState::kPassed
                     : event.type == RunEventType::kStageFail ? StageState::kFailed
                                                              : StageState::kSkipped;
        row->elapsed = absl::Milliseconds(data.value("elapsed_ms", 0));
      }
      if (event.type == RunEventType::kStageFail) {
        notes_.push_back(Paint(core::StrCat("✗ ", event.stage, ": ", text("reason")), kRed));
      }
      break;
    case RunEventType::kNarration:
      notes_.push_back(core::StrCat("» ", text("text")));
      break;
    case RunEventType::kPrerequisite:
      notes_.push_back(data.value("met", false)
                           ? core::StrCat("✓ ", text("name"))
                           : Paint(core::StrCat("✗ ", text("name"), ": ", text("detail")), kRed));
      break;
    case RunEventType::kHookExit: {
      const std::string tail = LastLines(text("output_tail"), 2);
      notes_.push_back(core::StrCat(
          "hook ", std::filesystem::path(text("script")).filename().string(), ": ",
          data.value("timed_out", false) ? "timed out"
                                         : core::StrCat("exit ", data.value("exit_code", -1)),
          tail.empty() ? "" : "  | ", tail));
      break;
    }
    case RunEventType::kRunEnd:
      result_ = text("result");
      run_elapsed_ = absl::Milliseconds(data.value("elapsed_ms", 0));
      break;
    case RunEventType::kWatchSatisfied:
    case RunEventType::kHookStart:
      break;
  }
  while (notes_.size() > kMaxNotes) notes_.pop_front();
  Draw(event.time);
}

void CinematicRenderer::Tick(absl::Time now) { Draw(now); }

std::vector<std::string> CinematicRenderer::Frame(absl::Time now) const {
  std::vector<std::string> lines;
  const std::string rule(static_cast<size_t>(std::min(options_.width, 72)), '-');
  const absl::Duration total = result_.empty() ? now - run_started_ : run_elapsed_;
  lines.push_back(Paint(core::StrCat("nvsx > ", title_), kBold));
  lines.push_back(core::StrCat("target: ", target_, "   run ", run_id_, "   ", Seconds(total)));
  lines.push_back(rule);
  for (const StageRow& row : stages_) {
    std::string glyph;
    std::string timer;
    switch (row.state) {
      case StageState::kPending:
        glyph = Paint(".", kDim);
        break;
      case StageState::kRunning:
        glyph = Paint(">", kYellow);
        timer = core::StrCat(Seconds(now - row.started), " / ", Seconds(row.timeout));
        break;
      case StageState::kPassed:
        glyph = Paint("✓", kGreen);
        timer = Seconds(row.elapsed);
        break;
      case StageState::kFailed:
        glyph = Paint("✗", kRed);
        timer = Seconds(row.elapsed);
        break;
      case StageState::kSkipped:
        glyph = Paint("-", kDim);
        timer = "skipped";
        break;
    }
    lines.push_back(
        fmt::format(" {} {:<11} {:<40} {}", glyph, row.id, row.title.substr(0, 40), timer));
  }
  lines.push_back(rule);
  for (const std::string& note : notes_) lines.push_back(note);
  if (!result_.empty()) {
    lines.push_back(Paint(core::StrCat("result: ", result_, " in ", Seconds(run_elapsed_)),
                          result_ == "pass" ? kGreen : kRed));
  }
  for (std::string& line : lines) line = Fit(line, options_.width);
  return lines;
}

void CinematicRenderer::Draw(absl::Time now) {
  std::string out;
  // Move to the start of the previous frame and clear it, then draw anew.
  if (drawn_lines_ > 0) core::StrAppend(&out, "\x1b[", drawn_lines_, "F\x1b[J");
  const std::vector<std::string> lines = Frame(now);
  for (const std::string& line : lines) core::StrAppend(&out, line, "\n");
  drawn_lines_ = static_cast<int>(lines.size());
  std::fwrite(out.data(), 1, out.size(), out_);
  std::fflush(out_);
}

}  // namespace nvsx::op
