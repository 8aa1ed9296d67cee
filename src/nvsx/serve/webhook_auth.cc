#include "nvsx/serve/webhook_auth.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <charconv>

#include "core/str_cat.h"

namespace nvsx::serve {
namespace {

constexpr std::string_view kBearer = "Bearer ";
constexpr std::string_view kSha256 = "sha256=";

}  // namespace

bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  return a.empty() || CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::string SignWebhook(std::string_view secret, std::string_view timestamp,
                        std::string_view body) {
  // The one-shot HMAC (the HMAC_CTX calls are deprecated in OpenSSL 3).
  const std::string message = core::StrCat(timestamp, ".", body);
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(message.data()), message.size(), digest, &length);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(kSha256);
  for (unsigned int i = 0; i < length; ++i) {
    out += kHex[digest[i] >> 4];
    out += kHex[digest[i] & 0xf];
  }
  return out;
}

WebhookAuth::WebhookAuth(WebhookAuthOptions options, const core::Clock* clock)
    : options_(std::move(options)),
      clock_(clock),
      replays_(options_.window, options_.replay_capacity) {}

absl::Status WebhookAuth::Check(const Credentials& credentials, bool once) {
  if (options_.token) {
    if (absl::Status status = CheckToken(credentials.authorization); !status.ok()) return status;
  }
  if (options_.hmac_secret) return CheckSignature(credentials, once);
  return absl::OkStatus();
}

absl::Status WebhookAuth::CheckToken(std::string_view authorization) const {
  if (authorization.empty()) {
    return absl::UnauthenticatedError("missing Authorization header; send Bearer TOKEN");
  }
  if (authorization.substr(0, kBearer.size()) != kBearer ||
      !ConstantTimeEquals(authorization.substr(kBearer.size()), *options_.token)) {
    return absl::UnauthenticatedError("wrong bearer token");
  }
  return absl::OkStatus();
}

absl::Status WebhookAuth::CheckSignature(const Credentials& credentials, bool once) {
  if (credentials.timestamp.empty() || credentials.signature.empty()) {
    return absl::UnauthenticatedError(core::StrCat(
        "missing ", kTimestampHeader, " or ", kSignatureHeader,
        " header; sign timestamp + \".\" + body with HMAC-SHA256 and send sha256=HEX"));
  }
  int64_t seconds = 0;
  const char* end = credentials.timestamp.data() + credentials.timestamp.size();
  auto [ptr, error] = std::from_chars(credentials.timestamp.data(), end, seconds);
  if (error != std::errc() || ptr != end) {
    return absl::UnauthenticatedError(
        core::StrCat(kTimestampHeader, " must be Unix seconds (digits only)"));
  }
  const absl::Time now = clock_->Now();
  if (absl::AbsDuration(now - absl::FromUnixSeconds(seconds)) > options_.window) {
    return absl::UnauthenticatedError(
        core::StrCat(kTimestampHeader, " is more than ", absl::FormatDuration(options_.window),
                     " from the server's time; sign with the current time"));
  }
  const std::string expected =
      SignWebhook(*options_.hmac_secret, credentials.timestamp, credentials.body);
  if (!ConstantTimeEquals(credentials.signature, expected)) {
    return absl::UnauthenticatedError("wrong signature");
  }
  if (!once) return absl::OkStatus();
  switch (replays_.Remember(expected, now)) {
    case ReplayCache::Result::kFirstSeen:
      return absl::OkStatus();
    case ReplayCache::Result::kReplayed:
      return absl::UnauthenticatedError(
          "replayed signature: this exact request was already accepted; sign each request anew");
    case ReplayCache::Result::kFull:
      break;
  }
  return absl::ResourceExhaustedError("too many signed requests in the replay window; retry later");
}

}  // namespace nvsx::serve
