// The informer against the embedded API server: list, watch, relist after
// 410 Gone, indexers, resync, selectors and a prompt Stop.
#include "kube/informer.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <thread>

#include "kube/api_error.h"
#include "kube/informer_recorder.h"
#include "sim/api_server.h"
#include "test_support/fake_clock.h"

namespace nvsx::kube {
namespace {

using nlohmann::json;
using ::testing::ElementsAre;
using ::testing::IsEmpty;
using testing::Recorder;
using testing::ServerVersions;
using ::testing::UnorderedElementsAre;
using testing::VersionMap;

const ResourceRef kPods{"", "v1", "pods", "", "", ""};

ResourceRef PodsIn(const std::string& ns) { return {"", "v1", "pods", ns, "", ""}; }

json Pod(const std::string& name, const std::string& node, const std::string& app = "web") {
  json pod = {{"apiVersion", "v1"},
              {"kind", "Pod"},
              {"metadata", {{"name", name}, {"labels", {{"app", app}}}}},
              {"spec", {{"containers", {{{"name", "main"}, {"image", "cuda:12"}}}}}}};
  if (!node.empty()) pod["spec"]["nodeName"] = node;
  return pod;
}

std::vector<std::string> ByApp(const json& object) {
  const json& labels = object["metadata"].value("labels", json::object());
  if (!labels.contains("app")) return {};
  return {labels["app"].get<std::string>()};
}

class InformerTest : public ::testing::Test {
 protected:
  void StartServer(sim::ApiServerOptions options = {}) {
    server_ = std::make_unique<sim::ApiServer>(&clock_, std::move(options));
    absl::Status started = server_->Start();
    ASSERT_TRUE(started.ok()) << started;
    client_ = NewClient(&clock_);
    ASSERT_TRUE(
        client_
            ->Create(
                ResourceRef{"", "v1", "namespaces", "", "", ""},
                {{"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", "team-b"}}}})
            .ok());
  }
  void TearDown() override {
    client_.reset();  // closes its kept-alive connections, so Stop need not wait them out
    if (server_) server_->Stop();
  }

  std::unique_ptr<RestClient> NewClient(core::WaitableClock* clock) {
    RestConfig config;
    config.server = server_->url();
    RestClientOptions options;
    options.clock = clock;
    options.qps = 0;
    return *RestClient::New(config, options);
  }

  static InformerOptions PodInformer() {
    InformerOptions options;
    options.reflector.resource = kPods;
    options.reflector.backoff = Backoff{absl::Milliseconds(20), 2.0, 0.5, absl::Milliseconds(200)};
    options.reflector.watch_timeout = absl::Minutes(10);
    return options;
  }

  json MustCreate(const std::string& ns, const json& pod) {
    auto created = client_->Create(PodsIn(ns), pod);
    EXPECT_TRUE(created.ok()) << created.status();
    return created.ok() ? *created : json();
  }
  void MustRelabel(const std::string& ns, const std::string& name, const std::string& app) {
    auto patched = client_->Patch(PodsIn(ns).WithName(name), PatchType::kMerge,
                                  {{"metadata", {{"labels", {{"app", app}}}}}});
    EXPECT_TRUE(patched.ok()) << patched.status();
  }
  void MustDelete(const std::string& ns, const std::string& name) {
    DeleteOptions now;
    now.grace_period_seconds = 0;
    absl::Status deleted = client_->Delete(PodsIn(ns).WithName(name), now);
    EXPECT_TRUE(deleted.ok()) << deleted;
  }

  core::SystemClock clock_;
  std::unique_ptr<sim::ApiServer> server_;
  std::unique_ptr<RestClient> client_;
};

