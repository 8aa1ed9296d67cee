#include "nvsx/demo/fault_script.h"

#include <utility>

#include "absl/time/clock.h"
#include "core/str_cat.h"

namespace nvsx::op {

FaultScript::~FaultScript() { Join().IgnoreError(); }

void FaultScript::At(std::string stage, std::function<absl::Status()> step) {
  auto added = std::make_unique<Step>();
  added->status = absl::FailedPreconditionError(core::StrCat("the runbook never reached ", stage));
  added->stage = std::move(stage);
  added->action = std::move(step);
  std::lock_guard<std::mutex> lock(mu_);
  steps_.push_back(std::move(added));
}

void FaultScript::OnEvent(const RunEvent& event) {
  if (event.type != RunEventType::kStageStart) return;
  std::lock_guard<std::mutex> lock(mu_);
  for (const std::unique_ptr<Step>& step : steps_) {
    if (step->stage != event.stage || step->thread.joinable()) continue;
    Step* running = step.get();
    running->thread = std::thread([running] {
      running->at = absl::Now();
      running->status = running->action();
    });
  }
}

absl::Status FaultScript::Join() {
  std::lock_guard<std::mutex> lock(mu_);
  absl::Status first;
  for (const std::unique_ptr<Step>& step : steps_) {
    if (step->thread.joinable()) step->thread.join();
    first.Update(step->status);
  }
  return first;
}

absl::Time FaultScript::started_at() const {
  std::lock_guard<std::mutex> lock(mu_);
  return steps_.empty() ? absl::InfinitePast() : steps_[0]->at;
}

}  // namespace nvsx::op
