#pragma once

#include <memory>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "core/clock.h"
#include "core/logger.h"
#include "kube/informer.h"
#include "kube/object_transform.h"
#include "kube/rest_client.h"

namespace nvsx::controller {

struct SharedInformersOptions {
  // Every informer hands every cached object to its handlers again this
  // often, so level-triggered controllers re-check what no change woke.
  absl::Duration resync_period = absl::Minutes(5);
  // The ConfigMap the TTL policy is read from (ttl_policy.h).
  std::string ttl_config_namespace = "nvsentinel";
  std::string ttl_config_name = "nvsentinel-ttl";
  // What the Pod cache keeps of each pod; empty: all but managedFields.
  kube::Transform pod_transform;
};

// The caches the HealthEvent controllers share: HealthEvents, Pods and the
// janitor's RebootNodes and GPUResets indexed by node name
// (kube::kNodeNameIndex), Nodes (indexed for the circuit breaker,
// BreakerIndexers), and the TTL policy's ConfigMap alone. One
// list+watch per resource however many controllers read it.
class SharedInformers {
 public:
  // `client` and `clock` must outlive the informers.
  SharedInformers(kube::RestClient* client, core::WaitableClock* clock,
                  SharedInformersOptions options, core::Logger logger);

  kube::Informer& events() { return *events_; }
  kube::Informer& nodes() { return *nodes_; }
  kube::Informer& pods() { return *pods_; }
  kube::Informer& reboot_nodes() { return *reboot_nodes_; }
  kube::Informer& gpu_resets() { return *gpu_resets_; }
  kube::Informer& ttl_config() { return *ttl_config_; }

  // Add handlers before Start(). Start once.
  void Start();
  // True once every cache holds its first complete list.
  bool WaitForCacheSync(absl::Duration timeout);
  void Stop();

 private:
  std::vector<kube::Informer*> All();

  std::unique_ptr<kube::Informer> events_;
  std::unique_ptr<kube::Informer> nodes_;
  std::unique_ptr<kube::Informer> pods_;
  std::unique_ptr<kube::Informer> reboot_nodes_;
  std::unique_ptr<kube::Informer> gpu_resets_;
  std::unique_ptr<kube::Informer> ttl_config_;
};

}  // namespace nvsx::controller
