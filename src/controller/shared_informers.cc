#include "controller/shared_informers.h"

#include "controller/circuit_breaker.h"
#include "core/str_cat.h"
#include "kube/types/gpu_reset.h"
#include "kube/types/health_event.h"
#include "kube/types/reboot_node.h"

namespace nvsx::controller {
namespace {

kube::InformerOptions OptionsFor(kube::ResourceRef resource, bool by_node,
                                 const SharedInformersOptions& shared) {
  kube::InformerOptions options;
  options.reflector.resource = std::move(resource);
  if (by_node) options.indexers = {{kube::kNodeNameIndex, kube::IndexByNodeName}};
  options.transform = kube::StripManagedFields;
  options.resync_period = shared.resync_period;
  return options;
}

// Nodes, indexed for the circuit breaker, holding what the controllers read:
// labels (GPU node, opt-out), annotations (our quarantine record), the
// cordon, the taints and the conditions (Ready, ours); not the images,
// addresses and capacities that make up most of a node.
kube::InformerOptions NodeOptions(const SharedInformersOptions& shared) {
  kube::InformerOptions options =
      OptionsFor({.group = "", .version = "v1", .resource = "nodes"}, false, shared);
  options.indexers = BreakerIndexers();
  absl::StatusOr<kube::Transform> view =
      kube::KeepFields({"/metadata/labels", "/metadata/annotations", "/spec/unschedulable",
                        "/spec/taints", "/status/conditions"});
  if (view.ok()) options.transform = *std::move(view);  // constant pointers: always ok
  return options;
}

// Pods, indexed by node, holding what `shared.pod_transform` keeps.
kube::InformerOptions PodOptions(const SharedInformersOptions& shared) {
  kube::InformerOptions options =
      OptionsFor({.group = "", .version = "v1", .resource = "pods"}, true, shared);
  if (shared.pod_transform) options.transform = shared.pod_transform;
  return options;
}

}  // namespace

SharedInformers::SharedInformers(kube::RestClient* client, core::WaitableClock* clock,
                                 SharedInformersOptions options, core::Logger logger)
    : events_(std::make_unique<kube::Informer>(
          client, clock, OptionsFor(kube::HealthEventsResource(), true, options),
          logger.With({{"informer", "healthevents"}}))),
      nodes_(std::make_unique<kube::Informer>(client, clock, NodeOptions(options),
                                              logger.With({{"informer", "nodes"}}))),
      pods_(std::make_unique<kube::Informer>(client, clock, PodOptions(options),
                                             logger.With({{"informer", "pods"}}))),
      reboot_nodes_(std::make_unique<kube::Informer>(
          client, clock, OptionsFor(kube::RebootNodesResource(), true, options),
          logger.With({{"informer", "rebootnodes"}}))),
      gpu_resets_(std::make_unique<kube::Informer>(
          client, clock, OptionsFor(kube::GpuResetsResource(), true, options),
          logger.With({{"informer", "gpuresets"}}))) {
  kube::InformerOptions config = OptionsFor({.group = "",
                                             .version = "v1",
                                             .resource = "configmaps",
                                             .namespace_name = options.ttl_config_namespace},
                                            false, options);
  config.reflector.field_selector = core::StrCat("metadata.name=", options.ttl_config_name);
  ttl_config_ = std::make_unique<kube::Informer>(client, clock, std::move(config),
                                                 logger.With({{"informer", "ttl-configmap"}}));
}

std::vector<kube::Informer*> SharedInformers::All() {
  return {events_.get(),       nodes_.get(),      pods_.get(),
          reboot_nodes_.get(), gpu_resets_.get(), ttl_config_.get()};
}

void SharedInformers::Start() {
  for (kube::Informer* informer : All()) informer->Start();
}

bool SharedInformers::WaitForCacheSync(absl::Duration timeout) {
  for (kube::Informer* informer : All()) {
    if (!informer->WaitForCacheSync(timeout)) return false;
  }
  return true;
}

void SharedInformers::Stop() {
  for (kube::Informer* informer : All()) informer->Stop();
}

}  // namespace nvsx::controller
