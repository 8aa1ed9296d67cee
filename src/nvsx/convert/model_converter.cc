#include "nvsx/convert/model_converter.h"

#include "core/str_cat.h"
#include "core/text.h"
#include "nlohmann/json.hpp"
#include "nvsx/stage_ids.h"
#include "nvsx/watch_kinds.h"

namespace nvsx::convert {
namespace {

using nlohmann::json;

std::string NumberedLines(std::string_view text) {
  std::string out;
  int number = 1;
  size_t start = 0;
  while (start <= text.size()) {
    const size_t end = text.find('\n', start);
    const std::string_view line =
        text.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start);
    if (end == std::string_view::npos && line.empty()) break;
    core::StrAppend(&out, number++, ": ", line, "\n");
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  return out;
}

std::string JoinViews(const std::vector<std::string_view>& words) {
  if (words.empty()) return "none";
  std::string out;
  for (std::string_view word : words) core::StrAppend(&out, out.empty() ? "" : ", ", word);
  return out;
}

std::string Bullets(const std::vector<std::string>& lines) {
  std::string out;
  for (const std::string& line : lines) core::StrAppend(&out, "- ", line, "\n");
  return out;
}

}  // namespace

std::string ConversionSystemPrompt() {
  std::string stages;
  for (const op::StageIdSpec& stage : op::StageIds()) {
    if (!stage.drill_only) core::StrAppend(&stages, "- ", stage.id, ": ", stage.purpose, "\n");
  }
  std::string kinds;
  for (const op::WatchKindSpec& kind : op::WatchKindSpecs()) {
    core::StrAppend(&kinds, "- ", kind.name, " (required: ", JoinViews(kind.required),
                    "; optional: ", JoinViews(kind.optional), "): ", kind.meaning, "\n");
  }
  return core::StrCat(
      "You convert an operations team's Markdown runbook for GPU faults into an nvsx runbook.\n"
      "NVSentinel (and its controllers) already cordon, taint, drain, reboot (RebootNode objects "
      "of janitor.dgxc.nvidia.com/v1alpha1), reset GPUs (GPUReset objects) and uncordon. So every "
      "such step of the Markdown becomes a passive watch clause in its stage, never a command. "
      "The team's own steps (Slack, PagerDuty, Jira, MTTR records) are kept verbatim in bash hook "
      "scripts, one per stage that has any.\n\n"
      "The runbook YAML: apiVersion: nvsx/v1, kind: Runbook, metadata {name (exactly the slug "
      "given), nickname, title, summary, tags}, stages: a list of {id, title, watch (list of "
      "clauses, each with kind plus its fields, all values strings), hook (path "
      "hooks/<slug>/<name>.sh), timeout (e.g. 10m)} in this order, each id at most once:\n",
      stages, "Watch kinds:\n", kinds,
      "Prefer healthevent clauses (phase New, Quarantined, Drained, Remediated, Resolved; xid "
      "when the runbook is about one XID). No stage may have an action. Hooks run with "
      "NVSX_STAGE, NVSX_RUNBOOK, NVSX_TARGET_NODE (the node), NVSX_ALIAS, NVSX_RUN_ID, "
      "NVSX_ELAPSED_MS and NVSX_PROJECT_ROOT set; use NVSX_TARGET_NODE where the Markdown has a "
      "node placeholder. Each hook starts with #!/usr/bin/env bash and set -euo pipefail, must "
      "pass shellcheck at warning severity, must be self-contained (source nothing), and must "
      "never run kubectl cordon/drain/taint/uncordon, reboot, ipmitool power or nvidia-smi -r. "
      "Every hook must be named by a stage, and every stage hook must be in hooks.\n\n"
      "Answer with one JSON object and nothing else (no prose, no code fence):\n"
      "{\"runbook_yaml\": \"<the YAML>\", \"hooks\": {\"<name>.sh\": \"<script>\"}, "
      "\"unplaced\": [{\"line\": <Markdown line number>, \"text\": \"<the line>\", "
      "\"reason\": \"<why no stage took it>\"}]}\n");
}

absl::StatusOr<Conversion> ParseEnvelope(std::string_view text, const std::string& slug) {
  std::string_view body = core::TrimWhitespace(text);
  if (body.starts_with("```")) {
    body.remove_prefix(std::min(body.size(), body.find('\n') + 1));
    if (body.ends_with("```")) body.remove_suffix(3);
  }
  json envelope;
  try {
    envelope = json::parse(body);
  } catch (const json::parse_error& error) {
    return absl::InvalidArgumentError(
        core::StrCat("the answer is not one JSON object: ", error.what()));
  }
  if (!envelope.is_object()) return absl::InvalidArgumentError("the answer must be a JSON object");
  if (!envelope.contains("runbook_yaml") || !envelope["runbook_yaml"].is_string()) {
    return absl::InvalidArgumentError("runbook_yaml: missing, or not a string");
  }
  if (!envelope.contains("hooks") || !envelope["hooks"].is_object()) {
    return absl::InvalidArgumentError("hooks: missing, or not an object of name -> script");
  }
  Conversion conversion;
  conversion.slug = slug;
  conversion.runbook_yaml = envelope["runbook_yaml"].get<std::string>();
  for (const auto& [name, script] : envelope["hooks"].items()) {
    if (!script.is_string()) {
      return absl::InvalidArgumentError(core::StrCat("hooks.", name, ": must be a string"));
    }
    conversion.hooks.push_back({name, script.get<std::string>()});
  }
  const json unplaced = envelope.value("unplaced", json::array());
  if (!unplaced.is_array()) return absl::InvalidArgumentError("unplaced: must be a list");
  for (const json& entry : unplaced) {
    if (!entry.is_object() || !entry.value("line", json()).is_number_integer()) {
      return absl::InvalidArgumentError(
          "unplaced: each entry is {\"line\": number, \"text\": ..., \"reason\": ...}");
    }
    conversion.unplaced.push_back(
        {entry["line"].get<int>(), entry.value("text", ""), entry.value("reason", "")});
  }
  return conversion;
}

absl::StatusOr<ModelConversion> ConvertWithModel(std::string_view markdown, const std::string& slug,
                                                 const std::string& source_name,
                                                 MessagesClient& client,
                                                 const ProblemFinder& find_problems) {
  const std::string system = ConversionSystemPrompt();
  std::vector<ChatMessage> messages = {
      {"user", core::StrCat("Convert this runbook. Slug: ", slug, ". File: ", source_name,
                            ". Its lines, numbered:\n\n", NumberedLines(markdown))}};
  ModelConversion result;
  for (result.attempts = 1;; ++result.attempts) {
    absl::StatusOr<std::string> answer = client.Send(system, messages);
    if (!answer.ok()) return answer.status();
    absl::StatusOr<Conversion> conversion = ParseEnvelope(*answer, slug);
    std::vector<std::string> problems;
    if (!conversion.ok()) {
      problems.push_back(std::string(conversion.status().message()));
    } else {
      absl::StatusOr<std::vector<std::string>> found = find_problems(*conversion);
      if (!found.ok()) return found.status();
      problems = *std::move(found);
    }
    if (problems.empty()) {
      result.conversion = *std::move(conversion);
      return result;
    }
    if (result.attempts == 2) {
      return absl::AbortedError(core::StrCat(
          "the model's answer failed validation twice; nothing was written. Its problems:\n",
          Bullets(problems), "(--offline converts with the built-in rules instead)"));
    }
    result.first_problems = problems;
    messages.push_back({"assistant", *answer});
    messages.push_back(
        {"user", core::StrCat("Your answer failed validation:\n", Bullets(problems),
                              "Send the whole corrected JSON object again, and nothing else.")});
  }
}

}  // namespace nvsx::convert
