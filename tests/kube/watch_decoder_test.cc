#include "kube/watch_decoder.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "kube/api_error.h"

namespace nvsx::kube {
namespace {

using ::testing::HasSubstr;

std::string EventLine(std::string_view type, const nlohmann::json& object) {
  return nlohmann::json{{"type", type}, {"object", object}}.dump() + "\n";
}

const std::string kStream =
    EventLine("ADDED",
              {{"kind", "Node"}, {"metadata", {{"name", "n1"}, {"resourceVersion", "1"}}}}) +
    EventLine("MODIFIED",
              {{"kind", "Node"},
               {"metadata", {{"name", "n{1}"}, {"annotations", {{"a", "say \"}\" ]["}}}}}}) +
    EventLine("DELETED", {{"kind", "Node"}, {"metadata", {{"name", "n1"}}}}) +
    EventLine("BOOKMARK", {{"kind", "Node"}, {"metadata", {{"resourceVersion", "9"}}}}) +
    EventLine("ERROR", {{"kind", "Status"},
                        {"code", 410},
                        {"reason", "Expired"},
                        {"message", "too old resource version: 1 (5)"}});

void ExpectWholeStream(const std::vector<WatchEvent>& events) {
  ASSERT_EQ(events.size(), 5u);
  EXPECT_EQ(events[0].type, WatchEventType::kAdded);
  EXPECT_EQ(events[0].object["metadata"]["name"], "n1");
  EXPECT_EQ(events[1].type, WatchEventType::kModified);
  EXPECT_EQ(events[1].object["metadata"]["annotations"]["a"], "say \"}\" ][");
  EXPECT_EQ(events[2].type, WatchEventType::kDeleted);
  EXPECT_EQ(events[3].type, WatchEventType::kBookmark);
  EXPECT_EQ(events[3].object["metadata"]["resourceVersion"], "9");
  EXPECT_EQ(events[4].type, WatchEventType::kError);
  absl::Status error = WatchErrorStatus(events[4].object);
  EXPECT_TRUE(apierrors::IsGone(error)) << error;
  EXPECT_THAT(std::string(error.message()), HasSubstr("too old resource version"));
}

TEST(WatchDecoderTest, WholeStreamInOneChunk) {
  WatchDecoder decoder;
  std::vector<WatchEvent> events;
  ASSERT_TRUE(decoder.Feed(kStream, &events).ok());
  ExpectWholeStream(events);
  EXPECT_TRUE(decoder.Finish().ok());
}

TEST(WatchDecoderTest, EverySplitPointGivesTheSameEvents) {
  for (size_t split = 0; split <= kStream.size(); ++split) {
    WatchDecoder decoder;
    std::vector<WatchEvent> events;
    ASSERT_TRUE(decoder.Feed(std::string_view(kStream).substr(0, split), &events).ok()) << split;
    ASSERT_TRUE(decoder.Feed(std::string_view(kStream).substr(split), &events).ok()) << split;
    ExpectWholeStream(events);
    ASSERT_TRUE(decoder.Finish().ok()) << split;
  }
}

TEST(WatchDecoderTest, ByteAtATimeAndWithoutNewlines) {
  std::string packed;
  for (char c : kStream) {
    if (c != '\n') packed.push_back(c);
  }
  WatchDecoder decoder;
  std::vector<WatchEvent> events;
  for (char c : packed) ASSERT_TRUE(decoder.Feed(std::string_view(&c, 1), &events).ok());
  ExpectWholeStream(events);
}

TEST(WatchDecoderTest, PartialEventAtEndIsReported) {
  WatchDecoder decoder;
  std::vector<WatchEvent> events;
  ASSERT_TRUE(decoder.Feed(R"({"type":"ADDED","object":{"a":)", &events).ok());
  EXPECT_TRUE(events.empty());
  absl::Status status = decoder.Finish();
  EXPECT_EQ(status.code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(std::string(status.message()), HasSubstr("ended inside event 1"));
}

TEST(WatchDecoderTest, BadInputIsAStickyError) {
  struct Case {
    std::string text;
    std::string expected;
  };
  std::vector<Case> cases = {
      {"garbage\n", "event 1: unexpected character 'g'"},
      {R"({"type":"ADDED","object":{"a":1,}})",
       "event 1: JSON: unexpected '}'; expected '\"' to begin a key at byte 32"},
      {R"({"object":{}})", "event 1: no \"type\""},
      {R"({"type":"ADDED","object":"x"})", "event 1: no \"object\""},
      {EventLine("ADDED", {{"a", 1}}) + R"({"type":"RENAMED","object":{}})",
       "event 2: unknown type \"RENAMED\""},
  };
  for (const Case& c : cases) {
    WatchDecoder decoder;
    std::vector<WatchEvent> events;
    absl::Status status = decoder.Feed(c.text, &events);
    EXPECT_EQ(status.code(), absl::StatusCode::kDataLoss) << c.text;
    EXPECT_THAT(std::string(status.message()), HasSubstr(c.expected)) << c.text;
    EXPECT_EQ(decoder.Feed(EventLine("ADDED", {{"a", 1}}), &events), status);
    EXPECT_FALSE(decoder.Finish().ok());
  }
}

TEST(WatchDecoderTest, OversizedEventIsRefused) {
  WatchDecoder decoder(64);
  std::vector<WatchEvent> events;
  absl::Status status =
      decoder.Feed(R"({"type":"ADDED","object":{"data":")" + std::string(100, 'x'), &events);
  EXPECT_THAT(std::string(status.message()), HasSubstr("larger than 64 bytes"));
}

TEST(WatchDecoderTest, TypeNames) {
  EXPECT_EQ(WatchEventTypeName(WatchEventType::kAdded), "ADDED");
  EXPECT_EQ(WatchEventTypeName(WatchEventType::kBookmark), "BOOKMARK");
  EXPECT_EQ(WatchEventTypeName(WatchEventType::kError), "ERROR");
}

}  // namespace
}  // namespace nvsx::kube
