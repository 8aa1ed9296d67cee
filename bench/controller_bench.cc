// Figures for the HealthEvent controller (issue 5), printed, not asserted.
// NVSentinel's published scale test: 750 of 1,500 nodes failing at once, P90
// time to cordon 419 s. Here, on the embedded cluster with the breaker set
// to allow it: 1,500 GPU nodes, 750 fatal HealthEvents created at once (one
// per node, by 32 writers), and
//   - time to cordon: from an event's creation (the moment its writer sends
//     the POST) to its node seen cordoned (spec.unschedulable) by a watch;
//     also from the burst's start (the first POST), which adds the time the
//     writers take to create the events;
//   - time to Drained: from an event's creation to the event seen Drained by
//     a watch (no pods run on the nodes, so a drain is one status write);
// P50/P90/P99; then single events, one at a time on fresh nodes, from
// creation to Quarantined (seen by a watch, and as status.phaseTimes says).
// The controller runs in-process as `nvsentinel controller` runs it: one
// client shared with its Kubernetes Event recorder, and metrics. The API
// server, the controller, the writers and the watches share this machine's
// cores: the CPU line says how much they used together. The client-side
// rate limit is off by default (`nvsentinel controller --qps 0`); the
// program's default --qps 20 --burst 50 caps a burst at 20 writes/s, which
// the output turns into what it would mean here.
// Run: build/bin/controller_bench [nodes] [failing] [sequential] [workers] [qps] [burst]

#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/time/clock.h"
#include "controller/controller_metrics.h"
#include "controller/health_event_controller.h"
#include "controller/names.h"
#include "core/clock.h"
#include "core/logger.h"
#include "core/metrics.h"
#include "kube/event_recorder.h"
#include "kube/informer.h"
#include "kube/rest_client.h"
#include "kube/types/health_event.h"
#include "kube/types/health_event_patches.h"
#include "kube/types/json_fields.h"
#include "sim/api_server.h"
#include "sim/sim_cluster.h"

namespace {

using nvsx::core::SystemClock;
namespace kube = nvsx::kube;

double Percentile(std::vector<double> values, double p) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  return values[static_cast<size_t>(p * static_cast<double>(values.size() - 1))];
}

void Print(const char* what, const std::vector<double>& ms) {
  std::printf("  %-38s n=%-4zu p50 %8.1f ms   p90 %8.1f ms   p99 %8.1f ms   max %8.1f ms\n", what,
              ms.size(), Percentile(ms, 0.5), Percentile(ms, 0.9), Percentile(ms, 0.99),
              ms.empty() ? 0.0 : *std::max_element(ms.begin(), ms.end()));
}

// When each node was first seen cordoned and each event first seen in each
// phase, by watches of their own.
class Sightings {
 public:
  void Node(const nlohmann::json& node, absl::Time now) {
    if (!node.value("spec", nlohmann::json::object()).value("unschedulable", false)) return;
    std::lock_guard lock(mu_);
    cordoned_.try_emplace(node["metadata"]["name"].get<std::string>(), now);
    cv_.notify_all();
  }
  void Event(const nlohmann::json& object, absl::Time now) {
    const kube::HealthEvent event(object);
    if (!event.HasPhase()) return;
    std::lock_guard lock(mu_);
    const bool first = phases_[event.metadata().name()].try_emplace(event.phase(), now).second;
    if (first && event.phase() == kube::HealthEventPhase::kDrained) ++drained_;
    if (auto q = event.PhaseTime(kube::HealthEventPhase::kQuarantined)) {
      if (auto n = event.PhaseTime(kube::HealthEventPhase::kNew)) {
        status_new_to_quarantined_.try_emplace(event.metadata().name(), *q - *n);
      }
    }
    cv_.notify_all();
  }
  // Calls `read` under the lock.
  template <typename Read>
  void With(Read read) {
    std::lock_guard lock(mu_);
    read(*this);
  }
  // Waits until `done` holds (checked under the lock), at most `limit`.
  template <typename Pred>
  bool WaitFor(Pred done, absl::Duration limit) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, absl::ToChronoNanoseconds(limit), [&] { return done(*this); });
  }

  std::map<std::string, absl::Time> cordoned_;
  std::map<std::string, std::map<kube::HealthEventPhase, absl::Time>> phases_;
  std::map<std::string, absl::Duration> status_new_to_quarantined_;
  // Events seen Drained (counted as they come: a waiter's check must not
  // walk every event on each sighting).
  size_t drained_ = 0;

 private:
  std::mutex mu_;
  std::condition_variable cv_;
};

