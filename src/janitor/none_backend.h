#pragma once

#include "janitor/janitor_backend.h"

namespace nvsx::janitor {

// `--backend none`: NVSentinel's own janitor carries the requests out; this
// one leaves every object as it is.
class NoneBackend final : public JanitorBackend {
 public:
  std::string_view name() const override { return "none"; }
  bool acts() const override { return false; }
  // Both refuse: the janitor never calls them for a backend that does not act.
  absl::Status RebootNode(const std::string& node, bool force) override;
  absl::Status ResetGpus(const std::string& node, const std::vector<std::string>& gpus) override;
};

}  // namespace nvsx::janitor
