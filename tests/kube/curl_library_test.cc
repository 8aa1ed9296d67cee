// libcurl is loaded at run time; what a user sees when it is missing or is
// not libcurl, and that the real one serves.
#include "kube/curl_library.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "kube/http_transport.h"

namespace nvsx::kube {
namespace {

using ::testing::HasSubstr;

TEST(CurlLibraryTest, TheInstalledLibcurlLoadsWithEveryFunction) {
  absl::StatusOr<std::unique_ptr<CurlLibrary>> curl = CurlLibrary::Open(kLibcurlSoname);
  ASSERT_TRUE(curl.ok()) << curl.status();
  const CurlFunctions& fn = (*curl)->fn();
  CURL* handle = fn.easy_init();
  ASSERT_NE(handle, nullptr);
  EXPECT_EQ(fn.easy_setopt(handle, CURLOPT_URL, "http://127.0.0.1:1/"), CURLE_OK);
  fn.easy_cleanup(handle);
  EXPECT_STREQ(fn.easy_strerror(CURLE_COULDNT_CONNECT), "Couldn't connect to server");
}

TEST(CurlLibraryTest, AMissingLibraryNamesThePackageToInstall) {
  absl::StatusOr<std::unique_ptr<CurlLibrary>> curl = CurlLibrary::Open("libcurl-absent.so.9");
  ASSERT_EQ(curl.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(curl.status().message()),
              HasSubstr("libcurl is needed to reach the cluster: cannot load libcurl-absent.so.9"));
  EXPECT_THAT(std::string(curl.status().message()), HasSubstr("apt-get install libcurl4"));
}

TEST(CurlLibraryTest, ALibraryWithoutCurlsFunctionsIsRefusedByName) {
  absl::StatusOr<std::unique_ptr<CurlLibrary>> curl = CurlLibrary::Open("libz.so.1");
  ASSERT_EQ(curl.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(curl.status().message()),
              HasSubstr("libz.so.1 is not a usable libcurl: it lacks curl_global_init"));
}

TEST(CurlLibraryTest, EveryRequestOfATransportWithoutLibcurlFailsWithTheReason) {
  HttpTransport transport({}, absl::Seconds(1), "libcurl-absent.so.9");
  bool maybe_sent = true;
  absl::StatusOr<HttpResponse> response =
      transport.Do({.url = "http://127.0.0.1:1/"}, {}, &maybe_sent);
  EXPECT_EQ(response.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(response.status().message()), HasSubstr("libcurl-absent.so.9"));
  EXPECT_FALSE(maybe_sent);
}

}  // namespace
}  // namespace nvsx::kube
