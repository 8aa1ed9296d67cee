// nvsx setup with scripted answers against an embedded API server seeded
// like a GPU cluster, scaffolding the repository's starter runbooks.
#include <deque>
#include <filesystem>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/file_io.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nvsx/node_alias.h"
#include "nvsx/setup/gpu_nodes.h"
#include "nvsx/setup/selection.h"
#include "nvsx/setup/starter_set.h"
#include "nvsx/setup/wizard.h"
#include "sim/api_server.h"
#include "sim/sim_cluster.h"
#include "test_support/temp_dir.h"

namespace nvsx::setup {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

const fs::path kStarters = fs::path(NVSX_SOURCE_DIR) / "runbooks";

// Answers from a script; records everything shown. Asking past the script is
// the end of input.
class ScriptedTerminal : public Terminal {
 public:
  ScriptedTerminal(std::vector<std::string> answers, bool interactive)
      : answers_(answers.begin(), answers.end()), interactive_(interactive) {}
  void Print(std::string_view text) override { shown_ += text; }
  std::optional<std::string> ReadLine(std::string_view prompt) override {
    shown_ += prompt;
    ++asked_;
    if (answers_.empty()) return std::nullopt;
    std::string answer = answers_.front();
    answers_.pop_front();
    shown_ += answer + "\n";
    return answer;
  }
  bool Interactive() const override { return interactive_; }

  const std::string& shown() const { return shown_; }
  int asked() const { return asked_; }

 private:
  std::deque<std::string> answers_;
  bool interactive_;
  std::string shown_;
  int asked_ = 0;
};

class SetupWizardTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(server_.Start().ok());
    kube::RestConfig config;
    config.server = server_.url();
    config.context = "sim";
    kube::RestClientOptions options;
    options.clock = &clock_;
    options.qps = 0;
    client_ = *kube::RestClient::New(config, options);
    sim::SimClusterOptions cluster;
    cluster.nodes = 2;
    ASSERT_TRUE(sim::SeedSimCluster(*client_, cluster, clock_.Now()).ok());
    // A GPU node its operator has not labelled yet: found by its capacity.
    json node = {{"apiVersion", "v1"},
                 {"kind", "Node"},
                 {"metadata", {{"name", "a100-unlabelled"}}},
                 {"status", {{"capacity", {{"nvidia.com/gpu", "4"}}}}}};
    ASSERT_TRUE(client_->Create({"", "v1", "nodes", "", "", ""}, node).ok());
  }
  void TearDown() override {
    client_.reset();
    server_.Stop();
  }

  SetupOptions Options() {
    SetupOptions options;
    options.starter_dir = kStarters;
    options.runbooks_dir = dir_.path() / "runbooks";
    options.now = clock_.Now();
    return options;
  }

  absl::StatusOr<SetupOutcome> Run(const SetupOptions& options, Terminal& terminal) {
    return RunSetupWizard(options, {client_.get(), absl::OkStatus()}, terminal);
  }

  std::vector<std::string> Written() const {
    std::vector<std::string> files;
    if (!fs::exists(dir_.path() / "runbooks")) return files;
    for (const auto& entry : fs::recursive_directory_iterator(dir_.path() / "runbooks")) {
      if (entry.is_regular_file()) {
        files.push_back(entry.path().lexically_relative(dir_.path() / "runbooks").string());
      }
    }
    std::sort(files.begin(), files.end());
    return files;
  }

  core::SystemClock clock_;
  sim::ApiServer server_{&clock_, {}};
  std::unique_ptr<kube::RestClient> client_;
  test::TempDir dir_;
};

