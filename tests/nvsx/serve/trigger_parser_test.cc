// What POST /webhook bodies may say: nvsx's own, Alertmanager's and
// PagerDuty's shapes, and the refusals that name the field and the fix.
#include "nvsx/serve/trigger_parser.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "nvsx/serve/trigger_names.h"

namespace nvsx::serve {
namespace {

using ::testing::HasSubstr;

ParsedTriggers Parsed(std::string_view body, const TriggerMapping& mapping = {}) {
  auto result = ParseTriggers(body, mapping);
  EXPECT_TRUE(std::holds_alternative<ParsedTriggers>(result))
      << std::get<RequestError>(result).ToJson().dump();
  return std::holds_alternative<ParsedTriggers>(result) ? std::get<ParsedTriggers>(result)
                                                        : ParsedTriggers{};
}

RequestError Refused(std::string_view body, const TriggerMapping& mapping = {}) {
  auto result = ParseTriggers(body, mapping);
  EXPECT_TRUE(std::holds_alternative<RequestError>(result)) << body;
  return std::holds_alternative<RequestError>(result) ? std::get<RequestError>(result)
                                                      : RequestError{};
}

TEST(TriggerParserTest, TheSeedsBodyNamesRunbookNodeAndSource) {
  ParsedTriggers parsed =
      Parsed(R"({"runbook":"gpu-off-bus","target_node":"gke-ml-pool-t4-abc1","source":"pagerduty",)"
             R"("payload":{"anything":[1,2]}})");
  ASSERT_EQ(parsed.triggers.size(), 1u);
  EXPECT_EQ(parsed.triggers[0].runbook, "gpu-off-bus");
  EXPECT_EQ(parsed.triggers[0].node, "gke-ml-pool-t4-abc1");
  EXPECT_EQ(parsed.triggers[0].source, "pagerduty");
  EXPECT_EQ(Parsed(R"({"runbook":"a","target_node":"n"})").triggers[0].source, "webhook");
}

TEST(TriggerParserTest, BadJsonIsRefusedWithItsPosition) {
  RequestError error = Refused(R"({"runbook":"gpu-off-bus","target_no)");
  EXPECT_EQ(error.http_status, 400);
  EXPECT_EQ(error.field, "(body)");
  EXPECT_THAT(error.error, HasSubstr("body:1:"));
  EXPECT_EQ(Refused("[1,2]").error, "must be a JSON object");
}

TEST(TriggerParserTest, PathsAndShellInNamesAreRefusedNamingTheField) {
  RequestError path = Refused(R"({"runbook":"../../etc/passwd","target_node":"n1"})");
  EXPECT_EQ(path.field, "runbook");
  EXPECT_THAT(path.error, HasSubstr("not a runbook name"));
  EXPECT_THAT(path.fix, HasSubstr("no paths"));
  RequestError shell = Refused(R"({"runbook":"gpu-off-bus","target_node":"a;rm -rf /"})");
  EXPECT_EQ(shell.field, "target_node");
  EXPECT_THAT(shell.fix, HasSubstr("253 characters"));
  RequestError unicode = Refused(R"({"runbook":"gpu-off-bus","target_node":"gpü-node"})");
  EXPECT_EQ(unicode.field, "target_node");
  // Escaped in the message, so nothing but ASCII goes back.
  EXPECT_THAT(unicode.error, HasSubstr(R"(gp\xc3\xbc-node)"));
  EXPECT_EQ(Refused(R"({"runbook":"gpu-off-bus","target_node":"n","source":"a b"})").field,
            "source");
  EXPECT_EQ(Refused(R"({"runbook":7,"target_node":"n"})").error, "must be a string");
  EXPECT_EQ(Refused(R"({"target_node":"n"})").field, "runbook");
}

TEST(TriggerParserTest, UnknownFieldsAreRefused) {
  RequestError error = Refused(R"({"runbook":"a","target_node":"n","script":"x"})");
  EXPECT_EQ(error.field, "script");
  EXPECT_THAT(error.fix, HasSubstr("runbook, target_node, source and payload"));
}

TEST(TriggerParserTest, AlertmanagerFiringAlertsBecomeTriggersByMappedLabels) {
  TriggerMapping mapping;
  mapping.alertmanager = {"nvsx_runbook", "instance_node"};
  ParsedTriggers parsed = Parsed(R"({"version":"4","status":"firing","alerts":[
      {"status":"firing","labels":{"nvsx_runbook":"gpu-off-bus","instance_node":"node-a"}},
      {"status":"resolved","labels":{"nvsx_runbook":"gpu-off-bus","instance_node":"node-b"}},
      {"status":"firing","labels":{"nvsx_runbook":"ecc-double-bit","instance_node":"node-c"}}]})",
                                 mapping);
  ASSERT_EQ(parsed.triggers.size(), 2u);
  EXPECT_EQ(parsed.triggers[0].node, "node-a");
  EXPECT_EQ(parsed.triggers[1].runbook, "ecc-double-bit");
  EXPECT_EQ(parsed.triggers[1].source, "alertmanager");

  RequestError missing =
      Refused(R"({"alerts":[{"status":"firing","labels":{"nvsx_runbook":"x"}}]})", mapping);
  EXPECT_EQ(missing.field, "alerts[0].labels.instance_node");
  EXPECT_THAT(missing.fix, HasSubstr("--mapping"));
  EXPECT_EQ(Parsed(R"({"alerts":[{"status":"resolved","labels":{}}]})").ignored,
            "no firing alerts");
}

TEST(TriggerParserTest, PagerDutyIncidentTriggeredUsesCustomDetails) {
  ParsedTriggers parsed = Parsed(R"({"event":{"id":"01","event_type":"incident.triggered",
      "resource_type":"incident","data":{"id":"PX","custom_details":
      {"runbook":"gpu-off-bus","node":"node-a"}}}})");
  ASSERT_EQ(parsed.triggers.size(), 1u);
  EXPECT_EQ(parsed.triggers[0].runbook, "gpu-off-bus");
  EXPECT_EQ(parsed.triggers[0].source, "pagerduty");
  ParsedTriggers body_details = Parsed(R"({"event":{"event_type":"incident.triggered",
      "data":{"body":{"details":{"runbook":"a","node":"n"}}}}})");
  ASSERT_EQ(body_details.triggers.size(), 1u);
  EXPECT_THAT(Parsed(R"({"event":{"event_type":"incident.acknowledged","data":{}}})").ignored,
              HasSubstr("incident.acknowledged"));
  RequestError bad = Refused(R"({"event":{"event_type":"incident.triggered",
      "data":{"custom_details":{"runbook":"../x","node":"n"}}}})");
  EXPECT_EQ(bad.field, "event.data.custom_details.runbook");
}

TEST(TriggerNamesTest, NodeNamesAreRfc1123Subdomains) {
  EXPECT_TRUE(IsNodeName("gpu-node-1"));
  EXPECT_TRUE(IsNodeName("ip-10-0-0-1.ec2.internal"));
  EXPECT_FALSE(IsNodeName(""));
  EXPECT_FALSE(IsNodeName("Node"));
  EXPECT_FALSE(IsNodeName("-node"));
  EXPECT_FALSE(IsNodeName("node..a"));
  EXPECT_FALSE(IsNodeName("node."));
  EXPECT_FALSE(IsNodeName(std::string(254, 'a')));
  EXPECT_FALSE(IsRunbookSlug("a/b"));
  EXPECT_FALSE(IsRunbookSlug(".."));
  EXPECT_TRUE(IsRunbookSlug("xid-48"));
}

}  // namespace
}  // namespace nvsx::serve
