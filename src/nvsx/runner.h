#pragma once

#include <atomic>
#include <filesystem>
#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "core/clock.h"
#include "core/environment.h"
#include "nvsx/cluster_watch.h"
#include "nvsx/run_renderer.h"
#include "nvsx/runbook.h"

namespace nvsx::op {

// Exit codes of `nvsx run`, as documented.
inline constexpr int kRunPassed = 0;
inline constexpr int kRunStageFailed = 1;
inline constexpr int kRunInterrupted = 130;

struct RunOptions {
  std::string run_id;  // required; NewRunId makes one
  std::string target_node;
  std::string trigger = "manual";  // "manual", "webhook:pagerduty", "healthevent:<name>"
  bool dry_run = false;            // show the plan, run nothing
  bool drill = false;              // allow inject (and baseline) stages
  std::filesystem::path project_root;
  std::filesystem::path artifact_dir;  // NVSX_ARTIFACT_DIR; created when a stage runs a hook
  core::Environment env;               // what hooks start from
  absl::Duration prerequisite_timeout = absl::Seconds(30);
  // How often the renderer's timers move while a stage waits.
  absl::Duration tick = absl::Milliseconds(250);
};

struct RunOutcome {
  std::string result;  // "pass", "fail", "interrupted", "dry-run"
  int exit_code = kRunPassed;
};

// Checks what must hold before a run starts: a runbook with an inject stage
// runs only as a drill, and the target node is a valid Kubernetes node name
// (so nothing shell-like reaches a hook's environment).
absl::Status CheckRunnable(const Runbook& runbook, const RunOptions& options);

// "20261123-204512-3f9a": sortable, unique enough for one operator's history.
std::string NewRunId(absl::Time now, uint64_t entropy);

// Runs a runbook's stages in order against the cluster: for each stage the
// action, then its watch clauses until all hold (for `dwell`) or its timeout,
// then its hook. A failed stage skips the rest but postmortem, which always
// runs (after a failure or an interrupt too). Every step is an event to the
// renderer; the run is decided by the events it emits.
class Runner {
 public:
  // `runbook`, `cluster`, `renderer` and `clock` must outlive the runner;
  // `cluster` may be null for a dry run or a runbook without watches.
  Runner(const Runbook* runbook, RunOptions options, ClusterWatch* cluster, RunRenderer* renderer,
         core::WaitableClock* clock);

  RunOutcome Run();

  // Ends the current stage as interrupted and moves to postmortem. Safe from
  // any thread, e.g. a signal watcher.
  void Interrupt();

 private:
  struct StageResult {
    bool passed = false;
    std::string reason;
  };

  void Emit(RunEventType type, const std::string& stage, nlohmann::json data = {});
  StageResult RunStage(const Stage& stage);
  StageResult CheckPrerequisites(const Stage& stage);
  // Runs an action or hook; fails the stage unless it exits 0.
  StageResult RunScript(const Stage& stage, const std::filesystem::path& script,
                        const std::vector<std::string>& args, absl::Time stage_start);
  StageResult AwaitWatches(const Stage& stage, absl::Time stage_start);
  void Narrate(const Stage& stage);
  void DescribePlan(const Stage& stage);
  bool interrupted() const { return interrupted_.load(); }

  const Runbook* runbook_;
  const RunOptions options_;
  ClusterWatch* cluster_;
  RunRenderer* renderer_;
  core::WaitableClock* clock_;
  std::atomic<bool> interrupted_{false};
  absl::Time run_start_;
  bool prerequisites_checked_ = false;
  std::string result_so_far_ = "pass";  // the {{result}} narration shows
};

}  // namespace nvsx::op
