#include "nvsx/narration.h"

#include <gtest/gtest.h>

namespace nvsx::op {
namespace {

TEST(NarrationTest, FillsKnownVariablesAndLeavesUnknownOnesVisible) {
  const std::map<std::string, std::string, std::less<>> values = {
      {"elapsed", "1.2s"}, {"alias", "daring-narwhal"}, {"targetNode", "gpu-node-0"}};
  EXPECT_EQ(RenderNarration("Flipped in {{elapsed}} on {{ alias }} ({{targetNode}}).", values),
            "Flipped in 1.2s on daring-narwhal (gpu-node-0).");
  EXPECT_EQ(RenderNarration("Wrote {{artifactCount}} files", values),
            "Wrote {{artifactCount}} files");
  EXPECT_EQ(RenderNarration("no variables", values), "no variables");
  EXPECT_EQ(RenderNarration("unclosed {{elapsed", values), "unclosed {{elapsed");
}

}  // namespace
}  // namespace nvsx::op
