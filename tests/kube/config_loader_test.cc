#include "kube/config_loader.h"

#include "absl/strings/escaping.h"
#include "core/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "test_support/temp_dir.h"

namespace nvsx::kube {
namespace {

using ::nvsx::test::TempDir;
using ::testing::HasSubstr;

constexpr std::string_view kBasic = R"(apiVersion: v1
kind: Config
current-context: dev
clusters:
- name: dev-cluster
  cluster:
    server: https://dev.example:6443/
    certificate-authority-data: Q0EtUEVN
users:
- name: dev-user
  user:
    token: dev-token
contexts:
- name: dev
  context: {cluster: dev-cluster, user: dev-user, namespace: gpu}
- name: other
  context: {cluster: dev-cluster, user: missing-user}
)";

absl::StatusOr<RestConfig> LoadExplicit(const std::filesystem::path& path,
                                        std::string context = "") {
  ConfigLoadOptions options;
  options.kubeconfig = path;
  options.context = std::move(context);
  return LoadRestConfig(options);
}

TEST(ConfigLoaderTest, ExplicitPathUsesCurrentContext) {
  TempDir dir;
  auto config = LoadExplicit(dir.Write("config", kBasic));
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->server, "https://dev.example:6443");
  EXPECT_EQ(config->tls.ca_pem, "CA-PEM");
  EXPECT_EQ(config->bearer_token, "dev-token");
  EXPECT_EQ(config->namespace_name, "gpu");
  EXPECT_EQ(config->context, "dev");
}

TEST(ConfigLoaderTest, ContextOverrideAndMissingContextNamesFile) {
  TempDir dir;
  auto path = dir.Write("config", kBasic);
  auto missing = LoadExplicit(path, "foo");
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(missing.status().message()),
              HasSubstr("kubeconfig " + path.string() + ": context \"foo\" not found"));
  auto no_user = LoadExplicit(path, "other");
  EXPECT_THAT(std::string(no_user.status().message()),
              HasSubstr("contexts[1].context.user: user \"missing-user\" not found"));
}

TEST(ConfigLoaderTest, ExplicitPathMustExist) {
  TempDir dir;
  auto config = LoadExplicit(dir.path() / "nope");
  EXPECT_FALSE(config.ok());
  EXPECT_THAT(std::string(config.status().message()), HasSubstr("nope"));
}

TEST(ConfigLoaderTest, KubeconfigListMergesFirstWins) {
  TempDir dir;
  auto first = dir.Write("a", R"(
clusters:
- name: c
  cluster: {server: "https://first:1"}
users:
- name: u
  user: {token: first}
)");
  auto second = dir.Write("b", R"(
current-context: ctx
clusters:
- name: c
  cluster: {server: "https://second:2"}
- name: c2
  cluster: {server: "https://c2:2"}
users:
- name: u
  user: {token: second}
contexts:
- name: ctx
  context: {cluster: c, user: u}
- name: ctx2
  context: {cluster: c2, user: u}
)");
  auto third = dir.Write("c", "current-context: ctx2\n");
  ConfigLoadOptions options;
  options.env.Set("KUBECONFIG", core::StrCat(first.string(), ":", (dir.path() / "missing").string(),
                                             "::", second.string(), ":", third.string()));
  auto config = LoadRestConfig(options);
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->context, "ctx");  // the first file to set current-context wins
  EXPECT_EQ(config->server, "https://first:1");
  EXPECT_EQ(config->bearer_token, "first");
  options.context = "ctx2";
  config = LoadRestConfig(options);
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->server, "https://c2:2");
}

