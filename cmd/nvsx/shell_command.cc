// The nvsx shell: `nvsx` with no arguments. Line editing, history and tab
// completion come from libedit; every command is the CLI's own function.
#include <histedit.h>
#include <signal.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_join.h"
#include "common/program.h"
#include "core/str_cat.h"
#include "core/text.h"
#include "nvsx/commands.h"
#include "nvsx/run_store.h"

namespace nvsx::cmd {
namespace {

constexpr char kHelp[] =
    "  list                      the runbooks\n"
    "  use RUNBOOK               make RUNBOOK the current one\n"
    "  run [RUNBOOK] [--target-node NODE] [--dry-run] [--drill] [--plain]\n"
    "                            run RUNBOOK (default: the current one)\n"
    "  status                    the current runbook and its last run\n"
    "  show [RUNBOOK]            stages, watches and hooks of RUNBOOK\n"
    "  history                   the last runs\n"
    "  help                      this\n"
    "  quit                      leave (Ctrl-D too)\n";

constexpr std::string_view kCommands[] = {"list", "use",     "run",  "status",
                                          "show", "history", "help", "quit"};

class Shell {
 public:
  explicit Shell(NvsxContext& context) : context_(context) {}
  ~Shell() {
    if (history_ != nullptr) {
      HistEvent event;
      ::history(history_, &event, H_SAVE, history_file_.c_str());
      history_end(history_);
    }
    if (editor_ != nullptr) el_end(editor_);
  }

  int Run();

 private:
  static const char* Prompt(EditLine* editor);
  static unsigned char Complete(EditLine* editor, int key);
  static Shell* Of(EditLine* editor) {
    void* self = nullptr;
    el_get(editor, EL_CLIENTDATA, &self);
    return static_cast<Shell*>(self);
  }

  // Handles one line; false when the shell should end.
  bool Execute(const std::vector<std::string>& words);
  void RunCommand(const std::vector<std::string>& words);
  void Status();
  std::vector<std::string> Candidates(const std::vector<std::string>& before) const;

