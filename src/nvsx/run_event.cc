#include "nvsx/run_event.h"

#include "core/time_format.h"

namespace nvsx::op {

std::string_view RunEventName(RunEventType type) {
  switch (type) {
    case RunEventType::kRunStart:
      return "run_start";
    case RunEventType::kStageStart:
      return "stage_start";
    case RunEventType::kPrerequisite:
      return "prerequisite";
    case RunEventType::kWatchSatisfied:
      return "watch_satisfied";
    case RunEventType::kHookStart:
      return "hook_start";
    case RunEventType::kHookExit:
      return "hook_exit";
    case RunEventType::kNarration:
      return "narration";
    case RunEventType::kStagePass:
      return "stage_pass";
    case RunEventType::kStageFail:
      return "stage_fail";
    case RunEventType::kStageSkip:
      return "stage_skip";
    case RunEventType::kRunEnd:
      return "run_end";
  }
  return "unknown";
}

nlohmann::ordered_json RunEventToJson(const RunEvent& event) {
  nlohmann::ordered_json out;
  out["ts"] = core::FormatTimestampMillis(event.time);
  out["event"] = RunEventName(event.type);
  out["run_id"] = event.run_id;
  if (!event.stage.empty()) out["stage"] = event.stage;
  for (const auto& [key, value] : event.data.items()) out[key] = value;
  return out;
}

}  // namespace nvsx::op
