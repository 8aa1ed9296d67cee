#include "kube/types/lease.h"

namespace nvsx::kube {

std::string Lease::holder_identity() const { return StringOf(Field({"spec", "holderIdentity"})); }
std::optional<int64_t> Lease::lease_duration_seconds() const {
  return IntOf(Field({"spec", "leaseDurationSeconds"}));
}
std::optional<absl::Time> Lease::acquire_time() const {
  return TimeOf(Field({"spec", "acquireTime"}));
}
std::optional<absl::Time> Lease::renew_time() const { return TimeOf(Field({"spec", "renewTime"})); }
int64_t Lease::lease_transitions() const {
  return IntOf(Field({"spec", "leaseTransitions"})).value_or(0);
}

bool Lease::HeldAt(absl::Time now) const {
  const std::optional<absl::Time> renewed = renew_time();
  const std::optional<int64_t> duration = lease_duration_seconds();
  if (holder_identity().empty() || !renewed || !duration) return false;
  return now < *renewed + absl::Seconds(*duration);
}

absl::Status Lease::Validate() const {
  FieldChecker checker(object(), Describe("Lease"));
  ObjectMeta::Check(checker);
  checker.Object("spec");
  checker.String("spec.holderIdentity");
  checker.Integer("spec.leaseDurationSeconds");
  checker.Time("spec.acquireTime");
  checker.Time("spec.renewTime");
  checker.Integer("spec.leaseTransitions");
  return checker.Result();
}

}  // namespace nvsx::kube
