#include "controller/shared_informers.h"

#include "kube/types/health_event.h"

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

}  // namespace

SharedInformers::SharedInformers(kube::RestClient* client, core::WaitableClock* clock,
                                 SharedInformersOptions options, core::Logger logger)
    : events_(std::make_unique<kube::Informer>(
          client, clock, OptionsFor(kube::HealthEventsResource(), true, options),
          logger.With({{"informer", "healthevents"}}))),
      nodes_(std::make_unique<kube::Informer>(
          client, clock,
          OptionsFor({.group = "", .version = "v1", .resource = "nodes"}, false, options),
          logger.With({{"informer", "nodes"}}))),
      pods_(std::make_unique<kube::Informer>(
          client, clock,
          OptionsFor({.group = "", .version = "v1", .resource = "pods"}, true, options),
          logger.With({{"informer", "pods"}}))) {}

void SharedInformers::Start() {
  events_->Start();
  nodes_->Start();
  pods_->Start();
}

bool SharedInformers::WaitForCacheSync(absl::Duration timeout) {
  return events_->WaitForCacheSync(timeout) && nodes_->WaitForCacheSync(timeout) &&
         pods_->WaitForCacheSync(timeout);
}

void SharedInformers::Stop() {
  events_->Stop();
  nodes_->Stop();
  pods_->Stop();
}

}  // namespace nvsx::controller
