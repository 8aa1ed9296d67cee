// An informer across an API server restart: the server stops, a new one
// starts on the same port, and the informer converges on what it serves.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "kube/informer.h"
#include "kube/informer_recorder.h"
#include "sim/api_server.h"

namespace nvsx::kube {
namespace {

using nlohmann::json;
using ::testing::ElementsAre;
using ::testing::IsEmpty;
using testing::Recorder;
using testing::ServerVersions;

const ResourceRef kPods{"", "v1", "pods", "", "", ""};

json Pod(const std::string& name) {
  return {{"metadata", {{"name", name}, {"labels", {{"app", "web"}}}}},
          {"spec", {{"nodeName", "node-1"}, {"containers", {{{"name", "c"}, {"image", "i"}}}}}}};
}

// Writes the same objects in the same order into a server's store before it
// starts, so two servers populated alike hold them at the same
// resourceVersions (and uids: the store's seed is fixed), as a restarted API
// server over the same etcd does. The namespaces come first, as Start()
// would create them.
void Populate(sim::ApiServer& server, const std::vector<std::string>& pods) {
  sim::ResourceInfo namespaces = *server.registry().Find("", "v1", "namespaces");
  sim::ResourceInfo pod_resource = *server.registry().Find("", "v1", "pods");
  for (const char* name : {"default", "kube-system", "kube-public", "kube-node-lease"}) {
    ASSERT_TRUE(server.store()
                    .Create(namespaces, "",
                            {{"metadata", {{"name", name}}}, {"status", {{"phase", "Active"}}}})
                    .ok());
  }
  for (const std::string& name : pods) {
    ASSERT_TRUE(server.store().Create(pod_resource, "default", Pod(name)).ok());
  }
}

// What changed while the server was down: p1 relabelled, p2 deleted, p4 new.
void Change(sim::ApiServer& server) {
  sim::ResourceInfo pods = *server.registry().Find("", "v1", "pods");
  sim::ObjectStore& store = server.store();
  json p1 = *store.Get(pods, "default", "p1");
  p1["metadata"]["labels"]["app"] = "db";
  ASSERT_TRUE(store.Update(pods, "default", "p1", p1, sim::Subresource::kMain).ok());
  ASSERT_TRUE(store.Delete(pods, "default", "p2", {}).ok());
  ASSERT_TRUE(store.Create(pods, "default", Pod("p4")).ok());
}

class InformerRestartTest : public ::testing::Test {
 protected:
  void SetUp() override {
    first_ = std::make_unique<sim::ApiServer>(&clock_, sim::ApiServerOptions{});
    Populate(*first_, kInitial);
    ASSERT_TRUE(first_->Start().ok());
    RestConfig config;
    config.server = first_->url();
    RestClientOptions options;
    options.clock = &clock_;
    options.qps = 0;
    options.max_retries = 0;
    client_ = *RestClient::New(config, options);
    InformerOptions informer_options;
    informer_options.reflector.resource = kPods;
    informer_options.reflector.backoff =
        Backoff{absl::Milliseconds(20), 2.0, 0.5, absl::Milliseconds(200)};
    informer_options.reflector.watch_timeout = absl::Minutes(10);
    informer_ = std::make_unique<Informer>(client_.get(), &clock_, informer_options);
    informer_->AddEventHandlers(recorder_.Handlers());
    informer_->Start();
    ASSERT_TRUE(informer_->WaitForCacheSync(absl::Seconds(20)));
    ASSERT_EQ(recorder_.log().size(), kInitial.size());
    recorder_.ClearLog();
  }
  void TearDown() override {
    informer_.reset();
    client_.reset();  // closes its kept-alive connections, so Stop need not wait them out
    if (second_) second_->Stop();
    first_->Stop();
  }

  // Stops the first server and waits until the informer has failed to reach it.
  void StopFirstServer() {
    first_->Stop();
    for (int i = 0; i < 20000 && informer_->stats().failures == 0; ++i) {
      absl::SleepFor(absl::Milliseconds(1));
    }
    ASSERT_GE(informer_->stats().failures, 1);
  }

  sim::ApiServerOptions SamePort() {
    sim::ApiServerOptions options;
    options.listen = {"127.0.0.1", first_->port()};
    return options;
  }

  const std::vector<std::string> kInitial = {"p0", "p1", "p2", "p3"};
  core::SystemClock clock_;
  std::unique_ptr<sim::ApiServer> first_;
  std::unique_ptr<sim::ApiServer> second_;
  std::unique_ptr<RestClient> client_;
  Recorder recorder_;
  std::unique_ptr<Informer> informer_;
};

// Same history as before plus three changes: the informer resumes its watch
// from the version it had and receives exactly those changes, without
// listing again.
TEST_F(InformerRestartTest, ResumesTheWatchAcrossARestart) {
  StopFirstServer();
  second_ = std::make_unique<sim::ApiServer>(&clock_, SamePort());
  Populate(*second_, kInitial);
  Change(*second_);
  ASSERT_TRUE(second_->Start().ok());
  ASSERT_TRUE(recorder_.WaitForState(ServerVersions(*client_, kPods)));
  EXPECT_THAT(recorder_.log(),
              ElementsAre("update default/p1", "delete default/p2", "add default/p4"));
  EXPECT_THAT(recorder_.problems(), IsEmpty());
  EXPECT_EQ(informer_->stats().lists, 1);
  EXPECT_EQ(informer_->stats().gone, 0);
}

// The new server kept no history back to the informer's version: the watch
// is refused with 410, the informer lists again, and the handlers get only
// the difference (p0 and p3, unchanged, are not delivered again).
TEST_F(InformerRestartTest, RelistsWhenTheRestartedServerLostTheHistory) {
  StopFirstServer();
  sim::ApiServerOptions options = SamePort();
  options.store.history_limit = 1;
  second_ = std::make_unique<sim::ApiServer>(&clock_, options);
  Populate(*second_, kInitial);
  Change(*second_);
  ASSERT_TRUE(second_->Start().ok());
  ASSERT_TRUE(recorder_.WaitForState(ServerVersions(*client_, kPods)));
  EXPECT_THAT(recorder_.log(),
              ElementsAre("update default/p1", "delete default/p2", "add default/p4"));
  EXPECT_THAT(recorder_.problems(), IsEmpty());
  EXPECT_GE(informer_->stats().gone, 1);
  EXPECT_EQ(informer_->stats().lists, 2);
}

}  // namespace
}  // namespace nvsx::kube
