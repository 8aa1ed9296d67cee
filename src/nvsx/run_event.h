#pragma once

#include <string>
#include <string_view>

#include "absl/time/time.h"
#include "nlohmann/json.hpp"

namespace nvsx::op {

// What happens during a run, in order. The JSON-lines renderer prints each as
// one object (schema in docs/run-events.md); the cinematic renderer draws them.
enum class RunEventType {
  kRunStart,        // data: runbook, nickname, title, target_node, alias, trigger, stages, dry_run
  kStageStart,      // data: title, timeout_ms
  kPrerequisite,    // data: name, met, detail
  kWatchSatisfied,  // data: index, kind, detail
  kHookStart,       // data: script
  kHookExit,        // data: script, exit_code, signal, timed_out, elapsed_ms, output_tail
  kNarration,       // data: text
  kStagePass,       // data: elapsed_ms
  kStageFail,       // data: elapsed_ms, reason
  kStageSkip,       // data: reason
  kRunEnd,          // data: result ("pass", "fail", "interrupted"), elapsed_ms, exit_code
};

std::string_view RunEventName(RunEventType type);

struct RunEvent {
  RunEventType type;
  absl::Time time;
  std::string run_id;
  std::string stage;  // empty for run-level events
  nlohmann::json data = nlohmann::json::object();
};

// {"ts": "...", "event": "stage_pass", "run_id": "...", "stage": "...", ...data}
nlohmann::ordered_json RunEventToJson(const RunEvent& event);

}  // namespace nvsx::op
