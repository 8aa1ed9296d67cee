#pragma once

#include <string_view>
#include <vector>

namespace nvsx::sim {

struct EmbeddedFile {
  std::string_view name;
  std::string_view contents;
};

// The CRD manifests of deploy/crds (HealthEvent, RebootNode, GPUReset),
// compiled in so the embedded cluster needs no files at run time.
const std::vector<EmbeddedFile>& EmbeddedCrds();

}  // namespace nvsx::sim
