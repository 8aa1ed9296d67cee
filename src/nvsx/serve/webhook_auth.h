#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "core/clock.h"
#include "nvsx/serve/replay_cache.h"

namespace nvsx::serve {

inline constexpr char kTimestampHeader[] = "X-Nvsx-Timestamp";
inline constexpr char kSignatureHeader[] = "X-Nvsx-Signature";

struct WebhookAuthOptions {
  std::optional<std::string> token;        // Authorization: Bearer TOKEN
  std::optional<std::string> hmac_secret;  // X-Nvsx-Signature: sha256=HEX
  // How far a signed request's timestamp may be from now, either way; a
  // signature is refused a second time within it.
  absl::Duration window = absl::Minutes(5);
  size_t replay_capacity = 1'000'000;
};

// What a request carries for authentication.
struct Credentials {
  std::string_view authorization;  // the Authorization header
  std::string_view timestamp;      // X-Nvsx-Timestamp: Unix seconds
  std::string_view signature;      // X-Nvsx-Signature: "sha256=" + hex HMAC
  std::string_view body;
};

// Checks a webhook request against every configured method (both when both
// are configured). The signature is HMAC-SHA256(secret, timestamp + "." + body).
// Comparisons are constant-time. Thread-safe.
class WebhookAuth {
 public:
  // `clock` must outlive this.
  WebhookAuth(WebhookAuthOptions options, const core::Clock* clock);

  bool enabled() const { return options_.token.has_value() || options_.hmac_secret.has_value(); }

  // OK, Unauthenticated (with what was wrong: missing, wrong, stale, replayed),
  // or ResourceExhausted when the replay cache is full. `once` refuses a
  // signature seen before (a trigger); reads (GET) pass false, so a client
  // may poll with one signature for the window.
  absl::Status Check(const Credentials& credentials, bool once = true);

 private:
  absl::Status CheckToken(std::string_view authorization) const;
  absl::Status CheckSignature(const Credentials& credentials, bool once);

  const WebhookAuthOptions options_;
  const core::Clock* clock_;
  ReplayCache replays_;
};

// "sha256=" + lower-case hex HMAC-SHA256(secret, timestamp + "." + body): what
// a sender puts in X-Nvsx-Signature.
std::string SignWebhook(std::string_view secret, std::string_view timestamp, std::string_view body);

// Equal contents, compared in time that depends only on the lengths.
bool ConstantTimeEquals(std::string_view a, std::string_view b);

}  // namespace nvsx::serve
