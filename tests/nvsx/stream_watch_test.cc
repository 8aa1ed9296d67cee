// Stages that wait on streams: log and training-log against the embedded
// cluster's pods (whose kubelet prints what they run), mongo-event against a
// fake kubectl that plays NVSentinel's MongoDB, and the MongoDB shell's parts.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <condition_variable>
#include <fstream>
#include <mutex>
#include <sstream>
#include <thread>

#include "core/file_io.h"
#include "core/str_cat.h"
#include "kube/types/health_event.h"
#include "nvsx/mongo_shell.h"
#include "nvsx/runbook_loader.h"
#include "nvsx/runner.h"
#include "sim/api_server.h"
#include "sim/container_output.h"
#include "sim/kubelet.h"
#include "sim/sim_cluster.h"
#include "test_support/temp_dir.h"

namespace nvsx::op {
namespace {

using nlohmann::json;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

// Keeps the events; lets the test wait for one.
class Events final : public RunRenderer {
 public:
  void OnEvent(const RunEvent& event) override {
    std::lock_guard lock(mu_);
    events_.push_back(event);
    cv_.notify_all();
  }
  bool WaitFor(RunEventType type, const std::string& stage) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, std::chrono::seconds(30),
                        [&] { return Find(type, stage) != nullptr; });
  }
  json Data(RunEventType type, const std::string& stage) const {
    std::lock_guard lock(mu_);
    const RunEvent* event = Find(type, stage);
    return event == nullptr ? json() : event->data;
  }

 private:
  const RunEvent* Find(RunEventType type, const std::string& stage) const {
    for (const RunEvent& event : events_) {
      if (event.type == type && event.stage == stage) return &event;
    }
    return nullptr;
  }
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::vector<RunEvent> events_;
};

class StreamWatchTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(server_.Start().ok());
    kube::RestConfig config;
    config.server = server_.url();
    kube::RestClientOptions options;
    options.clock = &clock_;
    options.qps = 0;
    client_ = *kube::RestClient::New(config, options);
    sim::SimClusterOptions cluster;
    cluster.nodes = 2;
    ASSERT_TRUE(sim::SeedSimCluster(*client_, cluster, clock_.Now()).ok());
    sim::SimKubeletOptions kubelet;
    kubelet.nodes = {"gpu-node-0", "gpu-node-1"};
    kubelet.pod_logs = &server_.pod_logs();
    kubelet_ = std::make_unique<sim::SimKubelet>(&clock_, &server_.store(), kubelet);
    ASSERT_TRUE(kubelet_->Start().ok());
    ASSERT_TRUE(
        client_
            ->Create({"", "v1", "namespaces", "", "", ""}, {{"metadata", {{"name", "workloads"}}}})
            .ok());
    fake_ = dir_.path() / "mongo";
    std::filesystem::create_directories(fake_);
    std::filesystem::create_directories(dir_.path() / "bin");
    std::filesystem::copy_file(FAKE_KUBECTL, dir_.path() / "bin" / "kubectl");
    std::filesystem::permissions(dir_.path() / "bin" / "kubectl",
                                 std::filesystem::perms::owner_all);
    StreamWatchOptions streams;
    streams.mongo.pod = "mongo-0";
    streams.mongo.env.Set("PATH", core::StrCat((dir_.path() / "bin").string(), ":/usr/bin:/bin"));
    streams.mongo.env.Set("FAKE_MONGO_DIR", fake_.string());
    streams.mongo_poll_interval = absl::Milliseconds(50);
    watch_ =
        std::make_unique<ClusterWatch>(client_.get(), &clock_, core::Logger::Discard(), streams);
  }
  void TearDown() override {
    watch_.reset();
    kubelet_->Stop();
    client_.reset();
    server_.Stop();
  }

  // A pod on gpu-node-0 that runs `program` on one GPU.
  void TrainingPod(const std::string& name, const std::string& program = "training") {
    json pod = {{"metadata",
                 {{"name", name},
                  {"labels", {{"app", "training"}}},
                  {"annotations", {{std::string(sim::kProgramAnnotation), program}}}}},
                {"spec",
                 {{"nodeName", "gpu-node-0"},
                  {"containers",
                   {{{"name", "main"},
                     {"image", "pytorch"},
                     {"resources", {{"limits", {{"nvidia.com/gpu", "1"}}}}}}}}}}};
    ASSERT_TRUE(client_->Create({"", "v1", "pods", "workloads", "", ""}, pod).ok());
  }

  void Print(const std::string& pod, std::vector<std::string> lines) {
    absl::StatusOr<json> got = client_->Get({"", "v1", "pods", "workloads", pod, ""});
    ASSERT_TRUE(got.ok());
    server_.pod_logs().Append({"workloads", pod, (*got)["metadata"]["uid"]}, "main", clock_.Now(),
                              lines);
  }

  void FatalGpuFault(const std::string& node) {
    json event = {{"apiVersion", "nvsentinel.nvidia.com/v1alpha1"},
                  {"kind", "HealthEvent"},
                  {"metadata", {{"name", "xid-79"}}},
                  {"spec",
                   {{"nodeName", node},
                    {"agent", "test"},
                    {"checkName", "GpuPcieWatch"},
                    {"isFatal", true},
                    {"isHealthy", false},
                    {"errorCode", {"79"}},
                    {"message", "GPU has fallen off the bus"}}}};
    absl::StatusOr<json> created = client_->Create(kube::HealthEventsResource(), event);
    ASSERT_TRUE(created.ok()) << created.status();
  }

  Runbook Load(const std::string& yaml) {
    const std::filesystem::path file = dir_.Write("runbooks/test.yaml", yaml);
    absl::StatusOr<Runbook> runbook = LoadRunbook(file, {dir_.path() / "runbooks", dir_.path()});
    EXPECT_TRUE(runbook.ok()) << runbook.status();
    return runbook.ok() ? *runbook : Runbook{};
  }

  RunOutcome Run(const Runbook& runbook, const std::function<void()>& meanwhile = {}) {
    RunOptions options;
    options.run_id = "test-run";
    options.target_node = "gpu-node-0";
    options.project_root = dir_.path();
    options.tick = absl::Milliseconds(50);
    Runner runner(&runbook, options, watch_.get(), &events_, &clock_);
    RunOutcome outcome;
    std::thread run([&] { outcome = runner.Run(); });
    if (meanwhile) meanwhile();
    run.join();
    return outcome;
  }

  void WriteFake(const std::string& name, const json& value) {
    ASSERT_TRUE(core::WriteFileAtomically(fake_ / name, value.dump()).ok());
  }

  std::vector<json> Calls() {
    std::vector<json> calls;
    std::ifstream in(fake_ / "calls.jsonl");
    for (std::string line; std::getline(in, line);) {
      json call = json::parse(line, nullptr, /*allow_exceptions=*/false);
      if (!call.is_discarded()) calls.push_back(std::move(call));  // a line being written
    }
    return calls;
  }

  core::SystemClock clock_;
  sim::ApiServer server_{&clock_, {}};
  std::unique_ptr<kube::RestClient> client_;
  std::unique_ptr<sim::SimKubelet> kubelet_;
  std::unique_ptr<ClusterWatch> watch_;
  test::TempDir dir_;
  std::filesystem::path fake_;
  Events events_;
};

