#include "nvsx/node_alias.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>

namespace nvsx::op {
namespace {

TEST(NodeAliasTest, IsStableAndShapedAdjectiveAnimal) {
  const std::string alias = NodeAlias("gke-nav-gpu-cluster-t4-pool-8ksx");
  EXPECT_EQ(alias, NodeAlias("gke-nav-gpu-cluster-t4-pool-8ksx"));
  EXPECT_THAT(alias, ::testing::MatchesRegex("[a-z]+-[a-z]+"));
  EXPECT_EQ(NodeWithAlias("gpu-node-7"), NodeAlias("gpu-node-7") + " (gpu-node-7)");
  EXPECT_EQ(NodeAlias(""), "unknown-node");
}

TEST(NodeAliasTest, FollowsSha256OfTheName) {
  // SHA-256("gpu-node-0") starts 73 80 f4 8c | 47 4f e2 e4: 0x7380f48c % 64 = 12 and
  // 0x474fe2e4 % 64 = 36, which are "daring" and "narwhal" in the word lists.
  EXPECT_EQ(NodeAlias("gpu-node-0"), "daring-narwhal");
}

TEST(NodeAliasTest, SpreadsNodesOverTheWholeVocabulary) {
  std::set<std::string> adjectives, animals, aliases;
  for (int i = 0; i < 20000; ++i) {
    const std::string alias = NodeAlias("node-" + std::to_string(i));
    aliases.insert(alias);
    adjectives.insert(alias.substr(0, alias.find('-')));
    animals.insert(alias.substr(alias.find('-') + 1));
  }
  EXPECT_EQ(adjectives.size(), 64u);
  EXPECT_EQ(animals.size(), 64u);
  EXPECT_GT(aliases.size(), 3900u);  // nearly all 4,096 pairs appear
}

}  // namespace
}  // namespace nvsx::op