TEST(ConfigLoaderTest, HomeConfigThenInCluster) {
  TempDir dir;
  dir.Write("home/.kube/config", kBasic);
  ConfigLoadOptions options;
  options.env.Set("HOME", (dir.path() / "home").string());
  auto config = LoadRestConfig(options);
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->bearer_token, "dev-token");

  options.env.Set("HOME", (dir.path() / "empty-home").string());
  auto none = LoadRestConfig(options);
  EXPECT_EQ(none.status().code(), absl::StatusCode::kFailedPrecondition);

  options.env.Set("KUBERNETES_SERVICE_HOST", "fd00::1");
  options.env.Set("KUBERNETES_SERVICE_PORT", "443");
  options.in_cluster.token_file = dir.Write("sa/token", "sa-token\n");
  options.in_cluster.ca_file = dir.Write("sa/ca.crt", "SA-CA");
  options.in_cluster.namespace_file = dir.Write("sa/namespace", "nvsentinel\n");
  auto in_cluster = LoadRestConfig(options);
  ASSERT_TRUE(in_cluster.ok()) << in_cluster.status();
  EXPECT_EQ(in_cluster->server, "https://[fd00::1]:443");
  EXPECT_EQ(in_cluster->token_file, options.in_cluster.token_file);
  EXPECT_EQ(in_cluster->tls.ca_pem, "SA-CA");
  EXPECT_EQ(in_cluster->namespace_name, "nvsentinel");
}

TEST(ConfigLoaderTest, InClusterNeedsTokenFile) {
  TempDir dir;
  core::Environment env;
  env.Set("KUBERNETES_SERVICE_HOST", "10.0.0.1");
  env.Set("KUBERNETES_SERVICE_PORT", "443");
  InClusterPaths paths{dir.path() / "token", dir.path() / "ca", dir.path() / "ns"};
  auto config = InClusterConfig(env, paths);
  EXPECT_EQ(config.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(config.status().message()), HasSubstr("token"));
  EXPECT_FALSE(InClusterConfig(core::Environment(), paths).ok());
}

TEST(ConfigLoaderTest, FilesAreRelativeToTheKubeconfig) {
  TempDir dir;
  dir.Write("k/ca.pem", "CA");
  dir.Write("k/certs/client.pem", "CERT");
  dir.Write("k/certs/client.key", "KEY");
  dir.Write("k/token", "tok");
  auto path = dir.Write("k/config", R"(
current-context: c
clusters: [{name: c, cluster: {server: "h:6443", certificate-authority: ca.pem}}]
users: [{name: u, user: {client-certificate: certs/client.pem, client-key: certs/client.key,
         tokenFile: token}}]
contexts: [{name: c, context: {cluster: c, user: u}}]
)");
  auto config = LoadExplicit(path);
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->server, "https://h:6443");
  EXPECT_EQ(config->tls.ca_pem, "CA");
  EXPECT_EQ(config->tls.client_cert_pem, "CERT");
  EXPECT_EQ(config->tls.client_key_pem, "KEY");
  EXPECT_EQ(config->token_file, dir.path() / "k" / "token");
  EXPECT_EQ(config->namespace_name, "default");
}

TEST(ConfigLoaderTest, ExecConfig) {
  TempDir dir;
  auto path = dir.Write("config", R"(
current-context: c
clusters: [{name: c, cluster: {server: "https://h", insecure-skip-tls-verify: true}}]
users:
- name: u
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1
      command: ./bin/plugin
      args: [get-token, --cluster=x]
      env: [{name: A, value: "1"}]
      provideClusterInfo: true
      installHint: install it
contexts: [{name: c, context: {cluster: c, user: u}}]
)");
  auto config = LoadExplicit(path);
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_TRUE(config->tls.insecure_skip_verify);
  ASSERT_TRUE(config->exec.has_value());
  EXPECT_EQ(config->exec->command, (dir.path() / "bin/plugin").string());
  EXPECT_EQ(config->exec->args, (std::vector<std::string>{"get-token", "--cluster=x"}));
  ASSERT_EQ(config->exec->env.size(), 1u);
  EXPECT_EQ(config->exec->env[0].second, "1");
  EXPECT_TRUE(config->exec->provide_cluster_info);
  EXPECT_EQ(config->exec->install_hint, "install it");
}

// Each bad kubeconfig fails with an error naming the file and the field.
struct BadCase {
  std::string user_yaml;
  std::string expected;
};

