#include "nvsx/runner.h"

#include <system_error>
#include <utility>

#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "core/duration.h"
#include "core/str_cat.h"
#include "core/subprocess.h"
#include "kube/names.h"
#include "nvsx/expectation.h"
#include "nvsx/hook_runner.h"
#include "nvsx/narration.h"
#include "nvsx/node_alias.h"
#include "nvsx/stage_ids.h"
#include "nvsx/watch_kinds.h"

namespace nvsx::op {
namespace {

constexpr size_t kOutputTailBytes = 2048;

int64_t Ms(absl::Duration duration) { return absl::ToInt64Milliseconds(duration); }

std::string Tail(const core::SubprocessResult& result) {
  std::string text = result.stdout_text;
  if (!result.stderr_text.empty()) {
    if (!text.empty() && text.back() != '\n') text += '\n';
    text += result.stderr_text;
  }
  if (text.size() > kOutputTailBytes) text = text.substr(text.size() - kOutputTailBytes);
  return text;
}

bool IsDrillOnly(const std::string& stage_id) {
  const StageIdSpec* spec = FindStageId(stage_id);
  return spec != nullptr && spec->drill_only;
}

// "a node-condition watch (type=GpuPcieWatch, status=False)".
std::string DescribeClause(const WatchClause& clause) {
  std::vector<std::string> fields;
  for (const auto& [name, value] : clause.fields) fields.push_back(core::StrCat(name, "=", value));
  return core::StrCat(SpecOf(clause.kind).name, " (", absl::StrJoin(fields, ", "), ")");
}

}  // namespace

absl::Status CheckRunnable(const Runbook& runbook, const RunOptions& options) {
  if (!options.drill && runbook.FindStage(std::string(kInjectStage)) != nullptr) {
    return absl::InvalidArgumentError(
        core::StrCat("runbook ", runbook.slug,
                     " has an inject stage (fault injection): it runs only as a drill; pass "
                     "--drill to run it on purpose"));
  }
  if (!options.target_node.empty() && !kube::IsDnsSubdomain(options.target_node)) {
    return absl::InvalidArgumentError(core::StrCat(
        "--target-node \"", options.target_node,
        "\": not a Kubernetes node name (lower-case letters, digits, '-' and '.', at most 253 "
        "characters)"));
  }
  return absl::OkStatus();
}

std::string NewRunId(absl::Time now, uint64_t entropy) {
  return core::StrCat(absl::FormatTime("%Y%m%d-%H%M%S", now, absl::UTCTimeZone()), "-",
                      absl::StrFormat("%04x", entropy & 0xffff));
}

Runner::Runner(const Runbook* runbook, RunOptions options, ClusterWatch* cluster,
               RunRenderer* renderer, core::WaitableClock* clock)
    : runbook_(runbook),
      options_(std::move(options)),
      cluster_(cluster),
      renderer_(renderer),
      clock_(clock) {}

void Runner::Interrupt() {
  interrupted_.store(true);
  if (cluster_ != nullptr) cluster_->Wake();
}

void Runner::Emit(RunEventType type, const std::string& stage, nlohmann::json data) {
  RunEvent event{type, clock_->Now(), options_.run_id, stage,
                 data.is_null() ? nlohmann::json::object() : std::move(data)};
  renderer_->OnEvent(event);
}

RunOutcome Runner::Run() {
  run_start_ = clock_->Now();
  nlohmann::json stages = nlohmann::json::array();
  for (const Stage& stage : runbook_->stages) {
    stages.push_back({{"id", stage.id}, {"title", stage.title}});
  }
  Emit(RunEventType::kRunStart, "",
       {{"runbook", runbook_->slug},
        {"nickname", runbook_->metadata.nickname},
        {"title", runbook_->metadata.title},
        {"target_node", options_.target_node},
        {"alias", NodeAlias(options_.target_node)},
        {"trigger", options_.trigger},
        {"stages", stages},
        {"dry_run", options_.dry_run}});

  RunOutcome outcome{"pass", kRunPassed};
  if (options_.dry_run) {
    for (const Stage& stage : runbook_->stages) DescribePlan(stage);
    outcome = {"dry-run", kRunPassed};
  } else {
    bool failed = false;
    for (const Stage& stage : runbook_->stages) {
      const bool postmortem = stage.id == kPostmortemStage;
      if ((failed || interrupted()) && !postmortem) {
        Emit(RunEventType::kStageSkip, stage.id,
             {{"reason", interrupted() ? "interrupted" : "an earlier stage failed"}});
        continue;
      }
      if (IsDrillOnly(stage.id) && !options_.drill) {
        Emit(RunEventType::kStageSkip, stage.id, {{"reason", "runs only in drills (--drill)"}});
        continue;
      }
      result_so_far_ = interrupted() ? "interrupted" : failed ? "fail" : "pass";
      const StageResult result = RunStage(stage);
      if (!result.passed) failed = true;
    }
    if (interrupted()) {
      outcome = {"interrupted", kRunInterrupted};
    } else if (failed) {
      outcome = {"fail", kRunStageFailed};
    }
  }
  Emit(RunEventType::kRunEnd, "",
       {{"result", outcome.result},
        {"elapsed_ms", Ms(clock_->Now() - run_start_)},
        {"exit_code", outcome.exit_code}});
  return outcome;
}

void Runner::DescribePlan(const Stage& stage) {
  std::vector<std::string> steps;
  if (IsDrillOnly(stage.id) && !options_.drill) steps.push_back("skipped (drill only)");
  if (stage.id == "preflight" && !runbook_->prerequisites.empty()) {
    steps.push_back(core::StrCat("check ", runbook_->prerequisites.size(), " prerequisites"));
  }
  if (stage.action) steps.push_back(core::StrCat("run ", stage.action->script.string()));
  for (const WatchClause& clause : stage.watch) {
    steps.push_back(core::StrCat("wait for ", DescribeClause(clause)));
  }
  if (!stage.watch.empty() && stage.dwell > absl::ZeroDuration()) {
    steps.push_back(core::StrCat("hold for ", core::DurationString(stage.dwell)));
  }
  if (stage.hook) steps.push_back(core::StrCat("run hook ", stage.hook->string()));
  if (steps.empty()) steps.push_back("nothing to do");
  Emit(RunEventType::kStageSkip, stage.id,
       {{"reason", core::StrCat("dry run: would ", absl::StrJoin(steps, "; then "), " (timeout ",
                                core::DurationString(stage.timeout), ")")}});
}

Runner::StageResult Runner::RunStage(const Stage& stage) {
  const absl::Time start = clock_->Now();
  Emit(RunEventType::kStageStart, stage.id,
       {{"title", stage.title}, {"timeout_ms", Ms(stage.timeout)}});
  Narrate(stage);
  StageResult result{true, ""};
  // Prerequisites belong to preflight, or to the first stage when there is none.
  if (!prerequisites_checked_ &&
      (stage.id == "preflight" || runbook_->FindStage("preflight") == nullptr)) {
    prerequisites_checked_ = true;
    result = CheckPrerequisites(stage);
  }
  if (result.passed && stage.action) {
    result = RunScript(stage, stage.action->script, stage.action->args, start);
  }
  if (result.passed && !stage.watch.empty()) result = AwaitWatches(stage, start);
  if (result.passed && stage.hook) result = RunScript(stage, *stage.hook, {}, start);
  if (result.passed && interrupted() && stage.id != kPostmortemStage) {
    result = {false, "interrupted"};
  }
  const int64_t elapsed = Ms(clock_->Now() - start);
  if (result.passed) {
    Emit(RunEventType::kStagePass, stage.id, {{"elapsed_ms", elapsed}});
  } else {
    Emit(RunEventType::kStageFail, stage.id, {{"elapsed_ms", elapsed}, {"reason", result.reason}});
  }
  return result;
}

Runner::StageResult Runner::CheckPrerequisites(const Stage& stage) {
  for (const Prerequisite& prerequisite : runbook_->prerequisites) {
    // Checks are the runbook author's command lines, as in the original nvsx:
    // they go through the shell; nothing from the run is spliced into them.
    core::SubprocessOptions options;
    options.argv = {"/bin/sh", "-c", prerequisite.check};
    options.env = HookEnvironment(options_.env, {.stage = stage.id,
                                                 .runbook = runbook_->slug,
                                                 .target_node = options_.target_node,
                                                 .alias = NodeAlias(options_.target_node),
                                                 .run_id = options_.run_id,
                                                 .elapsed = clock_->Now() - run_start_,
                                                 .project_root = options_.project_root});
    options.working_dir = options_.project_root;
    options.timeout = options_.prerequisite_timeout;
    options.capture_limit = 16 * 1024;
    absl::StatusOr<core::SubprocessResult> ran = core::RunSubprocess(options);
    ExpectationResult verdict;
    if (!ran.ok()) {
      verdict = {false, std::string(ran.status().message())};
    } else if (ran->timed_out) {
      verdict = {false, core::StrCat("the check ", ran->Describe())};
    } else {
      verdict = MatchExpectation(prerequisite.expect, ran->stdout_text);
    }
    Emit(RunEventType::kPrerequisite, stage.id,
         {{"name", prerequisite.name}, {"met", verdict.met}, {"detail", verdict.explanation}});
    if (!verdict.met) {
      return {false, core::StrCat("prerequisite ", prerequisite.name, ": ", verdict.explanation)};
    }
  }
  return {true, ""};
}

Runner::StageResult Runner::RunScript(const Stage& stage, const std::filesystem::path& script,
                                      const std::vector<std::string>& args,
                                      absl::Time stage_start) {
  if (!options_.artifact_dir.empty()) {
    std::error_code ignored;  // a hook that needs the folder reports its own error
    std::filesystem::create_directories(options_.artifact_dir, ignored);
  }
  Emit(RunEventType::kHookStart, stage.id, {{"script", script.string()}});
  const HookContext context{.stage = stage.id,
                            .runbook = runbook_->slug,
                            .target_node = options_.target_node,
                            .alias = NodeAlias(options_.target_node),
                            .run_id = options_.run_id,
                            .elapsed = clock_->Now() - stage_start,
                            .project_root = options_.project_root,
                            .artifact_dir = options_.artifact_dir};
  // Each step of a stage may take the stage's timeout.
  absl::StatusOr<core::SubprocessResult> ran =
      RunHook(script, args, options_.env, context, stage.timeout);
  if (!ran.ok()) {
    Emit(RunEventType::kHookExit, stage.id,
         {{"script", script.string()},
          {"exit_code", -1},
          {"signal", 0},
          {"timed_out", false},
          {"elapsed_ms", 0},
          {"output_tail", std::string(ran.status().message())}});
    return {false, core::StrCat(script.filename().string(), ": ", ran.status().message())};
  }
  Emit(RunEventType::kHookExit, stage.id,
       {{"script", script.string()},
        {"exit_code", ran->exit_code},
        {"signal", ran->term_signal},
        {"timed_out", ran->timed_out},
        {"elapsed_ms", Ms(ran->elapsed)},
        {"output_tail", Tail(*ran)}});
  if (ran->Succeeded()) return {true, ""};
  return {false, core::StrCat(script.filename().string(), " ", ran->Describe())};
}

Runner::StageResult Runner::AwaitWatches(const Stage& stage, absl::Time stage_start) {
  if (cluster_ == nullptr) return {false, "no cluster connection to watch"};
  const absl::Time deadline = stage_start + stage.timeout;
  std::vector<std::vector<WatchSource>> sources;
  for (WatchClause clause : stage.watch) {
    if (!IsObjectWatch(clause.kind)) {
      if (absl::Status opened = cluster_->OpenStream(clause, deadline); !opened.ok()) {
        return {false, std::string(opened.message())};
      }
      sources.emplace_back();
      continue;
    }
    if (clause.kind == WatchKind::kCrd && clause.Field("version").empty()) {
      absl::StatusOr<std::string> version = cluster_->PreferredVersion(clause.Field("group"));
      if (!version.ok()) return {false, std::string(version.status().message())};
      clause.fields["version"] = *version;
    }
    sources.push_back(SourcesOf(clause, options_.target_node));
    if (absl::Status opened = cluster_->Open(sources.back(), deadline); !opened.ok()) {
      return {false, std::string(opened.message())};
    }
  }
  const WatchScope scope{options_.target_node, run_start_};
  std::vector<bool> reported(stage.watch.size(), false);
  std::optional<absl::Time> holding_since;
  uint64_t seen = cluster_->generation();
  std::vector<WatchVerdict> verdicts(stage.watch.size());
  while (true) {
    bool all = true;
    for (size_t i = 0; i < stage.watch.size(); ++i) {
      if (IsObjectWatch(stage.watch[i].kind)) {
        std::vector<ObjectList> objects;
        for (const WatchSource& source : sources[i]) objects.push_back(cluster_->Objects(source));
        verdicts[i] = EvaluateWatch(stage.watch[i], scope, objects);
      } else {
        verdicts[i] = cluster_->StreamVerdict(stage.watch[i]);
      }
      all = all && verdicts[i].satisfied;
      if (verdicts[i].satisfied && !reported[i]) {
        reported[i] = true;
        Emit(RunEventType::kWatchSatisfied, stage.id,
             {{"index", i},
              {"kind", SpecOf(stage.watch[i].kind).name},
              {"detail", verdicts[i].detail}});
      }
    }
    const absl::Time now = clock_->Now();
    if (!all) holding_since.reset();
    if (all && !holding_since) holding_since = now;
    // Once every clause holds, the dwell may run past the timeout.
    if (holding_since && now - *holding_since >= stage.dwell) return {true, ""};
    if (interrupted()) return {false, "interrupted"};
    if (!holding_since && now >= deadline) {
      std::vector<std::string> waiting;
      for (size_t i = 0; i < verdicts.size(); ++i) {
        if (!verdicts[i].satisfied) waiting.push_back(verdicts[i].detail);
      }
      return {false, core::StrCat("timed out after ", core::DurationString(stage.timeout),
                                  " waiting for: ", absl::StrJoin(waiting, "; "))};
    }
    const absl::Time until =
        std::min(holding_since ? *holding_since + stage.dwell : deadline, now + options_.tick);
    seen = cluster_->WaitForChange(seen, until);
    renderer_->Tick(clock_->Now());
  }
}

void Runner::Narrate(const Stage& stage) {
  auto text = runbook_->narration.find(stage.id);
  if (text == runbook_->narration.end()) return;
  size_t artifacts = 0;
  std::error_code error;
  for (auto it = std::filesystem::directory_iterator(options_.artifact_dir, error);
       !error && it != std::filesystem::directory_iterator(); it.increment(error)) {
    ++artifacts;
  }
  const std::map<std::string, std::string, std::less<>> values = {
      {"elapsed",
       core::DurationString(absl::Floor(clock_->Now() - run_start_, absl::Milliseconds(100)))},
      {"targetNode", options_.target_node},
      {"alias", NodeAlias(options_.target_node)},
      {"runbook", runbook_->slug},
      {"nickname", runbook_->metadata.nickname},
      {"stage", stage.id},
      {"runId", options_.run_id},
      {"artifactDir", options_.artifact_dir.string()},
      {"artifactCount", std::to_string(artifacts)},
      {"result", result_so_far_},
  };
  Emit(RunEventType::kNarration, stage.id, {{"text", RenderNarration(text->second, values)}});
}

}  // namespace nvsx::op
