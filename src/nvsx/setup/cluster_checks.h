#pragma once

// The readiness checks `nvsx doctor` prints and `nvsx setup` walks through:
// each asks the cluster one question and answers with a verdict and a line.

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "kube/rest_client.h"
#include "nvsx/runbook_catalog.h"

namespace nvsx::setup {

enum class Verdict { kOk, kWarn, kFail };

struct Check {
  Verdict verdict;
  std::string name;
  std::string detail;
};

// "ok    API server                               https://..." (no newline).
std::string FormatCheck(const Check& check);

// Which context and server the client talks to ("kind-gpu at https://...").
Check CheckKubeContext(const kube::RestClient& client);

// The API server answers /version.
Check CheckApiServer(kube::RestClient& client);

// NVSentinel's pieces and ours: the HealthEvent CRD (fail when missing), the
// janitor's RebootNode and GPUReset CRDs (warn), a controller holding the
// nvsentinel/nvsentinel-controller Lease and renewing it (warn), and the pods
// in namespace nvsentinel (warn when some are not Running).
std::vector<Check> CheckNvsentinel(kube::RestClient& client, absl::Time now);

// The runbooks in `location` load (fail when one does not).
Check CheckRunbooks(const absl::StatusOr<op::RunbookLocation>& location);

}  // namespace nvsx::setup