constexpr char kLogRunbook[] = R"yaml(apiVersion: nvsx/v1
kind: Runbook
metadata: {name: logs, title: Logs}
stages:
  - id: detect
    watch:
      - kind: log
        namespace: workloads
        selector: app=training
        pattern: "NCCL error|CUDA error: unspecified launch failure"
    timeout: 30s
)yaml";

TEST_F(StreamWatchTest, ALogWatchPassesWhenAMatchingLineAppears) {
  TrainingPod("training-0");
  const Runbook runbook = Load(kLogRunbook);
  const RunOutcome outcome = Run(runbook, [&] {
    ASSERT_TRUE(events_.WaitFor(RunEventType::kStageStart, "detect"));
    // A pod that appears after the stage began is followed too.
    TrainingPod("training-1");
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    Print("training-1", {"[rank0] all good"});
    FatalGpuFault("gpu-node-0");  // the kubelet's runtime prints the CUDA error into both
  });
  EXPECT_EQ(outcome.result, "pass");
  const json satisfied = events_.Data(RunEventType::kWatchSatisfied, "detect");
  EXPECT_EQ(satisfied["kind"], "log");
  EXPECT_THAT(
      satisfied["detail"].get<std::string>(),
      ::testing::MatchesRegex(
          R"(pod workloads/training-[01] logged ".*(NCCL error|CUDA error: unspecified launch failure).*)"));
}

TEST_F(StreamWatchTest, ALineThatDoesNotMatchLeavesTheStageWaiting) {
  TrainingPod("training-0");
  std::string yaml = kLogRunbook;
  yaml.replace(yaml.find("timeout: 30s"), 12, "timeout: 2s");
  const Runbook runbook = Load(yaml);
  const RunOutcome outcome = Run(runbook, [&] {
    ASSERT_TRUE(events_.WaitFor(RunEventType::kStageStart, "detect"));
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    Print("training-0", {"[rank0] NCCL INFO all rings up", "CUDA error: none"});
  });
  EXPECT_EQ(outcome.result, "fail");
  EXPECT_THAT(events_.Data(RunEventType::kStageFail, "detect")["reason"].get<std::string>(),
              HasSubstr("timed out after 2s waiting for: no line matching /NCCL "
                        "error|CUDA error: unspecified launch failure/ yet in the logs of 1 pod"));
}

TEST_F(StreamWatchTest, TrainingLogSeesTheStepsAndTheFaultOfOneTrainingPod) {
  TrainingPod("training-0");
  TrainingPod("training-1");
  const Runbook runbook = Load(R"yaml(apiVersion: nvsx/v1
kind: Runbook
metadata: {name: training, title: Training}
stages:
  - id: baseline
    watch:
      - {kind: training-log, namespace: workloads, pod: training-0, pattern: "step \\d+"}
    timeout: 30s
  - id: detect
    watch:
      - kind: training-log
        namespace: workloads
        pod: training-0
        pattern: "(?i)unhandled CUDA error"
    timeout: 30s
)yaml");
  RunOptions options;
  options.run_id = "drill";
  options.target_node = "gpu-node-0";
  options.drill = true;
  options.tick = absl::Milliseconds(50);
  Runner runner(&runbook, options, watch_.get(), &events_, &clock_);
  RunOutcome outcome;
  std::thread run([&] { outcome = runner.Run(); });
  ASSERT_TRUE(events_.WaitFor(RunEventType::kStageStart, "detect"));
  FatalGpuFault("gpu-node-0");
  run.join();
  EXPECT_EQ(outcome.result, "pass");
  EXPECT_THAT(events_.Data(RunEventType::kWatchSatisfied, "baseline")["detail"].get<std::string>(),
              HasSubstr("pod workloads/training-0 logged \"[rank0] step"));
  EXPECT_THAT(events_.Data(RunEventType::kWatchSatisfied, "detect")["detail"].get<std::string>(),
              HasSubstr("NCCL error in: ../torch/csrc/distributed/c10d/ProcessGroupNCCL.cpp:1970, "
                        "unhandled cuda error"));
}

TEST_F(StreamWatchTest, AMissingPodIsNamedWhileTheStageWaits) {
  const Runbook runbook = Load(R"yaml(apiVersion: nvsx/v1
kind: Runbook
metadata: {name: missing, title: Missing}
stages:
  - id: detect
    watch: [{kind: training-log, namespace: workloads, pod: nobody, pattern: step}]
    timeout: 500ms
)yaml");
  EXPECT_EQ(Run(runbook).result, "fail");
  EXPECT_THAT(events_.Data(RunEventType::kStageFail, "detect")["reason"].get<std::string>(),
              HasSubstr("no line matching /step/ yet in the log of pod workloads/nobody (not "
                        "running)"));
}

constexpr char kMongoRunbook[] = R"yaml(apiVersion: nvsx/v1
kind: Runbook
metadata: {name: mongo, title: Mongo}
stages:
  - id: detect
    watch:
      - {kind: mongo-event, collection: HealthEvents, filter: "{isFatal: true}"}
    timeout: 30s
)yaml";

