#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "nlohmann/json.hpp"

namespace nvsx::kube {

// One named cluster, user or context of a kubeconfig, remembered with where
// it came from so that errors can name the file and the field.
struct KubeconfigEntry {
  nlohmann::json value;          // the inner object ("cluster", "user" or "context")
  std::filesystem::path source;  // the file that defined it
  std::string field;             // its path in that file: "users[0].user"

  // Relative paths inside the entry are relative to its file's directory.
  std::filesystem::path Resolve(const std::string& path) const;
  // An InvalidArgument status: "kubeconfig SOURCE: FIELD.KEY: message".
  absl::Status Error(std::string_view key, std::string_view message) const;
};

// One or more kubeconfig files merged the way kubectl merges KUBECONFIG: the
// first file to define a cluster, user or context name wins, and so does the
// first file to set current-context.
struct Kubeconfig {
  std::string current_context;
  std::map<std::string, KubeconfigEntry> clusters;
  std::map<std::string, KubeconfigEntry> users;
  std::map<std::string, KubeconfigEntry> contexts;
  std::vector<std::filesystem::path> sources;

  // "kubeconfig /a" or "kubeconfig /a:/b", for error messages.
  std::string Describe() const;
};

// Adds the kubeconfig document `text`, read from `source`, to `config`
// (entries already present win). Errors name the file and the field.
absl::Status MergeKubeconfigText(std::string_view text, const std::filesystem::path& source,
                                 Kubeconfig* config);

// Reads and merges `paths` in order. A missing file is an error when
// `skip_missing` is false; otherwise it is skipped (as kubectl skips missing
// KUBECONFIG entries). Any other read or parse error is always an error.
absl::StatusOr<Kubeconfig> LoadKubeconfigFiles(const std::vector<std::filesystem::path>& paths,
                                               bool skip_missing);

}  // namespace nvsx::kube
