#include "kube/leader_elector.h"

#include "core/str_cat.h"
#include "kube/api_error.h"

namespace nvsx::kube {
namespace {

// metav1.MicroTime: RFC 3339 with microseconds.
std::string MicroTime(absl::Time time) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%E6SZ", time, absl::UTCTimeZone());
}

ResourceRef LeaseRef(const LeaderElectionConfig& config) {
  return ResourceRef{"coordination.k8s.io", "v1", "leases", config.lease_namespace, "", ""};
}

}  // namespace

LeaderElector::LeaderElector(RestClient* client, core::WaitableClock* clock,
                             LeaderElectionConfig config, core::Logger logger)
    : client_(client), clock_(clock), config_(std::move(config)), logger_(std::move(logger)) {}

absl::Status LeaderElector::TryAcquireOrRenew() {
  const absl::Time now = clock_->Now();
  const ResourceRef collection = LeaseRef(config_);
  const ResourceRef ref = collection.WithName(config_.lease_name);
  const int64_t duration_seconds = absl::ToInt64Seconds(config_.lease_duration);
  auto current = client_->Get(ref);
  if (apierrors::IsNotFound(current.status())) {
    nlohmann::json lease = {
        {"apiVersion", "coordination.k8s.io/v1"},
        {"kind", "Lease"},
        {"metadata", {{"name", config_.lease_name}, {"namespace", config_.lease_namespace}}},
        {"spec",
         {{"holderIdentity", config_.identity},
          {"leaseDurationSeconds", duration_seconds},
          {"acquireTime", MicroTime(now)},
          {"renewTime", MicroTime(now)},
          {"leaseTransitions", 0}}}};
    auto created = client_->Create(collection, lease);
    if (!created.ok()) return created.status();
    observed_record_ = (*created)["spec"].dump();
    observed_at_ = now;
    return absl::OkStatus();
  }
  if (!current.ok()) return current.status();
  nlohmann::json lease = *std::move(current);
  nlohmann::json& spec = lease["spec"];
  const std::string record = spec.dump();
  if (record != observed_record_) {
    observed_record_ = record;
    observed_at_ = now;
  }
  const std::string holder = spec.value("holderIdentity", std::string());
  const absl::Duration held_for = absl::Seconds(spec.value("leaseDurationSeconds", 0));
  if (!holder.empty() && holder != config_.identity && now < observed_at_ + held_for) {
    return absl::FailedPreconditionError(core::StrCat("lease held by ", holder));
  }
  if (holder != config_.identity) {
    spec["acquireTime"] = MicroTime(now);
    spec["leaseTransitions"] = spec.value("leaseTransitions", 0) + 1;
  }
  spec["holderIdentity"] = config_.identity;
  spec["leaseDurationSeconds"] = duration_seconds;
  spec["renewTime"] = MicroTime(now);
  // The update carries the resourceVersion read above: a concurrent writer makes it 409.
  auto updated = client_->Update(ref, lease);
  if (!updated.ok()) return updated.status();
  observed_record_ = (*updated)["spec"].dump();
  observed_at_ = now;
  return absl::OkStatus();
}

absl::Status LeaderElector::Release() {
  const ResourceRef ref = LeaseRef(config_).WithName(config_.lease_name);
  auto current = client_->Get(ref);
  if (!current.ok()) return current.status();
  nlohmann::json lease = *std::move(current);
  if (lease["spec"].value("holderIdentity", std::string()) != config_.identity) {
    return absl::OkStatus();
  }
  // As client-go does: an empty holder and a one-second lease, so a standby
  // takes over at its next attempt.
  lease["spec"]["holderIdentity"] = "";
  lease["spec"]["leaseDurationSeconds"] = 1;
  lease["spec"]["renewTime"] = MicroTime(clock_->Now());
  return client_->Update(ref, lease).status();
}

void LeaderElector::WaitRetryPeriod() {
  std::unique_lock<std::mutex> lock(stop_mu_);
  const absl::Time until = clock_->Now() + config_.retry_period;
  while (!stop_ && clock_->Now() < until) clock_->WaitUntil(stop_cv_, lock, until);
}

void LeaderElector::Stop() {
  {
    std::lock_guard<std::mutex> lock(stop_mu_);
    stop_ = true;
  }
  stop_cv_.notify_all();
}

void LeaderElector::Run(const std::function<void()>& on_started_leading,
                        const std::function<void()>& on_stopped_leading) {
  absl::Time last_renewed;
  auto stopping = [this] {
    std::lock_guard<std::mutex> lock(stop_mu_);
    return stop_;
  };
  while (!stopping()) {
    absl::Status attempt = TryAcquireOrRenew();
    if (attempt.ok()) {
      last_renewed = clock_->Now();
      if (!leading_.exchange(true)) {
        logger_.Info("became leader",
                     {{"lease", config_.lease_name}, {"identity", config_.identity}});
        on_started_leading();
      }
    } else if (leading_.load() && clock_->Now() - last_renewed > config_.renew_deadline) {
      leading_.store(false);
      logger_.Warn("lost the lease",
                   {{"lease", config_.lease_name}, {"error", std::string(attempt.message())}});
      on_stopped_leading();
    }
    WaitRetryPeriod();
  }
  if (leading_.exchange(false)) {
    if (absl::Status released = Release(); !released.ok()) {
      logger_.Warn("could not release the lease; others wait for it to expire",
                   {{"error", std::string(released.message())}});
    }
    on_stopped_leading();
  }
}

}  // namespace nvsx::kube