TEST_F(InformerTest, ListThenWatchDeliversAddsUpdatesAndDeletes) {
  StartServer();
  MustCreate("default", Pod("a", "node-1"));
  MustCreate("team-b", Pod("b", "node-2"));
  Recorder recorder;
  Informer informer(client_.get(), &clock_, PodInformer());
  informer.AddEventHandlers(recorder.Handlers());
  EXPECT_FALSE(informer.HasSynced());
  informer.Start();
  ASSERT_TRUE(informer.WaitForCacheSync(absl::Seconds(20)));
  // Synced means the handlers have seen the whole first list.
  EXPECT_THAT(recorder.log(), UnorderedElementsAre("add default/a", "add team-b/b"));
  EXPECT_EQ(informer.cache().size(), 2u);

  recorder.ClearLog();
  MustCreate("default", Pod("c", "node-1"));
  MustRelabel("default", "a", "db");
  MustDelete("team-b", "b");
  ASSERT_TRUE(recorder.WaitForState(ServerVersions(*client_, kPods)));
  EXPECT_THAT(recorder.log(), ElementsAre("add default/c", "update default/a", "delete team-b/b"));
  EXPECT_THAT(recorder.problems(), IsEmpty());
  EXPECT_EQ(informer.cache().Get("default/a")->at("metadata")["labels"]["app"], "db");
  EXPECT_EQ(informer.cache().Get("team-b/b"), nullptr);
  EXPECT_EQ(informer.stats().lists, 1);
  EXPECT_EQ(recorder.resyncs(), 0);
}

// A projection is applied as lists and events are decoded; the cache holds
// exactly what the transform makes of the server's objects, and a function
// transform still applies to decoded objects.
TEST_F(InformerTest, TransformsShapeListedAndWatchedObjects) {
  StartServer();
  json bulky = Pod("a", "node-1");
  bulky["metadata"]["annotations"] = {{"note", "x"}};
  bulky["spec"]["volumes"] = {{{"name", "data"}, {"emptyDir", json::object()}}};
  MustCreate("default", bulky);
  const Transform keep = *KeepFields({"/spec/nodeName", "/spec/containers/*/name"});
  ASSERT_TRUE(keep.projection());
  const Transform function = [](json object) {
    object["metadata"]["annotations"]["seen"] = "yes";
    return object;
  };
  for (const Transform& transform : {keep, function}) {
    InformerOptions options = PodInformer();
    options.transform = transform;
    Recorder recorder;
    Informer informer(client_.get(), &clock_, options);
    informer.AddEventHandlers(recorder.Handlers());
    informer.Start();
    ASSERT_TRUE(informer.WaitForCacheSync(absl::Seconds(20)));
    const std::string name = transform.projection() ? "b" : "c";
    MustCreate("default", Pod(name, "node-2"));
    MustRelabel("default", "a", transform.projection() ? "db" : "web2");
    ASSERT_TRUE(recorder.WaitForState(ServerVersions(*client_, kPods)));
    for (const std::string& key : informer.cache().ListKeys()) {
      const size_t slash = key.find('/');
      absl::StatusOr<json> served =
          client_->Get(PodsIn(key.substr(0, slash)).WithName(key.substr(slash + 1)));
      ASSERT_TRUE(served.ok()) << served.status();
      EXPECT_EQ(*informer.cache().Get(key), transform(*served)) << key;
    }
    informer.Stop();
  }
}

TEST_F(InformerTest, IndexersFollowTheObjects) {
  StartServer();
  MustCreate("default", Pod("a", "node-1", "web"));
  MustCreate("default", Pod("b", "node-2", "db"));
  MustCreate("team-b", Pod("c", "node-1", "web"));
  MustCreate("team-b", Pod("pending", "", "web"));
  InformerOptions options = PodInformer();
  options.indexers = {
      {kNamespaceIndex, IndexByNamespace}, {kNodeNameIndex, IndexByNodeName}, {"app", ByApp}};
  Recorder recorder;
  Informer informer(client_.get(), &clock_, options);
  informer.AddEventHandlers(recorder.Handlers());
  informer.Start();
  ASSERT_TRUE(informer.WaitForCacheSync(absl::Seconds(20)));
  const IndexedCache& cache = informer.cache();
  EXPECT_THAT(*cache.IndexKeys(kNamespaceIndex, "team-b"),
              ElementsAre("team-b/c", "team-b/pending"));
  EXPECT_THAT(*cache.IndexKeys(kNodeNameIndex, "node-1"), ElementsAre("default/a", "team-b/c"));
  EXPECT_THAT(*cache.IndexKeys("app", "web"),
              ElementsAre("default/a", "team-b/c", "team-b/pending"));

  MustRelabel("default", "a", "db");
  MustDelete("team-b", "c");
  ASSERT_TRUE(recorder.WaitForState(ServerVersions(*client_, kPods)));
  EXPECT_THAT(*cache.IndexKeys("app", "db"), ElementsAre("default/a", "default/b"));
  EXPECT_THAT(*cache.IndexKeys("app", "web"), ElementsAre("team-b/pending"));
  EXPECT_THAT(*cache.IndexKeys(kNodeNameIndex, "node-1"), ElementsAre("default/a"));
  auto on_node = cache.ByIndex(kNodeNameIndex, "node-2");
  ASSERT_TRUE(on_node.ok());
  ASSERT_EQ(on_node->size(), 1u);
  EXPECT_EQ((*on_node)[0]->at("metadata")["name"], "b");
}

