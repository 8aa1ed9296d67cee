// Reading a pod's log: the request `kubectl logs` makes, lines cut from a
// byte stream whatever its chunks, and the server's errors as API errors.
#include "kube/pod_log.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "kube/api_error.h"
#include "kube/test_server.h"
#include "test_support/fake_clock.h"

namespace nvsx::kube {
namespace {

using ::testing::ElementsAre;

std::vector<std::string> Split(LineSplitter& splitter, std::vector<std::string_view> chunks) {
  std::vector<std::string> lines;
  auto collect = [&](std::string_view line) {
    lines.emplace_back(line);
    return true;
  };
  for (std::string_view chunk : chunks) EXPECT_TRUE(splitter.Feed(chunk, collect));
  EXPECT_TRUE(splitter.Finish(collect));
  return lines;
}

TEST(LineSplitterTest, LinesSpanChunksAndTheLastMayLackItsNewline) {
  LineSplitter splitter;
  EXPECT_THAT(Split(splitter, {"step 1\nst", "ep 2\r\n", "\nstep", " 3"}),
              ElementsAre("step 1", "step 2", "", "step 3"));
}

TEST(LineSplitterTest, OverlongLinesArriveInPieces) {
  LineSplitter splitter(4);
  EXPECT_THAT(Split(splitter, {"abcdefghij\nxy"}), ElementsAre("abcd", "efgh", "ij", "xy"));
}

TEST(LineSplitterTest, StopsWhenTheReaderSaysSo) {
  LineSplitter splitter;
  int seen = 0;
  EXPECT_FALSE(splitter.Feed("a\nb\nc\n", [&](std::string_view) { return ++seen < 2; }));
  EXPECT_EQ(seen, 2);
}

class PodLogClientTest : public ::testing::Test {
 protected:
  std::unique_ptr<RestClient> Client() {
    RestConfig config;
    config.server = server_.Url();
    RestClientOptions options;
    options.clock = &clock_;
    return *RestClient::New(config, options);
  }

  test::FakeClock clock_;
  testing::TestServer server_;
};

TEST_F(PodLogClientTest, AsksAsKubectlLogsDoes) {
  server_.routes().Get("/api/v1/namespaces/ns/pods/p/log",
                       [](const httplib::Request&, httplib::Response& res) {
                         res.set_content("one\ntwo\n", "text/plain");
                       });
  server_.Start();
  std::vector<std::string> lines;
  absl::Status status = StreamPodLog(*Client(), "ns", "p",
                                     {.container = "main",
                                      .follow = true,
                                      .previous = true,
                                      .tail_lines = 10,
                                      .since_seconds = 60},
                                     [&](std::string_view line) {
                                       lines.emplace_back(line);
                                       return true;
                                     });
  ASSERT_TRUE(status.ok()) << status;
  EXPECT_THAT(lines, ElementsAre("one", "two"));
  const testing::SeenRequest request = server_.seen().at(0);
  EXPECT_EQ(request.target,
            "/api/v1/namespaces/ns/pods/p/log?container=main&follow=true&previous=true&"
            "tailLines=10&sinceSeconds=60");
  EXPECT_EQ(request.Header("Accept"), "application/json, */*");
}

TEST_F(PodLogClientTest, TheServersRefusalIsAnApiError) {
  server_.routes().Get(
      "/api/v1/namespaces/ns/pods/p/log", [](const httplib::Request&, httplib::Response& res) {
        res.status = 404;
        res.set_content(R"({"kind":"Status","apiVersion":"v1","status":"Failure",)"
                        R"("reason":"NotFound","message":"pods \"p\" not found","code":404})",
                        "application/json");
      });
  server_.Start();
  int lines = 0;
  absl::Status status = StreamPodLog(*Client(), "ns", "p", {}, [&](std::string_view) {
    ++lines;
    return true;
  });
  EXPECT_TRUE(apierrors::IsNotFound(status)) << status;
  EXPECT_THAT(std::string(status.message()), ::testing::HasSubstr("pods \"p\" not found"));
  EXPECT_EQ(lines, 0);  // an error body is no log
}

}  // namespace
}  // namespace nvsx::kube
