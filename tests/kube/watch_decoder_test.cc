#include "kube/watch_decoder.h"

#include <random>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "kube/api_error.h"
#include "kube/object_transform.h"
#include "test_support/kube_objects.h"

namespace nvsx::kube {
namespace {

using nlohmann::json;
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

// Feeds `stream` in pieces cut at `cuts` (ascending offsets).
absl::StatusOr<std::vector<WatchEvent>> DecodeCut(std::string_view stream,
                                                  const std::vector<size_t>& cuts,
                                                  const Transform& transform = {}) {
  WatchDecoder decoder(WatchDecoder::kDefaultMaxEventBytes, transform.projection());
  std::vector<WatchEvent> events;
  size_t at = 0;
  for (size_t cut : cuts) {
    absl::Status status = decoder.Feed(stream.substr(at, cut - at), &events);
    if (!status.ok()) return status;
    at = cut;
  }
  absl::Status status = decoder.Feed(stream.substr(at), &events);
  if (status.ok()) status = decoder.Finish();
  if (!status.ok()) return status;
  return events;
}

// What an informer without decode-time projection made of `stream`: each
// object decoded whole, then (but bookmarks and errors) transformed.
std::vector<WatchEvent> DecodedThenTransformed(std::string_view stream,
                                               const Transform& transform) {
  absl::StatusOr<std::vector<WatchEvent>> events = DecodeCut(stream, {});
  EXPECT_TRUE(events.ok()) << events.status();
  if (!events.ok()) return {};
  for (WatchEvent& event : *events) {
    if (event.type != WatchEventType::kBookmark && event.type != WatchEventType::kError) {
      event.object = transform(std::move(event.object));
    }
  }
  return *events;
}

void ExpectSameEvents(const std::vector<WatchEvent>& got, const std::vector<WatchEvent>& want) {
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < got.size(); ++i) {
    EXPECT_EQ(got[i].type, want[i].type) << i;
    EXPECT_EQ(got[i].object, want[i].object) << i;
  }
}

// Realistic nodes and pods (managedFields, conditions, images), a bookmark
// and an ERROR, as an API server sends them.
std::string RealisticStream() {
  std::string stream;
  for (int i = 0; i < 6; ++i) {
    stream += EventLine(i % 3 == 0 ? "ADDED" : "MODIFIED", test::Node(i, 100 + i));
    stream += EventLine(i % 2 == 0 ? "MODIFIED" : "DELETED", test::Pod(i, 6));
  }
  stream += EventLine("BOOKMARK", {{"kind", "Node"}, {"metadata", {{"resourceVersion", "200"}}}});
  stream += EventLine("ERROR", {{"kind", "Status"}, {"code", 410}, {"reason", "Expired"}});
  return stream;
}

// The transforms informers use: the controller's node view, a pod view
// with "*" paths, and managedFields dropped.
std::vector<Transform> InformerTransforms() {
  return {
      *KeepFields({"/metadata/labels", "/metadata/annotations", "/spec/unschedulable",
                   "/spec/taints", "/status/conditions"}),
      *KeepFields({"/metadata/ownerReferences/*/kind", "/spec/nodeName", "/spec/containers/*/name",
                   "/spec/containers/*/resources/limits", "/status/phase"}),
      StripManagedFields};
}

TEST(WatchDecoderTest, AProjectedDecodeGivesTheTransformedObjectsWhereverChunksEnd) {
  const std::string stream = RealisticStream();
  std::mt19937_64 random(3);
  for (const Transform& transform : InformerTransforms()) {
    ASSERT_TRUE(transform.projection());
    const std::vector<WatchEvent> want = DecodedThenTransformed(stream, transform);
    ASSERT_EQ(want.size(), 14u);
    for (size_t chunk : {size_t{1}, size_t{7}, size_t{100}, size_t{4096}, size_t{16384}}) {
      std::vector<size_t> cuts;
      for (size_t at = chunk; at < stream.size(); at += chunk) cuts.push_back(at);
      absl::StatusOr<std::vector<WatchEvent>> got = DecodeCut(stream, cuts, transform);
      ASSERT_TRUE(got.ok()) << got.status();
      ExpectSameEvents(*got, want);
    }
    for (int trial = 0; trial < 200; ++trial) {
      std::vector<size_t> cuts(1 + random() % 4);
      for (size_t& cut : cuts) cut = random() % (stream.size() + 1);
      std::sort(cuts.begin(), cuts.end());
      absl::StatusOr<std::vector<WatchEvent>> got = DecodeCut(stream, cuts, transform);
      ASSERT_TRUE(got.ok()) << got.status();
      ExpectSameEvents(*got, want);
    }
  }
}

TEST(WatchDecoderTest, ProjectedEverySplitPointAndPrettyPrinted) {
  // Newlines inside events (and none after the last) as well as between.
  std::string pretty;
  for (const auto& [type, object] : std::vector<std::pair<std::string, nlohmann::json>>{
           {"ADDED", test::Node(1, 5)}, {"MODIFIED", test::Node(2, 6)}}) {
    pretty += nlohmann::json{{"type", type}, {"object", object}}.dump(2);
  }
  for (const std::string& stream : {kStream, pretty}) {
    for (const Transform& transform : InformerTransforms()) {
      const std::vector<WatchEvent> want = DecodedThenTransformed(stream, transform);
      for (size_t split = 0; split <= stream.size(); split += stream.size() > 1000 ? 13 : 1) {
        absl::StatusOr<std::vector<WatchEvent>> got = DecodeCut(stream, {split}, transform);
        ASSERT_TRUE(got.ok()) << got.status() << " split " << split;
        ExpectSameEvents(*got, want);
      }
    }
  }
}

TEST(WatchDecoderTest, ProjectedBookmarkAndErrorObjectsStayWhole) {
  const Transform transform = *KeepFields({"/metadata/annotations"});
  absl::StatusOr<std::vector<WatchEvent>> events = DecodeCut(kStream, {}, transform);
  ASSERT_TRUE(events.ok()) << events.status();
  ExpectWholeStream(*events);
  EXPECT_EQ((*events)[4].object["code"], 410);
}

TEST(WatchDecoderTest, ProjectedBadInputGivesTheSameErrors) {
  const std::vector<std::string> streams = {
      R"({"type":"ADDED","object":{"a":1,}})",
      R"({"type":"ADDED","object":{"a":1,}})"
      "\n",
      R"({"type":"ADDED","object":"x"})",
      R"({"type":"ADDED","object":"x"})"
      "\n",
      R"({"type":"ADDED","object":{"metadata":{"name":"n","x":"\uD800"}}})"
      "\n",
      R"({"type":"ADDED","object":{"metadata":{"name":"n"},"status":[1,]}})"
      "\n",
      EventLine("ADDED", {{"a", 1}}) + R"({"type":"RENAMED","object":{}})" + "\n",
      EventLine("ADDED", {{"a", 1}}) + "x\n",
      R"({"object":{"kind":"Node"}})"
      "\n",
  };
  for (const std::string& stream : streams) {
    const absl::StatusOr<std::vector<WatchEvent>> whole = DecodeCut(stream, {});
    ASSERT_FALSE(whole.ok()) << stream;
    for (const Transform& transform : InformerTransforms()) {
      for (size_t split = 0; split <= stream.size(); ++split) {
        EXPECT_EQ(DecodeCut(stream, {split}, transform).status(), whole.status())
            << stream << " split " << split;
      }
    }
  }
}

TEST(WatchDecoderTest, AnObjectThatKeepsNothingIsAnEmptyObject) {
  const Transform transform = *KeepFields({"/spec"});
  absl::StatusOr<std::vector<WatchEvent>> events = DecodeCut(
      EventLine("ADDED", {{"a", 1}}) + EventLine("DELETED", json::object()), {}, transform);
  ASSERT_TRUE(events.ok()) << events.status();
  ASSERT_EQ(events->size(), 2u);
  EXPECT_EQ((*events)[0].object, json::object());
  EXPECT_EQ((*events)[1].object, json::object());
}

}  // namespace
}  // namespace nvsx::kube
