#pragma once

// `nvsx convert FILE.md`: a Markdown runbook to an nvsx runbook and hooks,
// by a Claude model when a key is given, else by the built-in rules; checked
// (runbook validator, shellcheck) before anything is written.

#include <filesystem>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "core/environment.h"
#include "nvsx/convert/conversion.h"
#include "nvsx/convert/messages_client.h"

namespace nvsx::convert {

struct ConvertOptions {
  std::filesystem::path markdown;        // the runbook to convert
  std::filesystem::path runbooks_dir;    // where <slug>.yaml and hooks/<slug>/ go
  std::string slug;                      // empty: from the file's name
  bool force = false;                    // overwrite existing files
  bool offline = false;                  // the rules even when a key is given
  MessagesOptions model;                 // api_key empty: the rules
  core::Environment env;                 // PATH for shellcheck
  std::filesystem::path scratch_parent;  // where drafts are checked (a temp folder)
};

struct ConvertReport {
  std::string method;  // "rules" or the model's name
  int attempts = 1;
  std::vector<std::string> first_problems;  // a model's first answer, sent back
  Conversion conversion;
  std::vector<std::filesystem::path> written;
};

// The slug for a Markdown file: its stem, lower-cased, runs of other
// characters made '-' ("XID 79 Runbook.md" -> "xid-79-runbook").
std::string SlugFromPath(const std::filesystem::path& markdown);

// Converts, checks and writes. Nothing is written when the conversion has
// problems (Aborted, listing them) or any output file exists without force.
absl::StatusOr<ConvertReport> ConvertMarkdownRunbook(const ConvertOptions& options);

}  // namespace nvsx::convert
