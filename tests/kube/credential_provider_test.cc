#include "kube/credential_provider.h"

#include "absl/strings/escaping.h"
#include "core/file_io.h"
#include "core/json_load.h"
#include "core/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "test_support/fake_clock.h"
#include "test_support/temp_dir.h"

namespace nvsx::kube {
namespace {

using ::nvsx::test::TempDir;
using ::testing::HasSubstr;

constexpr std::filesystem::perms kExecutable =
    std::filesystem::perms::owner_all | std::filesystem::perms::group_read;

// Prints an ExecCredential whose token counts the runs; the expiry, API
// version and extra status come from the environment the kubeconfig sets.
constexpr std::string_view kPlugin = R"(#!/bin/sh
n=$(cat "$COUNTER" 2>/dev/null || echo 0)
n=$((n + 1))
echo "$n" > "$COUNTER"
printf '%s' "$KUBERNETES_EXEC_INFO" > "$INFO"
printf '%s\n' "$@" > "$ARGS"
if [ -n "$FAIL" ]; then echo "plugin broke" >&2; exit 3; fi
printf '{"apiVersion":"%s","kind":"ExecCredential","status":{"token":"tok-%s"%s}}' \
  "$API" "$n" "$EXTRA"
)";

struct ExecFixture {
  TempDir dir;
  test::FakeClock clock;
  RestConfig config;