TEST_F(SetupWizardTest, ChecksTheClusterListsGpuNodesAndScaffoldsWhatWasChosen) {
  ScriptedTerminal terminal({"1, gpu-off-bus", "y"}, true);
  absl::StatusOr<SetupOutcome> outcome = Run(Options(), terminal);
  ASSERT_TRUE(outcome.ok()) << outcome.status();
  const std::string& shown = terminal.shown();
  EXPECT_THAT(shown, HasSubstr("kube context"));
  EXPECT_THAT(shown, HasSubstr("sim at " + server_.url()));
  EXPECT_THAT(shown, ::testing::ContainsRegex("ok +CRD healthevents.nvsentinel.nvidia.com"));
  EXPECT_THAT(shown, ::testing::ContainsRegex("warn +controllers"));
  EXPECT_THAT(
      shown, ::testing::ContainsRegex("gpu-node-0 +" + op::NodeAlias("gpu-node-0") + " +8 +Ready"));
  EXPECT_THAT(shown, ::testing::ContainsRegex("a100-unlabelled +" +
                                              op::NodeAlias("a100-unlabelled") + " +4"));
  EXPECT_THAT(shown, ::testing::ContainsRegex("ok +GPU nodes +3 \\(2 Ready, 0 cordoned\\)"));
  EXPECT_THAT(shown, HasSubstr("1) driver-hang"));
  EXPECT_EQ(outcome->problems, 0);
  EXPECT_THAT(Written(),
              ElementsAre("driver-hang.yaml", "gpu-off-bus.yaml", "hooks/common/acknowledge.sh",
                          "hooks/common/on-recover.sh", "hooks/common/on-remediate.sh",
                          "hooks/common/postmortem.sh", "hooks/lib/notify.sh"));
  EXPECT_EQ(outcome->written.size(), 7u);
  EXPECT_TRUE((fs::status(dir_.path() / "runbooks/hooks/common/acknowledge.sh").permissions() &
               fs::perms::owner_exec) != fs::perms::none);
  // The copies load where they landed.
  op::RunbookLocation location{dir_.path() / "runbooks", dir_.path(), "test"};
  for (const op::CatalogEntry& entry : op::LoadCatalog(location)) {
    EXPECT_TRUE(entry.runbook.ok()) << entry.runbook.status();
  }
}

TEST_F(SetupWizardTest, NothingIsWrittenWithoutAYes) {
  ScriptedTerminal declines({"all", "n"}, true);
  ASSERT_TRUE(Run(Options(), declines).ok());
  EXPECT_THAT(declines.shown(), HasSubstr("Nothing was written."));
  EXPECT_THAT(Written(), IsEmpty());

  ScriptedTerminal ends({"all"}, true);  // end of input at the confirmation
  ASSERT_TRUE(Run(Options(), ends).ok());
  EXPECT_THAT(Written(), IsEmpty());

  ScriptedTerminal none({"none"}, true);
  ASSERT_TRUE(Run(Options(), none).ok());
  EXPECT_THAT(none.shown(), HasSubstr("No starter runbooks chosen"));
  EXPECT_THAT(Written(), IsEmpty());
}

TEST_F(SetupWizardTest, AWrongAnswerIsAskedAgain) {
  ScriptedTerminal terminal({"telepathy", "inforom", "maybe", "yes"}, true);
  ASSERT_TRUE(Run(Options(), terminal).ok());
  EXPECT_THAT(terminal.shown(), HasSubstr("\"telepathy\" is not a starter runbook"));
  EXPECT_THAT(terminal.shown(), HasSubstr("answer y or n"));
  EXPECT_THAT(Written(), ::testing::Contains("inforom.yaml"));
  EXPECT_THAT(Written(), Not(::testing::Contains("gpu-off-bus.yaml")));
}

TEST_F(SetupWizardTest, WithoutATerminalOrYesItExplainsAndWritesNothing) {
  ScriptedTerminal terminal({"y", "y"}, false);
  absl::StatusOr<SetupOutcome> outcome = Run(Options(), terminal);
  ASSERT_TRUE(outcome.ok()) << outcome.status();
  EXPECT_TRUE(outcome->needs_answers);
  EXPECT_EQ(terminal.asked(), 0);
  EXPECT_THAT(terminal.shown(), HasSubstr("nothing was written"));
  EXPECT_THAT(terminal.shown(), HasSubstr("nvsx setup --yes"));
  EXPECT_THAT(Written(), IsEmpty());
}

