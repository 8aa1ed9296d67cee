#include "publisher/publisher.h"

#include <memory>
#include <optional>
#include <random>
#include <utility>

#include "core/status_macros.h"
#include "core/str_cat.h"
#include "kube/api_error.h"

namespace nvsx::publisher {
namespace {

namespace v1 = ::nvidia::device::v1alpha1;

kube::UniformRandom OrSeeded(kube::UniformRandom random) {
  if (random) return random;
  auto engine = std::make_shared<std::mt19937_64>(std::random_device{}());
  return [engine] { return std::uniform_real_distribution<double>(0, 1)(*engine); };
}

std::string EventName(const nlohmann::json& event) {
  return event.value("metadata", nlohmann::json::object()).value("name", std::string());
}

}  // namespace

Publisher::Publisher(v1::GpuService::StubInterface* stub, kube::RestClient* client,
                     const health::XidCatalog* catalog, core::WaitableClock* clock,
                     core::Logger logger, PublisherOptions options)
    : client_(client),
      catalog_(catalog),
      clock_(clock),
      logger_(std::move(logger)),
      options_(std::move(options)),
      queue_(clock, kube::WorkQueueOptions{.failure_base = options_.retry_base,
                                           .failure_max = options_.retry_max}),
      watcher_(stub, clock, logger_, options_.watch_backoff, OrSeeded(options_.random),
               [this](const v1::Gpu& gpu) { OnGpu(gpu); }) {}

Publisher::~Publisher() { Stop(); }

void Publisher::Start() {
  work_thread_ = std::thread([this] { Work(); });
  watch_thread_ = std::thread([this] { watcher_.Run(); });
}

void Publisher::Stop() {
  if (stopping_.exchange(true)) return;
  watcher_.Stop();
  queue_.ShutDown();
  if (watch_thread_.joinable()) watch_thread_.join();
  if (work_thread_.joinable()) work_thread_.join();
}

void Publisher::OnGpu(const v1::Gpu& gpu) {
  {
    std::lock_guard lock(gpus_mu_);
    gpus_[gpu.metadata().name()] = gpu;
  }
  queue_.Add(gpu.metadata().name());
}

void Publisher::Work() {
  while (std::optional<std::string> name = queue_.Get()) {
    if (!stopping_.load()) {
      if (absl::Status synced = Sync(*name); synced.ok()) {
        queue_.Forget(*name);
      } else {
        if (options_.metrics != nullptr) options_.metrics->SyncFailed();
        logger_.Warn("cannot publish GPU health; retrying",
                     {{"gpu", *name},
                      {"attempt", queue_.NumRequeues(*name) + 1},
                      {"error", std::string(synced.message())}});
        queue_.AddRateLimited(*name);
      }
    }
    queue_.Done(*name);
  }
}

absl::Status Publisher::Sync(const std::string& name) {
  if (!ledger_.loaded()) NVSX_RETURN_IF_ERROR(LoadLedger());
  v1::Gpu gpu;
  {
    std::lock_guard lock(gpus_mu_);
    auto it = gpus_.find(name);
    if (it == gpus_.end()) return absl::OkStatus();
    gpu = it->second;
  }
  const GpuFault fault = JudgeGpu(gpu, *catalog_);
  const nlohmann::json* open = ledger_.Open(name);
  switch (fault.state) {
    case GpuState::kFatal:
      return open != nullptr ? UpdateEvent(*open, fault) : OpenEvent(fault);
    case GpuState::kDegraded:
      if (open == nullptr) return OpenEvent(fault);
      if (!IsFatalHealthEvent(*open)) return UpdateEvent(*open, fault);
      // The fatal fault is gone and a lesser one remains: close the fatal
      // event, then open one for what remains. Without a write token the
      // close is already requeued for later; requeueing now would spin.
      NVSX_RETURN_IF_ERROR(CloseEvent(name, *open));
      if (ledger_.Open(name) == nullptr) queue_.Add(name);
      return absl::OkStatus();
    case GpuState::kHealthy:
      return open != nullptr ? CloseEvent(name, *open) : absl::OkStatus();
    case GpuState::kUndetermined:
      return absl::OkStatus();
  }
  return absl::OkStatus();
}

absl::Status Publisher::LoadLedger() {
  kube::ListOptions list_options;
  list_options.label_selector = NodeEventSelector(options_.source.node_name);
  absl::StatusOr<nlohmann::json> list = client_->ListAll(HealthEventsResource(), list_options);
  if (!list.ok()) return core::Annotate(list.status(), "listing this node's HealthEvents");
  for (const nlohmann::json& extra : ledger_.Load(*list, options_.source.node_name)) {
    logger_.Warn("GPU has more than one open HealthEvent; following the newest",
                 {{"ignored", EventName(extra)}, {"gpu", EventGpuName(extra)}});
  }
  return absl::OkStatus();
}

absl::Status Publisher::OpenEvent(const GpuFault& fault) {
  const std::string name = HealthEventName(options_.source.node_name, fault);
  // This episode was reported and someone closed it already: once is enough.
  if (ledger_.WasClosed(name)) return absl::OkStatus();
  if (!TakeWriteToken(fault.gpu_name)) return absl::OkStatus();
  const nlohmann::json event = NewHealthEvent(fault, options_.source, clock_->Now());
  absl::StatusOr<nlohmann::json> created = client_->Create(
      HealthEventsResource(), event, kube::WriteOptions{.field_manager = options_.field_manager});
  if (kube::apierrors::IsAlreadyExists(created.status())) {
    // An earlier attempt got through without its answer reaching us.
    absl::StatusOr<nlohmann::json> existing = client_->Get(HealthEventsResource().WithName(name));
    if (!existing.ok()) {
      return core::Annotate(existing.status(), core::StrCat("reading HealthEvent ", name));
    }
    ledger_.Record(fault.gpu_name, *existing);
    if (IsOpenHealthEvent(*existing)) queue_.Add(fault.gpu_name);  // update it
    return absl::OkStatus();
  }
  if (!created.ok()) {
    return core::Annotate(created.status(), core::StrCat("creating HealthEvent ", name));
  }
  logger_.Warn("GPU fault published", {{"event", name},
                                       {"gpu", fault.index},
                                       {"check", fault.checks.front()},
                                       {"action", fault.recommended_action}});
  if (options_.metrics != nullptr) {
    options_.metrics->Opened();
    if (fault.onset != absl::UnixEpoch()) {
      options_.metrics->ObserveFaultToEvent(clock_->Now() - fault.onset);
    }
  }
  ledger_.Record(fault.gpu_name, *created);
  return absl::OkStatus();
}

absl::Status Publisher::UpdateEvent(const nlohmann::json& open, const GpuFault& fault) {
  const nlohmann::json spec = open.value("spec", nlohmann::json::object());
  const nlohmann::json desired = UpdatedSpec(spec, fault, options_.source);
  if (SpecHas(spec, desired)) return absl::OkStatus();
  if (!TakeWriteToken(fault.gpu_name)) return absl::OkStatus();
  const std::string name = EventName(open);
  nlohmann::json patch = {{"spec", desired}};
  if (desired.value("checkName", "") != spec.value("checkName", "")) {
    const std::string check = desired.value("checkName", "");
    patch["metadata"]["labels"][std::string(kCheckLabel)] =
        kube::IsLabelValue(check) ? nlohmann::json(check) : nlohmann::json(nullptr);
  }
  absl::StatusOr<nlohmann::json> patched =
      client_->Patch(HealthEventsResource().WithName(name), kube::PatchType::kMerge, patch,
                     kube::PatchOptions{.field_manager = options_.field_manager});
  if (kube::apierrors::IsNotFound(patched.status())) {
    // Deleted under us: the next sync opens a new one if the fault persists.
    ledger_.Forget(fault.gpu_name);
    queue_.Add(fault.gpu_name);
    return absl::OkStatus();
  }
  if (!patched.ok()) {
    return core::Annotate(patched.status(), core::StrCat("updating HealthEvent ", name));
  }
  if (options_.metrics != nullptr) options_.metrics->Updated();
  logger_.Info("GPU fault updated", {{"event", name}, {"xids", desired["errorCode"]}});
  ledger_.Record(fault.gpu_name, *patched);
  return absl::OkStatus();
}

absl::Status Publisher::CloseEvent(const std::string& gpu, const nlohmann::json& open) {
  if (!TakeWriteToken(gpu)) return absl::OkStatus();
  const std::string name = EventName(open);
  absl::StatusOr<nlohmann::json> patched = client_->Patch(
      HealthEventsResource().WithName(name), kube::PatchType::kMerge, RecoveredPatch(clock_->Now()),
      kube::PatchOptions{.field_manager = options_.field_manager});
  if (kube::apierrors::IsNotFound(patched.status())) {
    ledger_.Forget(gpu);
    return absl::OkStatus();
  }
  if (!patched.ok()) {
    return core::Annotate(patched.status(), core::StrCat("marking HealthEvent ", name, " healthy"));
  }
  if (options_.metrics != nullptr) options_.metrics->Closed();
  logger_.Info("GPU recovered; HealthEvent marked healthy", {{"event", name}});
  ledger_.Record(gpu, *patched);
  return absl::OkStatus();
}

bool Publisher::TakeWriteToken(const std::string& gpu) {
  std::unique_ptr<kube::TokenBucket>& bucket = buckets_[gpu];
  if (!bucket) {
    bucket = std::make_unique<kube::TokenBucket>(options_.gpu_writes_per_second,
                                                 options_.gpu_write_burst, clock_);
  }
  if (bucket->TryAccept()) return true;
  queue_.AddAfter(gpu, options_.gpu_writes_per_second > 0
                           ? absl::Seconds(1 / options_.gpu_writes_per_second)
                           : absl::ZeroDuration());
  return false;
}

}  // namespace nvsx::publisher
