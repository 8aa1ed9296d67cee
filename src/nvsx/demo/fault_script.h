#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "nvsx/run_renderer.h"

namespace nvsx::op {

// Drives the demo's fault from the runbook's progress: each step runs when
// its stage starts, on a thread of its own (the runner must not wait). Hand
// it to the runner as an observer.
class FaultScript final : public RunRenderer {
 public:
  FaultScript() = default;
  ~FaultScript() override;  // Join()
  FaultScript(const FaultScript&) = delete;
  FaultScript& operator=(const FaultScript&) = delete;

  // Runs `step` when stage `stage` first starts. Add every step before the run.
  void At(std::string stage, std::function<absl::Status()> step);

  void OnEvent(const RunEvent& event) override;

  // Waits for the steps; OK when each ran and succeeded, the first failure
  // otherwise (a stage the run never reached is FailedPrecondition).
  absl::Status Join();
  // When the first step (the injection) began; InfinitePast until it has.
  // Read it after Join().
  absl::Time started_at() const;

 private:
  struct Step {
    std::string stage;
    std::function<absl::Status()> action;
    std::thread thread;
    absl::Time at = absl::InfinitePast();
    absl::Status status;
  };
  mutable std::mutex mu_;
  std::vector<std::unique_ptr<Step>> steps_;
};

}  // namespace nvsx::op
