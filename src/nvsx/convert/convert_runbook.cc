#include "nvsx/convert/convert_runbook.h"

#include <cctype>
#include <regex>
#include <system_error>

#include "core/file_io.h"
#include "core/str_cat.h"
#include "nvsx/convert/conversion_check.h"
#include "nvsx/convert/conversion_writer.h"
#include "nvsx/convert/model_converter.h"
#include "nvsx/convert/offline_converter.h"

namespace nvsx::convert {

std::string SlugFromPath(const std::filesystem::path& markdown) {
  std::string slug;
  for (char c : markdown.stem().string()) {
    if (std::isalnum(static_cast<unsigned char>(c))) {
      slug += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    } else if (!slug.empty() && slug.back() != '-') {
      slug += '-';
    }
  }
  while (!slug.empty() && slug.back() == '-') slug.pop_back();
  return slug.substr(0, 63);
}

absl::StatusOr<ConvertReport> ConvertMarkdownRunbook(const ConvertOptions& options) {
  const std::string slug = options.slug.empty() ? SlugFromPath(options.markdown) : options.slug;
  static const std::regex kSlug("[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?");
  if (!std::regex_match(slug, kSlug)) {
    return absl::InvalidArgumentError(core::StrCat(
        "\"", slug, "\" is not a runbook name (lower-case letters, digits and '-'); pass --slug"));
  }
  // Before a conversion is paid for: its runbook file must be free.
  const std::filesystem::path yaml = options.runbooks_dir / core::StrCat(slug, ".yaml");
  if (std::error_code error; !options.force && std::filesystem::exists(yaml, error)) {
    return absl::InvalidArgumentError(
        core::StrCat(yaml.string(),
                     " already exists; nothing was written. Pass --force to overwrite, or "
                     "--out DIR to write elsewhere"));
  }
  absl::StatusOr<std::string> markdown = core::ReadFile(options.markdown);
  if (!markdown.ok()) return absl::NotFoundError(markdown.status().message());
  absl::StatusOr<std::filesystem::path> shellcheck = FindShellcheck(options.env);
  if (!shellcheck.ok()) return shellcheck.status();
  const CheckTools tools{*shellcheck, options.env, options.scratch_parent};
  const ProblemFinder find_problems = [&tools](const Conversion& conversion) {
    return FindProblems(conversion, tools);
  };
  const std::string source_name = options.markdown.filename().string();

  ConvertReport report;
  if (options.offline || options.model.api_key.empty()) {
    report.method = "rules";
    report.conversion = ConvertOffline(*markdown, slug, source_name);
    absl::StatusOr<std::vector<std::string>> problems = find_problems(report.conversion);
    if (!problems.ok()) return problems.status();
    if (!problems->empty()) {
      std::string list;
      for (const std::string& problem : *problems) core::StrAppend(&list, "- ", problem, "\n");
      return absl::AbortedError(
          core::StrCat("the rule-based conversion fails validation; nothing was written:\n", list));
    }
  } else {
    MessagesClient client(options.model);
    absl::StatusOr<ModelConversion> converted =
        ConvertWithModel(*markdown, slug, source_name, client, find_problems);
    if (!converted.ok()) return converted.status();
    report.method = options.model.model;
    report.attempts = converted->attempts;
    report.first_problems = std::move(converted->first_problems);
    report.conversion = std::move(converted->conversion);
  }
  absl::StatusOr<std::vector<std::filesystem::path>> written =
      WriteConversion(report.conversion, options.runbooks_dir, options.force);
  if (!written.ok()) return written.status();
  report.written = *std::move(written);
  return report;
}

}  // namespace nvsx::convert
