// nvsx figures: `nvsx list` cold start (and how many shared objects it loads),
// and the time from a node change in the cluster to the stage that watches it
// passing.
//   nvsx_bench NVSX_BINARY RUNBOOKS_DIR [iterations]
#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "absl/time/clock.h"
#include "core/clock.h"
#include "core/str_cat.h"
#include "nvsx/cluster_watch.h"
#include "nvsx/mttr_report.h"
#include "nvsx/runbook_loader.h"
#include "nvsx/runner.h"
#include "sim/api_server.h"
#include "sim/sim_cluster.h"

extern char** environ;

namespace nvsx::op {
namespace {

// Wall time of one `nvsx --runbooks DIR list` with its output discarded.
absl::Duration TimeList(const char* nvsx, const char* runbooks) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
  char* argv[] = {const_cast<char*>(nvsx), const_cast<char*>("--runbooks"),
                  const_cast<char*>(runbooks), const_cast<char*>("list"), nullptr};
  const absl::Time start = absl::Now();
  pid_t pid = 0;
  if (posix_spawn(&pid, nvsx, &actions, nullptr, argv, environ) != 0) {
    std::fprintf(stderr, "cannot start %s\n", nvsx);
    std::exit(1);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  posix_spawn_file_actions_destroy(&actions);
  return absl::Now() - start;
}

// How many shared objects the dynamic loader maps for `nvsx` (what ldd
// lists, the vDSO and the loader included): most of its start is loading them.
int CountSharedObjects(const char* nvsx) {
  int pipe_fds[2];
  if (::pipe(pipe_fds) != 0) return -1;
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], 1);
  posix_spawn_file_actions_addclose(&actions, pipe_fds[0]);
  std::vector<char*> env;
  for (char** var = environ; *var != nullptr; ++var) env.push_back(*var);
  env.push_back(const_cast<char*>("LD_TRACE_LOADED_OBJECTS=1"));
  env.push_back(nullptr);
  char* argv[] = {const_cast<char*>(nvsx), nullptr};
  pid_t pid = 0;
  const bool started = posix_spawn(&pid, nvsx, &actions, nullptr, argv, env.data()) == 0;
  posix_spawn_file_actions_destroy(&actions);
  ::close(pipe_fds[1]);
  int lines = 0;
  char buffer[4096];
  for (ssize_t n; (n = ::read(pipe_fds[0], buffer, sizeof(buffer))) > 0;) {
    lines += static_cast<int>(std::count(buffer, buffer + n, '\n'));
  }
  ::close(pipe_fds[0]);
  if (!started) return -1;
  int status = 0;
  waitpid(pid, &status, 0);
  return lines;
}

// Notes when the watching stage passes.
class PassClock final : public RunRenderer {
 public:
  void OnEvent(const RunEvent& event) override {
    std::lock_guard lock(mu_);
    if (event.type == RunEventType::kStageStart) started_ = true;
    if (event.type == RunEventType::kStagePass) passed_ = absl::Now();
    cv_.notify_all();
  }
  void WaitForStart() {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return started_; });
  }
  absl::Time passed() {
    std::lock_guard lock(mu_);
    return *passed_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool started_ = false;
  std::optional<absl::Time> passed_;
};

void Print(const char* what, std::vector<absl::Duration> samples) {
  std::printf("%-34s n=%zu  median %.2f ms  p90 %.2f ms  p99 %.2f ms\n", what, samples.size(),
              absl::ToDoubleMilliseconds(Percentile(samples, 50)),
              absl::ToDoubleMilliseconds(Percentile(samples, 90)),
              absl::ToDoubleMilliseconds(Percentile(samples, 99)));
}

int Main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: %s NVSX_BINARY RUNBOOKS_DIR [iterations]\n", argv[0]);
    return 2;
  }
  const int iterations = argc > 3 ? std::atoi(argv[3]) : 100;
  std::vector<absl::Duration> cold;
  TimeList(argv[1], argv[2]);  // page the binary in once; the rest is what a user sees
  for (int i = 0; i < iterations; ++i) cold.push_back(TimeList(argv[1], argv[2]));
  Print("nvsx list (process start to exit)", cold);
  std::printf("%-34s %d\n", "shared objects loaded", CountSharedObjects(argv[1]));

  core::SystemClock clock;
  sim::ApiServer server(&clock, {});
  if (!server.Start().ok()) return 1;
  kube::RestConfig config;
  config.server = server.url();
  auto client = *kube::RestClient::New(config, {.clock = &clock, .qps = 0});
  if (!sim::SeedSimCluster(*client, {.nodes = 4}, clock.Now()).ok()) return 1;
  ClusterWatch watch(client.get(), &clock, core::Logger::Discard());
  const kube::ResourceRef node{"", "v1", "nodes", "", "gpu-node-1", ""};
  std::vector<absl::Duration> change_to_pass;
  for (int i = 0; i < iterations; ++i) {
    const std::string value = core::StrCat("v", i);
    absl::StatusOr<Runbook> runbook = ParseRunbook(
        core::StrCat(
            "apiVersion: nvsx/v1\nkind: Runbook\nmetadata: {name: bench, title: Bench}\nstages:\n"
            "  - id: detect\n    watch:\n      - {kind: node, field: "
            "metadata.labels.bench, expect: \"==",
            value, "\"}\n"),
        "bench.yaml", {});
    if (!runbook.ok()) return 1;
    PassClock renderer;
    Runner runner(&*runbook, {.run_id = "bench", .target_node = "gpu-node-1"}, &watch, &renderer,
                  &clock);
    std::thread run([&] { runner.Run(); });
    renderer.WaitForStart();
    absl::SleepFor(absl::Milliseconds(5));  // let the stage settle into its wait
    const absl::Time changed = absl::Now();
    if (!client
             ->Patch(node, kube::PatchType::kMerge,
                     {{"metadata", {{"labels", {{"bench", value}}}}}})
             .ok()) {
      return 1;
    }
    run.join();
    change_to_pass.push_back(renderer.passed() - changed);
  }
  Print("node change -> stage pass", change_to_pass);
  watch.Close();
  server.Stop();
  return 0;
}

}  // namespace
}  // namespace nvsx::op

int main(int argc, char** argv) { return nvsx::op::Main(argc, argv); }
