#include "nvsx/serve/health_event_match.h"

#include <algorithm>

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
