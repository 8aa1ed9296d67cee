#include "sim_nodes/fault_injector.h"

#include <string>

#include "core/str_cat.h"

namespace nvsx::sim_nodes {

FaultInjector::FaultInjector(kube::RestClient* client, core::WaitableClock* clock,
                             FaultTarget* target, core::Logger logger)
    : client_(client), target_(target), logger_(std::move(logger)) {
  kube::InformerOptions options;
  options.reflector.resource = FaultRequestsResource();
  options.reflector.label_selector = FaultRequestSelector();
  informer_ = std::make_unique<kube::Informer>(client, clock, options, logger_);
  informer_->AddEventHandlers(kube::EventHandlers{
      .on_add = [this](const nlohmann::json& object) { Handle(object); },
      .on_update = [this](const nlohmann::json&, const nlohmann::json& object) { Handle(object); },
  });
}

FaultInjector::~FaultInjector() { Stop(); }

void FaultInjector::Start() { informer_->Start(); }

void FaultInjector::Stop() { informer_->Stop(); }

void FaultInjector::Handle(const nlohmann::json& config_map) {
  const nlohmann::json metadata = config_map.value("metadata", nlohmann::json::object());
  const nlohmann::json annotations = metadata.value("annotations", nlohmann::json::object());
  if (annotations.contains(std::string(kFaultResultAnnotation))) return;
  const std::string name = metadata.value("name", std::string());
  std::string result;
  absl::StatusOr<FaultRequest> request = ParseFaultRequest(config_map);
  if (!request.ok()) {
    if (!target_->AnswersMalformed()) return;
    result = core::StrCat("failed: ", request.status().message());
  } else if (!target_->Serves(*request)) {
    return;
  } else if (absl::Status applied = target_->Apply(*request); !applied.ok()) {
    result = core::StrCat("failed: ", applied.message());
  } else {
    result = core::StrCat("applied: ", DescribeFaultRequest(*request));
  }
  logger_.Info("fault request", {{"request", name}, {"result", result}});
  const nlohmann::json patch = {
      {"metadata", {{"annotations", {{kFaultResultAnnotation, result}}}}}};
  absl::StatusOr<nlohmann::json> patched =
      client_->Patch(FaultRequestsResource().WithName(name), kube::PatchType::kMerge, patch);
  if (!patched.ok()) {
    logger_.Warn("cannot record a fault request's result",
                 {{"request", name}, {"error", std::string(patched.status().message())}});
  }
}

}  // namespace nvsx::sim_nodes
