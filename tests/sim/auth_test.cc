// https with a generated CA, and bearer-token authentication: stock kubectl
// and the Python client get in with the kubeconfig's CA and token; a wrong
// or missing token is 401 in a Status.

#include <fstream>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "sim/self_signed_tls.h"
#include "sim/sim_server_fixture.h"

namespace nvsx::sim {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;

constexpr char kToken[] = "sim-token-0123456789abcdef";

class AuthTest : public testing::SimServerTest {
 protected:
  void Customize(ApiServerOptions& options) override {
    absl::StatusOr<TlsMaterial> tls = MakeSelfSignedTls({"127.0.0.1", "localhost"}, absl::Now());
    ASSERT_TRUE(tls.ok()) << tls.status();
    tls_ = *std::move(tls);
    options.bearer_token = kToken;
    options.tls_cert_pem = tls_.server_cert_pem;
    options.tls_key_pem = tls_.server_key_pem;
  }

  void SetUp() override {
    SimServerTest::SetUp();
    ASSERT_EQ(server_->url().substr(0, 8), "https://");
    std::ofstream(kubeconfig_) << SimKubeconfig(server_->url(), "nvsx-sim", {kToken, tls_.ca_pem});
    ca_file_ = WriteFile("ca.pem", tls_.ca_pem);
    ASSERT_TRUE(server_->store()
                    .Create(Resource("", "v1", "nodes"), "", {{"metadata", {{"name", "n1"}}}})
                    .ok());
  }

  httplib::Result Get(const std::string& path, const std::string& token) {
    httplib::SSLClient client("127.0.0.1", server_->port());
    client.set_ca_cert_path(ca_file_.c_str());
    client.enable_server_certificate_verification(true);
    httplib::Headers headers;
    if (!token.empty()) headers.emplace("Authorization", "Bearer " + token);
    return client.Get(path, headers);
  }

  TlsMaterial tls_;
  std::filesystem::path ca_file_;
};

TEST_F(AuthTest, KubectlWithTheKubeconfigTokenGetsIn) {
  core::SubprocessResult got = Kubectl({"get", "nodes", "-o", "name"});
  ASSERT_TRUE(got.Succeeded()) << got.stderr_text;
  EXPECT_EQ(got.stdout_text, "node/n1\n");
}

TEST_F(AuthTest, KubectlWithAWrongTokenIsUnauthorized) {
  core::SubprocessResult got = Kubectl({"--token", "wrong", "get", "nodes"});
  EXPECT_FALSE(got.Succeeded());
  EXPECT_THAT(got.stderr_text, HasSubstr("You must be logged in to the server"));
}

TEST_F(AuthTest, KubectlRefusesAServerItsCaDidNotSign) {
  absl::StatusOr<TlsMaterial> other = MakeSelfSignedTls({"127.0.0.1"}, absl::Now());
  ASSERT_TRUE(other.ok());
  std::ofstream(kubeconfig_) << SimKubeconfig(server_->url(), "nvsx-sim", {kToken, other->ca_pem});
  core::SubprocessResult got = Kubectl({"get", "nodes"});
  EXPECT_FALSE(got.Succeeded());
  EXPECT_THAT(got.stderr_text, HasSubstr("certificate signed by unknown authority"));
}

TEST_F(AuthTest, KubectlWatchStreamsOverTls) {
  core::SubprocessResult got =
      Kubectl({"get", "nodes", "-w", "--request-timeout=2s", "-o", "name"});
  EXPECT_THAT(got.stdout_text, HasSubstr("node/n1"));
}

TEST_F(AuthTest, WrongOrMissingTokenIsA401Status) {
  for (const std::string token : {"", "wrong", "sim-token-0123456789abcdeX"}) {
    httplib::Result got = Get("/api/v1/nodes", token);
    ASSERT_TRUE(got);
    EXPECT_EQ(got->status, 401) << token;
    json status = json::parse(got->body);
    EXPECT_EQ(status["kind"], "Status");
    EXPECT_EQ(status["status"], "Failure");
    EXPECT_EQ(status["reason"], "Unauthorized");
    EXPECT_EQ(status["code"], 401);
  }
  httplib::Result ok = Get("/api/v1/nodes", kToken);
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->status, 200);
}

TEST_F(AuthTest, VersionIsOpenToAnonymousClientsButNotToWrongTokens) {
  httplib::Result anonymous = Get("/version", "");
  ASSERT_TRUE(anonymous);
  EXPECT_EQ(anonymous->status, 200);
  httplib::Result wrong = Get("/version", "wrong");
  ASSERT_TRUE(wrong);
  EXPECT_EQ(wrong->status, 401);
  httplib::Result health = Get("/healthz", "");
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 200);
}

TEST_F(AuthTest, PythonClientUsesTheTokenAndSeesA401WithAWrongOne) {
  core::SubprocessResult got = Python(R"(
from kubernetes import client, config
from kubernetes.client.rest import ApiException
config.load_kube_config()
nodes = client.CoreV1Api().list_node()
print(",".join(n.metadata.name for n in nodes.items))
from kubernetes import watch
for event in watch.Watch().stream(client.CoreV1Api().list_node, timeout_seconds=1):
    print(event["type"], event["object"].metadata.name)
bad = client.Configuration.get_default_copy()
bad.api_key = {"authorization": "Bearer wrong"}
try:
    client.CoreV1Api(client.ApiClient(bad)).list_node()
    print("no error")
except ApiException as error:
    print(error.status, error.reason)
)");
  ASSERT_TRUE(got.Succeeded()) << got.stderr_text;
  EXPECT_EQ(got.stdout_text, "n1\nADDED n1\n401 Unauthorized\n");
}

}  // namespace
}  // namespace nvsx::sim
