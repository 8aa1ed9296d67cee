// `nvsentinel janitor` as users run it: help, and bad flags named with the fix.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "core/subprocess.h"
#include "test_support/temp_dir.h"

namespace nvsx {
namespace {

using ::testing::HasSubstr;

const std::string kNvsentinel = std::string(NVSX_BIN_DIR) + "/nvsentinel";

core::SubprocessResult Janitor(std::vector<std::string> args) {
  core::SubprocessOptions options;
  options.argv = {kNvsentinel, "janitor"};
  options.argv.insert(options.argv.end(), args.begin(), args.end());
  options.env = core::Environment({{"PATH", "/usr/bin:/bin"}});
  options.timeout = absl::Seconds(60);
  auto result = core::RunSubprocess(options);
  EXPECT_TRUE(result.ok()) << result.status();
  return result.ok() ? *result : core::SubprocessResult{};
}

TEST(JanitorCliTest, HelpListsEveryFlag) {
  auto help = Janitor({"--help"});
  EXPECT_EQ(help.exit_code, 0);
  for (const char* flag : {"--kubeconfig", "--backend", "--reboot-timeout", "--reset-timeout",
                           "--sim-reboot-downtime", "--reboot-command", "--reset-command",
                           "--command-timeout", "--leader-elect", "--metrics-listen"}) {
    EXPECT_THAT(help.stdout_text, HasSubstr(flag));
  }
}

TEST(JanitorCliTest, BadFlagsExitWithCode2AndNameTheFlag) {
  auto missing = Janitor({});
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_THAT(missing.stderr_text, HasSubstr("--backend"));

  auto unknown = Janitor({"--backend", "ipmi"});
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_THAT(unknown.stderr_text, HasSubstr("--backend"));

  auto no_command = Janitor({"--backend", "command"});
  EXPECT_EQ(no_command.exit_code, 2);
  EXPECT_THAT(no_command.stderr_text, HasSubstr("--backend command needs --reboot-command PATH"));

  auto not_executable =
      Janitor({"--backend", "command", "--reboot-command", "/nonexistent/reboot-node"});
  EXPECT_EQ(not_executable.exit_code, 2);
  EXPECT_THAT(not_executable.stderr_text,
              HasSubstr("--reboot-command: \"/nonexistent/reboot-node\" is not an executable"));

  auto stray = Janitor({"--backend", "sim", "--reset-command", "/bin/true"});
  EXPECT_EQ(stray.exit_code, 2);
  EXPECT_THAT(stray.stderr_text, HasSubstr("--reset-command: only used with --backend command"));

  auto short_downtime = Janitor({"--backend", "sim", "--sim-reboot-downtime", "200ms"});
  EXPECT_EQ(short_downtime.exit_code, 2);
  EXPECT_THAT(short_downtime.stderr_text, HasSubstr("--sim-reboot-downtime: at least 1s"));

  auto bad_timeout = Janitor({"--backend", "none", "--reboot-timeout", "soon"});
  EXPECT_EQ(bad_timeout.exit_code, 2);
  EXPECT_THAT(bad_timeout.stderr_text, HasSubstr("--reboot-timeout"));
}

}  // namespace
}  // namespace nvsx
