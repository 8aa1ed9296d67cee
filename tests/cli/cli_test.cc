// Runs the built programs as a user would and checks what they print and return.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>

#include "core/subprocess.h"
#include "test_support/temp_dir.h"

namespace nvsx {
namespace {

using ::testing::HasSubstr;

core::SubprocessResult RunProgram(std::vector<std::string> argv) {
  core::SubprocessOptions options;
  options.argv = std::move(argv);
  options.env = core::Environment({{"PATH", "/usr/bin:/bin"}});
  options.timeout = absl::Seconds(120);
  auto result = core::RunSubprocess(options);
  EXPECT_TRUE(result.ok()) << result.status();
  return result.ok() ? *result : core::SubprocessResult{};
}

const std::string kNvsx = std::string(NVSX_BIN_DIR) + "/nvsx";
const std::string kNvsentinel = std::string(NVSX_BIN_DIR) + "/nvsentinel";

TEST(CliTest, HelpListsTheCommands) {
  auto help = RunProgram({kNvsx, "--help"});
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_THAT(help.stdout_text, HasSubstr("demo"));
  auto version = RunProgram({kNvsx, "--version"});
  EXPECT_EQ(version.exit_code, 0);
  EXPECT_THAT(version.stdout_text, HasSubstr("nvsx 0."));
}

TEST(CliTest, UnknownCommandIsBadInputWithExitCode2) {
  auto result = RunProgram({kNvsx, "no-such-command"});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_THAT(result.stderr_text, HasSubstr("no-such-command"));
}

TEST(CliTest, DemoRefusesBadFlagsBeforeStartingAnything) {
  auto help = RunProgram({kNvsx, "demo", "--help"});
  EXPECT_EQ(help.exit_code, 0);
  for (const char* flag : {"--fault", "--plain", "--keep", "--nodes", "--reboot-downtime"}) {
    EXPECT_THAT(help.stdout_text, HasSubstr(flag));
  }
  auto unknown = RunProgram({kNvsx, "demo", "--plain", "--fault", "meltdown"});
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_THAT(unknown.stderr_text, HasSubstr("--fault meltdown: not a fault the demo knows"));
  auto downtime = RunProgram({kNvsx, "demo", "--plain", "--reboot-downtime", "soon"});
  EXPECT_EQ(downtime.exit_code, 2);
  EXPECT_THAT(downtime.stderr_text, HasSubstr("--reboot-downtime"));
  EXPECT_EQ(unknown.stdout_text + downtime.stdout_text, "");
}

TEST(CliTest, AFlagValueOutOfRangeSaysWhatToGive) {
  auto nodes = RunProgram({kNvsentinel, "sim", "--nodes", "0"});
  EXPECT_EQ(nodes.exit_code, 2);
  EXPECT_THAT(nodes.stderr_text,
              HasSubstr("--nodes: 0 is out of range: give a whole number from 1 to 5000"));
  auto watches = RunProgram({kNvsentinel, "device-api", "--max-watches", "-3"});
  EXPECT_EQ(watches.exit_code, 2);
  EXPECT_THAT(watches.stderr_text,
              HasSubstr("--max-watches: -3 is out of range: give a whole number of at least 1"));
  auto limit = RunProgram({kNvsx, "history", "--limit", "ten"});
  EXPECT_EQ(limit.exit_code, 2);
  EXPECT_THAT(limit.stderr_text, HasSubstr("--limit: \"ten\" is not a number"));
  auto mode = RunProgram({kNvsx, "serve", "--mode", "pull"});
  EXPECT_EQ(mode.exit_code, 2);
  EXPECT_THAT(mode.stderr_text, HasSubstr("--mode: \"pull\" is not one of: webhook, watch, poll"));
}

TEST(CliTest, NvsentinelRequiresASubcommand) {
  EXPECT_EQ(RunProgram({kNvsentinel, "version"}).exit_code, 0);
  auto bare = RunProgram({kNvsentinel});
  EXPECT_EQ(bare.exit_code, 2);
  EXPECT_THAT(bare.stderr_text, HasSubstr("subcommand"));
}

TEST(CliTest, SimFaultRequestsAreOnlyForSimulatedGpus) {
  auto result = RunProgram({kNvsentinel, "health-provider", "--backend", "nvml",
                            "--sim-fault-requests", "--device-api", "127.0.0.1:1"});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_THAT(result.stderr_text, HasSubstr("--sim-fault-requests: only with --backend sim"));
  auto sim = RunProgram({kNvsentinel, "sim", "--node-agents", "elsewhere"});
  EXPECT_EQ(sim.exit_code, 2);
  EXPECT_THAT(sim.stderr_text, HasSubstr("--node-agents"));
}

TEST(CliTest, HealthProviderWithoutNvmlSaysSoAndPointsAtTheSimBackend) {
  auto result = RunProgram({kNvsentinel, "health-provider", "--backend", "nvml", "--nvml-library",
                            "/nonexistent/libnvidia-ml.so.1", "--device-api", "127.0.0.1:1"});
  EXPECT_EQ(result.exit_code, 3);
  EXPECT_THAT(result.stderr_text, HasSubstr("NVML was not found"));
  EXPECT_THAT(result.stderr_text, HasSubstr("--backend sim"));
  auto bad = RunProgram({kNvsentinel, "health-provider", "--backend", "cuda"});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_THAT(bad.stderr_text, HasSubstr("--backend"));
}

TEST(CliTest, RepoRootLauncherBuildsIfNeededAndRunsTheProgram) {
  core::SubprocessOptions options;
  options.argv = {std::string(NVSX_SOURCE_DIR) + "/nvsx", "version"};
  options.env = core::Environment({{"PATH", "/usr/bin:/bin"}, {"NVSX_BUILD_DIR", NVSX_BUILD_DIR}});
  options.timeout = absl::Seconds(300);
  auto result = core::RunSubprocess(options);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->exit_code, 0) << result->stderr_text;
  EXPECT_THAT(result->stdout_text, HasSubstr("nvsx 0."));
}

TEST(CliTest, CmakeInstallPutsProgramsUnderThePrefix) {
  test::TempDir prefix;
  auto install = RunProgram(
      {NVSX_CMAKE_COMMAND, "--install", NVSX_BUILD_DIR, "--prefix", prefix.path().string()});
  ASSERT_EQ(install.exit_code, 0) << install.stdout_text << install.stderr_text;
  for (const char* program : {"nvsx", "nvsentinel"}) {
    const auto path = prefix.path() / "bin" / program;
    ASSERT_TRUE(std::filesystem::exists(path)) << path;
    EXPECT_EQ(RunProgram({path.string(), "version"}).exit_code, 0) << path;
  }
  // The manifests travel with the programs.
  for (const char* manifest :
       {"healthevents.yaml", "rebootnodes.yaml", "gpuresets.yaml", "kustomization.yaml"}) {
    EXPECT_TRUE(std::filesystem::exists(prefix.path() / "share/nvsx/deploy/crds" / manifest))
        << manifest;
  }
}

}  // namespace
}  // namespace nvsx
