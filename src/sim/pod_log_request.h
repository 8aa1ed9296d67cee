#pragma once

// GET /api/v1/namespaces/NS/pods/NAME/log, answered as the real API server
// (and the kubelet behind it) answers: the container's log as text/plain;
// with follow=true a chunked stream of new lines until the container ends,
// the pod goes, the client leaves or the server stops. Query parameters:
// container, follow, previous, tailLines, sinceSeconds, sinceTime,
// timestamps, limitBytes.

#include <atomic>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "httplib.h"
#include "nlohmann/json.hpp"
#include "sim/pod_logs.h"

namespace nvsx::sim {

// The container a log request reads: `requested`, or the only one the pod
// has. 400 BadRequest, worded as the real server's, for a name the pod does
// not have or none given for a pod with several.
absl::StatusOr<std::string> LogContainer(const nlohmann::json& pod, const std::string& requested);

// Answers the log request for `pod` (as stored; the caller answers 404 for a
// missing one) into `response`, streaming when it asks to follow. Errors are
// ApiError statuses: 400 for a bad parameter or container, or a container
// that has not started; 422 for values out of range. `logs` and `stopping`
// must outlive the response.
absl::Status ServePodLog(PodLogs& logs, const nlohmann::json& pod, const httplib::Request& request,
                         httplib::Response& response, const std::atomic<bool>& stopping);

}  // namespace nvsx::sim
