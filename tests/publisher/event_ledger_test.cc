#include "publisher/event_ledger.h"

#include <gtest/gtest.h>

#include "gpu_fault_fixtures.h"
#include "publisher/health_event_spec.h"

namespace nvsx::publisher {
namespace {

using testing::Source;
using testing::Xid79OnGpu3;

TEST(EventLedgerTest, LoadKeepsThisNodesOpenEventsAndRemembersClosedOnes) {
  GpuFault other_gpu = Xid79OnGpu3();
  other_gpu.gpu_name = "gpu-ffff";
  nlohmann::json open = NewHealthEvent(Xid79OnGpu3(), Source(), absl::FromUnixSeconds(1800000000));
  nlohmann::json older = open;
  older["metadata"]["name"] = "older";
  older["spec"]["generatedTimestamp"] = "2000-01-01T00:00:00.000Z";
  nlohmann::json closed = NewHealthEvent(other_gpu, Source(), absl::UnixEpoch());
  closed["status"]["phase"] = "Resolved";
  nlohmann::json elsewhere =
      NewHealthEvent(other_gpu, EventSource{.node_name = "gpu-node-2"}, absl::UnixEpoch());
  EventLedger ledger;
  EXPECT_FALSE(ledger.loaded());
  const std::vector<nlohmann::json> extra =
      ledger.Load({{"items", {older, closed, elsewhere, open}}}, "gpu-node-1");
  EXPECT_TRUE(ledger.loaded());
  ASSERT_EQ(extra.size(), 1u);
  EXPECT_EQ(extra[0]["metadata"]["name"], "older");
  ASSERT_NE(ledger.Open("gpu-0a1b"), nullptr);
  EXPECT_EQ(*ledger.Open("gpu-0a1b"), open);
  EXPECT_EQ(ledger.Open("gpu-ffff"), nullptr);
  EXPECT_TRUE(ledger.WasClosed(closed["metadata"]["name"]));

  nlohmann::json healed = open;
  healed.merge_patch(RecoveredPatch(absl::UnixEpoch()));
  ledger.Record("gpu-0a1b", healed);
  EXPECT_EQ(ledger.Open("gpu-0a1b"), nullptr);
  EXPECT_TRUE(ledger.WasClosed(open["metadata"]["name"]));
}

}  // namespace
}  // namespace nvsx::publisher
