#pragma once

#include <cstdio>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/environment.h"
#include "core/logger.h"
#include "kube/rest_client.h"
#include "nvsx/run_store.h"
#include "nvsx/runbook_catalog.h"
#include "nvsx/runner.h"
#include "nvsx/serve/run_executor.h"

namespace nvsx::serve {

struct RunnerExecutorOptions {
  op::RunbookLocation location;     // where runbooks are loaded from, at each run
  std::filesystem::path state_dir;  // runs.db (the run history) and runs/ID/ (artifacts)
  core::Environment env;            // what hooks start from
  std::FILE* events = nullptr;      // each run's events as JSON lines; null: none
  op::StreamWatchOptions streams;   // log and mongo-event watches: MongoDB's whereabouts
};

// Runs accepted triggers with op::Runner, exactly as `nvsx run RUNBOOK
// --target-node NODE` would, recording each run in the run history under the
// dispatcher's run id. The runbook is loaded again for each run, so an edited
// runbook takes effect without a restart. Thread-safe: several runs at once.
class RunnerExecutor final : public RunExecutor {
 public:
  // `client` (null: no cluster, so watch stages fail) and `clock` must outlive this.
  RunnerExecutor(RunnerExecutorOptions options, kube::RestClient* client,
                 core::WaitableClock* clock, core::Logger logger);

  std::string Execute(const AcceptedRun& run) override;
  void InterruptAll() override;

 private:
  // A run-history connection for one run: an idle one, or a new one. Opening
  // one (SQLite reads the schema) costs more than recording a short run.
  absl::StatusOr<std::unique_ptr<op::RunStore>> TakeStore();
  // Keeps the connection for the next run unless it failed (its status()
  // would carry this run's error into the next).
  void ReturnStore(std::unique_ptr<op::RunStore> store);

  const RunnerExecutorOptions options_;
  kube::RestClient* const client_;
  core::WaitableClock* const clock_;
  core::Logger logger_;

  std::mutex mu_;
  std::map<std::string, op::Runner*> runners_;  // in progress, by run id
  bool interrupting_ = false;
  std::vector<std::unique_ptr<op::RunStore>> idle_stores_;  // at most one per concurrent run
};

// What the run history says started a run: "webhook:pagerduty",
// "alertmanager", "healthevent:NAME", "mongodb:ID".
std::string TriggerLabel(const Trigger& trigger);

}  // namespace nvsx::serve
