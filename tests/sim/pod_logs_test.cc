// What the simulated containers print and how their logs are kept: bounded,
// scheduled lines made on read, previous instances, followers that wake and
// end; and the kubelet's runtime printing a GPU fault into the pods on its node.
#include "sim/pod_logs.h"

#include <algorithm>
#include <chrono>
#include <thread>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "sim/container_output.h"
#include "sim/container_runtime.h"
#include "sim/kubelet.h"
#include "test_support/eventually.h"
#include "test_support/fake_clock.h"

namespace nvsx::sim {
namespace {

using nlohmann::json;
using ::nvsx::test::Eventually;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

const PodLogKey kPod{"workloads", "training-0", "uid-1"};

std::vector<std::string> Texts(const std::vector<LogLine>& lines) {
  std::vector<std::string> out;
  for (const LogLine& line : lines) out.push_back(line.text);
  return out;
}

// Everything readable now, and whether the instance has ended.
std::vector<std::string> ReadAll(PodLogs& logs, PodLogs::Cursor& cursor, bool* ended = nullptr) {
  std::vector<std::string> out;
  bool done = false;
  for (auto lines = logs.Read(cursor, absl::ZeroDuration(), &done); !lines.empty();
       lines = logs.Read(cursor, absl::ZeroDuration(), &done)) {
    for (std::string& text : Texts(lines)) out.push_back(std::move(text));
  }
  if (ended != nullptr) *ended = done;
  return out;
}

std::vector<std::string> ReadAll(PodLogs& logs, const PodLogKey& pod,
                                 std::optional<int64_t> tail = std::nullopt,
                                 bool previous = false) {
  absl::StatusOr<PodLogs::Cursor> cursor = logs.Open(pod, "main", previous, tail, std::nullopt);
  EXPECT_TRUE(cursor.ok()) << cursor.status();
  return cursor.ok() ? ReadAll(logs, *cursor) : std::vector<std::string>{};
}

ScheduledLine EverySecond(test::FakeClock& clock) {
  return {clock.Now() + absl::Seconds(1), absl::Seconds(1),
          [](int64_t n) { return "step " + std::to_string(n); }};
}

TEST(PodLogsTest, LinesAreKeptInOrderAndScheduledOnesAppearAsTimePasses) {
  test::FakeClock clock;
  PodLogs logs(&clock);
  logs.StartContainer(kPod, "main", clock.Now(), {"starting"}, EverySecond(clock));
  EXPECT_THAT(ReadAll(logs, kPod), ElementsAre("starting"));
  clock.Advance(absl::Milliseconds(2500));
  logs.Append(kPod, "main", clock.Now(), {"checkpoint saved"});
  clock.Advance(absl::Milliseconds(500));
  EXPECT_THAT(ReadAll(logs, kPod),
              ElementsAre("starting", "step 1", "step 2", "checkpoint saved", "step 3"));
}

TEST(PodLogsTest, AContainerKeepsItsLastLinesOnly) {
  test::FakeClock clock;
  PodLogs logs(&clock, {.max_lines = 3, .max_bytes = 1 << 20});
  logs.StartContainer(kPod, "main", clock.Now(), {}, EverySecond(clock));
  clock.Advance(absl::Hours(24));  // 86,400 lines due: only the last three are ever made
  EXPECT_THAT(ReadAll(logs, kPod), ElementsAre("step 86398", "step 86399", "step 86400"));

  PodLogs small(&clock, {.max_lines = 100, .max_bytes = 12});
  small.StartContainer(kPod, "main", clock.Now());
  small.Append(kPod, "main", clock.Now(), {"aaaaa", "bbbbb", "ccccc"});
  EXPECT_THAT(ReadAll(small, kPod), ElementsAre("bbbbb", "ccccc"));  // 6 bytes each with '\n'
}

TEST(PodLogsTest, TailAndSinceChooseWhereReadingStarts) {
  test::FakeClock clock;
  PodLogs logs(&clock);
  logs.StartContainer(kPod, "main", clock.Now(), {"one", "two"});
  const absl::Time later = clock.Now() + absl::Seconds(10);
  logs.Append(kPod, "main", later, {"three", "four"});
  EXPECT_THAT(ReadAll(logs, kPod, 1), ElementsAre("four"));
  EXPECT_THAT(ReadAll(logs, kPod, 0), ElementsAre());
  absl::StatusOr<PodLogs::Cursor> since = logs.Open(kPod, "main", false, std::nullopt, later);
  ASSERT_TRUE(since.ok());
  EXPECT_THAT(ReadAll(logs, *since), ElementsAre("three", "four"));
}

TEST(PodLogsTest, ARestartKeepsThePreviousInstanceAndANewPodDropsTheOld) {
  test::FakeClock clock;
  PodLogs logs(&clock);
  EXPECT_FALSE(logs.Open(kPod, "main", false, std::nullopt, std::nullopt).ok());  // not started
  logs.StartContainer(kPod, "main", clock.Now(), {"first run"});
  logs.StartContainer(kPod, "main", clock.Now(), {"second run"});
  EXPECT_THAT(ReadAll(logs, kPod), ElementsAre("second run"));
  EXPECT_THAT(ReadAll(logs, kPod, std::nullopt, /*previous=*/true), ElementsAre("first run"));

  const PodLogKey replaced{kPod.namespace_name, kPod.name, "uid-2"};
  EXPECT_FALSE(logs.Open(replaced, "main", false, std::nullopt, std::nullopt).ok());
  logs.StartContainer(replaced, "main", clock.Now());
  EXPECT_THAT(ReadAll(logs, replaced), ElementsAre());
  EXPECT_FALSE(logs.Open(kPod, "main", false, std::nullopt, std::nullopt).ok());  // old uid
}

TEST(PodLogsTest, AFollowerWakesForNewLinesAndEndsWithTheContainer) {
  core::SystemClock clock;
  PodLogs logs(&clock);
  logs.StartContainer(kPod, "main", clock.Now());
  absl::StatusOr<PodLogs::Cursor> cursor =
      logs.Open(kPod, "main", false, std::nullopt, std::nullopt);
  ASSERT_TRUE(cursor.ok());
  std::thread writer([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    logs.Append(kPod, "main", clock.Now(), {"late line"});
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    logs.EndContainer(kPod, "main");
  });
  bool ended = false;
  std::vector<LogLine> lines = logs.Read(*cursor, absl::Seconds(20), &ended);
  EXPECT_THAT(Texts(lines), ElementsAre("late line"));
  EXPECT_FALSE(ended);
  lines = logs.Read(*cursor, absl::Seconds(20), &ended);
  EXPECT_TRUE(lines.empty());
  EXPECT_TRUE(ended);
  writer.join();
}

TEST(PodLogsTest, ScheduledLinesStopWhenTheProgramStops) {
  test::FakeClock clock;
  PodLogs logs(&clock);
  logs.StartContainer(kPod, "main", clock.Now(), {}, EverySecond(clock));
  clock.Advance(absl::Seconds(2));
  logs.StopSchedule(kPod, "main", clock.Now(), {"CUDA error"});
  clock.Advance(absl::Seconds(10));
  EXPECT_THAT(ReadAll(logs, kPod), ElementsAre("step 1", "step 2", "CUDA error"));
}

TEST(PodLogsTest, RemovingThePodEndsItsFollowers) {
  test::FakeClock clock;
  PodLogs logs(&clock);
  logs.StartContainer(kPod, "main", clock.Now());
  absl::StatusOr<PodLogs::Cursor> cursor =
      logs.Open(kPod, "main", false, std::nullopt, std::nullopt);
  ASSERT_TRUE(cursor.ok());
  logs.RemovePod(kPod.namespace_name, kPod.name);
  bool ended = false;
  EXPECT_THAT(ReadAll(logs, *cursor, &ended), ElementsAre());
  EXPECT_TRUE(ended);
  EXPECT_FALSE(logs.Open(kPod, "main", false, std::nullopt, std::nullopt).ok());
}

TEST(ContainerOutputTest, ProgramsPrintWhatTheirJobsPrint) {
  json pod = {{"metadata", {{"annotations", {{std::string(kProgramAnnotation), "training"}}}}}};
  EXPECT_EQ(ProgramOf(pod), ContainerProgram::kTraining);
  EXPECT_EQ(ProgramOf(json{{"metadata", json::object()}}), ContainerProgram::kNone);
  const ProgramOutput training = OutputOf(ContainerProgram::kTraining);
  EXPECT_EQ(training.every, absl::Seconds(1));
  EXPECT_THAT(training.line(12),
              ::testing::MatchesRegex(R"(\[rank0\] step 12 \| loss [0-9.]+ \| lr .* samples/s)"));
  EXPECT_TRUE(OutputOf(ContainerProgram::kNone).startup.empty());

  EXPECT_EQ(CudaErrorForXid(79), "unspecified launch failure");
  EXPECT_EQ(CudaErrorForXid(48), "uncorrectable ECC error encountered");
  EXPECT_EQ(CudaErrorForXid(31), "an illegal memory access was encountered");
  EXPECT_EQ(CudaErrorForXid(12345), "unknown error");
  const std::vector<std::string> lines = GpuFaultLines(ContainerProgram::kTraining, 79);
  ASSERT_FALSE(lines.empty());
  EXPECT_THAT(lines.front(), HasSubstr("CUDA error: unspecified launch failure"));
  EXPECT_THAT(lines, ::testing::Contains(HasSubstr("NCCL error in: ")));
  EXPECT_THAT(lines, ::testing::Contains(HasSubstr("unhandled cuda error")));
  EXPECT_THAT(GpuFaultLines(ContainerProgram::kInference, 48),
              ::testing::Contains("RuntimeError: CUDA error: uncorrectable ECC error encountered"));
  EXPECT_TRUE(GpuFaultLines(ContainerProgram::kNone, 79).empty());

  EXPECT_TRUE(UsesGpus(json{{"resources", {{"limits", {{"nvidia.com/gpu", "1"}}}}}}));
  EXPECT_TRUE(UsesGpus(json{{"resources", {{"requests", {{"nvidia.com/gpu", 2}}}}}}));
  EXPECT_FALSE(UsesGpus(json{{"resources", {{"limits", {{"cpu", "1"}}}}}}));
  EXPECT_FALSE(UsesGpus(json{{"name", "main"}}));
}

// The kubelet with its runtime: pods it runs print, and a fatal HealthEvent
// for their node makes its GPU pods print the CUDA error.
class ContainerRuntimeTest : public ::testing::Test {
 protected:
  static ResourceInfo Builtin(const std::string& resource) {
    for (ResourceInfo& info : BuiltinResources()) {
      if (info.group.empty() && info.resource == resource) return info;
    }
    return {};
  }