TEST_F(InformerTest, SelectorsLimitWhatIsCached) {
  StartServer();
  MustCreate("default", Pod("a", "node-1", "web"));
  MustCreate("default", Pod("b", "node-2", "db"));
  MustCreate("default", Pod("c", "node-1", "db"));
  InformerOptions options = PodInformer();
  options.reflector.label_selector = "app=db";
  options.reflector.field_selector = "spec.nodeName=node-1";
  Recorder recorder;
  Informer informer(client_.get(), &clock_, options);
  informer.AddEventHandlers(recorder.Handlers());
  informer.Start();
  ASSERT_TRUE(informer.WaitForCacheSync(absl::Seconds(20)));
  EXPECT_THAT(informer.cache().ListKeys(), ElementsAre("default/c"));
  MustRelabel("default", "a", "db");  // now matches both selectors
  ASSERT_TRUE(recorder.WaitFor([](const VersionMap& state) { return state.size() == 2; }));
  EXPECT_THAT(informer.cache().ListKeys(), ElementsAre("default/a", "default/c"));
}

// This server keeps no watch history and lets a watch queue nothing beyond
// what it replays, so after the first sync every change costs the informer a
// 410: either its open watch is cut off by an ERROR event at the first live
// change, or the watch it resumes from an older version is refused. It has
// to relist over and over. Whatever the interleaving, the handlers must see each
// change once: no add twice, no update or delete of what they were not told
// of, and a final state equal to the server's.
TEST_F(InformerTest, GoneMidStreamRelistsWithoutMissedOrDuplicateDeliveries) {
  sim::ApiServerOptions options;
  options.store.watch_queue_limit = 0;
  options.store.history_limit = 0;
  StartServer(options);
  for (int i = 0; i < 10; ++i) MustCreate("default", Pod("pod-" + std::to_string(i), "node-1"));
  Recorder recorder;
  Informer informer(client_.get(), &clock_, PodInformer());
  informer.AddEventHandlers(recorder.Handlers());
  informer.Start();
  ASSERT_TRUE(informer.WaitForCacheSync(absl::Seconds(20)));
  recorder.ClearLog();

  for (int i = 0; i < 5; ++i) MustRelabel("default", "pod-" + std::to_string(i), "db");
  for (int i = 5; i < 8; ++i) MustDelete("default", "pod-" + std::to_string(i));
  for (int i = 10; i < 14; ++i) MustCreate("default", Pod("pod-" + std::to_string(i), "node-2"));
  MustRelabel("default", "pod-0", "cache");  // a second change to one object
  const VersionMap expected = ServerVersions(*client_, kPods);
  ASSERT_TRUE(recorder.WaitForState(expected)) << ::testing::PrintToString(recorder.log());
  EXPECT_THAT(recorder.problems(), IsEmpty());
  EXPECT_GE(informer.stats().gone, 1);
  EXPECT_GE(informer.stats().lists, 2);
  // pod-8 and pod-9 never changed: no relist may deliver them again.
  for (const std::string& entry : recorder.log()) {
    EXPECT_EQ(entry.find("pod-8"), std::string::npos) << entry;
    EXPECT_EQ(entry.find("pod-9"), std::string::npos) << entry;
  }
  // Each deleted pod once, each new pod added once.
  const std::vector<std::string> log = recorder.log();
  for (const char* key : {"default/pod-5", "default/pod-6", "default/pod-7"}) {
    EXPECT_EQ(std::count(log.begin(), log.end(), std::string("delete ") + key), 1) << key;
  }
  for (const char* key : {"default/pod-10", "default/pod-11", "default/pod-12", "default/pod-13"}) {
    EXPECT_EQ(std::count(log.begin(), log.end(), std::string("add ") + key), 1) << key;
  }
  EXPECT_EQ(informer.cache().size(), expected.size());
}

