#include "nvsx/convert/conversion_check.h"

#include <stdlib.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <regex>
#include <set>
#include <system_error>

#include "absl/strings/str_split.h"
#include "core/file_io.h"
#include "core/str_cat.h"
#include "core/subprocess.h"
#include "nvsx/convert/command_rules.h"
#include "nvsx/runbook_loader.h"

namespace nvsx::convert {
namespace {

namespace fs = std::filesystem;

// A private folder, removed with what is in it.
class ScratchDir {
 public:
  static absl::StatusOr<std::unique_ptr<ScratchDir>> Make(const fs::path& parent) {
    std::string pattern = (parent / "nvsx-convert-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) {
      return absl::FailedPreconditionError(core::StrCat(
          "cannot make a scratch folder in ", parent.string(), ": ", std::strerror(errno)));
    }
    return std::unique_ptr<ScratchDir>(new ScratchDir(pattern));
  }
  ~ScratchDir() {
    std::error_code ignored;
    fs::remove_all(path_, ignored);
  }
  const fs::path& path() const { return path_; }

 private:
  explicit ScratchDir(fs::path path) : path_(std::move(path)) {}
  fs::path path_;
};

void AddLines(std::string_view text, const std::string& strip, std::vector<std::string>& out) {
  for (absl::string_view line :
       absl::StrSplit(absl::string_view(text.data(), text.size()), '\n', absl::SkipWhitespace())) {
    std::string problem(line.data(), line.size());
    for (size_t at; !strip.empty() && (at = problem.find(strip)) != std::string::npos;) {
      problem.erase(at, strip.size());
    }
    out.push_back(std::move(problem));
  }
}

// Cluster actions in a hook: each line a watch rule matches.
void FindClusterActions(const std::string& file, const std::string& script,
                        std::vector<std::string>& problems) {
  int number = 0;
  for (absl::string_view line : absl::StrSplit(script, '\n')) {
    ++number;
    const std::string text(line.data(), line.size());
    if (text.find_first_not_of(" \t") != std::string::npos &&
        text[text.find_first_not_of(" \t")] == '#') {
      continue;
    }
    std::optional<RuleMatch> match = MatchCommand(text);
    if (match && match->rule->placement == Placement::kWatch) {
      problems.push_back(core::StrCat(file, ":", number, ": ", match->rule->name, ": ",
                                      match->rule->why, "; hooks must not act on the cluster"));
    }
  }
}

}  // namespace

absl::StatusOr<fs::path> FindShellcheck(const core::Environment& env) {
  absl::StatusOr<fs::path> found =
      core::FindExecutable("shellcheck", env.Get("PATH").value_or("/usr/bin:/bin"));
  if (!found.ok()) {
    return absl::FailedPreconditionError(
        "shellcheck is not on PATH; converted hooks are checked with it before anything is "
        "written (Debian: apt-get install shellcheck)");
  }
  return found;
}

absl::StatusOr<std::vector<std::string>> FindProblems(const Conversion& conversion,
                                                      const CheckTools& tools) {
  std::vector<std::string> problems;
  absl::StatusOr<std::unique_ptr<ScratchDir>> scratch = ScratchDir::Make(tools.scratch_parent);
  if (!scratch.ok()) return scratch.status();
  const fs::path root = (*scratch)->path();
  const std::string strip = root.string() + "/";
  const fs::path hook_dir = fs::path("hooks") / conversion.slug;

  static const std::regex kHookName("[a-z0-9][a-z0-9._-]*\\.sh");
  std::set<std::string> provided;
  std::vector<std::string> to_check;
  for (const HookScript& hook : conversion.hooks) {
    const std::string file = (hook_dir / hook.name).string();
    if (!std::regex_match(hook.name, kHookName)) {
      problems.push_back(core::StrCat("hook \"", hook.name,
                                      "\": name it with lower-case letters, digits, '-' and .sh, "
                                      "e.g. on-remediate.sh"));
      continue;
    }
    if (!provided.insert(hook.name).second) {
      problems.push_back(core::StrCat(file, ": given twice"));
      continue;
    }
    std::error_code error;
    fs::create_directories(root / hook_dir, error);
    if (absl::Status written = core::WriteFileAtomically(root / file, hook.text); !written.ok()) {
      return written;
    }
    fs::permissions(root / file, fs::perms::owner_all, error);
    FindClusterActions(file, hook.text, problems);
    to_check.push_back(file);
  }

  const fs::path yaml_name = core::StrCat(conversion.slug, ".yaml");
  absl::StatusOr<op::Runbook> runbook =
      op::ParseRunbook(conversion.runbook_yaml, yaml_name, {root, fs::path()});
  if (!runbook.ok()) {
    AddLines(std::string(runbook.status().message()), strip, problems);
  } else {
    if (runbook->metadata.name != conversion.slug) {
      problems.push_back(core::StrCat(yaml_name.string(), ": metadata.name: \"",
                                      runbook->metadata.name, "\" must be the file's name, \"",
                                      conversion.slug, "\""));
    }
    std::set<std::string> used;
    for (size_t i = 0; i < runbook->stages.size(); ++i) {
      const op::Stage& stage = runbook->stages[i];
      if (stage.action) {
        problems.push_back(core::StrCat(
            yaml_name.string(), ": stages[", i,
            "].action: a converted runbook never acts on the "
            "cluster (cordon, drain and reboot are NVSentinel's job); watch for them instead"));
      }
      if (!stage.hook) continue;
      const fs::path relative = stage.hook->lexically_relative(root);
      if (relative.parent_path() != hook_dir) {
        problems.push_back(core::StrCat(yaml_name.string(), ": stages[", i, "].hook: \"",
                                        relative.string(),
                                        "\" must be one of this runbook's own "
                                        "hooks, ",
                                        hook_dir.string(), "/NAME.sh"));
      }
      used.insert(relative.filename().string());
    }
    for (const std::string& name : provided) {
      if (!used.contains(name)) {
        problems.push_back(core::StrCat((hook_dir / name).string(),
                                        ": no stage runs this hook; name it in a stage's hook"));
      }
    }
  }

  if (!to_check.empty()) {
    core::SubprocessOptions options;
    options.argv = {tools.shellcheck.string(), "--format=gcc", "--severity=warning"};
    options.argv.insert(options.argv.end(), to_check.begin(), to_check.end());
    options.env = tools.env;
    options.working_dir = root;
    options.timeout = absl::Seconds(60);
    absl::StatusOr<core::SubprocessResult> checked = core::RunSubprocess(options);
    if (!checked.ok()) return checked.status();
    if (!checked->Succeeded()) {
      AddLines(checked->stdout_text, strip, problems);
      if (checked->stdout_text.empty()) {
        problems.push_back(
            core::StrCat("shellcheck ", checked->Describe(), ": ", checked->stderr_text));
      }
    }
  }
  return problems;
}

}  // namespace nvsx::convert
