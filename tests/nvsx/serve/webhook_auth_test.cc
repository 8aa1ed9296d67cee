// Bearer tokens and signed requests: what passes, what is refused and why.
#include "nvsx/serve/webhook_auth.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "core/str_cat.h"
#include "test_support/fake_clock.h"

namespace nvsx::serve {
namespace {

using ::testing::HasSubstr;

TEST(WebhookAuthTest, SignatureIsHmacSha256OverTimestampDotBody) {
  // python3: hmac.new(b"secret", b'1700000000.{"a":1}', hashlib.sha256).hexdigest()
  EXPECT_EQ(SignWebhook("secret", "1700000000", R"({"a":1})"),
            "sha256=49f24e537407743fa4a0242bb63b94b9a47ee99cbbe071ccd8a22550ae411686");
}

TEST(WebhookAuthTest, BearerTokenMustMatch) {
  test::FakeClock clock;
  WebhookAuthOptions options;
  options.token = "s3cret";
  WebhookAuth auth(options, &clock);
  EXPECT_TRUE(auth.Check({"Bearer s3cret", "", "", "{}"}).ok());
  EXPECT_THAT(auth.Check({"", "", "", "{}"}).message(), HasSubstr("missing Authorization"));
  EXPECT_EQ(auth.Check({"Bearer s3cret2", "", "", "{}"}).code(),
            absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(auth.Check({"Basic s3cret", "", "", "{}"}).code(), absl::StatusCode::kUnauthenticated);
}

TEST(WebhookAuthTest, SignedRequestsPassOnceWithinTheWindow) {
  test::FakeClock clock;
  WebhookAuthOptions options;
  options.hmac_secret = "k";
  WebhookAuth auth(options, &clock);
  const std::string now = core::StrCat(absl::ToUnixSeconds(clock.Now()));
  const std::string body = R"({"runbook":"a","target_node":"n"})";
  const std::string signature = SignWebhook("k", now, body);
  EXPECT_TRUE(auth.Check({"", now, signature, body}).ok());
  EXPECT_THAT(auth.Check({"", now, signature, body}).message(), HasSubstr("replayed"));
  // Reads may reuse a signature.
  EXPECT_TRUE(auth.Check({"", now, signature, body}, /*once=*/false).ok());
  EXPECT_THAT(auth.Check({"", now, SignWebhook("other", now, body), body}).message(),
              HasSubstr("wrong signature"));
  EXPECT_THAT(auth.Check({"", now, signature, body + " "}).message(), HasSubstr("wrong signature"));
  EXPECT_THAT(auth.Check({"", "", "", body}).message(), HasSubstr("missing"));
  EXPECT_THAT(auth.Check({"", "12x", signature, body}).message(), HasSubstr("Unix seconds"));

  const std::string old = core::StrCat(absl::ToUnixSeconds(clock.Now() - absl::Minutes(6)));
  EXPECT_THAT(auth.Check({"", old, SignWebhook("k", old, body), body}).message(),
              HasSubstr("from the server's time"));
}

TEST(WebhookAuthTest, ReplayCacheForgetsOnlyAfterTheWindowAndRefusesWhenFull) {
  ReplayCache cache(absl::Minutes(5), 2);
  const absl::Time start = absl::FromUnixSeconds(1'700'000'000);
  EXPECT_EQ(cache.Remember("a", start), ReplayCache::Result::kFirstSeen);
  EXPECT_EQ(cache.Remember("a", start + absl::Minutes(4)), ReplayCache::Result::kReplayed);
  EXPECT_EQ(cache.Remember("b", start), ReplayCache::Result::kFirstSeen);
  EXPECT_EQ(cache.Remember("c", start), ReplayCache::Result::kFull);
  EXPECT_EQ(cache.Remember("c", start + absl::Minutes(6)), ReplayCache::Result::kFirstSeen);
  EXPECT_EQ(cache.size(), 1u);
}

TEST(WebhookAuthTest, BothMethodsAreRequiredWhenBothAreConfigured) {
  test::FakeClock clock;
  WebhookAuthOptions options;
  options.token = "t";
  options.hmac_secret = "k";
  WebhookAuth auth(options, &clock);
  const std::string now = core::StrCat(absl::ToUnixSeconds(clock.Now()));
  EXPECT_FALSE(auth.Check({"Bearer t", "", "", "{}"}).ok());
  EXPECT_FALSE(auth.Check({"", now, SignWebhook("k", now, "{}"), "{}"}).ok());
  EXPECT_TRUE(auth.Check({"Bearer t", now, SignWebhook("k", now, "{}"), "{}"}).ok());
  EXPECT_FALSE(WebhookAuth({}, &clock).enabled());
}

}  // namespace
}  // namespace nvsx::serve
