#include "sim_nodes/node_pipeline.h"

#include <grpcpp/grpcpp.h>

#include <utility>

#include "core/str_cat.h"

namespace nvsx::sim_nodes {

NodePipeline::NodePipeline(NodePipelineOptions options, core::WaitableClock* clock,
                           core::Logger logger)
    : options_(std::move(options)), clock_(clock), logger_(std::move(logger)) {}

absl::StatusOr<std::unique_ptr<NodePipeline>> NodePipeline::Start(NodePipelineOptions options,
                                                                  core::WaitableClock* clock,
                                                                  const health::XidCatalog* catalog,
                                                                  core::Logger logger) {
  if (options.node_name.empty() || options.socket_path.empty()) {
    return absl::InvalidArgumentError("a node pipeline needs a node name and a socket path");
  }
  options.provider.provider_id = core::StrCat("health-provider/", options.node_name);
  options.publisher.source.node_name = options.node_name;
  options.client.clock = clock;
  core::Logger node_logger = logger.With({{"node", options.node_name}});
  std::unique_ptr<NodePipeline> node(
      new NodePipeline(std::move(options), clock, std::move(node_logger)));
  const NodePipelineOptions& opts = node->options_;

  node->backend_ = std::make_unique<nvml::SimGpuBackend>(nvml::SimGpuBackendOptions{
      .node_name = opts.node_name, .gpu_count = opts.gpu_count, .clock = clock});

  device::DeviceApiServerOptions device_options;
  device_options.socket_path = opts.socket_path;
  device_options.listen = std::nullopt;
  auto device = device::DeviceApiServer::Start(device_options, clock,
                                               node->logger_.With({{"component", "device-api"}}));
  if (!device.ok()) return device.status();
  node->device_ = *std::move(device);
  node->stub_ = ::nvidia::device::v1alpha1::GpuService::NewStub(
      grpc::CreateChannel("unix:" + opts.socket_path, grpc::InsecureChannelCredentials()));

  node->provider_ = std::make_unique<provider::HealthProvider>(
      node->backend_.get(), node->stub_.get(), catalog, clock,
      node->logger_.With({{"component", "health-provider"}}), opts.provider);
  node->provider_thread_ =
      std::thread([raw = node.get()] { raw->provider_->Run(raw->stop_provider_); });

  auto client = kube::RestClient::New(opts.api_server, opts.client);
  if (!client.ok()) return client.status();
  node->client_ = *std::move(client);
  node->publisher_ = std::make_unique<publisher::Publisher>(
      node->stub_.get(), node->client_.get(), catalog, clock,
      node->logger_.With({{"component", "publisher"}}), opts.publisher);
  node->publisher_->Start();
  return node;
}

NodePipeline::~NodePipeline() { Stop(); }

void NodePipeline::Stop() {
  if (publisher_) publisher_->Stop();
  stop_provider_.store(true);
  if (provider_thread_.joinable()) provider_thread_.join();
  if (device_) device_->Shutdown();
}

}  // namespace nvsx::sim_nodes
