#include "controller/controller_manager.h"

namespace nvsx::controller {
namespace {

// The controller as the LeaderRunner's task.
class ControllerTask final : public kube::LeaderTask {
 public:
  explicit ControllerTask(std::unique_ptr<HealthEventController> controller)
      : controller_(std::move(controller)) {}
  absl::Status Start() override { return controller_->Start(); }
  void Stop() override { controller_->Stop(); }
  HealthEventController& controller() { return *controller_; }

 private:
  std::unique_ptr<HealthEventController> controller_;
};

kube::LeaderRunnerOptions RunnerOptions(const ControllerManagerOptions& options) {
  return {.leader_elect = options.leader_elect, .election = options.election};
}

}  // namespace

ControllerManager::ControllerManager(kube::RestClient* client, core::WaitableClock* clock,
                                     kube::EventRecorder* recorder, ControllerMetrics* metrics,
                                     ControllerManagerOptions options, core::Logger logger)
    : runner_(
          client, clock, RunnerOptions(options),
          [=, controller_options = options.controller]() -> std::unique_ptr<kube::LeaderTask> {
            return std::make_unique<ControllerTask>(std::make_unique<HealthEventController>(
                client, clock, recorder, metrics, controller_options, logger));
          },
          logger) {}

void ControllerManager::RefreshMetrics() {
  runner_.WithTask([](kube::LeaderTask& task) {
    static_cast<ControllerTask&>(task).controller().RefreshMetrics();
  });
}

uint64_t ControllerManager::evictions() const {
  uint64_t evictions = 0;
  runner_.WithTask([&evictions](kube::LeaderTask& task) {
    evictions = static_cast<ControllerTask&>(task).controller().evictions();
  });
  return evictions;
}

}  // namespace nvsx::controller
