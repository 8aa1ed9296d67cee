#pragma once

#include <memory>
#include <vector>

#include "core/clock.h"
#include "core/logger.h"
#include "kube/informer.h"
#include "kube/rest_client.h"
#include "nvsx/runbook.h"
#include "nvsx/serve/dispatcher.h"

namespace nvsx::serve {

// `nvsx serve --mode watch`: watches HealthEvents and, for each open fatal
// one, submits the runbook MatchRunbook picks, for the event's node. The
// idempotency key "healthevent/UID" makes it once per event, across restarts
// too (the key is in the trigger store). Event-driven: a new event fires as
// soon as the watch delivers it.
class HealthEventWatch {
 public:
  // `client`, `clock` and `dispatcher` must outlive this.
  HealthEventWatch(kube::RestClient* client, core::WaitableClock* clock, Dispatcher* dispatcher,
                   std::vector<op::Runbook> runbooks, core::Logger logger);
  ~HealthEventWatch();

  void Start();
  void Stop();
  // True once every event that existed at Start() was looked at.
  bool HasSynced() const { return informer_.HasSynced(); }

 private:
  void Consider(const nlohmann::json& object);

  Dispatcher* const dispatcher_;
  const std::vector<op::Runbook> runbooks_;
  core::Logger logger_;
  kube::Informer informer_;
};

}  // namespace nvsx::serve