// The resync period runs on the informer's clock: a fake one, advanced by
// hand, makes each resync happen exactly when the test says.
TEST_F(InformerTest, ResyncRedeliversEveryCachedObjectAsAnUpdate) {
  StartServer();
  MustCreate("default", Pod("a", "node-1"));
  MustCreate("default", Pod("b", "node-1"));
  MustCreate("team-b", Pod("c", "node-2"));
  test::FakeClock fake;
  auto client = NewClient(&fake);
  InformerOptions options = PodInformer();
  options.resync_period = absl::Minutes(1);
  Recorder recorder;
  Informer informer(client.get(), &fake, options);
  informer.AddEventHandlers(recorder.Handlers());
  informer.Start();
  ASSERT_TRUE(informer.WaitForCacheSync(absl::Seconds(20)));
  EXPECT_EQ(recorder.resyncs(), 0);
  fake.Advance(absl::Minutes(1));
  ASSERT_TRUE(recorder.WaitForResyncs(3));
  fake.Advance(absl::Minutes(1));
  ASSERT_TRUE(recorder.WaitForResyncs(6));
  informer.Stop();
  EXPECT_EQ(recorder.resyncs(), 6);
  EXPECT_THAT(recorder.problems(), IsEmpty());
  EXPECT_THAT(recorder.log(),
              UnorderedElementsAre("add default/a", "add default/b", "add team-b/c"));
}

// The watch would stay open, silent, for ten minutes or more: Stop returns
// only because it cancels it.
TEST_F(InformerTest, StopWhileIdleIsPrompt) {
  StartServer();
  MustCreate("default", Pod("a", "node-1"));
  Informer informer(client_.get(), &clock_, PodInformer());
  informer.Start();
  ASSERT_TRUE(informer.WaitForCacheSync(absl::Seconds(20)));
  // Wait until the watch is open (the informer only lists once, then watches).
  for (int i = 0; i < 2000 && informer.stats().watches == 0; ++i) {
    absl::SleepFor(absl::Milliseconds(1));
  }
  const absl::Time stop_at = absl::Now();
  informer.Stop();
  std::printf("Stop took %.1f ms\n", absl::ToDoubleMilliseconds(absl::Now() - stop_at));
  EXPECT_EQ(informer.stats().watches, 1);
}

// With the server gone, the informer is waiting out a long backoff: Stop
// still returns at once.
TEST_F(InformerTest, StopWhileBackingOffIsPrompt) {
  StartServer();
  InformerOptions options = PodInformer();
  options.reflector.backoff = Backoff{absl::Minutes(10), 1.0, 0, absl::Minutes(10)};
  Informer informer(client_.get(), &clock_, options);
  informer.Start();
  ASSERT_TRUE(informer.WaitForCacheSync(absl::Seconds(20)));
  server_->Stop();
  for (int i = 0; i < 20000 && informer.stats().failures == 0; ++i) {
    absl::SleepFor(absl::Milliseconds(1));
  }
  ASSERT_GE(informer.stats().failures, 1);
  informer.Stop();
}

TEST_F(InformerTest, WaitForCacheSyncGivesUpWhenTheServerIsDown) {
  StartServer();
  const std::string url = server_->url();
  client_.reset();  // its kept-alive connection would hold up Stop
  server_->Stop();
  test::FakeClock fake;
  auto client = NewClient(&fake);
  Informer informer(client.get(), &fake, PodInformer());
  informer.Start();
  std::thread advance([&] {
    for (int i = 0; i < 50; ++i) {
      fake.Advance(absl::Seconds(1));
      absl::SleepFor(absl::Milliseconds(2));
    }
  });
  EXPECT_FALSE(informer.WaitForCacheSync(absl::Seconds(30)));
  advance.join();
  EXPECT_FALSE(informer.HasSynced());
}

}  // namespace
}  // namespace nvsx::kube