kube::HealthEventSpec FaultOn(const std::string& node, absl::Time now) {
  kube::HealthEventSpec spec;
  spec.agent = "controller-bench";
  spec.component_class = "GPU";
  spec.check_name = "SysLogsXIDError";
  spec.is_fatal = true;
  spec.message = "GPU has fallen off the bus";
  spec.recommended_action = kube::RecommendedAction::kRestartBm;
  spec.error_codes = {"79"};
  spec.entities_impacted = {{"GPU", "0"}, {"GPU_UUID", "GPU-" + node + "-0"}};
  spec.generated_timestamp = now;
  spec.node_name = node;
  spec.processing_strategy = kube::ProcessingStrategy::kExecuteRemediation;
  return spec;
}

// CPU time this process has used (every thread: server, controller, watches, writers).
absl::Duration ProcessCpu() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  auto of = [](const timeval& t) {
    return absl::Seconds(t.tv_sec) + absl::Microseconds(t.tv_usec);
  };
  return of(usage.ru_utime) + of(usage.ru_stime);
}

// The API server's resourceVersion: one more for every write it accepted.
int64_t Writes(kube::RestClient& client) {
  auto list = client.List({.group = "", .version = "v1", .resource = "namespaces"}, {.limit = 1});
  if (!list.ok()) return 0;
  int64_t version = 0;
  const nlohmann::json* found = kube::FieldAt(*list, {"metadata", "resourceVersion"});
  if (found != nullptr && found->is_string())
    version = std::atoll(found->get<std::string>().c_str());
  return version;
}

// Waits until the server has taken no write for `quiet`, at most `limit`.
int64_t WaitForQuiet(kube::RestClient& client, absl::Duration quiet, absl::Duration limit) {
  const absl::Time deadline = absl::Now() + limit;
  int64_t last = Writes(client);
  while (absl::Now() < deadline) {
    absl::SleepFor(quiet);
    const int64_t now = Writes(client);
    if (now == last) break;
    last = now;
  }
  return last;
}

std::unique_ptr<kube::Informer> Watch(kube::RestClient* client, SystemClock* clock,
                                      kube::ResourceRef resource,
                                      std::function<void(const nlohmann::json&)> seen) {
  kube::InformerOptions options;
  options.reflector.resource = std::move(resource);
  auto informer = std::make_unique<kube::Informer>(client, clock, options);
  informer->AddEventHandlers(
      {.on_add = seen,
       .on_update = [seen](const nlohmann::json&, const nlohmann::json& object) { seen(object); }});
  informer->Start();
  return informer;
}

}  // namespace

