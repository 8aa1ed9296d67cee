#include "sim/api_error.h"

#include "gtest/gtest.h"

namespace nvsx::sim {
namespace {

TEST(ApiErrorTest, NotFoundCarriesKubernetesStatus) {
  absl::Status status = NotFound("", "nodes", "n1");
  EXPECT_EQ(status.code(), absl::StatusCode::kNotFound);
  nlohmann::json body = ToKubeStatus(status);
  EXPECT_EQ(body["kind"], "Status");
  EXPECT_EQ(body["apiVersion"], "v1");
  EXPECT_EQ(body["status"], "Failure");
  EXPECT_EQ(body["reason"], "NotFound");
  EXPECT_EQ(body["code"], 404);
  EXPECT_EQ(body["message"], "nodes \"n1\" not found");
  EXPECT_EQ(body["details"]["name"], "n1");
  EXPECT_EQ(body["details"]["kind"], "nodes");
}

TEST(ApiErrorTest, CodesAndReasons) {
  EXPECT_EQ(HttpCodeOf(AlreadyExists("x.io", "widgets", "w")), 409);
  EXPECT_EQ(ReasonOf(AlreadyExists("x.io", "widgets", "w")), "AlreadyExists");
  EXPECT_EQ(ToKubeStatus(AlreadyExists("x.io", "widgets", "w"))["message"],
            "widgets.x.io \"w\" already exists");
  EXPECT_EQ(ReasonOf(Conflict("", "pods", "p", "why")), "Conflict");
  EXPECT_EQ(HttpCodeOf(Gone("too old")), 410);
  EXPECT_EQ(ReasonOf(Gone("too old")), "Expired");
  EXPECT_EQ(HttpCodeOf(BadRequest("x")), 400);
  EXPECT_EQ(HttpCodeOf(UnsupportedMediaType("text/plain")), 415);
  EXPECT_EQ(HttpCodeOf(MethodNotSupported("nodes", "watch")), 405);
  EXPECT_EQ(HttpCodeOf(ApiError(429, "TooManyRequests", "slow down")), 429);
}

TEST(ApiErrorTest, InvalidListsEachField) {
  absl::Status status = Invalid("x.io", "Widget", "w",
                                {{"FieldValueRequired", "spec.a", "Required value"},
                                 {"FieldValueInvalid", "spec.b", "must be an integer"}});
  nlohmann::json body = ToKubeStatus(status);
  EXPECT_EQ(body["code"], 422);
  EXPECT_EQ(body["reason"], "Invalid");
  EXPECT_EQ(body["message"],
            "Widget.x.io \"w\" is invalid: [spec.a: Required value, spec.b: must be an integer]");
  ASSERT_EQ(body["details"]["causes"].size(), 2u);
  EXPECT_EQ(body["details"]["causes"][1]["field"], "spec.b");
}

TEST(ApiErrorTest, PlainStatusesMapByCode) {
  EXPECT_EQ(HttpCodeOf(absl::InvalidArgumentError("bad")), 400);
  EXPECT_EQ(HttpCodeOf(absl::InternalError("boom")), 500);
  EXPECT_EQ(ToKubeStatus(absl::InternalError("boom"))["message"], "boom");
  EXPECT_EQ(ToKubeStatus(absl::OkStatus())["status"], "Success");
}

}  // namespace
}  // namespace nvsx::sim
