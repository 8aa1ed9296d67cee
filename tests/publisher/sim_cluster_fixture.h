#pragma once

// What the sim_nodes tests share: an embedded API server with a seeded GPU
// cluster, and fault requests made as `nvsentinel sim inject` makes them.

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "kube/rest_client.h"
#include "sim/api_server.h"
#include "sim/sim_cluster.h"
#include "sim_nodes/fault_request.h"
#include "test_support/eventually.h"

namespace nvsx::sim_nodes::testing {

class SimClusterTest : public ::testing::Test {
 protected:
  // Starts the API server and seeds `cluster_`.
  void StartCluster() {
    api_ = std::make_unique<sim::ApiServer>(&clock_, sim::ApiServerOptions{});
    ASSERT_TRUE(api_->Start().ok());
    config_.server = api_->url();
    auto client =
        kube::RestClient::New(config_, kube::RestClientOptions{.clock = &clock_, .qps = 0});
    ASSERT_TRUE(client.ok());
    client_ = *std::move(client);
    ASSERT_TRUE(sim::SeedSimCluster(*client_, cluster_, clock_.Now()).ok());
  }
  void StopCluster() {
    client_.reset();
    api_->Stop();
  }

  // Creates the request and waits for its result; "no result" when nobody
  // answered within `limit`.
  std::string Request(const FaultRequest& request, absl::Duration limit = absl::Seconds(10)) {
    auto created = client_->Create(FaultRequestsResource(), FaultRequestConfigMap(request));
    EXPECT_TRUE(created.ok()) << created.status();
    if (!created.ok()) return "";
    const auto ref = FaultRequestsResource().WithName((*created)["metadata"]["name"]);
    std::string result = "no result";
    ::nvsx::test::Eventually(
        [&] {
          auto object = client_->Get(ref);
          if (!object.ok()) return false;
          auto annotations = (*object)["metadata"].value("annotations", nlohmann::json::object());
          if (!annotations.contains(kFaultResultAnnotation)) return false;
          result = annotations[std::string(kFaultResultAnnotation)];
          return true;
        },
        limit, absl::Milliseconds(20));
    return result;
  }

  core::SystemClock clock_;
  sim::SimClusterOptions cluster_{.nodes = 2, .gpus_per_node = 4};
  kube::RestConfig config_;
  std::unique_ptr<sim::ApiServer> api_;
  std::unique_ptr<kube::RestClient> client_;
};

}  // namespace nvsx::sim_nodes::testing
