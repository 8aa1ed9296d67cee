#pragma once

#include <filesystem>
#include <mutex>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "core/clock.h"
#include "core/environment.h"
#include "kube/rest_config.h"

namespace nvsx::kube {

// What a request presents to the API server.
struct Credentials {
  std::string authorization;  // the Authorization header value; empty: none
  // From an exec plugin that returned a client certificate; when empty the
  // RestConfig's TLS client certificate (if any) is used.
  std::string client_cert_pem;
  std::string client_key_pem;
};

// Produces the credentials of a RestConfig for each request: a static token,
// a token file re-read whenever its modification time or size changes (so a
// rotated service-account token is picked up), basic auth, or an exec plugin
// whose answer is cached until its expirationTimestamp. Thread-safe;
// `clock` must outlive the provider.
class CredentialProvider {
 public:
  // `env` is the environment an exec plugin starts from (its own env entries
  // and KUBERNETES_EXEC_INFO are added).
  CredentialProvider(RestConfig config, core::Environment env, const core::Clock* clock);

  absl::StatusOr<Credentials> Get();

  // Drops a cached exec credential (after a 401), so the next Get runs the
  // plugin again. Returns true when there was something to drop, i.e. when
  // retrying with fresh credentials can help.
  bool Invalidate();

 private:
  absl::StatusOr<Credentials> FromTokenFile();
  absl::StatusOr<Credentials> FromExec();
  absl::StatusOr<Credentials> RunExecPlugin();
  std::string ExecInfo() const;

  const RestConfig config_;
  const core::Environment env_;
  const core::Clock* clock_;

  std::mutex mu_;
  // Token file cache: the token read at the given (mtime, size).
  std::filesystem::file_time_type token_mtime_{};
  uintmax_t token_size_ = 0;
  std::string token_;
  bool token_read_ = false;
  // Exec cache; exec_expiry_ is InfiniteFuture when the plugin gave none.
  bool exec_cached_ = false;
  Credentials exec_credentials_;
  absl::Time exec_expiry_;
};

}  // namespace nvsx::kube
