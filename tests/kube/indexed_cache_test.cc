#include "kube/indexed_cache.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "kube/compact_object.h"
#include "kube/object_transform.h"

namespace nvsx::kube {
namespace {

using nlohmann::json;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

json Pod(const std::string& ns, const std::string& name, const std::string& node,
         const std::string& version, const std::string& app = "web") {
  json pod = {{"kind", "Pod"},
              {"metadata",
               {{"name", name},
                {"namespace", ns},
                {"resourceVersion", version},
                {"labels", {{"app", app}}}}},
              {"spec", json::object()}};
  if (!node.empty()) pod["spec"]["nodeName"] = node;
  return pod;
}

std::vector<std::string> ByApp(const json& object) {
  const json& labels = object["metadata"].value("labels", json::object());
  if (!labels.contains("app")) return {};
  return {labels["app"].get<std::string>()};
}

void Put(IndexedCache& cache, const json& object) {
  cache.Put(std::make_shared<const CompactObject>(object));
}

std::vector<std::string> Keys(const IndexedCache& cache, const std::string& index,
                              const std::string& value) {
  auto keys = cache.IndexKeys(index, value);
  EXPECT_TRUE(keys.ok()) << keys.status();
  return keys.ok() ? *keys : std::vector<std::string>{};
}

TEST(CompactObjectTest, RoundTripsAndKeepsTheVersion) {
  json pod = Pod("ns", "a", "n1", "42");
  CompactObject compact(pod);
  EXPECT_EQ(compact.Decode(), pod);
  EXPECT_EQ(compact.resource_version(), "42");
  EXPECT_EQ(compact.key(), "ns/a");
  EXPECT_LT(compact.encoded_bytes(), pod.dump().size());
}

TEST(CompactObjectTest, RoundTripsEveryKindOfKeyAndValue) {
  // Well-known names as keys at any depth and as values, one-letter and
  // non-ASCII keys, arrays of objects, numbers, booleans, null.
  json object = {{"kind", "ConfigMap"},
                 {"metadata", {{"name", "kind"}, {"labels", {{"a", "metadata"}, {"é", "x"}}}}},
                 {"data", {{"status", {{"type", 1.5}, {"ready", true}}}, {"z", nullptr}}},
                 {"spec", {{"containers", {{{"name", "c"}, {"ports", {1, 2}}}}}}}};
  CompactObject compact(object);
  EXPECT_EQ(compact.Decode(), object);
  EXPECT_EQ(compact.key(), "kind");
}

TEST(IndexedCacheTest, KeysAreNamespaceSlashNameOrJustName) {
  EXPECT_EQ(ObjectKey(Pod("ns", "a", "", "1")), "ns/a");
  EXPECT_EQ(ObjectKey(json{{"kind", "Node"}, {"metadata", {{"name", "n1"}}}}), "n1");
}

TEST(IndexedCacheTest, GetListAndRemove) {
  IndexedCache cache;
  Put(cache, Pod("b", "x", "", "1"));
  Put(cache, Pod("a", "y", "", "2"));
  EXPECT_EQ(cache.size(), 2u);
  ASSERT_NE(cache.Get("a/y"), nullptr);
  EXPECT_EQ((*cache.Get("a/y"))["metadata"]["resourceVersion"], "2");
  EXPECT_EQ(cache.Get("a/zzz"), nullptr);
  EXPECT_THAT(cache.ListKeys(), ElementsAre("a/y", "b/x"));
  ASSERT_EQ(cache.List().size(), 2u);
  EXPECT_EQ((*cache.List()[1])["metadata"]["name"], "x");
  ASSERT_NE(cache.Remove("a/y"), nullptr);
  EXPECT_EQ(cache.Remove("a/y"), nullptr);
  EXPECT_THAT(cache.ListKeys(), ElementsAre("b/x"));
}

TEST(IndexedCacheTest, IndexesByNamespaceNodeAndCustomFunctions) {
  IndexedCache cache(
      {{kNamespaceIndex, IndexByNamespace}, {kNodeNameIndex, IndexByNodeName}, {"app", ByApp}});
  Put(cache, Pod("team-a", "p1", "node-1", "1", "web"));
  Put(cache, Pod("team-a", "p2", "node-2", "2", "db"));
  Put(cache, Pod("team-b", "p3", "node-1", "3", "web"));
  Put(cache, Pod("team-b", "pending", "", "4", "web"));
  Put(cache, json{{"kind", "Node"}, {"metadata", {{"name", "node-1"}, {"resourceVersion", "5"}}}});

  EXPECT_THAT(Keys(cache, kNamespaceIndex, "team-a"), ElementsAre("team-a/p1", "team-a/p2"));
  EXPECT_THAT(Keys(cache, kNodeNameIndex, "node-1"),
              ElementsAre("node-1", "team-a/p1", "team-b/p3"));
  EXPECT_THAT(Keys(cache, "app", "web"), ElementsAre("team-a/p1", "team-b/p3", "team-b/pending"));
  EXPECT_THAT(cache.IndexValues(kNodeNameIndex), ElementsAre("node-1", "node-2"));
  EXPECT_EQ(*cache.IndexCount(kNodeNameIndex, "node-1"), 3u);
  EXPECT_EQ(*cache.IndexCount("app", "db"), 1u);
  EXPECT_EQ(*cache.IndexCount("app", "no-such-app"), 0u);
  EXPECT_EQ(cache.IndexCount("no-such-index", "x").status().code(), absl::StatusCode::kNotFound);
  auto objects = cache.ByIndex(kNamespaceIndex, "team-b");
  ASSERT_TRUE(objects.ok());
  ASSERT_EQ(objects->size(), 2u);
  EXPECT_EQ((*(*objects)[0])["metadata"]["name"], "p3");
  EXPECT_EQ(cache.ByIndex("no-such-index", "x").status().code(), absl::StatusCode::kNotFound);
}

TEST(IndexedCacheTest, UpdatesAndRemovalsMoveIndexEntries) {
  IndexedCache cache({{kNodeNameIndex, IndexByNodeName}, {"app", ByApp}});
  Put(cache, Pod("ns", "p", "node-1", "1", "web"));
  Put(cache, Pod("ns", "p", "node-2", "2", "db"));
  EXPECT_THAT(Keys(cache, kNodeNameIndex, "node-1"), IsEmpty());
  EXPECT_THAT(Keys(cache, kNodeNameIndex, "node-2"), ElementsAre("ns/p"));
  EXPECT_THAT(Keys(cache, "app", "web"), IsEmpty());
  EXPECT_THAT(Keys(cache, "app", "db"), ElementsAre("ns/p"));
  EXPECT_EQ(*cache.IndexCount(kNodeNameIndex, "node-1"), 0u);
  cache.Remove("ns/p");
  EXPECT_THAT(Keys(cache, kNodeNameIndex, "node-2"), IsEmpty());
  EXPECT_EQ(*cache.IndexCount(kNodeNameIndex, "node-2"), 0u);
  EXPECT_THAT(cache.IndexValues(kNodeNameIndex), IsEmpty());
}

TEST(ObjectTransformTest, KeepFieldsKeepsIdentityAndTheNamedFields) {
  auto keep = KeepFields({"/spec/nodeName", "/metadata/labels", "/status/phase"});
  ASSERT_TRUE(keep.ok());
  json pod = Pod("ns", "p", "node-1", "7");
  pod["metadata"]["uid"] = "u-1";
  pod["metadata"]["managedFields"] = json::array({{{"manager", "kubectl"}}});
  pod["spec"]["containers"] = json::array({{{"name", "c"}, {"image", "busybox"}}});
  json kept = (*keep)(pod);
  EXPECT_EQ(kept, (json{{"kind", "Pod"},
                        {"metadata",
                         {{"name", "p"},
                          {"namespace", "ns"},
                          {"uid", "u-1"},
                          {"resourceVersion", "7"},
                          {"labels", {{"app", "web"}}}}},
                        {"spec", {{"nodeName", "node-1"}}}}));
  EXPECT_FALSE(KeepFields({"no-leading-slash"}).ok());
}

TEST(ObjectTransformTest, AStarKeepsTheNamedFieldsOfEveryArrayElement) {
  auto keep = KeepFields({"/spec/containers/*/name", "/spec/containers/*/resources",
                          "/metadata/annotations/a~1b", "/spec/absent/*/x"});
  ASSERT_TRUE(keep.ok()) << keep.status();
  json pod = Pod("ns", "p", "node-1", "7");
  pod["metadata"]["annotations"] = {{"a/b", "kept"}, {"c", "dropped"}};
  pod["spec"]["containers"] = json::array(
      {{{"name", "trainer"}, {"image", "big"}, {"resources", {{"limits", {{"gpu", "8"}}}}}},
       {{"name", "sidecar"}, {"env", json::array({{{"name", "X"}}})}}});
  const json kept = (*keep)(pod);
  EXPECT_EQ(kept["spec"],
            (json{{"containers",
                   {{{"name", "trainer"}, {"resources", {{"limits", {{"gpu", "8"}}}}}},
                    {{"name", "sidecar"}}}}}));
  EXPECT_EQ(kept["metadata"]["annotations"], (json{{"a/b", "kept"}}));
  EXPECT_EQ(KeepFields({"/a/~2"}).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(ObjectTransformTest, StripManagedFields) {
  json pod = Pod("ns", "p", "", "1");
  pod["metadata"]["managedFields"] = json::array({{{"manager", "kubectl"}}});
  json stripped = StripManagedFields(pod);
  EXPECT_FALSE(stripped["metadata"].contains("managedFields"));
  EXPECT_EQ(stripped["metadata"]["name"], "p");
}

}  // namespace
}  // namespace nvsx::kube
