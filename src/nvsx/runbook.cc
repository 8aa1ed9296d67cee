#include "nvsx/runbook.h"

namespace nvsx::op {

const std::string& WatchClause::Field(const std::string& name) const {
  static const std::string kEmpty;
  auto it = fields.find(name);
  return it == fields.end() ? kEmpty : it->second;
}

const Stage* Runbook::FindStage(const std::string& id) const {
  for (const Stage& stage : stages) {
    if (stage.id == id) return &stage;
  }
  return nullptr;
}

}  // namespace nvsx::op
