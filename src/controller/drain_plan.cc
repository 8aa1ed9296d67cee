#include "controller/drain_plan.h"

#include "controller/names.h"
#include "core/str_cat.h"
#include "kube/types/node.h"
#include "kube/types/pod.h"

namespace nvsx::controller {
namespace {

bool Skipped(const kube::Pod& pod, const DrainOptions& options,
             const std::set<std::string>& failing_gpus) {
  if (pod.Finished() || pod.OwnedByDaemonSet() || pod.IsMirror()) return true;
  if (options.skip_namespaces.contains(pod.metadata().namespace_name())) return true;
  return options.partial_drain && !failing_gpus.empty() && !PodMayUseGpus(pod, failing_gpus);
}

void Earliest(std::optional<absl::Time>& slot, absl::Time time) {
  if (!slot || time < *slot) slot = time;
}

}  // namespace

std::string PodKey(const kube::PodRef& pod) {
  return core::StrCat(pod.namespace_name, "/", pod.name);
}

kube::Transform PodDrainView(const DrainOptions& options) {
  // Annotations: mirror pods and GPU devices; owners' kinds: DaemonSet pods;
  // containers' GPU requests and limits: GPUs held; phase and deletion: done
  // or going; the labels the rules match on.
  std::vector<std::string> keep = {
      core::StrCat("/metadata/annotations/", kube::EscapeJsonPointer(kube::kMirrorPodAnnotation)),
      core::StrCat("/metadata/annotations/", kube::EscapeJsonPointer(kPodGpuDevicesAnnotation)),
      "/metadata/ownerReferences/*/kind",
      "/metadata/deletionTimestamp",
      "/spec/nodeName",
      "/spec/containers/*/name",
      core::StrCat("/spec/containers/*/resources/limits/",
                   kube::EscapeJsonPointer(kube::kGpuResource)),
      core::StrCat("/spec/containers/*/resources/requests/",
                   kube::EscapeJsonPointer(kube::kGpuResource)),
      "/status/phase"};
  for (const DrainRule& rule : options.rules) {
    for (const auto& [key, value] : rule.labels) {
      keep.push_back(core::StrCat("/metadata/labels/", kube::EscapeJsonPointer(key)));
    }
  }
  absl::StatusOr<kube::Transform> view = kube::KeepFields(keep);
  // Every pointer is escaped above: a failure is a bug here, not bad input.
  return view.ok() ? *std::move(view) : kube::StripManagedFields;
}

DrainPlan PlanDrain(const kube::HealthEvent& event, const std::vector<kube::ObjectPtr>& pods,
                    const DrainOptions& options, absl::Time started, absl::Time now,
                    const EvictedBefore& evicted) {
  const std::set<std::string> failing_gpus = FailingGpus(event);
  // drainOverrides.force: every pod goes at once, whatever its rule says, as
  // NVSentinel's node-drainer does.
  const bool force_immediate = event.spec().drain_overrides.force;
  DrainPlan plan;
  for (const kube::ObjectPtr& object : pods) {
    const kube::Pod pod(object);
    if (Skipped(pod, options, failing_gpus)) {
      ++plan.skipped;
      continue;
    }
    const kube::ObjectMeta meta = pod.metadata();
    DrainRule rule = RuleFor(options, pod);
    if (force_immediate) rule.mode = DrainMode::kImmediate;
    PodStep step;
    step.pod = {meta.namespace_name(), meta.name()};
    step.uid = meta.uid();
    step.mode = rule.mode;
    const bool evicted_before =
        evicted.keys.contains(PodKey(step.pod)) || evicted.uids.contains(step.uid);
    switch (rule.mode) {
      case DrainMode::kImmediate:
        step.action =
            evicted_before || pod.Terminating() ? PodAction::kAwaitGone : PodAction::kEvict;
        step.deadline = started + options.timeout;
        break;
      case DrainMode::kAllowCompletion:
        step.action = pod.Terminating() ? PodAction::kAwaitGone : PodAction::kAwaitCompletion;
        break;
      case DrainMode::kDeleteAfterTimeout: {
        const absl::Time due = started + rule.delete_after;
        if (evicted_before || pod.Terminating()) {
          step.action = PodAction::kAwaitGone;
        } else if (now >= due) {
          step.action = PodAction::kDelete;
        } else {
          step.action = PodAction::kAwaitCompletion;
          Earliest(plan.next_change, due);
        }
        step.deadline = due + options.timeout;
        break;
      }
    }
    if (step.deadline) {
      if (now >= *step.deadline) {
        plan.stuck.push_back(step);
      } else {
        Earliest(plan.next_change, *step.deadline);
      }
    }
    plan.pending.push_back(std::move(step));
  }
  return plan;
}

}  // namespace nvsx::controller