  void SetUp() override {
    for (const char* name : {"workloads", "kube-node-lease"}) {
      ASSERT_TRUE(store_.Create(Builtin("namespaces"), "", {{"metadata", {{"name", name}}}}).ok());
    }
    for (const char* name : {"node-a", "node-b"}) {
      ASSERT_TRUE(store_.Create(Builtin("nodes"), "", {{"metadata", {{"name", name}}}}).ok());
    }
    SimKubeletOptions options;
    options.nodes = {"node-a", "node-b"};
    options.pod_logs = &logs_;
    kubelet_ = std::make_unique<SimKubelet>(&clock_, &store_, options);
    ASSERT_TRUE(kubelet_->Start().ok());
  }
  void TearDown() override { kubelet_->Stop(); }

  void Pod(const std::string& name, const std::string& node, const std::string& program, bool gpu) {
    json container = {{"name", "main"}, {"image", "pytorch"}};
    if (gpu) container["resources"] = {{"limits", {{"nvidia.com/gpu", "1"}}}};
    json pod = {{"metadata",
                 {{"name", name}, {"annotations", {{std::string(kProgramAnnotation), program}}}}},
                {"spec", {{"nodeName", node}, {"containers", {container}}}}};
    ASSERT_TRUE(store_.Create(Builtin("pods"), "workloads", pod).ok());
  }

