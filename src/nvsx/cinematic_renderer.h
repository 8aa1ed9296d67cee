#pragma once

#include <cstdio>
#include <deque>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "nvsx/run_renderer.h"

namespace nvsx::op {

struct CinematicOptions {
  int width = 80;     // the terminal's columns; lines are cut to fit
  bool color = true;  // false under NO_COLOR
};

// The flight deck for a terminal: a header with the runbook and the target
// (alias and name), every stage with its state and timer, the latest
// narration and hook output. Redrawn in place with ANSI cursor movement.
class CinematicRenderer final : public RunRenderer {
 public:
  CinematicRenderer(std::FILE* out, CinematicOptions options);
  void OnEvent(const RunEvent& event) override;
  void Tick(absl::Time now) override;

  // The frame as it would be drawn at `now`, without escapes for cursor
  // movement (tests read it).
  std::vector<std::string> Frame(absl::Time now) const;

 private:
  enum class StageState { kPending, kRunning, kPassed, kFailed, kSkipped };
  struct StageRow {
    std::string id;
    std::string title;
    StageState state = StageState::kPending;
    absl::Time started;
    absl::Duration elapsed;
    absl::Duration timeout;
  };
  StageRow* Row(const std::string& id);
  std::string Paint(const std::string& text, const char* color) const;
  void Draw(absl::Time now);

  std::FILE* out_;
  const CinematicOptions options_;
  std::string title_;
  std::string target_;
  std::string run_id_;
  absl::Time run_started_;
  std::string result_;
  absl::Duration run_elapsed_;
  std::vector<StageRow> stages_;
  std::deque<std::string> notes_;  // narration and hook lines, newest last
  int drawn_lines_ = 0;
};

}  // namespace nvsx::op
