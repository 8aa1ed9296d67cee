// The rule-based converter on three real-looking runbooks: where each command
// lands, what stays verbatim, and which lines it could not place.
#include "nvsx/convert/offline_converter.h"

#include <string>
#include <vector>

#include "core/environment.h"
#include "core/file_io.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nvsx/convert/command_rules.h"
#include "nvsx/convert/conversion_check.h"
#include "nvsx/convert/shell_words.h"
#include "nvsx/runbook_loader.h"
#include "nvsx/watch_kinds.h"
#include "test_support/temp_dir.h"

namespace nvsx::convert {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::Pair;

std::string Testdata(const std::string& name) {
  absl::StatusOr<std::string> text = core::ReadFile(std::string(NVSX_CONVERT_TESTDATA "/") + name);
  EXPECT_TRUE(text.ok()) << text.status();
  return text.value_or("");
}

struct Placed {
  std::string stage;
  std::string watches;  // "node field=spec.unschedulable expect=true; ..."
  std::string hook;     // the hook's file name, or ""
};

// What a converted runbook's stages watch and run, read back with the loader.
class OfflineTest : public ::testing::Test {
 protected:
  Conversion Convert(const std::string& file, const std::string& slug) {
    Conversion conversion = ConvertOffline(Testdata(file), slug, file);
    core::Environment env = core::Environment::FromProcess();
    absl::StatusOr<std::filesystem::path> shellcheck = FindShellcheck(env);
    EXPECT_TRUE(shellcheck.ok()) << shellcheck.status();
    absl::StatusOr<std::vector<std::string>> problems =
        FindProblems(conversion, {shellcheck.value_or(""), env, dir_.path()});
    EXPECT_TRUE(problems.ok()) << problems.status();
    EXPECT_THAT(problems.value_or(std::vector<std::string>{}), IsEmpty());
    for (const HookScript& hook : conversion.hooks) {
      dir_.Write("runbooks/hooks/" + slug + "/" + hook.name, hook.text);
    }
    absl::StatusOr<op::Runbook> runbook =
        op::ParseRunbook(conversion.runbook_yaml, slug + ".yaml", {dir_.path() / "runbooks", {}});
    EXPECT_TRUE(runbook.ok()) << runbook.status() << "\n" << conversion.runbook_yaml;
    if (runbook.ok()) runbook_ = *runbook;
    return conversion;
  }

  std::vector<Placed> Stages() const {
    std::vector<Placed> placed;
    for (const op::Stage& stage : runbook_.stages) {
      std::string watches;
      for (const op::WatchClause& clause : stage.watch) {
        if (!watches.empty()) watches += "; ";
        watches += std::string(op::SpecOf(clause.kind).name);
        for (const auto& [key, value] : clause.fields) watches += " " + key + "=" + value;
      }
      placed.push_back({stage.id, watches, stage.hook ? stage.hook->filename().string() : ""});
    }
    return placed;
  }

  static std::string HookText(const Conversion& conversion, const std::string& name) {
    for (const HookScript& hook : conversion.hooks) {
      if (hook.name == name) return hook.text;
    }
    ADD_FAILURE() << "no hook " << name;
    return "";
  }

