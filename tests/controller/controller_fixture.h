#pragma once

// An embedded API server seeded with four GPU nodes (sim::SeedSimCluster),
// a simulated kubelet that runs their pods and removes evicted ones, and
// helpers to create HealthEvents, pods and budgets and to wait for state,
// and to act as the janitor and the publisher do.
// The controller under test runs in-process against it over HTTP.

#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <string>

#include "absl/time/clock.h"
#include "controller/health_event_controller.h"
#include "kube/api_error.h"
#include "kube/event_recorder.h"
#include "kube/rest_client.h"
#include "kube/types/event.h"
#include "kube/types/gpu_reset.h"
#include "kube/types/health_event.h"
#include "kube/types/health_event_patches.h"
#include "kube/types/janitor_patches.h"
#include "kube/types/node.h"
#include "kube/types/reboot_node.h"
#include "sim/api_server.h"
#include "sim/kubelet.h"
#include "sim/sim_cluster.h"
#include "test_support/eventually.h"

namespace nvsx::controller::testing {

using nlohmann::json;
// The controller runs on threads of its own.
using ::nvsx::test::Eventually;

inline const kube::ResourceRef kNodes{.group = "", .version = "v1", .resource = "nodes"};
inline const kube::ResourceRef kPods{
    .group = "", .version = "v1", .resource = "pods", .namespace_name = "workloads"};
inline const kube::ResourceRef kBudgets{.group = "policy",
                                        .version = "v1",
                                        .resource = "poddisruptionbudgets",
                                        .namespace_name = "workloads"};

struct PodSpec {
  std::string name;
  std::string node = "gpu-node-0";
  int gpus = 1;
  std::string app = "training";
  bool daemonset = false;
  int64_t grace_seconds = 0;
  std::string gpu_devices;  // the gpu-devices annotation, when set
};

struct EventSpec {
  std::string name;
  std::string node = "gpu-node-0";
  std::string check = "SysLogsXIDError";
  bool fatal = true;
  bool healthy = false;
  std::string gpu = "3";
  kube::ProcessingStrategy strategy = kube::ProcessingStrategy::kExecuteRemediation;
  kube::RecommendedAction action = kube::RecommendedAction::kRestartBm;
};

class ControllerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    sim::ApiServerOptions server_options;
    server_options.pod_grace_periods = true;
    server_options.bookmark_interval = absl::Seconds(1);
    server_ = std::make_unique<sim::ApiServer>(&clock_, server_options);
    ASSERT_TRUE(server_->Start().ok());
    client_ = NewClient();
    sim::SimClusterOptions cluster;
    cluster.nodes = 4;
    ASSERT_TRUE(sim::SeedSimCluster(*client_, cluster, clock_.Now()).ok());
    ASSERT_TRUE(client_
                    ->Create({.group = "", .version = "v1", .resource = "namespaces"},
                             {{"apiVersion", "v1"},
                              {"kind", "Namespace"},
                              {"metadata", {{"name", "workloads"}}}})
                    .ok());
    sim::SimKubeletOptions kubelet;
    for (int i = 0; i < cluster.nodes; ++i) kubelet.nodes.push_back(sim::SimNodeName(cluster, i));
    kubelet_ = std::make_unique<sim::SimKubelet>(&clock_, &server_->store(), kubelet);
    ASSERT_TRUE(kubelet_->Start().ok());
  }

  void TearDown() override {
    controllers_.clear();
    if (kubelet_) kubelet_->Stop();
    client_.reset();
    if (server_) server_->Stop();
  }

  std::unique_ptr<kube::RestClient> NewClient() {
    kube::RestConfig config;
    config.server = server_->url();
    kube::RestClientOptions options;
    options.clock = &clock_;
    options.qps = 0;
    return *kube::RestClient::New(config, options);
  }

  static HealthEventControllerOptions FastOptions() {
    HealthEventControllerOptions options;
    options.loop.workers = 2;
    options.loop.queue.failure_base = absl::Milliseconds(5);
    options.loop.queue.failure_max = absl::Milliseconds(200);
    options.cache_sync_timeout = absl::Seconds(20);
    return options;
  }

  // Starts a controller with its own client; it runs until the test ends or
  // StopController() is called.
  HealthEventController* StartController(HealthEventControllerOptions options = FastOptions(),
                                         core::Logger logger = core::Logger::Discard()) {
    auto running = std::make_unique<Running>();
    running->client = NewClient();
    kube::EventRecorderOptions recorder;
    recorder.clock = &clock_;
    recorder.reporting_controller = "nvsentinel.nvidia.com/controller";
    recorder.reporting_instance = "test";
    running->recorder = std::make_unique<kube::EventRecorder>(running->client.get(), recorder,
                                                              core::Logger::Discard());
    running->controller = std::make_unique<HealthEventController>(
        running->client.get(), &clock_, running->recorder.get(), nullptr, std::move(options),
        std::move(logger));
    absl::Status started = running->controller->Start();
    EXPECT_TRUE(started.ok()) << started;
    controllers_.push_back(std::move(running));
    return controllers_.back()->controller.get();
  }
  void StopController(HealthEventController* controller) {
    std::erase_if(controllers_, [&](const std::unique_ptr<Running>& running) {
      return running->controller.get() == controller;
    });
  }

  void CreatePod(const PodSpec& spec) {
    json container = {{"name", "main"}, {"image", "cuda:12"}};
    if (spec.gpus > 0) {
      const std::string gpus = std::to_string(spec.gpus);
      container["resources"] = {{"limits", {{"nvidia.com/gpu", gpus}}},
                                {"requests", {{"nvidia.com/gpu", gpus}}}};
    }
    json pod = {{"apiVersion", "v1"},
                {"kind", "Pod"},
                {"metadata", {{"name", spec.name}, {"labels", {{"app", spec.app}}}}},
                {"spec",
                 {{"nodeName", spec.node},
                  {"terminationGracePeriodSeconds", spec.grace_seconds},
                  {"containers", json::array({container})}}}};
    if (spec.daemonset) {
      pod["metadata"]["ownerReferences"] = json::array({{{"apiVersion", "apps/v1"},
                                                         {"kind", "DaemonSet"},
                                                         {"name", "dcgm-exporter"},
                                                         {"uid", "ds-uid-1"},
                                                         {"controller", true}}});
    }
    if (!spec.gpu_devices.empty()) {
      pod["metadata"]["annotations"] = {{"nvsentinel.nvidia.com/gpu-devices", spec.gpu_devices}};
    }
    auto created = client_->Create(kPods, pod);
    ASSERT_TRUE(created.ok()) << created.status();
  }

  // A budget that lets none of the `app` pods go until relaxed.
  void CreateBudget(const std::string& name, const std::string& app, int min_available) {
    auto created = client_->Create(
        kBudgets,
        {{"apiVersion", "policy/v1"},
         {"kind", "PodDisruptionBudget"},
         {"metadata", {{"name", name}}},
         {"spec",
          {{"minAvailable", min_available}, {"selector", {{"matchLabels", {{"app", app}}}}}}}});
    ASSERT_TRUE(created.ok()) << created.status();
  }
  void SetBudget(const std::string& name, int min_available) {
    auto patched = client_->Patch(kBudgets.WithName(name), kube::PatchType::kMerge,
                                  {{"spec", {{"minAvailable", min_available}}}});
    ASSERT_TRUE(patched.ok()) << patched.status();
  }

  void CreateEvent(const EventSpec& spec) {
    kube::HealthEventSpec event;
    event.agent = "health-provider";
    event.component_class = "GPU";
    event.check_name = spec.check;
    event.is_fatal = spec.fatal;
    event.is_healthy = spec.healthy;
    event.message = "GPU has fallen off the bus";
    event.recommended_action = spec.action;
    event.error_codes = {"79"};
    event.entities_impacted = {{"GPU", spec.gpu}, {"GPU_UUID", "GPU-0000-" + spec.gpu}};
    event.generated_timestamp = clock_.Now();
    event.node_name = spec.node;
    event.processing_strategy = spec.strategy;
    auto created =
        client_->Create(kube::HealthEventsResource(), kube::NewHealthEvent(spec.name, event));
    ASSERT_TRUE(created.ok()) << created.status();
  }

  kube::HealthEvent Event(const std::string& name) {
    auto event = client_->Get(kube::HealthEventsResource().WithName(name));
    EXPECT_TRUE(event.ok()) << event.status();
    return kube::HealthEvent(event.ok() ? *std::move(event) : json::object());
  }
  kube::Node Node(const std::string& name) {
    auto node = client_->Get(kNodes.WithName(name));
    EXPECT_TRUE(node.ok()) << node.status();
    return kube::Node(node.ok() ? *std::move(node) : json::object());
  }
  // The pod, or null when it is gone.
  std::optional<json> Pod(const std::string& name) {
    auto pod = client_->Get(kPods.WithName(name));
    if (!pod.ok()) return std::nullopt;
    return *std::move(pod);
  }
  // The reasons of the Kubernetes Events recorded about `kind` `name`.
  // Events of cluster-scoped objects are in "default", others in their own namespace.
  std::vector<std::string> EventReasons(const std::string& kind, const std::string& name,
                                        const std::string& namespace_name = "default") {
    std::vector<std::string> reasons;
    for (const char* group : {"events.k8s.io", ""}) {
      auto list = client_->List({.group = group,
                                 .version = "v1",
                                 .resource = "events",
                                 .namespace_name = namespace_name});
      if (!list.ok()) continue;
      for (json item : (*list)["items"]) {
        // List items may leave apiVersion out; it says which fields to read.
        if (!item.contains("apiVersion")) {
          item["apiVersion"] = std::string(group).empty() ? "v1" : "events.k8s.io/v1";
        }
        const kube::Event event(std::move(item));
        if (event.regarding().kind == kind && event.regarding().name == name) {
          reasons.push_back(event.reason());
        }
      }
    }
    return reasons;
  }

  bool PodRunning(const std::string& name) {
    std::optional<json> pod = Pod(name);
    return pod && (*pod)["status"].value("phase", "") == "Running";
  }

  bool EventuallyPhase(const std::string& name, kube::HealthEventPhase phase) {
    return Eventually([&] {
      kube::HealthEvent event = Event(name);
      return event.HasPhase() && event.phase() == phase;
    });
  }
  bool EventuallyConditionReason(const std::string& name, std::string_view type,
                                 std::string_view reason) {
    return Eventually([&] {
      std::vector<kube::Condition> conditions = Event(name).conditions();
      const kube::Condition* condition = kube::FindCondition(conditions, type);
      return condition != nullptr && condition->reason == reason;
    });
  }

  // The janitor's part: marks `kind` `name` started, reboots its node with
  // the simulated kubelet (RebootNode) and waits for it to be Ready again,
  // then marks it finished, succeeded or not.
  void ActAsJanitor(const std::string& kind, const std::string& name, bool succeed = true) {
    const bool reboot = kind == "RebootNode";
    const kube::ResourceRef resource =
        (reboot ? kube::RebootNodesResource() : kube::GpuResetsResource()).WithName(name);
    auto read = client_->Get(resource);
    ASSERT_TRUE(read.ok()) << read.status();
    kube::JanitorRequest request(*std::move(read));
    kube::Condition started;
    started.type = reboot ? kube::kRebootSignalSent : "ResetStarted";
    started.status = kube::ConditionStatus::kTrue;
    started.reason = "Started";
    kube::ObjectPatch patch = kube::JanitorStartedPatch(request, started, clock_.Now());
    auto written = client_->Patch(resource.WithSubresource("status"), patch.type, patch.body);
    ASSERT_TRUE(written.ok()) << written.status();
    if (reboot) {
      ASSERT_TRUE(kubelet_->RebootNode(request.node_name(), absl::Milliseconds(300)).ok());
      ASSERT_TRUE(Eventually([&] {
        return kubelet_->NodeUp(request.node_name()) && Node(request.node_name()).Ready();
      }));
    }
    kube::JanitorRequest running(*std::move(written));
    kube::Condition finished;
    finished.type = reboot ? kube::kRebootNodeReady : kube::kGpuResetComplete;
    finished.status = succeed ? kube::ConditionStatus::kTrue : kube::ConditionStatus::kFalse;
    finished.reason = succeed ? "Done" : "Timeout";
    finished.message = succeed ? "done" : "node did not come back within 10m";
    patch = kube::JanitorFinishedPatch(running, finished, clock_.Now());
    written = client_->Patch(resource.WithSubresource("status"), patch.type, patch.body);
    ASSERT_TRUE(written.ok()) << written.status();
  }

  // The publisher's part when the GPU recovers (publisher::RecoveredPatch).
  void MarkHealthy(const std::string& event) {
    auto patched = client_->Patch(kube::HealthEventsResource().WithName(event),
                                  kube::PatchType::kMerge, {{"spec", {{"isHealthy", true}}}});
    ASSERT_TRUE(patched.ok()) << patched.status();
  }

  // An operator's approval of a manual remediation.
  void Approve(const std::string& event) {
    auto patched = client_->Patch(
        kube::HealthEventsResource().WithName(event), kube::PatchType::kMerge,
        {{"metadata",
          {{"annotations", {{"nvsentinel.nvidia.com/remediation-approved", "true"}}}}}});
    ASSERT_TRUE(patched.ok()) << patched.status();
  }

  // The names of the `resource` objects (RebootNodes, GPUResets).
  std::vector<std::string> Names(const kube::ResourceRef& resource) {
    std::vector<std::string> names;
    auto list = client_->List(resource);
    EXPECT_TRUE(list.ok()) << list.status();
    if (!list.ok()) return names;
    for (const json& item : (*list)["items"]) names.push_back(item["metadata"]["name"]);
    return names;
  }

  // Sets `event`'s status phase directly, as an earlier controller would have.
  void SetPhase(const std::string& event, kube::HealthEventPhase phase) {
    kube::HealthEvent current = Event(event);
    kube::ObjectPatch patch = kube::HealthEventPhasePatch(current, phase, clock_.Now());
    auto patched =
        client_->Patch(kube::HealthEventsResource().WithName(event).WithSubresource("status"),
                       patch.type, patch.body);
    ASSERT_TRUE(patched.ok()) << patched.status();
  }

  core::SystemClock clock_;
  std::unique_ptr<sim::ApiServer> server_;
  std::unique_ptr<kube::RestClient> client_;
  std::unique_ptr<sim::SimKubelet> kubelet_;

 private:
  struct Running {
    std::unique_ptr<kube::RestClient> client;
    std::unique_ptr<kube::EventRecorder> recorder;
    std::unique_ptr<HealthEventController> controller;
  };
  std::vector<std::unique_ptr<Running>> controllers_;
};

}  // namespace nvsx::controller::testing
