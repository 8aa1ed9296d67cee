#include "kube/api_error.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace nvsx::kube {
namespace {

std::string StatusBody(int code, std::string_view reason, std::string_view message,
                       nlohmann::json details = nullptr) {
  nlohmann::json body = {{"kind", "Status"},   {"apiVersion", "v1"}, {"status", "Failure"},
                         {"message", message}, {"reason", reason},   {"code", code}};
  if (!details.is_null()) body["details"] = details;
  return body.dump();
}

TEST(ApiErrorTest, DecodesReasonsIntoPredicatesAndCodes) {
  struct Case {
    int code;
    const char* reason;
    bool (*predicate)(const absl::Status&);
    absl::StatusCode status_code;
  };
  std::vector<Case> cases = {
      {404, "NotFound", apierrors::IsNotFound, absl::StatusCode::kNotFound},
      {409, "Conflict", apierrors::IsConflict, absl::StatusCode::kAborted},
      {409, "AlreadyExists", apierrors::IsAlreadyExists, absl::StatusCode::kAlreadyExists},
      {410, "Expired", apierrors::IsGone, absl::StatusCode::kOutOfRange},
      {422, "Invalid", apierrors::IsInvalid, absl::StatusCode::kInvalidArgument},
      {429, "TooManyRequests", apierrors::IsTooManyRequests, absl::StatusCode::kResourceExhausted},
      {403, "Forbidden", apierrors::IsForbidden, absl::StatusCode::kPermissionDenied},
      {401, "Unauthorized", apierrors::IsUnauthorized, absl::StatusCode::kUnauthenticated},
      {500, "InternalError", apierrors::IsServerError, absl::StatusCode::kInternal},
      {503, "ServiceUnavailable", apierrors::IsServerError, absl::StatusCode::kUnavailable},
  };
  std::vector<bool (*)(const absl::Status&)> all = {
      apierrors::IsNotFound,       apierrors::IsConflict,     apierrors::IsAlreadyExists,
      apierrors::IsGone,           apierrors::IsInvalid,      apierrors::IsTooManyRequests,
      apierrors::IsForbidden,      apierrors::IsUnauthorized, apierrors::IsServerError,
      apierrors::IsConnectionError};
  for (const Case& c : cases) {
    absl::Status status =
        DecodeApiError(c.code, StatusBody(c.code, c.reason, "msg"), "").ToStatus();
    EXPECT_EQ(status.code(), c.status_code) << c.reason;
    EXPECT_TRUE(c.predicate(status)) << c.reason;
    int matches = 0;
    for (auto predicate : all) matches += predicate(status) ? 1 : 0;
    EXPECT_EQ(matches, 1) << c.reason << " matched more than one predicate";
    auto error = GetApiError(status);
    ASSERT_TRUE(error.has_value());
    EXPECT_EQ(error->http_code, c.code);
    EXPECT_EQ(error->reason, c.reason);
    EXPECT_EQ(error->message, "msg");
  }
}

TEST(ApiErrorTest, MessageNamesReasonAndCode) {
  absl::Status status =
      DecodeApiError(404, StatusBody(404, "NotFound", "nodes \"n1\" not found"), "").ToStatus();
  EXPECT_EQ(std::string(status.message()), "NotFound (HTTP 404): nodes \"n1\" not found");
}

TEST(ApiErrorTest, NonStatusBodyFallsBackOnTheCode) {
  ApiError error = DecodeApiError(404, "<html>nope</html>", "");
  EXPECT_EQ(error.reason, "NotFound");
  EXPECT_EQ(error.message, "<html>nope</html>");
  EXPECT_TRUE(apierrors::IsNotFound(error.ToStatus()));
  EXPECT_TRUE(apierrors::IsGone(DecodeApiError(410, "", "").ToStatus()));
  EXPECT_TRUE(apierrors::IsServerError(DecodeApiError(502, "", "").ToStatus()));
  EXPECT_EQ(DecodeApiError(502, "", "").message, "the server returned HTTP 502");
  // A Status whose fields have the wrong types is not trusted, and does not throw.
  ApiError odd = DecodeApiError(409, R"({"kind":"Status","reason":5,"message":[1]})", "");
  EXPECT_EQ(odd.reason, "Conflict");
}

TEST(ApiErrorTest, RetryAfterFromHeaderOrDetails) {
  absl::Status header =
      DecodeApiError(429, StatusBody(429, "TooManyRequests", "slow"), "7").ToStatus();
  EXPECT_EQ(apierrors::RetryAfter(header), absl::Seconds(7));
  absl::Status details =
      DecodeApiError(429, StatusBody(429, "TooManyRequests", "slow", {{"retryAfterSeconds", 3}}),
                     "")
          .ToStatus();
  EXPECT_EQ(apierrors::RetryAfter(details), absl::Seconds(3));
  EXPECT_EQ(apierrors::RetryAfter(DecodeApiError(429, "", "soon").ToStatus()), std::nullopt);
  EXPECT_EQ(apierrors::RetryAfter(absl::NotFoundError("plain")), std::nullopt);
}

TEST(ApiErrorTest, ConnectionErrorAndPlainStatuses) {
  absl::Status status = ConnectionError("connection refused");
  EXPECT_TRUE(apierrors::IsConnectionError(status));
  EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable);
  EXPECT_FALSE(apierrors::IsServerError(status));
  // A plain status without the payload is no API error, whatever its code.
  EXPECT_FALSE(apierrors::IsNotFound(absl::NotFoundError("file")));
  EXPECT_FALSE(GetApiError(absl::OkStatus()).has_value());
}

}  // namespace
}  // namespace nvsx::kube
