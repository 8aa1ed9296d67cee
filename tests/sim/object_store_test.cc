#include "sim/object_store.h"

#include <thread>

#include "gtest/gtest.h"
#include "sim/api_error.h"
#include "test_support/fake_clock.h"

namespace nvsx::sim {
namespace {

using nlohmann::json;

ResourceInfo Find(const std::string& resource) {
  for (ResourceInfo& info : BuiltinResources()) {
    if (info.resource == resource && info.group.empty()) return info;
  }
  ADD_FAILURE() << "no resource " << resource;
  return {};
}

class ObjectStoreTest : public ::testing::Test {
 protected:
  json Node(const std::string& name, json labels = json::object()) {
    return {{"metadata", {{"name", name}, {"labels", labels}}},
            {"spec", json::object()},
            {"status", {{"phase", "Running"}}}};
  }
  json MustCreate(const ResourceInfo& info, const std::string& ns, json object) {
    absl::StatusOr<json> created = store_.Create(info, ns, std::move(object));
    EXPECT_TRUE(created.ok()) << created.status();
    return created.ok() ? *created : json();
  }

  test::FakeClock clock_;
  ObjectStoreOptions options_{.history_limit = 5, .watch_queue_limit = 100, .seed = 7};
  ObjectStore store_{&clock_, options_};
  ResourceInfo nodes_ = Find("nodes");
  ResourceInfo pods_ = Find("pods");
  ResourceInfo configmaps_ = Find("configmaps");
};

TEST_F(ObjectStoreTest, CreateFillsMetadataAndVersionsAreMonotonicAcrossResources) {
  json node = MustCreate(nodes_, "", Node("n1"));
  json cm = MustCreate(configmaps_, "default", {{"metadata", {{"name", "c1"}}}});
  EXPECT_EQ(node["apiVersion"], "v1");
  EXPECT_EQ(node["kind"], "Node");
  EXPECT_EQ(node["metadata"]["resourceVersion"], "1");
  EXPECT_EQ(cm["metadata"]["resourceVersion"], "2");
  EXPECT_EQ(cm["metadata"]["namespace"], "default");
  EXPECT_FALSE(node["metadata"].contains("namespace"));
  EXPECT_EQ(node["metadata"]["creationTimestamp"], "2023-11-14T22:13:20Z");
  EXPECT_EQ(node["metadata"]["uid"].get<std::string>().size(), 36u);
  EXPECT_EQ(node["metadata"]["generation"], 1);
  EXPECT_EQ(store_.CurrentResourceVersion(), "2");
}

TEST_F(ObjectStoreTest, CreateConflictsAndNames) {
  MustCreate(nodes_, "", Node("n1"));
  absl::StatusOr<json> again = store_.Create(nodes_, "", Node("n1"));
  EXPECT_EQ(HttpCodeOf(again.status()), 409);
  EXPECT_EQ(ReasonOf(again.status()), "AlreadyExists");
  // Same name in another namespace is fine.
  MustCreate(configmaps_, "a", {{"metadata", {{"name", "c"}}}});
  MustCreate(configmaps_, "b", {{"metadata", {{"name", "c"}}}});

  json generated = MustCreate(pods_, "default", {{"metadata", {{"generateName", "train-"}}}});
  const std::string name = generated["metadata"]["name"];
  EXPECT_TRUE(name.starts_with("train-"));
  EXPECT_EQ(name.size(), 11u);

  EXPECT_EQ(HttpCodeOf(store_.Create(nodes_, "", {{"metadata", json::object()}}).status()), 422);
  EXPECT_EQ(HttpCodeOf(store_.Create(nodes_, "", Node("Bad_Name")).status()), 422);
  EXPECT_EQ(HttpCodeOf(store_.Create(nodes_, "", json::array()).status()), 400);
  EXPECT_EQ(
      HttpCodeOf(store_.Create(pods_, "ns1", {{"metadata", {{"name", "p"}, {"namespace", "ns2"}}}})
                     .status()),
      400);
}

TEST_F(ObjectStoreTest, GetAndNotFound) {
  MustCreate(pods_, "ml", {{"metadata", {{"name", "p"}}}});
  EXPECT_TRUE(store_.Get(pods_, "ml", "p").ok());
  absl::Status missing = store_.Get(pods_, "other", "p").status();
  EXPECT_EQ(HttpCodeOf(missing), 404);
  EXPECT_EQ(ToKubeStatus(missing)["message"], "pods \"p\" not found");
}

TEST_F(ObjectStoreTest, ListFiltersAndPages) {
  for (int i = 0; i < 5; ++i) {
    MustCreate(nodes_, "", Node("n" + std::to_string(i), {{"pool", i % 2 ? "odd" : "even"}}));
  }
  ListOptions all;
  absl::StatusOr<ListResult> listed = store_.List(nodes_, "", all);
  ASSERT_TRUE(listed.ok());
  EXPECT_EQ(listed->items.size(), 5u);
  EXPECT_EQ(listed->resource_version, "5");

  ListOptions even;
  even.labels = *LabelSelector::Parse("pool=even");
  EXPECT_EQ(store_.List(nodes_, "", even)->items.size(), 3u);
  ListOptions named;
  named.fields = *FieldSelector::Parse("metadata.name=n3");
  ASSERT_EQ(store_.List(nodes_, "", named)->items.size(), 1u);

  ListOptions page;
  page.limit = 2;
  std::vector<std::string> names;
  for (int pages = 0; pages < 10; ++pages) {
    absl::StatusOr<ListResult> result = store_.List(nodes_, "", page);
    ASSERT_TRUE(result.ok()) << result.status();
    for (const auto& item : result->items) names.push_back((*item)["metadata"]["name"]);
    if (result->continue_token.empty()) break;
    EXPECT_EQ(result->remaining, 5 - static_cast<int64_t>(names.size()));
    page.continue_token = result->continue_token;
  }
  EXPECT_EQ(names, (std::vector<std::string>{"n0", "n1", "n2", "n3", "n4"}));
  ListOptions bad;
  bad.continue_token = "!!!";
  EXPECT_EQ(HttpCodeOf(store_.List(nodes_, "", bad).status()), 400);
}

TEST_F(ObjectStoreTest, ListByNamespace) {
  MustCreate(pods_, "a", {{"metadata", {{"name", "p1"}}}});
  MustCreate(pods_, "ab", {{"metadata", {{"name", "p2"}}}});
  MustCreate(pods_, "b", {{"metadata", {{"name", "p3"}}}});
  EXPECT_EQ(store_.List(pods_, "a", {})->items.size(), 1u);
  EXPECT_EQ(store_.List(pods_, "", {})->items.size(), 3u);
}

TEST_F(ObjectStoreTest, UpdateChecksResourceVersion) {
  json node = MustCreate(nodes_, "", Node("n1"));
  node["spec"]["unschedulable"] = true;
  absl::StatusOr<json> updated = store_.Update(nodes_, "", "n1", node, Subresource::kMain);
  ASSERT_TRUE(updated.ok()) << updated.status();
  EXPECT_EQ((*updated)["metadata"]["resourceVersion"], "2");
  EXPECT_EQ((*updated)["metadata"]["generation"], 2);
  // `node` still carries version 1: stale.
  absl::Status stale = store_.Update(nodes_, "", "n1", node, Subresource::kMain).status();
  EXPECT_EQ(HttpCodeOf(stale), 409);
  EXPECT_EQ(ReasonOf(stale), "Conflict");
  EXPECT_NE(ToKubeStatus(stale)["message"].get<std::string>().find("has been modified"),
            std::string::npos);
  // No resourceVersion: unconditional.
  node["metadata"].erase("resourceVersion");
  node["metadata"]["labels"]["x"] = "y";
  EXPECT_TRUE(store_.Update(nodes_, "", "n1", node, Subresource::kMain).ok());
  EXPECT_EQ(HttpCodeOf(store_.Update(nodes_, "", "zz", Node("zz"), Subresource::kMain).status()),
            404);
  EXPECT_EQ(HttpCodeOf(store_.Update(nodes_, "", "n1", Node("other"), Subresource::kMain).status()),
            400);
}

TEST_F(ObjectStoreTest, NoOpUpdateKeepsResourceVersion) {
  json node = MustCreate(nodes_, "", Node("n1"));
  absl::StatusOr<json> same = store_.Update(nodes_, "", "n1", node, Subresource::kMain);
  ASSERT_TRUE(same.ok());
  EXPECT_EQ((*same)["metadata"]["resourceVersion"], "1");
}

TEST_F(ObjectStoreTest, StatusSubresourceSeparatesSpecAndStatus) {
  json node = MustCreate(nodes_, "", Node("n1"));
  json change = node;
  change["spec"]["unschedulable"] = true;
  change["status"]["phase"] = "Failed";
  absl::StatusOr<json> main = store_.Update(nodes_, "", "n1", change, Subresource::kMain);
  ASSERT_TRUE(main.ok());
  EXPECT_EQ((*main)["spec"]["unschedulable"], true);
  EXPECT_EQ((*main)["status"]["phase"], "Running") << "main resource ignores status";

  change = *main;
  change["spec"]["unschedulable"] = false;
  change["status"]["phase"] = "Failed";
  absl::StatusOr<json> status = store_.Update(nodes_, "", "n1", change, Subresource::kStatus);
  ASSERT_TRUE(status.ok());
  EXPECT_EQ((*status)["spec"]["unschedulable"], true) << "status subresource ignores spec";
  EXPECT_EQ((*status)["status"]["phase"], "Failed");
  EXPECT_EQ((*status)["metadata"]["generation"], 2) << "status writes leave generation";

  // Without a status subresource, an update writes everything.
  json cm = MustCreate(configmaps_, "d", {{"metadata", {{"name", "c"}}}, {"data", {{"a", "1"}}}});
  cm["status"] = "anything";
  EXPECT_EQ((*store_.Update(configmaps_, "d", "c", cm, Subresource::kMain))["status"], "anything");
}

TEST_F(ObjectStoreTest, MutateAppliesUnderLockAndHonoursResourceVersion) {
  MustCreate(nodes_, "", Node("n1"));
  absl::StatusOr<json> mutated = store_.Mutate(
      nodes_, "", "n1",
      [](const json& current) -> absl::StatusOr<json> {
        json next = current;
        next["metadata"]["labels"]["m"] = "1";
        return next;
      },
      Subresource::kMain);
  ASSERT_TRUE(mutated.ok());
  EXPECT_EQ((*mutated)["metadata"]["labels"]["m"], "1");
  absl::Status stale = store_
                           .Mutate(
                               nodes_, "", "n1",
                               [](const json& current) -> absl::StatusOr<json> {
                                 json next = current;
                                 next["metadata"]["resourceVersion"] = "1";
                                 next["metadata"]["labels"]["m"] = "2";
                                 return next;
                               },
                               Subresource::kMain)
                           .status();
  EXPECT_EQ(HttpCodeOf(stale), 409);
  absl::Status failed =
      store_
          .Mutate(
              nodes_, "", "n1",
              [](const json&) -> absl::StatusOr<json> { return BadRequest("nope"); },
              Subresource::kMain)
          .status();
  EXPECT_EQ(HttpCodeOf(failed), 400);
}

TEST_F(ObjectStoreTest, DeleteWithFinalizersMarksThenRemoves) {
  json cm = MustCreate(configmaps_, "d",
                       {{"metadata", {{"name", "c"}, {"finalizers", {"example.com/keep"}}}}});
  absl::StatusOr<json> marked = store_.Delete(configmaps_, "d", "c", {});
  ASSERT_TRUE(marked.ok());
  EXPECT_TRUE((*marked)["metadata"].contains("deletionTimestamp"));
  EXPECT_TRUE(store_.Get(configmaps_, "d", "c").ok()) << "kept while finalizers remain";
  json cleared = *marked;
  cleared["metadata"]["finalizers"] = json::array();
  ASSERT_TRUE(store_.Update(configmaps_, "d", "c", cleared, Subresource::kMain).ok());
  EXPECT_EQ(HttpCodeOf(store_.Get(configmaps_, "d", "c").status()), 404);
}

TEST_F(ObjectStoreTest, DeletePreconditions) {
  json node = MustCreate(nodes_, "", Node("n1"));
  EXPECT_EQ(HttpCodeOf(store_.Delete(nodes_, "", "n1", {.resource_version = "99"}).status()), 409);
  EXPECT_EQ(HttpCodeOf(store_.Delete(nodes_, "", "n1", {.uid = "nope"}).status()), 409);
  EXPECT_TRUE(store_.Delete(nodes_, "", "n1", {.uid = node["metadata"]["uid"]}).ok());
  EXPECT_EQ(HttpCodeOf(store_.Delete(nodes_, "", "n1", {}).status()), 404);
}

std::vector<std::string> Drain(WatchStream& stream) {
  std::vector<std::string> seen;
  while (std::optional<WatchEvent> event = stream.Next(absl::ZeroDuration())) {
    seen.push_back(event->type + " " +
                   (*event->object)["metadata"].value("name", std::string("?")));
  }
  return seen;
}

TEST_F(ObjectStoreTest, WatchFromNowAndFromAVersion) {
  MustCreate(nodes_, "", Node("n1"));
  auto initial = store_.Watch({.group_resource = "nodes"}, "");
  ASSERT_TRUE(initial.ok());
  json n2 = MustCreate(nodes_, "", Node("n2"));
  n2["spec"]["unschedulable"] = true;
  ASSERT_TRUE(store_.Update(nodes_, "", "n2", n2, Subresource::kMain).ok());
  ASSERT_TRUE(store_.Delete(nodes_, "", "n1", {}).ok());
  MustCreate(pods_, "d", {{"metadata", {{"name", "p"}}}});  // another resource: not seen
  EXPECT_EQ(Drain(**initial),
            (std::vector<std::string>{"ADDED n1", "ADDED n2", "MODIFIED n2", "DELETED n1"}));

  auto from_one = store_.Watch({.group_resource = "nodes"}, "1");
  ASSERT_TRUE(from_one.ok()) << from_one.status();
  EXPECT_EQ(Drain(**from_one), (std::vector<std::string>{"ADDED n2", "MODIFIED n2", "DELETED n1"}));
  EXPECT_EQ(HttpCodeOf(store_.Watch({.group_resource = "nodes"}, "abc").status()), 400);
}

TEST_F(ObjectStoreTest, WatchTooOldIsGone) {
  for (int i = 0; i < 8; ++i) MustCreate(nodes_, "", Node("n" + std::to_string(i)));
  // history_limit 5: versions 4..8 are kept, so watching from 3 still works.
  EXPECT_TRUE(store_.Watch({.group_resource = "nodes"}, "3").ok());
  absl::Status gone = store_.Watch({.group_resource = "nodes"}, "2").status();
  EXPECT_EQ(HttpCodeOf(gone), 410);
  EXPECT_EQ(ReasonOf(gone), "Expired");
  EXPECT_EQ(ToKubeStatus(gone)["message"], "too old resource version: 2 (4)");
}

TEST_F(ObjectStoreTest, WatchSelectorsTurnModificationsIntoAddAndDelete) {
  MustCreate(nodes_, "", Node("n1", {{"pool", "a"}}));
  auto stream =
      store_.Watch({.group_resource = "nodes", .labels = *LabelSelector::Parse("pool=b")}, "");
  ASSERT_TRUE(stream.ok());
  json node = *store_.Get(nodes_, "", "n1");
  node["metadata"]["labels"]["pool"] = "b";
  node = *store_.Update(nodes_, "", "n1", node, Subresource::kMain);
  node["metadata"]["labels"]["pool"] = "c";
  ASSERT_TRUE(store_.Update(nodes_, "", "n1", node, Subresource::kMain).ok());
  EXPECT_EQ(Drain(**stream), (std::vector<std::string>{"ADDED n1", "DELETED n1"}));
}

TEST_F(ObjectStoreTest, WatchNamespaceAndFieldFilters) {
  auto stream = store_.Watch({.group_resource = "pods",
                              .namespace_name = "ml",
                              .fields = *FieldSelector::Parse("spec.nodeName=n1")},
                             "0");
  ASSERT_TRUE(stream.ok());
  MustCreate(pods_, "ml", {{"metadata", {{"name", "a"}}}, {"spec", {{"nodeName", "n1"}}}});
  MustCreate(pods_, "ml", {{"metadata", {{"name", "b"}}}, {"spec", {{"nodeName", "n2"}}}});
  MustCreate(pods_, "other", {{"metadata", {{"name", "c"}}}, {"spec", {{"nodeName", "n1"}}}});
  EXPECT_EQ(Drain(**stream), (std::vector<std::string>{"ADDED a"}));
}

TEST_F(ObjectStoreTest, SlowWatcherIsCutOffWithoutBlockingWriters) {
  ObjectStore store(&clock_, {.history_limit = 100, .watch_queue_limit = 3});
  auto stream = store.Watch({.group_resource = "nodes"}, "0");
  ASSERT_TRUE(stream.ok());
  for (int i = 0; i < 10; ++i)
    ASSERT_TRUE(store.Create(nodes_, "", Node("n" + std::to_string(i))).ok());
  std::optional<WatchEvent> event = (*stream)->Next(absl::ZeroDuration());
  ASSERT_TRUE(event.has_value());
  EXPECT_EQ(event->type, "ERROR");
  EXPECT_EQ((*event->object)["code"], 410);
  EXPECT_TRUE((*stream)->done());
}

TEST_F(ObjectStoreTest, BookmarkOnlyWhenIdle) {
  auto stream = store_.Watch({.group_resource = "nodes"}, "");
  ASSERT_TRUE(stream.ok());
  MustCreate(nodes_, "", Node("n1"));
  EXPECT_FALSE(store_.Bookmark(**stream, "v1", "Node").has_value());
  Drain(**stream);
  MustCreate(pods_, "d", {{"metadata", {{"name", "p"}}}});
  std::optional<WatchEvent> bookmark = store_.Bookmark(**stream, "v1", "Node");
  ASSERT_TRUE(bookmark.has_value());
  EXPECT_EQ(bookmark->type, "BOOKMARK");
  EXPECT_EQ((*bookmark->object)["metadata"]["resourceVersion"], "2");
  EXPECT_EQ((*bookmark->object)["kind"], "Node");
}

TEST_F(ObjectStoreTest, WatcherWakesOnAnotherThread) {
  auto stream = store_.Watch({.group_resource = "nodes"}, "");
  ASSERT_TRUE(stream.ok());
  std::thread writer([this] {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    MustCreate(nodes_, "", Node("late"));
  });
  std::optional<WatchEvent> event = (*stream)->Next(absl::Seconds(10));
  writer.join();
  ASSERT_TRUE(event.has_value());
  EXPECT_EQ((*event->object)["metadata"]["name"], "late");
}

TEST_F(ObjectStoreTest, ConcurrentWritersGetDistinctVersions) {
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([this, t] {
      for (int i = 0; i < 50; ++i) {
        EXPECT_TRUE(store_
                        .Create(configmaps_, "d",
                                {{"metadata", {{"name", "c" + std::to_string(t * 100 + i)}}}})
                        .ok());
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(store_.CurrentResourceVersion(), "200");
  EXPECT_EQ(store_.List(configmaps_, "d", {})->items.size(), 200u);
}

}  // namespace
}  // namespace nvsx::sim
