#include "nvsx/serve/health_event_match.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "core/str_cat.h"

namespace nvsx::serve {
namespace {

bool Contains(const std::vector<std::string>& values, const std::string& value) {
  return std::find(values.begin(), values.end(), value) != values.end();
}

int ClauseRank(const op::WatchClause& clause, const FatalFault& fault) {
  if (clause.kind == op::WatchKind::kNodeCondition) {
    return clause.Field("type") == fault.check_name ? 2 : 0;
  }
  if (clause.kind != op::WatchKind::kHealthEvent) return 0;
  const std::string& check = clause.Field("check");
  const std::string& xid = clause.Field("xid");
  // A clause waiting for a later phase describes a later stage, not the fault.
  if (!clause.Field("phase").empty() && clause.Field("phase") != "New") return 0;
  const bool check_matches = !check.empty() && check == fault.check_name;
  const bool xid_matches = !xid.empty() && Contains(fault.xids, xid);
  if (check_matches && xid_matches) return 3;
  if (check_matches && xid.empty()) return 2;
  if (xid_matches && check.empty()) return 2;
  return 0;
}

int RunbookRank(const op::Runbook& runbook, const FatalFault& fault) {
  int rank = 0;
  if (const op::Stage* detect = runbook.FindStage("detect"); detect != nullptr) {
    for (const op::WatchClause& clause : detect->watch) {
      rank = std::max(rank, ClauseRank(clause, fault));
    }
  }
  if (rank == 0) {
    for (const std::string& tag : runbook.metadata.tags) {
      if (tag == fault.check_name) rank = 1;
      for (const std::string& xid : fault.xids) {
        if (tag == core::StrCat("xid-", xid)) rank = 1;
      }
    }
  }
  return rank;
}

}  // namespace

std::optional<FatalFault> FatalFaultOf(const kube::HealthEvent& event) {
  if (!event.is_fatal() || event.is_healthy() || event.StoreOnly()) return std::nullopt;
  switch (event.phase()) {
    case kube::HealthEventPhase::kResolved:
    case kube::HealthEventPhase::kFailed:
    case kube::HealthEventPhase::kCancelled:
      return std::nullopt;
    default:
      break;
  }
  return FatalFault{event.check_name(), event.error_codes(), event.node_name()};
}

std::optional<FatalFault> FatalFaultOfDocument(const nlohmann::json& document) {
  if (!document.is_object()) return std::nullopt;
  // NVSentinel's store nests the event, its field names lower-cased.
  const auto nested = document.find("healthevent");
  const bool stored = nested != document.end() && nested->is_object();
  const nlohmann::json& event = stored ? *nested : document;
  auto field = [&](const char* name) -> const nlohmann::json& {
    static const nlohmann::json kNull;
    const std::string key = stored ? absl::AsciiStrToLower(name) : name;
    auto it = event.find(key);
    return it == event.end() ? kNull : *it;
  };
  if (field("isFatal") != true || field("isHealthy") == true) return std::nullopt;
  const nlohmann::json& strategy = field("processingStrategy");
  if (strategy == 2 || strategy == "STORE_ONLY") return std::nullopt;
  FatalFault fault;
  if (field("checkName").is_string()) fault.check_name = field("checkName").get<std::string>();
  if (field("nodeName").is_string()) fault.node = field("nodeName").get<std::string>();
  if (field("errorCode").is_array()) {
    for (const nlohmann::json& code : field("errorCode")) {
      if (code.is_string()) fault.xids.push_back(code.get<std::string>());
      if (code.is_number_integer()) fault.xids.push_back(std::to_string(code.get<int64_t>()));
    }
  }
  return fault;
}

std::optional<std::string> MatchRunbook(const FatalFault& fault,
                                        std::span<const op::Runbook> runbooks) {
  int best = 0;
  std::optional<std::string> slug;
  for (const op::Runbook& runbook : runbooks) {
    if (const int rank = RunbookRank(runbook, fault); rank > best) {
      best = rank;
      slug = runbook.slug;
    }
  }
  return slug;
}

}  // namespace nvsx::serve
