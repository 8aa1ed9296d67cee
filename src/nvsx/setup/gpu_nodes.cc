#include "nvsx/setup/gpu_nodes.h"

#include <algorithm>
#include <charconv>

#include "core/str_cat.h"
#include "nvsx/node_alias.h"

namespace nvsx::setup {
namespace {

using nlohmann::json;

// Capacity quantities of GPUs are plain integers ("8").
int GpuCapacity(const json& node) {
  const json capacity = node.value("status", json::object()).value("capacity", json::object());
  const std::string text = capacity.value("nvidia.com/gpu", "");
  int count = 0;
  std::from_chars(text.data(), text.data() + text.size(), count);
  return count;
}

}  // namespace

absl::StatusOr<std::vector<GpuNode>> DiscoverGpuNodes(kube::RestClient& client) {
  // Listing every node (not by label) also finds unlabelled nodes with GPU capacity.
  absl::StatusOr<json> nodes = client.ListAll({"", "v1", "nodes", "", "", ""});
  if (!nodes.ok()) return nodes.status();
  std::vector<GpuNode> found;
  for (const json& node : (*nodes)["items"]) {
    const json metadata = node.value("metadata", json::object());
    const bool labelled =
        metadata.value("labels", json::object()).value("nvidia.com/gpu.present", "") == "true";
    const int gpus = GpuCapacity(node);
    if (!labelled && gpus == 0) continue;
    GpuNode gpu_node;
    gpu_node.name = metadata.value("name", "");
    gpu_node.alias = op::NodeAlias(gpu_node.name);
    gpu_node.gpus = gpus;
    gpu_node.cordoned = node.value("spec", json::object()).value("unschedulable", false);
    for (const json& condition :
         node.value("status", json::object()).value("conditions", json::array())) {
      if (condition.value("type", "") == "Ready") {
        gpu_node.ready = condition.value("status", "") == "True";
      }
    }
    found.push_back(std::move(gpu_node));
  }
  std::sort(found.begin(), found.end(),
            [](const GpuNode& a, const GpuNode& b) { return a.name < b.name; });
  return found;
}

Check SummarizeGpuNodes(const absl::StatusOr<std::vector<GpuNode>>& nodes) {
  if (!nodes.ok()) return {Verdict::kFail, "GPU nodes", std::string(nodes.status().message())};
  if (nodes->empty()) {
    return {Verdict::kFail, "GPU nodes",
            "none labelled nvidia.com/gpu.present=true or with nvidia.com/gpu capacity"};
  }
  int ready = 0, cordoned = 0;
  for (const GpuNode& node : *nodes) {
    ready += node.ready;
    cordoned += node.cordoned;
  }
  return {Verdict::kOk, "GPU nodes",
          core::StrCat(nodes->size(), " (", ready, " Ready, ", cordoned, " cordoned)")};
}

}  // namespace nvsx::setup
