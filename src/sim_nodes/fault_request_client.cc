#include "sim_nodes/fault_request_client.h"

#include "core/duration.h"
#include "core/status_macros.h"
#include "core/str_cat.h"
#include "kube/api_error.h"

namespace nvsx::sim_nodes {
namespace {

constexpr std::string_view kFailedPrefix = "failed: ";

// Waits for the sim's verdict on request `name`: its result annotation.
absl::StatusOr<std::string> AwaitResult(kube::RestClient& client, const std::string& name,
                                        absl::Duration timeout, core::WaitableClock& clock) {
  const kube::ResourceRef ref = FaultRequestsResource().WithName(name);
  const absl::Time deadline = clock.Now() + timeout;
  while (true) {
    NVSX_ASSIGN_OR_RETURN(nlohmann::json request, client.Get(ref));
    const nlohmann::json annotations =
        request["metadata"].value("annotations", nlohmann::json::object());
    auto result = annotations.find(std::string(kFaultResultAnnotation));
    if (result != annotations.end() && result->is_string()) return result->get<std::string>();
    if (clock.Now() >= deadline) {
      return absl::UnavailableError(core::StrCat(
          "no simulated cluster took the request within ", core::DurationString(timeout),
          "; is `nvsentinel sim` running with this kubeconfig? (With --node-agents external, "
          "the node's `nvsentinel health-provider --backend sim --sim-fault-requests` takes "
          "its GPU faults.)"));
    }
    clock.SleepFor(absl::Milliseconds(20));
  }
}

}  // namespace

absl::StatusOr<std::string> SubmitFaultRequest(kube::RestClient& client,
                                               const FaultRequest& request, absl::Duration timeout,
                                               core::WaitableClock& clock, core::Logger logger) {
  NVSX_RETURN_IF_ERROR(ValidateFaultRequest(request));
  absl::StatusOr<nlohmann::json> created =
      client.Create(FaultRequestsResource(), FaultRequestConfigMap(request));
  if (!created.ok()) return core::Annotate(created.status(), "creating the fault request");
  const std::string name = (*created)["metadata"].value("name", std::string());
  absl::StatusOr<std::string> result = AwaitResult(client, name, timeout, clock);
  // Done with, or given up on: either way a late sim must not apply it.
  absl::Status deleted = client.Delete(FaultRequestsResource().WithName(name));
  if (!deleted.ok() && !kube::apierrors::IsNotFound(deleted)) {
    logger.Warn("cannot delete the fault request",
                {{"request", name}, {"error", std::string(deleted.message())}});
  }
  if (!result.ok()) return result.status();
  if (result->starts_with(kFailedPrefix)) {
    return absl::InvalidArgumentError(result->substr(kFailedPrefix.size()));
  }
  return result;
}

}  // namespace nvsx::sim_nodes
