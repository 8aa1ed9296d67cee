#pragma once

#include <string>

#include "nvsx/serve/trigger.h"

namespace nvsx::serve {

// A trigger the dispatcher accepted, with the id its run gets.
struct AcceptedRun {
  std::string run_id;
  Trigger trigger;
};

// What carries out an accepted run: the runner (runner_executor.h), or a fake in tests.
class RunExecutor {
 public:
  virtual ~RunExecutor() = default;
  // Runs to the end, postmortem included, and returns the result: "pass",
  // "fail", "interrupted", or "error" when the run could not start.
  virtual std::string Execute(const AcceptedRun& run) = 0;
  // Ends every run's current stage so it goes to postmortem, now and for any
  // Execute that starts later. Any thread.
  virtual void InterruptAll() = 0;
};

}  // namespace nvsx::serve
