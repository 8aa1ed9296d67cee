#include "nvsx/serve/runner_executor.h"

#include <memory>

#include "core/str_cat.h"
#include "nvsx/cluster_watch.h"
#include "nvsx/run_renderer.h"

namespace nvsx::serve {

std::string TriggerLabel(const Trigger& trigger) {
  if (trigger.source.starts_with("healthevent:") || trigger.source.starts_with("mongodb:") ||
      trigger.source == "alertmanager" || trigger.source == "pagerduty") {
    return trigger.source;
  }
  return core::StrCat("webhook:", trigger.source);
}

RunnerExecutor::RunnerExecutor(RunnerExecutorOptions options, kube::RestClient* client,
                               core::WaitableClock* clock, core::Logger logger)
    : options_(std::move(options)), client_(client), clock_(clock), logger_(std::move(logger)) {}

std::string RunnerExecutor::Execute(const AcceptedRun& run) {
  const core::LogField id{"run", run.run_id};
  absl::StatusOr<op::Runbook> runbook =
      op::LoadRunbookBySlug(options_.location, run.trigger.runbook);
  if (!runbook.ok()) {
    logger_.Error("run could not start", {id, {"error", runbook.status().ToString()}});
    return "error";
  }
  op::RunOptions run_options;
  run_options.run_id = run.run_id;
  run_options.target_node = run.trigger.node;
  run_options.trigger = TriggerLabel(run.trigger);
  run_options.project_root = options_.location.project_root;
  run_options.artifact_dir = options_.state_dir / "runs" / run.run_id;
  run_options.env = options_.env;
  if (absl::Status runnable = op::CheckRunnable(*runbook, run_options); !runnable.ok()) {
    logger_.Error("run could not start", {id, {"error", runnable.ToString()}});
    return "error";
  }
  absl::StatusOr<std::unique_ptr<op::RunStore>> store = TakeStore();
  if (!store.ok()) {
    logger_.Error("run could not start", {id, {"error", store.status().ToString()}});
    return "error";
  }
  std::vector<op::RunRenderer*> renderers = {store->get()};
  std::unique_ptr<op::JsonLinesRenderer> lines;
  if (options_.events != nullptr) {
    lines = std::make_unique<op::JsonLinesRenderer>(options_.events);
    renderers.push_back(lines.get());
  }
  op::TeeRenderer renderer(renderers);
  std::unique_ptr<op::ClusterWatch> cluster;
  if (client_ != nullptr) {
    cluster = std::make_unique<op::ClusterWatch>(client_, clock_, logger_, options_.streams);
  }
  op::Runner runner(&*runbook, run_options, cluster.get(), &renderer, clock_);
  {
    std::lock_guard lock(mu_);
    runners_[run.run_id] = &runner;
    if (interrupting_) runner.Interrupt();
  }
  const op::RunOutcome outcome = runner.Run();
  {
    std::lock_guard lock(mu_);
    runners_.erase(run.run_id);
  }
  if (cluster) cluster->Close();
  if (!(*store)->status().ok()) {
    logger_.Warn("the run was not fully recorded", {id, {"error", (*store)->status().ToString()}});
  }
  ReturnStore(*std::move(store));
  return outcome.result;
}

absl::StatusOr<std::unique_ptr<op::RunStore>> RunnerExecutor::TakeStore() {
  {
    std::lock_guard lock(mu_);
    if (!idle_stores_.empty()) {
      std::unique_ptr<op::RunStore> store = std::move(idle_stores_.back());
      idle_stores_.pop_back();
      return store;
    }
  }
  return op::RunStore::Open(options_.state_dir / "runs.db");
}

void RunnerExecutor::ReturnStore(std::unique_ptr<op::RunStore> store) {
  if (!store->status().ok()) return;
  std::lock_guard lock(mu_);
  idle_stores_.push_back(std::move(store));
}

void RunnerExecutor::InterruptAll() {
  std::lock_guard lock(mu_);
  interrupting_ = true;
  for (auto& [run_id, runner] : runners_) runner->Interrupt();
}

}  // namespace nvsx::serve