int main(int argc, char** argv) {
  const int nodes = argc > 1 ? std::atoi(argv[1]) : 1500;
  const int failing = argc > 2 ? std::atoi(argv[2]) : 750;
  const int sequential = argc > 3 ? std::atoi(argv[3]) : 200;
  const int workers = argc > 4 ? std::atoi(argv[4]) : 16;
  const double qps = argc > 5 ? std::atof(argv[5]) : 0;
  const int burst = argc > 6 ? std::atoi(argv[6]) : 50;
  if (failing < 1 || failing + sequential > nodes) {
    std::fprintf(stderr, "need 1 <= failing and failing + sequential <= nodes\n");
    return 2;
  }
  SystemClock clock;
  nvsx::sim::ApiServerOptions server_options;
  server_options.max_body_bytes = 64 << 20;
  nvsx::sim::ApiServer api(&clock, server_options);
  if (!api.Start().ok()) return 1;
  kube::RestConfig config;
  config.server = api.url();
  auto new_client = [&](double client_qps, int client_burst) {
    kube::RestClientOptions options;
    options.clock = &clock;
    options.qps = client_qps;
    options.burst = client_burst;
    options.timeout = absl::Minutes(2);
    return *kube::RestClient::New(config, options);
  };
  auto client = new_client(0, 0);
  nvsx::sim::SimClusterOptions cluster{.nodes = nodes};
  if (!nvsx::sim::SeedSimCluster(*client, cluster, clock.Now()).ok()) return 1;

  Sightings seen;
  auto watch_client = new_client(0, 0);
  auto node_watch =
      Watch(watch_client.get(), &clock, {.group = "", .version = "v1", .resource = "nodes"},
            [&](const nlohmann::json& node) { seen.Node(node, clock.Now()); });
  auto event_watch = Watch(watch_client.get(), &clock, kube::HealthEventsResource(),
                           [&](const nlohmann::json& event) { seen.Event(event, clock.Now()); });
  node_watch->WaitForCacheSync(absl::Minutes(2));
  event_watch->WaitForCacheSync(absl::Minutes(2));

  // As `nvsentinel controller` runs it: one client, shared with the Event
  // recorder, and metrics.
  auto controller_client = new_client(qps, burst);
  nvsx::core::MetricsRegistry registry;
  auto metrics = nvsx::controller::ControllerMetrics::Create(&registry);
  if (!metrics.ok()) return 1;
  kube::EventRecorderOptions recorder_options;
  recorder_options.clock = &clock;
  recorder_options.reporting_controller = std::string(nvsx::controller::kControllerName);
  recorder_options.reporting_instance = "controller-bench";
  kube::EventRecorder recorder(controller_client.get(), recorder_options,
                               nvsx::core::Logger::Discard());
  nvsx::controller::HealthEventControllerOptions options;
  options.loop.workers = workers;
  options.breaker.max_share = 1.0;  // allow 750 of 1,500 at once
  nvsx::controller::HealthEventController controller(controller_client.get(), &clock, &recorder,
                                                     metrics->get(), options,
                                                     nvsx::core::Logger::Discard());
  if (absl::Status started = controller.Start(); !started.ok()) {
    std::fprintf(stderr, "controller: %s\n", started.ToString().c_str());
    return 1;
  }
  double load[3] = {0, 0, 0};
  getloadavg(load, 3);
  std::printf("controller_bench: %d nodes, %d failing at once; controller: %d workers, ", nodes,
              failing, workers);
  if (qps > 0) {
    std::printf("client limit --qps %g --burst %d", qps, burst);
  } else {
    std::printf("no client rate limit (--qps 0)");
  }
  std::printf(", Events recorded, breaker max share 1.0; load average %.2f %.2f %.2f\n", load[0],
              load[1], load[2]);

  // 750 events at once, from 32 writers.
  std::vector<std::string> names(failing);
  std::vector<absl::Time> created(failing);
  std::atomic<int> next{0};
  std::atomic<int> errors{0};
  const int64_t writes_before = Writes(*client);
  const absl::Duration cpu_before = ProcessCpu();
  const absl::Time burst_start = clock.Now();
  std::vector<std::thread> writers;
  for (int w = 0; w < 32; ++w) {
    writers.emplace_back([&] {
      auto writer = new_client(0, 0);
      for (int i = next++; i < failing; i = next++) {
        const std::string node = nvsx::sim::SimNodeName(cluster, i);
        names[i] = "burst-" + node;
        created[i] = clock.Now();
        auto made = writer->Create(kube::HealthEventsResource(),
                                   kube::NewHealthEvent(names[i], FaultOn(node, created[i])));
        if (!made.ok()) ++errors;
      }
    });
  }
  for (std::thread& writer : writers) writer.join();
  std::printf("  created %d events in %.0f ms (%d errors)\n", failing,
              absl::ToDoubleMilliseconds(clock.Now() - burst_start), errors.load());

  const bool drained =
      seen.WaitFor([&](const Sightings& s) { return s.drained_ >= static_cast<size_t>(failing); },
                   absl::Minutes(5));
  const absl::Time all_drained = clock.Now();
  const absl::Duration cpu_to_drained = ProcessCpu() - cpu_before;
  // What follows Drained (the remediation object, Events) is part of each
  // event's cost too: count the writes once the server is quiet.
  recorder.Flush();
  const int64_t writes_after = WaitForQuiet(*client, absl::Milliseconds(300), absl::Minutes(1));
  recorder.Flush();

  std::vector<double> to_cordon, to_cordon_from_start, to_drained;
  absl::Time last_cordon = burst_start;
  seen.With([&](const Sightings& s) {
    for (int i = 0; i < failing; ++i) {
      auto cordon = s.cordoned_.find(nvsx::sim::SimNodeName(cluster, i));
      if (cordon != s.cordoned_.end()) {
        to_cordon.push_back(absl::ToDoubleMilliseconds(cordon->second - created[i]));
        to_cordon_from_start.push_back(absl::ToDoubleMilliseconds(cordon->second - burst_start));
        last_cordon = std::max(last_cordon, cordon->second);
      }
      auto phases = s.phases_.find(names[i]);
      if (phases != s.phases_.end() && phases->second.contains(kube::HealthEventPhase::kDrained)) {
        to_drained.push_back(absl::ToDoubleMilliseconds(
            phases->second.at(kube::HealthEventPhase::kDrained) - created[i]));
      }
    }
  });
  if (!drained) std::printf("  NOT ALL DRAINED within 5 min\n");
  std::printf("burst of %d (seen by a watch):\n", failing);
  Print("time to cordon (from event creation)", to_cordon);
  Print("time to cordon (from burst start)", to_cordon_from_start);
  Print("time to Drained (from event creation)", to_drained);
  std::printf("  last node cordoned %.0f ms, last event Drained %.0f ms after the burst began\n",
              absl::ToDoubleMilliseconds(last_cordon - burst_start),
              absl::ToDoubleMilliseconds(all_drained - burst_start));
  const kube::EventRecorderStats events = recorder.stats();
  const nvsx::controller::ReconcileLoopStats loop = controller.loop_stats();
  const double controller_writes = static_cast<double>(writes_after - writes_before - failing);
  std::printf(
      "  CPU until all Drained: %.1f s (%.1f ms per event; server, controller, writers and "
      "watches together)\n",
      absl::ToDoubleSeconds(cpu_to_drained), absl::ToDoubleMilliseconds(cpu_to_drained) / failing);
  std::printf(
      "  controller writes: %.0f (%.1f per event, Events among them: %llu created, %llu "
      "dropped, %llu failed); reconciles %llu (%llu failed)\n",
      controller_writes, controller_writes / failing,
      static_cast<unsigned long long>(events.created),
      static_cast<unsigned long long>(events.dropped),
      static_cast<unsigned long long>(events.failed),
      static_cast<unsigned long long>(loop.reconciles),
      static_cast<unsigned long long>(loop.errors));
  if (qps <= 0) {
    std::printf("  with the default --qps 20 --burst 50 these writes would take at least %.0f s\n",
                std::max(0.0, controller_writes - 50) / 20);
  }

  // Single events, one at a time, each on a node of its own.
  std::vector<double> seen_quarantined, status_quarantined;
  for (int k = 0; k < sequential; ++k) {
    const int index = failing + k;
    const std::string node = nvsx::sim::SimNodeName(cluster, index);
    const std::string name = "single-" + node;
    const absl::Time start = clock.Now();
    auto made = client->Create(kube::HealthEventsResource(),
                               kube::NewHealthEvent(name, FaultOn(node, start)));
    if (!made.ok()) continue;
    const bool ok = seen.WaitFor(
        [&](const Sightings& s) {
          auto it = s.phases_.find(name);
          return it != s.phases_.end() && it->second.contains(kube::HealthEventPhase::kQuarantined);
        },
        absl::Seconds(30));
    if (!ok) continue;
    seen.With([&](const Sightings& s) {
      seen_quarantined.push_back(absl::ToDoubleMilliseconds(
          s.phases_.at(name).at(kube::HealthEventPhase::kQuarantined) - start));
      auto status = s.status_new_to_quarantined_.find(name);
      if (status != s.status_new_to_quarantined_.end()) {
        status_quarantined.push_back(absl::ToDoubleMilliseconds(status->second));
      }
    });
  }
  std::printf("single events, one at a time:\n");
  Print("create -> Quarantined seen by a watch", seen_quarantined);
  Print("phaseTimes New -> Quarantined", status_quarantined);
  controller.Stop();
  recorder.Stop();
  event_watch->Stop();
  node_watch->Stop();
  api.Stop();
  return 0;
}