  NvsxContext& context_;
  EditLine* editor_ = nullptr;
  History* history_ = nullptr;
  std::string history_file_;
  std::string current_;  // the runbook `use` chose
  std::string prompt_;
};

const char* Shell::Prompt(EditLine* editor) {
  Shell* shell = Of(editor);
  shell->prompt_ =
      shell->current_.empty() ? "nvsx> " : core::StrCat("nvsx (", shell->current_, ")> ");
  return shell->prompt_.c_str();
}

std::vector<std::string> Shell::Candidates(const std::vector<std::string>& before) const {
  std::vector<std::string> words;
  if (before.empty()) {
    for (std::string_view command : kCommands) words.emplace_back(command);
    return words;
  }
  if (before.front() == "use" || before.front() == "show" || before.front() == "run") {
    if (absl::StatusOr<op::RunbookLocation> location = context_.Runbooks(); location.ok()) {
      for (const op::CatalogEntry& entry : op::LoadCatalog(*location)) words.push_back(entry.slug);
    }
    if (before.front() == "run") {
      for (const char* flag : {"--target-node", "--dry-run", "--drill", "--plain"})
        words.push_back(flag);
    }
  }
  return words;
}

unsigned char Shell::Complete(EditLine* editor, int) {
  Shell* shell = Of(editor);
  const LineInfo* line = el_line(editor);
  const std::string text(line->buffer, line->cursor);
  const size_t word_start =
      text.find_last_of(' ') == std::string::npos ? 0 : text.find_last_of(' ') + 1;
  const std::string partial = text.substr(word_start);
  std::vector<std::string> before;
  for (std::string_view word :
       core::SplitWhitespace(std::string_view(text).substr(0, word_start))) {
    before.emplace_back(word);
  }
  std::vector<std::string> matches;
  for (const std::string& candidate : shell->Candidates(before)) {
    if (candidate.starts_with(partial)) matches.push_back(candidate);
  }
  if (matches.empty()) return CC_ERROR;
  if (matches.size() == 1) {
    el_insertstr(editor, (matches.front().substr(partial.size()) + " ").c_str());
    return CC_REFRESH;
  }
  // Insert what every match shares, and show them all.
  std::string common = matches.front();
  for (const std::string& match : matches) {
    size_t n = 0;
    while (n < common.size() && n < match.size() && common[n] == match[n]) ++n;
    common.resize(n);
  }
  if (common.size() > partial.size()) {
    el_insertstr(editor, common.substr(partial.size()).c_str());
    return CC_REFRESH;
  }
  std::printf("\n%s\n", absl::StrJoin(matches, "  ").c_str());
  return CC_REDISPLAY;
}

void Shell::RunCommand(const std::vector<std::string>& words) {
  RunFlags flags;
  std::string slug = current_;
  for (size_t i = 1; i < words.size(); ++i) {
    if (words[i] == "--dry-run") {
      flags.dry_run = true;
    } else if (words[i] == "--drill") {
      flags.drill = true;
    } else if (words[i] == "--plain") {
      flags.plain = true;
    } else if (words[i] == "--target-node" && i + 1 < words.size()) {
      flags.target_node = words[++i];
    } else if (!words[i].starts_with("-")) {
      slug = words[i];
    } else {
      std::printf("run: unknown flag %s (try: help)\n", words[i].c_str());
      return;
    }
  }
  if (slug.empty()) {
    std::printf("run: which runbook? `use RUNBOOK` first or `run RUNBOOK`\n");
    return;
  }
  flags.trigger = "shell";
  DiscardPendingTerminationSignals();  // a Ctrl-C typed at the prompt must not stop this run
  const int code = RunRunbook(context_, slug, flags);
  std::printf("(exit %d)\n", code);
}

void Shell::Status() {
  std::printf("runbook: %s\n", current_.empty() ? "(none; `use RUNBOOK`)" : current_.c_str());
  absl::StatusOr<std::unique_ptr<op::RunStore>> store = context_.OpenRunStore();
  if (!store.ok()) return;
  absl::StatusOr<std::vector<op::RunRecord>> runs = (*store)->ListRuns(50);
  if (!runs.ok()) return;
  for (const op::RunRecord& run : *runs) {
    if (!current_.empty() && run.runbook != current_) continue;
    std::printf("last run: %s on %s: %s\n", run.id.c_str(), run.node.c_str(),
                run.result.empty() ? "running" : run.result.c_str());
    return;
  }
  std::printf("last run: none\n");
}

bool Shell::Execute(const std::vector<std::string>& words) {
  const std::string& command = words.front();
  if (command == "quit" || command == "exit") return false;
  if (command == "help" || command == "?") {
    std::fputs(kHelp, stdout);
  } else if (command == "list") {
    ListRunbooks(context_, false, stdout);
  } else if (command == "use") {
    if (words.size() != 2) {
      std::printf("use: name one runbook, e.g. use gpu-off-bus\n");
    } else if (absl::StatusOr<op::Runbook> runbook = context_.LoadRunbook(words[1]);
               !runbook.ok()) {
      std::printf("use: %s\n", std::string(runbook.status().message()).c_str());
    } else {
      current_ = words[1];
    }
  } else if (command == "show") {
    const std::string slug = words.size() > 1 ? words[1] : current_;
    if (slug.empty()) {
      std::printf("show: which runbook? `use RUNBOOK` first or `show RUNBOOK`\n");
    } else {
      ShowRunbook(context_, slug, stdout);
    }
  } else if (command == "run") {
    RunCommand(words);
  } else if (command == "status") {
    Status();
  } else if (command == "history") {
    PrintHistory(context_, false, 10, stdout);
  } else {
    std::printf("unknown command \"%s\"; try: help\n", command.c_str());
  }
  std::fflush(stdout);
  return true;
}

int Shell::Run() {
  editor_ = el_init("nvsx", stdin, stdout, stderr);
  if (editor_ == nullptr) {
    return ReportError("nvsx", absl::FailedPreconditionError("cannot start line editing"));
  }
  history_ = history_init();
  HistEvent event;
  ::history(history_, &event, H_SETSIZE, 1000);
  ::history(history_, &event, H_SETUNIQUE, 1);
  history_file_ = (context_.StateDir() / "shell_history").string();
  ::history(history_, &event, H_LOAD, history_file_.c_str());
  el_set(editor_, EL_CLIENTDATA, this);
  el_set(editor_, EL_EDITOR, "emacs");
  el_set(editor_, EL_PROMPT, &Shell::Prompt);
  el_set(editor_, EL_HIST, ::history, history_);
  el_set(editor_, EL_ADDFN, "nvsx-complete", "Complete a command or runbook", &Shell::Complete);
  el_set(editor_, EL_BIND, "^I", "nvsx-complete", nullptr);
  std::printf("nvsx shell: type help, or quit\n");
  std::fflush(stdout);
  while (true) {
    int count = 0;
    const char* line = el_gets(editor_, &count);
    if (line == nullptr || count <= 0) break;  // Ctrl-D
    const std::string text(core::TrimWhitespace(line));
    if (text.empty()) continue;
    ::history(history_, &event, H_ENTER, text.c_str());
    std::vector<std::string> words;
    for (std::string_view word : core::SplitWhitespace(text)) words.emplace_back(word);
    if (!Execute(words)) break;
  }
  std::printf("\n");
  std::error_code ignored;
  std::filesystem::create_directories(context_.StateDir(), ignored);
  return kExitOk;
}

}  // namespace

int RunShell(NvsxContext& context) {
  Shell shell(context);
  return shell.Run();
}

}  // namespace nvsx::cmd
