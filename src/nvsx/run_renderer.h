#pragma once

#include <cstdio>
#include <vector>

#include "nvsx/run_event.h"

namespace nvsx::op {

// Shows a run to a person or a program. Events arrive in order from one
// thread; Tick() may be called between them so live timers can move.
class RunRenderer {
 public:
  virtual ~RunRenderer() = default;
  virtual void OnEvent(const RunEvent& event) = 0;
  virtual void Tick(absl::Time /*now*/) {}
};

// Hands every event to each renderer in turn: the screen and the run store.
class TeeRenderer final : public RunRenderer {
 public:
  explicit TeeRenderer(std::vector<RunRenderer*> renderers);
  void OnEvent(const RunEvent& event) override;
  void Tick(absl::Time now) override;

 private:
  std::vector<RunRenderer*> renderers_;
};

// One JSON object per line, flushed per event: for pipes, CI and `--plain`.
class JsonLinesRenderer final : public RunRenderer {
 public:
  explicit JsonLinesRenderer(std::FILE* out) : out_(out) {}
  void OnEvent(const RunEvent& event) override;

 private:
  std::FILE* out_;
};

}  // namespace nvsx::op
