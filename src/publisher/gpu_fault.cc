#include "publisher/gpu_fault.h"

#include <algorithm>
#include <array>
#include <charconv>

#include "core/str_cat.h"
#include "google/protobuf/util/time_util.h"
#include "health/recommended_action.h"

namespace nvsx::publisher {
namespace {

// Reasons health/gpu_health.cc gives fatal findings that are not XIDs.
constexpr std::array<std::string_view, 5> kFatalReasons = {
    "FallenOffBus", "DriverNotResponding", "DoubleBitEcc", "RowRemapFailure", "NvlinkDown",
};

constexpr std::array<health::RecommendedAction, 6> kKnownActions = {
    health::RecommendedAction::kNone,           health::RecommendedAction::kComponentReset,
    health::RecommendedAction::kContactSupport, health::RecommendedAction::kRestartBm,
    health::RecommendedAction::kRestartApp,     health::RecommendedAction::kUnknown,
};

// The HealthEvent enum name for the device API's action; UNKNOWN for a name
// this publisher does not know.
std::string ActionName(std::string_view reported) {
  for (health::RecommendedAction action : kKnownActions) {
    if (health::RecommendedActionName(action) == reported) return std::string(reported);
  }
  return std::string(health::RecommendedActionName(health::RecommendedAction::kUnknown));
}

absl::Time TransitionTime(const v1::Condition& condition) {
  if (!condition.has_last_transition_time()) return absl::UnixEpoch();
  return absl::FromUnixNanos(
      google::protobuf::util::TimeUtil::TimestampToNanoseconds(condition.last_transition_time()));
}

}  // namespace

bool IsFatalCondition(const v1::Condition& condition, const health::XidCatalog& catalog) {
  if (condition.status() != "True") return false;
  std::string_view reason = condition.reason();
  if (reason.starts_with("Xid")) {
    uint32_t code = 0;
    const char* end = reason.data() + reason.size();
    auto [ptr, error] = std::from_chars(reason.data() + 3, end, code);
    return error == std::errc() && ptr == end && catalog.Lookup(code).fatal;
  }
  return std::find(kFatalReasons.begin(), kFatalReasons.end(), reason) != kFatalReasons.end();
}

GpuFault JudgeGpu(const v1::Gpu& gpu, const health::XidCatalog& catalog) {
  GpuFault fault;
  fault.gpu_name = gpu.metadata().name();
  fault.uuid = gpu.spec().uuid();
  fault.pci_bus_id = gpu.spec().pci_bus_id();
  fault.index = gpu.spec().index();
  fault.model = gpu.spec().model();
  fault.recommended_action = ActionName(gpu.status().recommended_action());
  // The True conditions, fatal ones and the rest apart: the event reports
  // the fatal ones when there are any.
  struct Findings {
    std::vector<std::string> checks;
    std::string message;
    absl::Time onset = absl::InfiniteFuture();
    void Add(const v1::Condition& condition) {
      checks.push_back(condition.type());
      core::StrAppend(&message, message.empty() ? "" : "; ", condition.type(), ": ",
                      condition.message());
      onset = std::min(onset, TransitionTime(condition));
    }
  };
  Findings fatal;
  Findings other;
  bool unknown = false;
  for (const v1::Condition& condition : gpu.status().conditions()) {
    if (condition.status() == "Unknown") unknown = true;
    if (condition.status() != "True") continue;
    (IsFatalCondition(condition, catalog) ? fatal : other).Add(condition);
  }
  for (const v1::XidRecord& xid : gpu.status().recent_xids()) {
    std::string code = core::StrCat(xid.code());
    if (std::find(fault.xids.begin(), fault.xids.end(), code) == fault.xids.end()) {
      fault.xids.push_back(std::move(code));
    }
  }
  Findings* reported = nullptr;
  if (!fatal.checks.empty()) {
    fault.state = GpuState::kFatal;
    reported = &fatal;
  } else if (!other.checks.empty()) {
    fault.state = GpuState::kDegraded;
    reported = &other;
  } else if (unknown || gpu.status().conditions().empty()) {
    // No verdict yet (a GPU just registered has no conditions) is no recovery.
    fault.state = GpuState::kUndetermined;
  } else {
    fault.state = GpuState::kHealthy;
  }
  if (reported != nullptr) {
    fault.checks = std::move(reported->checks);
    fault.message = std::move(reported->message);
    fault.onset = reported->onset;
  }
  return fault;
}

}  // namespace nvsx::publisher