TEST(ConfigLoaderTest, BadUsersNameTheField) {
  std::vector<BadCase> cases = {
      {"{client-certificate-data: '!!notbase64', client-key-data: S0VZ}",
       "users[0].user.client-certificate-data: invalid base64"},
      {"{client-certificate: /nonexistent/cert.pem, client-key: /nonexistent/key.pem}",
       "users[0].user.client-certificate: cannot read /nonexistent/cert.pem"},
      {"{client-certificate-data: Q0VSVA==}",
       "users[0].user.client-key: a client certificate and key must be given together"},
      {"{auth-provider: {name: gcp}}",
       "users[0].user.auth-provider: auth provider \"gcp\" is not supported"},
      {"{exec: {apiVersion: client.authentication.k8s.io/v1alpha1, command: x}}",
       "users[0].user.exec.apiVersion: \"client.authentication.k8s.io/v1alpha1\" is not supported"},
      {"{exec: {apiVersion: client.authentication.k8s.io/v1}}",
       "users[0].user.exec.command: missing"},
      {"{exec: {apiVersion: client.authentication.k8s.io/v1, command: x, args: [ok, {a: b}]}}",
       "users[0].user.exec.args[1]: must be a string"},
      {"{token: [a]}", "users[0].user.token: must be a string"},
      {"{tokenFile: /nonexistent/token}",
       "users[0].user.tokenFile: cannot read /nonexistent/token"},
      {"{as: admin}", "users[0].user.as: impersonation is not supported"},
  };
  for (const BadCase& c : cases) {
    TempDir dir;
    auto path = dir.Write("config", core::StrCat(R"(
current-context: c
clusters: [{name: c, cluster: {server: "https://h"}}]
contexts: [{name: c, context: {cluster: c, user: u}}]
users: [{name: u, user: )",
                                                 c.user_yaml, "}]\n"));
    auto config = LoadExplicit(path);
    EXPECT_EQ(config.status().code(), absl::StatusCode::kInvalidArgument) << c.user_yaml;
    EXPECT_THAT(std::string(config.status().message()),
                HasSubstr(core::StrCat("kubeconfig ", path.string(), ": ", c.expected)))
        << c.user_yaml;
  }
}

TEST(ConfigLoaderTest, BadClustersAndDocumentsNameTheField) {
  std::vector<BadCase> cases = {
      {"clusters: [{name: c, cluster: {}}]", "clusters[0].cluster.server: missing"},
      {"clusters: [{name: c, cluster: {server: h, certificate-authority-data: '%%'}}]",
       "clusters[0].cluster.certificate-authority-data: invalid base64"},
      {"clusters: [{name: c, cluster: {server: h, insecure-skip-tls-verify: 'yes'}}]",
       "clusters[0].cluster.insecure-skip-tls-verify: must be true or false"},
      {"clusters: [{name: c, cluster: {server: h, insecure-skip-tls-verify: true, "
       "certificate-authority-data: Q0E=}}]",
       "clusters[0].cluster.insecure-skip-tls-verify: cannot be true"},
      {"clusters: [{cluster: {server: h}}]", "clusters[0].name: missing"},
      {"clusters: {c: 1}", "clusters: must be a list"},
      {"clusters: [{name: other, cluster: {server: h}}]",
       "contexts[0].context.cluster: cluster \"c\" not found"},
  };
  for (const BadCase& c : cases) {
    TempDir dir;
    auto path = dir.Write("config", core::StrCat(R"(
current-context: c
contexts: [{name: c, context: {cluster: c}}]
)",
                                                 c.user_yaml, "\n"));
    auto config = LoadExplicit(path);
    EXPECT_EQ(config.status().code(), absl::StatusCode::kInvalidArgument) << c.user_yaml;
    EXPECT_THAT(std::string(config.status().message()),
                HasSubstr(core::StrCat("kubeconfig ", path.string(), ": ", c.expected)))
        << c.user_yaml;
  }
}

TEST(ConfigLoaderTest, YamlSyntaxErrorNamesFileAndLine) {
  TempDir dir;
  auto path = dir.Write("config", "clusters: [\n  {name: c\n");
  auto config = LoadExplicit(path);
  EXPECT_FALSE(config.ok());
  EXPECT_THAT(std::string(config.status().message()), HasSubstr(path.string() + ":"));
}

TEST(ConfigLoaderTest, NoCurrentContext) {
  TempDir dir;
  auto path = dir.Write("config", "clusters: []\n");
  auto config = LoadExplicit(path);
  EXPECT_THAT(std::string(config.status().message()), HasSubstr("no current-context"));
}

}  // namespace
}  // namespace nvsx::kube