  PodLogKey Key(const std::string& name) {
    absl::StatusOr<json> pod = store_.Get(Builtin("pods"), "workloads", name);
    return {"workloads", name, pod.ok() ? (*pod)["metadata"].value("uid", "") : ""};
  }

  // The pod's log once its container runs (waiting, in real time, for the kubelet).
  std::vector<std::string> LogOf(const std::string& name) {
    std::optional<PodLogs::Cursor> cursor;
    const bool started = Eventually([&] {
      absl::StatusOr<PodLogs::Cursor> opened =
          logs_.Open(Key(name), "main", false, std::nullopt, std::nullopt);
      if (opened.ok()) cursor = *std::move(opened);
      return cursor.has_value();
    });
    if (!started) {
      ADD_FAILURE() << name << " never started";
      return {};
    }
    return ReadAll(logs_, *cursor);
  }

  static ResourceInfo HealthEvents() {
    return {.group = "nvsentinel.nvidia.com",
            .version = "v1alpha1",
            .resource = "healthevents",
            .kind = "HealthEvent"};
  }

  // Creates a HealthEvent for `node`; returns its name.
  std::string FatalHealthEvent(const std::string& node, const std::string& xid, bool fatal = true) {
    json event = {{"metadata", {{"generateName", "xid-"}}},
                  {"spec",
                   {{"nodeName", node},
                    {"checkName", "GpuPcieWatch"},
                    {"isFatal", fatal},
                    {"isHealthy", false},
                    {"errorCode", {xid}}}}};
    absl::StatusOr<json> created = store_.Create(HealthEvents(), "", event);
    EXPECT_TRUE(created.ok()) << created.status();
    return created.ok() ? (*created)["metadata"].value("name", "") : "";
  }

  // Sets `field` of the HealthEvent's spec, as the publisher's update does.
  void UpdateHealthEvent(const std::string& name, const std::string& field, const json& value) {
    absl::StatusOr<json> event = store_.Get(HealthEvents(), "", name);
    ASSERT_TRUE(event.ok()) << event.status();
    (*event)["spec"][field] = value;
    ASSERT_TRUE(store_.Update(HealthEvents(), "", name, *event, Subresource::kMain).ok());
  }

