#pragma once

#include <cstdio>

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

// One JSON object per line, flushed per event: for pipes, CI and `--plain`.
class JsonLinesRenderer final : public RunRenderer {
 public:
  explicit JsonLinesRenderer(std::FILE* out) : out_(out) {}
  void OnEvent(const RunEvent& event) override;

 private:
  std::FILE* out_;
};

}  // namespace nvsx::op
