// The Event recorder against the embedded API server.
#include "kube/event_recorder.h"

#include <gtest/gtest.h>

#include <condition_variable>
#include <functional>
#include <mutex>

#include "httplib.h"
#include "kube/test_server.h"
#include "sim/api_server.h"
#include "test_support/fake_clock.h"

namespace nvsx::kube {
namespace {

using json = nlohmann::json;

const ResourceRef kEventsV1{"events.k8s.io", "v1", "events", "default", "", ""};
const ResourceRef kCoreEvents{"", "v1", "events", "default", "", ""};

// Forwards requests to the API server, except that it answers 404 (as a real
// server does for a resource it does not serve) for paths under
// `refused_prefix`; `gate`, when set, runs before each forwarded request.
class Proxy {
 public:
  Proxy(int upstream_port, std::string refused_prefix)
      : upstream_port_(upstream_port), refused_prefix_(std::move(refused_prefix)) {
    auto forward = [this](const httplib::Request& request, httplib::Response& response) {
      if (request.path.rfind(refused_prefix_, 0) == 0) {
        response.status = 404;
        response.set_content("404 page not found", "text/plain");
        return;
      }
      if (gate) gate();
      httplib::Client upstream("127.0.0.1", upstream_port_);
      const std::string type = request.get_header_value("Content-Type");
      auto send = [&]() -> httplib::Result {
        if (request.method == "GET") return upstream.Get(request.target);
        if (request.method == "POST") return upstream.Post(request.target, request.body, type);
        if (request.method == "PUT") return upstream.Put(request.target, request.body, type);
        if (request.method == "PATCH") return upstream.Patch(request.target, request.body, type);
        return upstream.Delete(request.target, request.body, type);
      };
      const httplib::Result result = send();
      if (!result) {
        response.status = 502;
        return;
      }
      response.status = result->status;
      response.set_content(result->body, result->get_header_value("Content-Type"));
    };
    server_.routes().Get(".*", forward);
    server_.routes().Post(".*", forward);
    server_.routes().Put(".*", forward);
    server_.routes().Patch(".*", forward);
    server_.routes().Delete(".*", forward);
    server_.Start();
  }

  std::string Url() const { return server_.Url(); }
  std::vector<testing::SeenRequest> seen() { return server_.seen(); }

  std::function<void()> gate;

 private:
  int upstream_port_;
  std::string refused_prefix_;
  testing::TestServer server_;
};

class EventRecorderTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(server_.Start().ok()); }
  void TearDown() override {
    reader_.reset();  // its kept-alive connection would hold up Stop
    server_.Stop();
  }

  std::unique_ptr<RestClient> Client(const std::string& url) {
    RestConfig config;
    config.server = url;
    RestClientOptions options;
    options.clock = &clock_;
    options.qps = 0;
    options.max_retries = 0;
    return *RestClient::New(config, options);
  }

  EventRecorderOptions Options() {
    EventRecorderOptions options;
    options.clock = &clock_;
    options.reporting_controller = "nvsentinel.nvidia.com/controller";
    options.reporting_instance = "controller-0";
    return options;
  }

  // Every Event of `ref`'s collection, as `kubectl get events` lists them.
  std::vector<Event> ListEvents(const ResourceRef& ref) {
    auto list = reader_->ListAll(ref);
    EXPECT_TRUE(list.ok()) << list.status();
    std::vector<Event> events;
    if (!list.ok()) return events;
    for (json& item : (*list)["items"]) events.emplace_back(std::move(item));
    return events;
  }

  static ObjectReference NodeRef(const std::string& name) {
    return {"v1", "Node", "", name, "uid-" + name, "", ""};
  }

