#pragma once

// Starts an ApiServer on 127.0.0.1 (port 0) for a test, writes a kubeconfig
// for it into a private temp dir, and runs stock kubectl or the Debian Python
// client against it. The server is stopped when the fixture ends.

#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/environment.h"
#include "core/subprocess.h"
#include "gtest/gtest.h"
#include "sim/api_server.h"
#include "sim/kubeconfig_text.h"
#include "test_support/temp_dir.h"

namespace nvsx::sim::testing {

class SimServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = temp_.path();
    ApiServerOptions options;
    options.bookmark_interval = absl::Seconds(1);
    Customize(options);
    server_ = std::make_unique<ApiServer>(&clock_, options);
    absl::Status started = server_->Start();
    ASSERT_TRUE(started.ok()) << started;
    kubeconfig_ = dir_ / "kubeconfig";
    std::ofstream(kubeconfig_) << SimKubeconfig(server_->url());
    core::Environment process = core::Environment::FromProcess();
    env_.Set("PATH", process.Get("PATH").value_or("/usr/bin:/bin"));
    env_.Set("HOME", dir_.string());
    env_.Set("KUBECONFIG", kubeconfig_.string());
  }

  void TearDown() override {
    if (server_) server_->Stop();
  }

  virtual void Customize(ApiServerOptions&) {}

  core::SubprocessResult Kubectl(std::vector<std::string> args, std::string stdin_data = "") {
    core::SubprocessOptions options;
    options.argv = {"kubectl", "--cache-dir", (dir_ / "kube-cache").string()};
    options.argv.insert(options.argv.end(), args.begin(), args.end());
    options.env = env_;
    options.stdin_data = std::move(stdin_data);
    options.timeout = absl::Seconds(60);
    absl::StatusOr<core::SubprocessResult> result = core::RunSubprocess(options);
    EXPECT_TRUE(result.ok()) << result.status();
    return result.ok() ? *std::move(result) : core::SubprocessResult{};
  }

  // Runs `script` with /usr/bin/python3 (where Debian's python3-kubernetes is);
  // the script finds the kubeconfig in $KUBECONFIG.
  core::SubprocessResult Python(const std::string& script) {
    core::SubprocessOptions options;
    options.argv = {"/usr/bin/python3", "-c", script};
    options.env = env_;
    options.timeout = absl::Seconds(60);
    absl::StatusOr<core::SubprocessResult> result = core::RunSubprocess(options);
    EXPECT_TRUE(result.ok()) << result.status();
    return result.ok() ? *std::move(result) : core::SubprocessResult{};
  }

  std::filesystem::path WriteFile(const std::string& name, const std::string& text) {
    return temp_.Write(name, text);
  }

  ResourceInfo Resource(const std::string& group, const std::string& version,
                        const std::string& resource) {
    std::optional<ResourceInfo> info = server_->registry().Find(group, version, resource);
    EXPECT_TRUE(info.has_value()) << resource;
    return info.value_or(ResourceInfo{});
  }

  core::SystemClock clock_;
  test::TempDir temp_;
  std::filesystem::path dir_;
  std::filesystem::path kubeconfig_;
  core::Environment env_;
  std::unique_ptr<ApiServer> server_;
};

}  // namespace nvsx::sim::testing