  test::TempDir dir_;
  op::Runbook runbook_;
};

MATCHER_P3(IsPlaced, stage, watches, hook, "") {
  return arg.stage == stage && arg.watches == watches && arg.hook == hook;
}

std::vector<std::pair<int, std::string>> UnplacedLines(const Conversion& conversion) {
  std::vector<std::pair<int, std::string>> lines;
  for (const Unplaced& unplaced : conversion.unplaced)
    lines.emplace_back(unplaced.line, unplaced.text);
  return lines;
}

TEST_F(OfflineTest, GpuOffBusRunbookIsSplitIntoWatchesAndHooks) {
  const Conversion conversion = Convert("xid-79-gpu-off-bus.md", "gpu-off-bus");
  EXPECT_EQ(runbook_.metadata.title, "GPU fell off the bus (XID 79)");
  EXPECT_THAT(runbook_.metadata.summary, HasSubstr("The GPU disappeared from the PCIe bus."));
  EXPECT_THAT(runbook_.metadata.tags, ElementsAre("converted", "xid-79"));
  EXPECT_THAT(
      Stages(),
      ElementsAre(
          IsPlaced("preflight", "", "on-preflight.sh"),
          IsPlaced("detect", "healthevent xid=79", ""),
          IsPlaced("quarantine", "node expect=true field=spec.unschedulable", ""),
          IsPlaced("drain", "healthevent phase=Drained", "on-drain.sh"),
          IsPlaced("remediate",
                   "crd group=janitor.dgxc.nvidia.com resource=rebootnodes version=v1alpha1",
                   "on-remediate.sh"),
          IsPlaced("recover", "node expect=false field=spec.unschedulable", "on-recover.sh"),
          IsPlaced("postmortem", "", "on-postmortem.sh")));
  // Notification calls are verbatim, continuation lines included; the node
  // variable is the target node; no cluster action is left in a hook.
  const std::string preflight = HookText(conversion, "on-preflight.sh");
  EXPECT_THAT(preflight, HasSubstr("NODE=\"${NVSX_TARGET_NODE}\"\n"));
  EXPECT_THAT(preflight, HasSubstr("# xid-79-gpu-off-bus.md:11 (PagerDuty)\n"
                                   "curl -X POST https://events.pagerduty.com/v2/enqueue \\\n"
                                   "  -H 'Content-Type: application/json' \\\n"));
  EXPECT_THAT(HookText(conversion, "on-drain.sh"),
              HasSubstr("--data '{\"text\":\"Draining '\"$NODE\"' after XID 79\"}' "
                        "https://hooks.slack.com/services/T000/B000/XXXX\n"));
  EXPECT_THAT(HookText(conversion, "on-remediate.sh"),
              HasSubstr("https://acme.atlassian.net/rest/api/2/issue"));
  EXPECT_THAT(HookText(conversion, "on-remediate.sh"), Not(HasSubstr("reboot")));
  EXPECT_THAT(HookText(conversion, "on-recover.sh"), Not(HasSubstr("uncordon")));
  EXPECT_THAT(HookText(conversion, "on-postmortem.sh"),
              HasSubstr("echo \"$(date -u +%FT%TZ) $NODE xid79 resolved\" >> \"$MTTR_LOG\"\n"));
  EXPECT_THAT(UnplacedLines(conversion),
              ElementsAre(Pair(19, "nvidia-smi"), Pair(20, "dmesg -T | grep -i xid"),
                          Pair(48, "nvidia-smi -L")));
}

TEST_F(OfflineTest, EccRunbookUsesItsVariablesProseCommandsAndPlaceholders) {
  const Conversion conversion = Convert("ecc-double-bit.md", "ecc-double-bit");
  EXPECT_THAT(
      Stages(),
      ElementsAre(IsPlaced("detect", "healthevent xid=48", ""),
                  IsPlaced("quarantine", "taint effect=NoSchedule key=nvidia.com/gpu-ecc",
                           "on-quarantine.sh"),
                  IsPlaced("remediate",
                           "crd group=janitor.dgxc.nvidia.com resource=gpuresets version=v1alpha1",
                           "on-remediate.sh"),
                  IsPlaced("recover", "healthevent phase=Resolved", "on-recover.sh")));
  // The Slack hook gets the webhook's definition and the node placeholder,
  // quoted to fit inside the single-quoted JSON.
  const std::string quarantine = HookText(conversion, "on-quarantine.sh");
  EXPECT_THAT(quarantine, HasSubstr("export SLACK_WEBHOOK=https://hooks.slack.com/services/"
                                    "T111/B222/YYYY  # ecc-double-bit.md:11\n"));
  EXPECT_THAT(quarantine, HasSubstr("curl -s -X POST \"$SLACK_WEBHOOK\" -d '{\"text\":\"ECC: "
                                    "'\"${NVSX_TARGET_NODE}\"' isolated\"}'\n"));
  EXPECT_THAT(quarantine, Not(HasSubstr("JIRA_BASE")));
  const std::string remediate = HookText(conversion, "on-remediate.sh");
  EXPECT_THAT(remediate, HasSubstr("export JIRA_BASE=https://gpu-team.atlassian.net"));
  EXPECT_THAT(remediate, HasSubstr("-X POST \"$JIRA_BASE/rest/api/2/issue\""));
  EXPECT_THAT(HookText(conversion, "on-recover.sh"), HasSubstr("# ecc-double-bit.md:43 (Slack)\n"));
  EXPECT_THAT(UnplacedLines(conversion), ElementsAre(Pair(29, "nvidia-smi -q -d ECC")));
}

TEST_F(OfflineTest, CommandsWithoutSectionsFollowTheLastClusterStep) {
  const Conversion conversion = Convert("thermal-throttle.md", "thermal-throttle");
  EXPECT_THAT(
      Stages(),
      ElementsAre(
          IsPlaced("detect", "healthevent phase=New", ""),
          IsPlaced("quarantine", "node expect=true field=spec.unschedulable", "on-quarantine.sh"),
          IsPlaced("recover", "node expect=false field=spec.unschedulable", "on-recover.sh")));
  const std::string quarantine = HookText(conversion, "on-quarantine.sh");
  EXPECT_THAT(quarantine, HasSubstr("# thermal-throttle.md:8 (Slack)\n"
                                    "curl -X POST https://hooks.slack.com/services/T9/B9/ZZ \\\n"
                                    "  -d '{\"text\":\"gpu-node-12 cordoned"));
  EXPECT_THAT(quarantine, HasSubstr("# thermal-throttle.md:10 (PagerDuty)\n"));
  EXPECT_THAT(HookText(conversion, "on-recover.sh"),
              HasSubstr("python3 record_mttr.py --node gpu-node-12 --stage recovered\n"));
  EXPECT_THAT(UnplacedLines(conversion),
              ElementsAre(Pair(6, "nvidia-smi -q -d PERFORMANCE"),
                          Pair(17, "ipmitool -H gpu-node-12-bmc -U admin chassis status")));
}

TEST_F(OfflineTest, TheSameMarkdownGivesTheSameBytes) {
  const std::string markdown = Testdata("ecc-double-bit.md");
  const Conversion a = ConvertOffline(markdown, "ecc", "ecc.md");
  const Conversion b = ConvertOffline(markdown, "ecc", "ecc.md");
  EXPECT_EQ(a.runbook_yaml, b.runbook_yaml);
  ASSERT_EQ(a.hooks.size(), b.hooks.size());
  for (size_t i = 0; i < a.hooks.size(); ++i) EXPECT_EQ(a.hooks[i].text, b.hooks[i].text);
}

TEST(CommandRulesTest, NotificationsWinOverTheWordsTheyCarry) {
  auto rule = [](const std::string& command) {
    std::optional<RuleMatch> match = MatchCommand(command);
    return match ? std::string(match->rule->name) : "";
  };
  EXPECT_EQ(rule("curl -d '{\"text\":\"rebooting now\"}' https://hooks.slack.com/x"), "Slack");
  EXPECT_EQ(rule("sudo systemctl reboot"), "reboot");
  EXPECT_EQ(rule("ssh gpu-1 'reboot'"), "reboot");
  EXPECT_EQ(rule("ipmitool -H bmc power cycle"), "reboot");
  EXPECT_EQ(rule("echo reboot later"), "");
  EXPECT_EQ(rule("kubectl uncordon n1"), "kubectl uncordon");
  EXPECT_EQ(rule("kubectl cordon n1"), "kubectl cordon");
  EXPECT_EQ(rule("nvidia-smi --gpu-reset -i 0"), "GPU reset");
  EXPECT_EQ(rule("nvidia-smi -q"), "");
  EXPECT_EQ(StageForHeading("Verify after the reboot"), "recover");
  EXPECT_EQ(StageForHeading("Drain workloads"), "drain");
  EXPECT_EQ(StageForHeading("Background"), "");
}

TEST(ShellWordsTest, PlaceholdersAreQuotedWhereTheyStand) {
  EXPECT_EQ(ReplacePlaceholders("kubectl get node <node-name>"),
            "kubectl get node \"${NVSX_TARGET_NODE}\"");
  EXPECT_EQ(ReplacePlaceholders("echo \"ticket <ticket-id>\""), "echo \"ticket ${TICKET_ID}\"");
  EXPECT_EQ(ReplacePlaceholders("-d '{\"node\":\"<node>\"}'"),
            "-d '{\"node\":\"'\"${NVSX_TARGET_NODE}\"'\"}'");
  EXPECT_EQ(ReplacePlaceholders("cat <<EOF"), "cat <<EOF");
  EXPECT_THAT(ReferencedVariables("curl \"$URL/${PATH_PART}\" $URL"),
              ElementsAre("URL", "PATH_PART"));
  ASSERT_TRUE(ParseAssignment("export A_B='x y'").has_value());
  EXPECT_EQ(ParseAssignment("export A_B='x y'")->value, "'x y'");
  EXPECT_FALSE(ParseAssignment("A=1 command").has_value());
}

}  // namespace
}  // namespace nvsx::convert
