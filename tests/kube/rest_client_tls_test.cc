// The REST client over TLS against an HTTPS server that demands client
// certificates, with certificates made by openssl for each run.

#include <memory>

#include "core/file_io.h"
#include "core/subprocess.h"
#include "gtest/gtest.h"
#include "kube/api_error.h"
#include "kube/rest_client.h"
#include "kube/test_server.h"
#include "test_support/fake_clock.h"
#include "test_support/temp_dir.h"

namespace nvsx::kube {
namespace {

using ::nvsx::test::TempDir;
using testing::TestServer;

void Openssl(const TempDir& dir, std::vector<std::string> args) {
  core::SubprocessOptions options;
  options.argv = {"openssl"};
  options.argv.insert(options.argv.end(), args.begin(), args.end());
  options.env = core::Environment({{"PATH", "/usr/bin:/bin"}});
  options.working_dir = dir.path();
  options.timeout = absl::Seconds(30);
  auto result = core::RunSubprocess(options);
  ASSERT_TRUE(result.ok()) << result.status();
  ASSERT_TRUE(result->Succeeded()) << args[0] << ": " << result->stderr_text;
}

// A CA, a server certificate for 127.0.0.1 and api.test, and a client certificate.
void MakePki(TempDir& dir) {
  dir.Write("server.ext", "subjectAltName=IP:127.0.0.1,DNS:api.test\n");
  dir.Write("client.ext", "extendedKeyUsage=clientAuth\n");
  const std::vector<std::string> ec = {"-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                                       "-nodes"};
  auto with = [&](std::vector<std::string> head, std::vector<std::string> tail) {
    head.insert(head.end(), ec.begin(), ec.end());
    head.insert(head.end(), tail.begin(), tail.end());
    return head;
  };
  Openssl(dir, with({"req", "-x509"},
                    {"-keyout", "ca.key", "-out", "ca.crt", "-days", "1", "-subj", "/CN=test-ca"}));
  for (std::string who : {"server", "client"}) {
    Openssl(dir,
            with({"req"}, {"-keyout", who + ".key", "-out", who + ".csr", "-subj", "/CN=" + who}));
    Openssl(dir, {"x509", "-req", "-in", who + ".csr", "-CA", "ca.crt", "-CAkey", "ca.key",
                  "-CAcreateserial", "-out", who + ".crt", "-days", "1", "-extfile", who + ".ext"});
  }
}

class RestClientTlsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    MakePki(dir_);
    if (HasFatalFailure()) return;
    auto file = [&](const char* name) { return (dir_.path() / name).string(); };
    server_ = std::make_unique<TestServer>(std::make_unique<httplib::SSLServer>(
        file("server.crt").c_str(), file("server.key").c_str(), file("ca.crt").c_str()));
    server_->routes().Get("/api/v1/nodes", [](const httplib::Request&, httplib::Response& res) {
      res.set_content(R"({"kind":"NodeList","items":[]})", "application/json");
    });
    server_->Start();
  }

  std::string Read(const char* name) { return core::ReadFile(dir_.path() / name).value_or(""); }

  RestConfig Config() {
    RestConfig config;
    config.server = server_->Url("https");
    config.tls.ca_pem = Read("ca.crt");
    config.tls.client_cert_pem = Read("client.crt");
    config.tls.client_key_pem = Read("client.key");
    return config;
  }

  absl::Status ListNodes(RestConfig config) {
    RestClientOptions options;
    options.clock = &clock_;
    options.max_retries = 0;
    auto client = RestClient::New(std::move(config), options);
    if (!client.ok()) return client.status();
    return (*client)->List({"", "v1", "nodes", "", "", ""}).status();
  }

  TempDir dir_;
  test::FakeClock clock_;
  std::unique_ptr<TestServer> server_;
};

TEST_F(RestClientTlsTest, VerifiesServerAndPresentsClientCertificate) {
  EXPECT_TRUE(ListNodes(Config()).ok());
}

TEST_F(RestClientTlsTest, TlsServerNameIsVerifiedInsteadOfTheHost) {
  RestConfig config = Config();
  config.tls.server_name = "api.test";
  EXPECT_TRUE(ListNodes(config).ok());
  config.tls.server_name = "other.test";
  absl::Status wrong = ListNodes(config);
  EXPECT_EQ(wrong.code(), absl::StatusCode::kFailedPrecondition) << wrong;
}

TEST_F(RestClientTlsTest, UnknownCaFailsUnlessInsecure) {
  RestConfig config = Config();
  config.tls.ca_pem.clear();  // the system store does not know our CA
  absl::Status status = ListNodes(config);
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition) << status;
  EXPECT_TRUE(clock_.sleeps().empty());  // a certificate problem is not retried
  config.tls.insecure_skip_verify = true;
  EXPECT_TRUE(ListNodes(config).ok());
}

TEST_F(RestClientTlsTest, ServerRefusesAClientWithoutCertificate) {
  RestConfig config = Config();
  config.tls.client_cert_pem.clear();
  config.tls.client_key_pem.clear();
  EXPECT_FALSE(ListNodes(config).ok());
}

}  // namespace
}  // namespace nvsx::kube