  core::SystemClock server_clock_;
  sim::ApiServer server_{&server_clock_, sim::ApiServerOptions{}};
  test::FakeClock clock_{absl::FromUnixSeconds(1'800'000'000)};
  std::unique_ptr<RestClient> reader_ = nullptr;
};

TEST_F(EventRecorderTest, WritesEventsV1AndAggregatesRepeats) {
  auto client = Client(server_.url());
  reader_ = Client(server_.url());
  EventRecorder recorder(client.get(), Options(), core::Logger::Discard());
  const ObjectReference node = NodeRef("gpu-node-0");
  recorder.Record(node, EventType::kWarning, "Quarantined", "Cordon", "xid 79 on GPU 3");
  recorder.Flush();
  clock_.Advance(absl::Seconds(30));
  recorder.Record(node, EventType::kWarning, "Quarantined", "Cordon", "xid 79 on GPU 3");
  recorder.Flush();
  clock_.Advance(absl::Seconds(30));
  recorder.Record(node, EventType::kWarning, "Quarantined", "Cordon", "xid 79 on GPU 3");
  // A different message is a different Event.
  recorder.Record(node, EventType::kNormal, "Uncordoned", "Uncordon", "recovered");
  recorder.Flush();

  EXPECT_EQ(recorder.api(), EventApi::kEventsV1);
  std::vector<Event> events = ListEvents(kEventsV1);
  ASSERT_EQ(events.size(), 2u);
  const Event& quarantined = events[0].reason() == "Quarantined" ? events[0] : events[1];
  EXPECT_TRUE(quarantined.IsEventsV1());
  EXPECT_EQ(quarantined.count(), 3);
  EXPECT_EQ(quarantined.type(), "Warning");
  EXPECT_EQ(quarantined.action(), "Cordon");
  EXPECT_EQ(quarantined.note(), "xid 79 on GPU 3");
  EXPECT_EQ(quarantined.regarding(), node);
  EXPECT_EQ(quarantined.reporting_controller(), "nvsentinel.nvidia.com/controller");
  EXPECT_EQ(quarantined.reporting_instance(), "controller-0");
  EXPECT_EQ(quarantined.metadata().namespace_name(), "default");  // the node is cluster-scoped
  EXPECT_EQ(quarantined.first_time(), absl::FromUnixSeconds(1'800'000'000));
  EXPECT_EQ(quarantined.last_time(), absl::FromUnixSeconds(1'800'000'060));
  EXPECT_TRUE(quarantined.Validate().ok()) << quarantined.Validate();
  EXPECT_TRUE(ListEvents(kCoreEvents).empty());

  const EventRecorderStats stats = recorder.stats();
  EXPECT_EQ(stats.created, 2u);
  EXPECT_EQ(stats.aggregated, 2u);
  EXPECT_EQ(stats.dropped, 0u);
  EXPECT_EQ(stats.failed, 0u);
}

TEST_F(EventRecorderTest, RepeatsQueuedTogetherBecomeOneWriteAndTheWindowEndsASeries) {
  auto client = Client(server_.url());
  reader_ = Client(server_.url());
  EventRecorderOptions options = Options();
  options.aggregation_window = absl::Minutes(5);
  EventRecorder recorder(client.get(), options, core::Logger::Discard());
  ASSERT_TRUE(
      client
          ->Create({"", "v1", "namespaces", "", "", ""},
                   {{"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", "ml"}}}})
          .ok());
  const ObjectReference pod{"v1", "Pod", "ml", "train-0", "uid-1", "", ""};
  for (int i = 0; i < 50; ++i) {
    recorder.Record(pod, EventType::kWarning, "EvictionBlocked", "Evict", "PDB ml/train");
  }
  recorder.Flush();
  std::vector<Event> events = ListEvents({"events.k8s.io", "v1", "events", "ml", "", ""});
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].count(), 50);

  // Past the window since the last occurrence: a new Event.
  clock_.Advance(absl::Minutes(6));
  recorder.Record(pod, EventType::kWarning, "EvictionBlocked", "Evict", "PDB ml/train");
  recorder.Flush();
  events = ListEvents({"events.k8s.io", "v1", "events", "ml", "", ""});
  EXPECT_EQ(events.size(), 2u);
  EXPECT_EQ(recorder.stats().created, 2u);
  EXPECT_EQ(recorder.stats().aggregated, 49u);
}

TEST_F(EventRecorderTest, FallsBackToCoreV1WhenEventsV1IsNotServed) {
  Proxy proxy(server_.port(), "/apis/events.k8s.io");
  auto client = Client(proxy.Url());
  reader_ = Client(server_.url());
  EventRecorder recorder(client.get(), Options(), core::Logger::Discard());
  const ObjectReference node = NodeRef("gpu-node-1");
  recorder.Record(node, EventType::kWarning, "Quarantined", "Cordon", "xid 48");
  recorder.Flush();
  EXPECT_EQ(recorder.api(), EventApi::kCoreV1);
  clock_.Advance(absl::Seconds(5));
  recorder.Record(node, EventType::kWarning, "Quarantined", "Cordon", "xid 48");
  recorder.Record(NodeRef("gpu-node-2"), EventType::kNormal, "Drained", "Drain", "3 pods");
  recorder.Flush();

  std::vector<Event> events = ListEvents(kCoreEvents);
  ASSERT_EQ(events.size(), 2u);
  const Event& quarantined = events[0].reason() == "Quarantined" ? events[0] : events[1];
  EXPECT_FALSE(quarantined.IsEventsV1());
  EXPECT_EQ(quarantined.count(), 2);
  EXPECT_EQ(quarantined.note(), "xid 48");
  EXPECT_EQ(quarantined.regarding(), node);
  EXPECT_EQ(quarantined.object()["lastTimestamp"], "2027-01-15T08:00:05Z");
  EXPECT_EQ(quarantined.reporting_controller(), "nvsentinel.nvidia.com/controller");
  EXPECT_TRUE(ListEvents(kEventsV1).empty());

  // The decision is remembered: events.k8s.io was tried once, not per event.
  int tried = 0;
  for (const testing::SeenRequest& request : proxy.seen()) {
    if (request.path.rfind("/apis/events.k8s.io", 0) == 0) ++tried;
  }
  EXPECT_EQ(tried, 1);
  EXPECT_EQ(recorder.stats().created, 2u);
  EXPECT_EQ(recorder.stats().aggregated, 1u);
}

TEST_F(EventRecorderTest, AMissingNamespaceFailsTheEventWithoutFallingBack) {
  auto client = Client(server_.url());
  EventRecorder recorder(client.get(), Options(), core::Logger::Discard());
  recorder.Record({"v1", "Pod", "no-such-namespace", "p", "", "", ""}, EventType::kNormal,
                  "Started", "", "hello");
  recorder.Flush();
  EXPECT_EQ(recorder.api(), EventApi::kEventsV1);
  EXPECT_EQ(recorder.stats().failed, 1u);
  EXPECT_EQ(recorder.stats().created, 0u);
}

TEST_F(EventRecorderTest, AFullQueueDropsInsteadOfBlocking) {
  Proxy proxy(server_.port(), "/nothing-refused");
  std::mutex mu;
  std::condition_variable cv;
  bool writer_waiting = false;
  bool release = false;
  proxy.gate = [&] {
    std::unique_lock<std::mutex> lock(mu);
    writer_waiting = true;
    cv.notify_all();
    cv.wait(lock, [&] { return release; });
  };
  auto client = Client(proxy.Url());
  reader_ = Client(server_.url());
  EventRecorderOptions options = Options();
  options.queue_capacity = 2;
  EventRecorder recorder(client.get(), options, core::Logger::Discard());
  recorder.Record(NodeRef("n0"), EventType::kNormal, "R", "A", "first");
  {
    // The writer holds "first" and is stuck on the server.
    std::unique_lock<std::mutex> lock(mu);
    cv.wait(lock, [&] { return writer_waiting; });
  }
  for (int i = 1; i <= 4; ++i) {
    recorder.Record(NodeRef("n" + std::to_string(i)), EventType::kNormal, "R", "A", "more");
  }
  EXPECT_EQ(recorder.stats().dropped, 2u);  // two fit in the queue
  {
    std::lock_guard<std::mutex> lock(mu);
    release = true;
    cv.notify_all();
  }
  recorder.Flush();
  EXPECT_EQ(ListEvents(kEventsV1).size(), 3u);
  recorder.Stop();
  recorder.Record(NodeRef("late"), EventType::kNormal, "R", "A", "after stop");
  EXPECT_EQ(recorder.stats().dropped, 3u);
  EXPECT_EQ(recorder.stats().created, 3u);
}

TEST_F(EventRecorderTest, StopWritesWhatIsQueued) {
  auto client = Client(server_.url());
  reader_ = Client(server_.url());
  {
    EventRecorder recorder(client.get(), Options(), core::Logger::Discard());
    for (int i = 0; i < 5; ++i) {
      recorder.Record(NodeRef("n" + std::to_string(i)), EventType::kNormal, "R", "A", "x");
    }
  }  // destroyed: Stop()
  EXPECT_EQ(ListEvents(kEventsV1).size(), 5u);
}

}  // namespace
}  // namespace nvsx::kube