TEST_F(StreamWatchTest, AMongoEventWatchPollsUntilADocumentMatches) {
  WriteFake("counts.json", {{"{isFatal: true}", 0}});
  const Runbook runbook = Load(kMongoRunbook);
  const RunOutcome outcome = Run(runbook, [&] {
    ASSERT_TRUE(events_.WaitFor(RunEventType::kStageStart, "detect"));
    while (Calls().size() < 2) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    EXPECT_FALSE(events_.Data(RunEventType::kWatchSatisfied, "detect").is_object());
    WriteFake("counts.json", {{"{isFatal: true}", 2}});
  });
  EXPECT_EQ(outcome.result, "pass");
  EXPECT_EQ(events_.Data(RunEventType::kWatchSatisfied, "detect")["detail"],
            "2 document(s) in HealthEvents match {isFatal: true}");
  // The exact command line: kubectl exec into the pod, mongosh --quiet --eval.
  EXPECT_EQ(Calls().front(),
            json({"exec", "-n", "nvsentinel", "mongo-0", "--", "mongosh", "--quiet", "--eval",
                  "db.getSiblingDB(\"nvsentinel\").getCollection(\"HealthEvents\")"
                  ".countDocuments({isFatal: true})"}));
}

TEST_F(StreamWatchTest, AFailingMongoShellIsReportedAndTheStageTimesOut) {
  WriteFake("exit.json", {{"code", 1}, {"stderr", "error: unable to upgrade connection"}});
  std::string yaml = kMongoRunbook;
  yaml.replace(yaml.find("timeout: 30s"), 12, "timeout: 1s");
  EXPECT_EQ(Run(Load(yaml)).result, "fail");
  EXPECT_THAT(events_.Data(RunEventType::kStageFail, "detect")["reason"].get<std::string>(),
              HasSubstr("MongoDB HealthEvents: kubectl exec mongo-0 -- mongosh exited with "
                        "status 1: \"error: unable to upgrade connection\""));
}