  bool LogHas(const std::string& pod, const std::string& text) {
    return std::ranges::any_of(
        LogOf(pod), [&](const std::string& line) { return line.find(text) != std::string::npos; });
  }

  test::FakeClock clock_;
  ObjectStore store_{&clock_, {}};
  PodLogs logs_{&clock_};
  std::unique_ptr<SimKubelet> kubelet_;
};

TEST_F(ContainerRuntimeTest, RunningPodsPrintTheirProgramsOutput) {
  Pod("training-0", "node-a", "training", true);
  EXPECT_THAT(LogOf("training-0"),
              ElementsAre(HasSubstr("Initializing process group"), HasSubstr("NCCL version"),
                          HasSubstr("Starting training")));
  clock_.Advance(absl::Seconds(2));
  EXPECT_THAT(LogOf("training-0"), ::testing::Contains(HasSubstr("[rank0] step 2 | loss")));
  Pod("quiet", "node-a", "none", true);
  EXPECT_THAT(LogOf("quiet"), ElementsAre());
}

TEST_F(ContainerRuntimeTest, AFatalGpuFaultOnItsNodeEndsAJobWithTheCudaError) {
  Pod("training-0", "node-a", "training", true);
  Pod("training-1", "node-b", "training", true);
  Pod("sidecar", "node-a", "training", /*gpu=*/false);
  LogOf("training-0");
  LogOf("training-1");
  LogOf("sidecar");
  FatalHealthEvent("node-a", "79", /*fatal=*/false);  // a warning: jobs run on
  FatalHealthEvent("node-a", "79");
  ASSERT_TRUE(Eventually([&] {
    for (const std::string& line : LogOf("training-0")) {
      if (line.find("CUDA error: unspecified launch failure") != std::string::npos) return true;
    }
    return false;
  }));
  const std::vector<std::string> faulted = LogOf("training-0");
  EXPECT_EQ(std::count_if(faulted.begin(), faulted.end(),
                          [](const std::string& line) {
                            return line.find("NCCL error in:") != std::string::npos;
                          }),
            1);
  clock_.Advance(absl::Seconds(5));
  EXPECT_EQ(LogOf("training-0").size(), faulted.size());  // it stepped no more
  EXPECT_THAT(LogOf("training-1"), ::testing::Not(::testing::Contains(HasSubstr("CUDA error"))));
  EXPECT_THAT(LogOf("training-1"), ::testing::Contains(HasSubstr("step 5 |")));
  EXPECT_THAT(LogOf("sidecar"), ::testing::Not(::testing::Contains(HasSubstr("CUDA error"))));
}

TEST_F(ContainerRuntimeTest, AWarningThatTurnsFatalEndsTheJobOnce) {
  Pod("training-0", "node-a", "training", true);
  Pod("training-1", "node-b", "training", true);
  LogOf("training-0");
  LogOf("training-1");
  const std::string warning = FatalHealthEvent("node-a", "79", /*fatal=*/false);
  UpdateHealthEvent(warning, "isFatal", true);  // the degraded GPU fell off the bus
  ASSERT_TRUE(Eventually([&] { return LogHas("training-0", "CUDA error"); }));
  UpdateHealthEvent(warning, "message", "XID 79 and 48");  // still the same fault
  // Events are taken in order: once node-b's job has met its fault, the
  // update above was seen too.
  FatalHealthEvent("node-b", "79");
  ASSERT_TRUE(Eventually([&] { return LogHas("training-1", "CUDA error"); }));
  const std::vector<std::string> faulted = LogOf("training-0");
  EXPECT_EQ(std::ranges::count_if(faulted,
                                  [](const std::string& line) {
                                    return line.find("NCCL error in:") != std::string::npos;
                                  }),
            1);
}

TEST_F(ContainerRuntimeTest, ARebootEndsTheContainersAndDeletingThePodDropsItsLog) {
  Pod("training-0", "node-a", "training", true);
  LogOf("training-0");
  const PodLogKey key = Key("training-0");
  absl::StatusOr<PodLogs::Cursor> cursor =
      logs_.Open(key, "main", false, std::nullopt, std::nullopt);
  ASSERT_TRUE(cursor.ok());
  ASSERT_TRUE(kubelet_->RebootNode("node-a", absl::Seconds(30)).ok());
  bool ended = false;
  EXPECT_TRUE(Eventually([&] {
    ReadAll(logs_, *cursor, &ended);
    return ended;
  }));
  ASSERT_TRUE(store_.Delete(Builtin("pods"), "workloads", "training-0", {}).ok());
  EXPECT_TRUE(
      Eventually([&] { return !logs_.Open(key, "main", false, std::nullopt, std::nullopt).ok(); }));
}

}  // namespace
}  // namespace nvsx::sim