  explicit ExecFixture(std::string extra = "",
                       std::string api = "client.authentication.k8s.io/v1") {
    config.server = "https://api.example:6443";
    config.tls.ca_pem = "CA";
    ExecConfig exec;
    exec.api_version = "client.authentication.k8s.io/v1";
    exec.command = dir.Write("plugin.sh", kPlugin, kExecutable).string();
    exec.args = {"get-token", "--flag=a b"};
    exec.env = {{"COUNTER", (dir.path() / "count").string()},
                {"INFO", (dir.path() / "info").string()},
                {"ARGS", (dir.path() / "args").string()},
                {"API", api},
                {"EXTRA", extra}};
    exec.provide_cluster_info = true;
    exec.origin = "kubeconfig test: users[0].user.exec";
    config.exec = exec;
  }
  CredentialProvider Provider() {
    return CredentialProvider(config, core::Environment({{"PATH", "/usr/bin:/bin"}}), &clock);
  }
  int Runs() { return std::stoi(core::ReadFile(dir.path() / "count").value_or("0")); }
};

TEST(CredentialProviderTest, StaticTokenAndBasicAuth) {
  test::FakeClock clock;
  RestConfig config;
  config.bearer_token = "abc";
  auto creds = CredentialProvider(config, {}, &clock).Get();
  ASSERT_TRUE(creds.ok()) << creds.status();
  EXPECT_EQ(creds->authorization, "Bearer abc");

  RestConfig basic;
  basic.username = "admin";
  basic.password = "secret";
  creds = CredentialProvider(basic, {}, &clock).Get();
  ASSERT_TRUE(creds.ok());
  EXPECT_EQ(creds->authorization, "Basic " + absl::Base64Escape("admin:secret"));

  creds = CredentialProvider(RestConfig{}, {}, &clock).Get();
  ASSERT_TRUE(creds.ok());
  EXPECT_EQ(creds->authorization, "");
}

TEST(CredentialProviderTest, TokenFileIsReReadWhenItRotates) {
  TempDir dir;
  test::FakeClock clock;
  RestConfig config;
  config.token_file = dir.Write("token", "first\n");
  CredentialProvider provider(config, {}, &clock);
  EXPECT_EQ(provider.Get()->authorization, "Bearer first");
  dir.Write("token", "second-token");  // a different size, so a change even within one mtime tick
  EXPECT_EQ(provider.Get()->authorization, "Bearer second-token");
  // While the file is briefly missing (being replaced) the last token is kept.
  std::filesystem::remove(config.token_file);
  EXPECT_EQ(provider.Get()->authorization, "Bearer second-token");
  dir.Write("token", "third");
  EXPECT_EQ(provider.Get()->authorization, "Bearer third");
}

TEST(CredentialProviderTest, MissingTokenFileWithoutFallbackFails) {
  TempDir dir;
  test::FakeClock clock;
  RestConfig config;
  config.token_file = dir.path() / "absent";
  auto creds = CredentialProvider(config, {}, &clock).Get();
  EXPECT_FALSE(creds.ok());
  EXPECT_THAT(std::string(creds.status().message()), HasSubstr("absent"));
}

TEST(CredentialProviderTest, ExecPluginTokenIsCachedUntilExpiry) {
  ExecFixture f;
  absl::Time expiry = f.clock.Now() + absl::Minutes(10);
  f.config.exec->env[4].second =
      core::StrCat(",\"expirationTimestamp\":\"",
                   absl::FormatTime(absl::RFC3339_sec, expiry, absl::UTCTimeZone()), "\"");
  CredentialProvider provider = f.Provider();
  auto creds = provider.Get();
  ASSERT_TRUE(creds.ok()) << creds.status();
  EXPECT_EQ(creds->authorization, "Bearer tok-1");
  EXPECT_EQ(provider.Get()->authorization, "Bearer tok-1");
  EXPECT_EQ(f.Runs(), 1);

  f.clock.Advance(absl::Minutes(9));
  EXPECT_EQ(provider.Get()->authorization, "Bearer tok-1");
  f.clock.Advance(absl::Minutes(1));  // expired now: the plugin runs again
  EXPECT_EQ(provider.Get()->authorization, "Bearer tok-2");
  EXPECT_EQ(f.Runs(), 2);

  // Arguments arrive unsplit; the plugin sees the cluster it was asked about.
  EXPECT_EQ(core::ReadFile(f.dir.path() / "args").value_or(""), "get-token\n--flag=a b\n");
  auto info = core::ParseJson(core::ReadFile(f.dir.path() / "info").value_or(""), "info");
  ASSERT_TRUE(info.ok()) << info.status();
  EXPECT_EQ((*info)["kind"], "ExecCredential");
  EXPECT_EQ((*info)["apiVersion"], "client.authentication.k8s.io/v1");
  EXPECT_EQ((*info)["spec"]["interactive"], false);
  EXPECT_EQ((*info)["spec"]["cluster"]["server"], "https://api.example:6443");
  EXPECT_EQ((*info)["spec"]["cluster"]["certificate-authority-data"], absl::Base64Escape("CA"));
}

TEST(CredentialProviderTest, ExecTokenWithoutExpiryIsKeptUntilInvalidated) {
  ExecFixture f;
  CredentialProvider provider = f.Provider();
  EXPECT_EQ(provider.Get()->authorization, "Bearer tok-1");
  f.clock.Advance(absl::Hours(24));
  EXPECT_EQ(provider.Get()->authorization, "Bearer tok-1");
  EXPECT_TRUE(provider.Invalidate());
  EXPECT_FALSE(provider.Invalidate());
  EXPECT_EQ(provider.Get()->authorization, "Bearer tok-2");
}

TEST(CredentialProviderTest, ExecV1beta1AndClientCertificate) {
  ExecFixture f(R"(,"clientCertificateData":"CERT","clientKeyData":"KEY")",
                "client.authentication.k8s.io/v1beta1");
  f.config.exec->api_version = "client.authentication.k8s.io/v1beta1";
  auto creds = f.Provider().Get();
  ASSERT_TRUE(creds.ok()) << creds.status();
  EXPECT_EQ(creds->client_cert_pem, "CERT");
  EXPECT_EQ(creds->client_key_pem, "KEY");
}

TEST(CredentialProviderTest, ExecErrorsAreClear) {
  {
    ExecFixture f("", "client.authentication.k8s.io/v1beta1");
    auto creds = f.Provider().Get();
    EXPECT_EQ(creds.status().code(), absl::StatusCode::kUnauthenticated);
    EXPECT_THAT(std::string(creds.status().message()),
                HasSubstr("returned apiVersion \"client.authentication.k8s.io/v1beta1\""));
    EXPECT_THAT(std::string(creds.status().message()), HasSubstr("users[0].user.exec"));
  }
  {
    ExecFixture f;
    f.config.exec->env.emplace_back("FAIL", "1");
    auto creds = f.Provider().Get();
    EXPECT_THAT(std::string(creds.status().message()), HasSubstr("exited with status 3"));
    EXPECT_THAT(std::string(creds.status().message()), HasSubstr("plugin broke"));
  }
  {
    ExecFixture f(R"(,"expirationTimestamp":"tomorrow")");
    auto creds = f.Provider().Get();
    EXPECT_THAT(std::string(creds.status().message()), HasSubstr("expirationTimestamp"));
  }
  {
    ExecFixture f(R"(,"token":7)");
    auto creds = f.Provider().Get();
    EXPECT_THAT(std::string(creds.status().message()), HasSubstr("malformed ExecCredential"));
  }
  {
    ExecFixture f;
    f.config.exec->command = (f.dir.path() / "no-such-plugin").string();
    f.config.exec->install_hint = "brew install it";
    auto creds = f.Provider().Get();
    EXPECT_FALSE(creds.ok());
    EXPECT_THAT(std::string(creds.status().message()), HasSubstr("brew install it"));
  }
}

}  // namespace
}  // namespace nvsx::kube