TEST_F(StreamWatchTest, TheMongoPodIsFoundByItsLabelWhenNoneIsNamed) {
  json pod = {
      {"metadata",
       {{"name", "nvsentinel-mongodb-0"}, {"labels", {{"app.kubernetes.io/name", "mongodb"}}}}},
      {"spec", {{"nodeName", "gpu-node-1"}, {"containers", {{{"name", "mongodb"}}}}}}};
  ASSERT_TRUE(client_->Create({"", "v1", "pods", "nvsentinel", "", ""}, pod).ok());
  MongoShellOptions options;
  options.kubeconfig = "/etc/kube/config";
  options.context = "prod";
  options.container = "mongodb";
  options.env.Set("PATH", core::StrCat((dir_.path() / "bin").string(), ":/usr/bin:/bin"));
  options.env.Set("FAKE_MONGO_DIR", fake_.string());
  WriteFake("counts.json", {{"{}", 7}});
  MongoShell shell(options, client_.get());
  absl::StatusOr<int64_t> count;
  for (int i = 0; i < 2000; ++i) {  // until the kubelet reports the pod Running
    count = shell.CountDocuments("HealthEvents", "");
    if (count.ok()) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_TRUE(count.ok()) << count.status();
  EXPECT_EQ(*count, 7);
  EXPECT_EQ(Calls().back(), json({"--kubeconfig", "/etc/kube/config", "--context", "prod", "exec",
                                  "-n", "nvsentinel", "nvsentinel-mongodb-0", "-c", "mongodb", "--",
                                  "mongosh", "--quiet", "--eval",
                                  "db.getSiblingDB(\"nvsentinel\").getCollection(\"HealthEvents\")"
                                  ".countDocuments({})"}));
  MongoShell nowhere({.namespace_name = "elsewhere", .env = options.env}, client_.get());
  EXPECT_THAT(std::string(nowhere.CountDocuments("HealthEvents", "").status().message()),
              HasSubstr("no Running pod matches app.kubernetes.io/name=mongodb in namespace "
                        "elsewhere"));
}

TEST(MongoShellTest, ExpressionsAndWhatMongoshPrints) {
  EXPECT_EQ(
      CountExpression("nvsentinel", "Health\"Events", "{a: 1}"),
      R"(db.getSiblingDB("nvsentinel").getCollection("Health\"Events").countDocuments({a: 1}))");
  EXPECT_EQ(FindAfterExpression("db", "HealthEvents", "65a1b2c30000000000000000", 50),
            R"(JSON.stringify(db.getSiblingDB("db").getCollection("HealthEvents").find({_id: )"
            R"({$gt: ObjectId("65a1b2c30000000000000000")}}).sort({_id: 1}).limit(50).toArray()))");
  EXPECT_EQ(*ParseCount("3\n"), 3);
  EXPECT_EQ(*ParseCount("Warning: something\n  12  \n"), 12);
  EXPECT_FALSE(ParseCount("MongoServerError: not authorized").ok());
  EXPECT_FALSE(ParseCount("").ok());
  absl::StatusOr<std::vector<json>> documents =
      ParseDocuments("[{\"_id\":\"a\"},{\"_id\":\"b\"}]\n");
  ASSERT_TRUE(documents.ok());
  EXPECT_EQ(documents->size(), 2u);
  EXPECT_FALSE(ParseDocuments("{\"not\": \"an array\"}").ok());
  EXPECT_EQ(ObjectIdAt(absl::FromUnixSeconds(0x65a1b2c3)), "65a1b2c30000000000000000");
  EXPECT_EQ(DocumentId(json{{"_id", "65A1B2C3D4E5F60718293A4B"}}), "65a1b2c3d4e5f60718293a4b");
  EXPECT_EQ(DocumentId(json{{"_id", {{"$oid", "65a1b2c3d4e5f60718293a4b"}}}}),
            "65a1b2c3d4e5f60718293a4b");
  EXPECT_EQ(DocumentId(json{{"_id", 42}}), "");
  EXPECT_EQ(DocumentId(json{{"_id", "not-an-object-id"}}), "");
}

}  // namespace
}  // namespace nvsx::op