TEST_F(SetupWizardTest, YesAndSelectScaffoldWithoutAsking) {
  SetupOptions options = Options();
  options.yes = true;
  options.select = {"inforom"};
  ScriptedTerminal terminal({}, false);
  absl::StatusOr<SetupOutcome> outcome = Run(options, terminal);
  ASSERT_TRUE(outcome.ok()) << outcome.status();
  EXPECT_EQ(terminal.asked(), 0);
  EXPECT_THAT(Written(), ::testing::Contains("inforom.yaml"));
  EXPECT_THAT(Written(), Not(::testing::Contains("gpu-off-bus.yaml")));

  options.select = {"nonsense"};
  absl::StatusOr<SetupOutcome> bad = Run(options, terminal);
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(bad.status().message(), HasSubstr("--select: \"nonsense\""));
}

TEST_F(SetupWizardTest, ChangedFilesAreKeptUnlessOverwritingIsAskedFor) {
  dir_.Write("runbooks/hooks/lib/notify.sh", "# ours\n");
  SetupOptions options = Options();
  options.yes = true;
  options.select = {"inforom"};
  ScriptedTerminal yes({}, false);
  ASSERT_TRUE(Run(options, yes).ok());
  EXPECT_THAT(yes.shown(), HasSubstr("Keeping them as they are (--force overwrites)."));
  EXPECT_EQ(*core::ReadFile(dir_.path() / "runbooks/hooks/lib/notify.sh"), "# ours\n");

  ScriptedTerminal declines({"inforom", "n"}, true);  // nothing new left; asked to overwrite
  ASSERT_TRUE(Run(Options(), declines).ok());
  EXPECT_THAT(declines.shown(), HasSubstr("Overwrite them?"));
  EXPECT_THAT(declines.shown(), HasSubstr("Nothing to write"));
  EXPECT_EQ(*core::ReadFile(dir_.path() / "runbooks/hooks/lib/notify.sh"), "# ours\n");

  options.force = true;
  ScriptedTerminal forced({}, false);
  ASSERT_TRUE(Run(options, forced).ok());
  EXPECT_EQ(*core::ReadFile(dir_.path() / "runbooks/hooks/lib/notify.sh"),
            *core::ReadFile(kStarters / "hooks/lib/notify.sh"));
}

TEST_F(SetupWizardTest, AnUnreachableClusterIsAProblemButScaffoldingIsStillOffered) {
  ScriptedTerminal terminal({"thermal-throttle", "y"}, true);
  absl::StatusOr<SetupOutcome> outcome =
      RunSetupWizard(Options(), {nullptr, absl::UnavailableError("no kubeconfig found")}, terminal);
  ASSERT_TRUE(outcome.ok()) << outcome.status();
  EXPECT_EQ(outcome->problems, 1);
  EXPECT_THAT(terminal.shown(), ::testing::ContainsRegex("FAIL +kube context +no kubeconfig"));
  EXPECT_THAT(terminal.shown(), HasSubstr("1 problem(s) above"));
  EXPECT_THAT(Written(), ::testing::Contains("thermal-throttle.yaml"));
}

TEST(SelectionTest, NumbersNamesAllAndNone) {
  absl::StatusOr<std::vector<StarterRunbook>> starters = ListStarters(kStarters);
  ASSERT_TRUE(starters.ok()) << starters.status();
  auto slugs = [&](std::string_view answer) {
    std::vector<std::string> out;
    absl::StatusOr<std::vector<StarterRunbook>> chosen = ParseSelection(answer, *starters);
    if (!chosen.ok()) return std::vector<std::string>{std::string(chosen.status().message())};
    for (const StarterRunbook& starter : *chosen) out.push_back(starter.slug);
    return out;
  };
  EXPECT_EQ(slugs("").size(), starters->size());
  EXPECT_EQ(slugs("all").size(), starters->size());
  EXPECT_THAT(slugs("none"), IsEmpty());
  EXPECT_THAT(slugs("3 1,3"), ElementsAre("driver-hang", "gpu-off-bus"));
  EXPECT_THAT(slugs("7")[0], HasSubstr("\"7\" is not a starter runbook; pick numbers 1-6"));
}

}  // namespace
}  // namespace nvsx::setup
