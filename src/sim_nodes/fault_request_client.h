#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "core/clock.h"
#include "core/logger.h"
#include "kube/rest_client.h"
#include "sim_nodes/fault_request.h"

namespace nvsx::sim_nodes {

// The client's side of a fault request (see fault_request.h): creates the
// ConfigMap, waits up to `timeout` of `clock` for the sim's result, then
// deletes the request whether or not a result came, so that a late sim never
// applies it. Returns the sim's "applied: ..." text; a "failed: WHY" result is
// kInvalidArgument with message WHY; no result in time is kUnavailable
// (no sim is serving this cluster). `logger` hears of a request it could not
// delete.
absl::StatusOr<std::string> SubmitFaultRequest(kube::RestClient& client,
                                               const FaultRequest& request, absl::Duration timeout,
                                               core::WaitableClock& clock, core::Logger logger);

}  // namespace nvsx::sim_nodes
