#pragma once

// The converter that asks a Claude model (Messages API) to split a Markdown
// runbook, with a strict JSON envelope for the answer:
//   {"runbook_yaml": "...",
//    "hooks": {"on-remediate.sh": "#!/usr/bin/env bash\n..."},
//    "unplaced": [{"line": 12, "text": "...", "reason": "..."}]}

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "nvsx/convert/conversion.h"
#include "nvsx/convert/messages_client.h"

namespace nvsx::convert {

// Every problem with a conversion, one per line (FindProblems, or a fake).
using ProblemFinder = std::function<absl::StatusOr<std::vector<std::string>>(const Conversion&)>;

struct ModelConversion {
  Conversion conversion;
  int attempts = 1;
  std::vector<std::string> first_problems;  // why the first answer was sent back
};

// The instructions the model gets: the runbook format (stage ids and watch
// kinds from their tables), the split, and the envelope.
std::string ConversionSystemPrompt();

// Reads an envelope (a ```json fence around it is tolerated); errors say
// what is missing or mistyped.
absl::StatusOr<Conversion> ParseEnvelope(std::string_view text, const std::string& slug);

// Asks for a conversion of `markdown` (quoted with line numbers) and checks
// it with `find_problems`; an answer with problems is sent back once with
// them. Aborted when the second answer has problems too (listing them);
// errors of the API (see MessagesClient::Send) end it at once.
absl::StatusOr<ModelConversion> ConvertWithModel(std::string_view markdown, const std::string& slug,
                                                 const std::string& source_name,
                                                 MessagesClient& client,
                                                 const ProblemFinder& find_problems);

}  // namespace nvsx::convert
