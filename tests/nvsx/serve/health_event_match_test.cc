// Which runbook a fatal HealthEvent fires in watch mode.
#include "nvsx/serve/health_event_match.h"

#include <gtest/gtest.h>

namespace nvsx::serve {
namespace {

using nlohmann::json;

op::Runbook Book(std::string slug, std::vector<op::WatchClause> detect,
                 std::vector<std::string> tags = {}) {
  op::Runbook runbook;
  runbook.slug = std::move(slug);
  runbook.metadata.tags = std::move(tags);
  op::Stage stage;
  stage.id = "detect";
  stage.watch = std::move(detect);
  runbook.stages.push_back(stage);
  return runbook;
}

op::WatchClause HealthEventClause(std::string check, std::string xid = "") {
  op::WatchClause clause{op::WatchKind::kHealthEvent, {}};
  if (!check.empty()) clause.fields["check"] = std::move(check);
  if (!xid.empty()) clause.fields["xid"] = std::move(xid);
  return clause;
}

json Event(bool fatal, const std::string& phase = "") {
  json event = {{"apiVersion", "nvsentinel.nvidia.com/v1alpha1"},
                {"kind", "HealthEvent"},
                {"metadata", {{"name", "e1"}, {"uid", "u1"}}},
                {"spec",
                 {{"nodeName", "node-a"},
                  {"checkName", "GpuPcieWatch"},
                  {"isFatal", fatal},
                  {"isHealthy", false},
                  {"errorCode", {"79"}}}}};
  if (!phase.empty()) event["status"] = {{"phase", phase}};
  return event;
}

TEST(HealthEventMatchTest, OnlyOpenFatalEventsFire) {
  auto fault = FatalFaultOf(kube::HealthEvent(Event(true)));
  ASSERT_TRUE(fault.has_value());
  EXPECT_EQ(fault->node, "node-a");
  EXPECT_EQ(fault->check_name, "GpuPcieWatch");
  EXPECT_FALSE(FatalFaultOf(kube::HealthEvent(Event(false))).has_value());
  EXPECT_FALSE(FatalFaultOf(kube::HealthEvent(Event(true, "Resolved"))).has_value());
  EXPECT_TRUE(FatalFaultOf(kube::HealthEvent(Event(true, "Quarantined"))).has_value());
}

TEST(HealthEventMatchTest, TheClosestDetectStageWins) {
  const FatalFault fault{"GpuPcieWatch", {"79"}, "node-a"};
  std::vector<op::Runbook> books = {
      Book("a-tagged", {}, {"xid-79"}),
      Book("b-check", {HealthEventClause("GpuPcieWatch")}),
      Book("c-check-and-xid", {HealthEventClause("GpuPcieWatch", "79")}),
      Book("d-other", {HealthEventClause("GpuMemWatch", "48")}),
  };
  EXPECT_EQ(MatchRunbook(fault, books), "c-check-and-xid");
  books.pop_back();
  books.pop_back();
  EXPECT_EQ(MatchRunbook(fault, books), "b-check");
  books.pop_back();
  EXPECT_EQ(MatchRunbook(fault, books), "a-tagged");
  EXPECT_FALSE(MatchRunbook({"GpuThermalWatch", {}, "n"}, books).has_value());
}

TEST(HealthEventMatchTest, NodeConditionTypeAndTagMatchTheCheckName) {
  op::WatchClause condition{op::WatchKind::kNodeCondition, {{"type", "GpuThermalWatch"}}};
  std::vector<op::Runbook> books = {Book("tag", {}, {"GpuThermalWatch"}),
                                    Book("condition", {condition})};
  EXPECT_EQ(MatchRunbook({"GpuThermalWatch", {}, "n"}, books), "condition");
  // A wrong XID on the clause does not match; a clause for a later phase neither.
  op::WatchClause later = HealthEventClause("GpuPcieWatch");
  later.fields["phase"] = "Resolved";
  EXPECT_FALSE(
      MatchRunbook({"GpuPcieWatch", {"79"}, "n"},
                   std::vector<op::Runbook>{Book("x", {HealthEventClause("GpuPcieWatch", "48")}),
                                            Book("y", {later})})
          .has_value());
}

}  // namespace
}  // namespace nvsx::serve
