// What the MongoDB source reads from a HealthEvents document, in the original
// nvsx's layout and in NVSentinel's stored one.
#include <gtest/gtest.h>

#include "nvsx/serve/health_event_match.h"

namespace nvsx::serve {
namespace {

using nlohmann::json;

TEST(MongoDocumentTest, TheOriginalsFlatLayout) {
  const json document = {{"_id", "65a1b2c3d4e5f60718293a4b"},
                         {"checkName", "GpuPcieWatch"},
                         {"isFatal", true},
                         {"isHealthy", false},
                         {"nodeName", "gpu-node-1"},
                         {"errorCode", {"79"}},
                         {"timestamp", "2024-01-12T21:05:07Z"}};
  std::optional<FatalFault> fault = FatalFaultOfDocument(document);
  ASSERT_TRUE(fault.has_value());
  EXPECT_EQ(fault->check_name, "GpuPcieWatch");
  EXPECT_EQ(fault->node, "gpu-node-1");
  EXPECT_EQ(fault->xids, std::vector<std::string>{"79"});
}

TEST(MongoDocumentTest, NvsentinelsStoredLayout) {
  const json document = {{"_id", {{"$oid", "65a1b2c3d4e5f60718293a4b"}}},
                         {"createdAt", "2024-01-12T21:05:07.123Z"},
                         {"healthevent",
                          {{"checkname", "GpuMemWatch"},
                           {"isfatal", true},
                           {"ishealthy", false},
                           {"nodename", "gpu-node-2"},
                           {"errorcode", {48}}}},
                         {"healtheventstatus", {{"nodequarantined", "Quarantined"}}}};
  std::optional<FatalFault> fault = FatalFaultOfDocument(document);
  ASSERT_TRUE(fault.has_value());
  EXPECT_EQ(fault->check_name, "GpuMemWatch");
  EXPECT_EQ(fault->node, "gpu-node-2");
  EXPECT_EQ(fault->xids, std::vector<std::string>{"48"});
}

TEST(MongoDocumentTest, OnlyFatalUnhealthyEventsThatAreNotStoreOnlyFire) {
  EXPECT_FALSE(FatalFaultOfDocument(json{{"isFatal", false}, {"nodeName", "n"}}));
  EXPECT_FALSE(FatalFaultOfDocument(json{{"isFatal", true}, {"isHealthy", true}}));
  EXPECT_FALSE(FatalFaultOfDocument(json{{"isFatal", "yes"}}));
  EXPECT_FALSE(FatalFaultOfDocument(json{{"isFatal", true}, {"processingStrategy", 2}}));
  EXPECT_FALSE(FatalFaultOfDocument(
      json{{"healthevent", {{"isfatal", true}, {"processingstrategy", "STORE_ONLY"}}}}));
  EXPECT_FALSE(FatalFaultOfDocument(json::array()));
  EXPECT_TRUE(FatalFaultOfDocument(json{{"isFatal", true}}));
}

}  // namespace
}  // namespace nvsx::serve
