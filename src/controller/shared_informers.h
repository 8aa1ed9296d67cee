#pragma once

#include <memory>

#include "absl/time/time.h"
#include "core/clock.h"
#include "core/logger.h"
#include "kube/informer.h"
#include "kube/rest_client.h"

namespace nvsx::controller {

struct SharedInformersOptions {
  // Every informer hands every cached object to its handlers again this
  // often, so level-triggered controllers re-check what no change woke.
  absl::Duration resync_period = absl::Minutes(5);
};

// The caches the HealthEvent controllers share: HealthEvents and Pods indexed
// by node name (kube::kNodeNameIndex), and Nodes. One list+watch per
// resource however many controllers read it.
class SharedInformers {
 public:
  // `client` and `clock` must outlive the informers.
  SharedInformers(kube::RestClient* client, core::WaitableClock* clock,
                  SharedInformersOptions options, core::Logger logger);

  kube::Informer& events() { return *events_; }
  kube::Informer& nodes() { return *nodes_; }
  kube::Informer& pods() { return *pods_; }

  // Add handlers before Start(). Start once.
  void Start();
  // True once all three caches hold their first complete list.
  bool WaitForCacheSync(absl::Duration timeout);
  void Stop();

 private:
  std::unique_ptr<kube::Informer> events_;
  std::unique_ptr<kube::Informer> nodes_;
  std::unique_ptr<kube::Informer> pods_;
};

}  // namespace nvsx::controller
