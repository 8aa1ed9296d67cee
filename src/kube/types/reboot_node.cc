#include "kube/types/reboot_node.h"

namespace nvsx::kube {

ResourceRef RebootNodesResource() {
  return ResourceRef{
      std::string(kJanitorGroup), std::string(kJanitorVersion), "rebootnodes", "", "", ""};
}

bool RebootNode::force() const { return BoolOf(Field({"spec", "force"})); }

absl::Status RebootNode::Validate() const {
  return ValidateAs("RebootNode", [](FieldChecker& checker) { checker.Bool("spec.force"); });
}

}  // namespace nvsx::kube
