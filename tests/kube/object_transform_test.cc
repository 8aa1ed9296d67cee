// Transforms as informers use them: which are projections, and that
// decoding text narrowed by a projection gives what the transform makes of
// the whole decoded object, on realistic nodes and pods and on corruptions
// of them.
#include "kube/object_transform.h"

#include <gtest/gtest.h>

#include <random>

#include "core/json_decode.h"
#include "test_support/kube_objects.h"

namespace nvsx::kube {
namespace {

using nlohmann::json;

TEST(TransformTest, ProjectionsAndFunctions) {
  EXPECT_FALSE(Transform());
  EXPECT_FALSE(Transform(nullptr));
  const Transform function = [](json object) {
    object["seen"] = true;
    return object;
  };
  ASSERT_TRUE(function);
  EXPECT_EQ(function.projection(), nullptr);
  EXPECT_EQ(function(json::object()), (json{{"seen", true}}));
  EXPECT_EQ(Transform()(json{{"a", 1}}), (json{{"a", 1}}));

  const Transform strip = StripManagedFields;
  ASSERT_NE(strip.projection(), nullptr);
  const json pod = {{"metadata", {{"name", "p"}, {"managedFields", {{{"manager", "m"}}}}}}};
  EXPECT_EQ(strip(pod), (json{{"metadata", {{"name", "p"}}}}));
  EXPECT_EQ(StripManagedFields(pod), strip(pod));
  EXPECT_EQ(StripManagedFields(json{{"metadata", "odd"}}), (json{{"metadata", "odd"}}));
  ASSERT_NE(KeepFields({"/spec"})->projection(), nullptr);
}

std::vector<Transform> InformerTransforms() {
  return {*KeepFields({"/metadata/labels", "/metadata/annotations", "/spec/unschedulable",
                       "/spec/taints", "/status/conditions"}),
          *KeepFields({"/metadata/annotations/kubernetes.io~1config.mirror",
                       "/metadata/ownerReferences/*/kind", "/metadata/deletionTimestamp",
                       "/spec/nodeName", "/spec/containers/*/name",
                       "/spec/containers/*/resources/limits/nvidia.com~1gpu",
                       "/spec/containers/*/resources/requests/nvidia.com~1gpu", "/status/phase"}),
          *KeepFields({"/status/allocatable", "/spec/containers/*"}), *KeepFields({""}),
          StripManagedFields};
}

// Decoding `text` narrowed gives transform(whole), or the whole decode's
// error.
void ExpectDecodedAsTransformed(const std::string& text, const Transform& transform) {
  const absl::StatusOr<json> whole = core::DecodeJson(text);
  const absl::StatusOr<json> narrowed =
      core::DecodeJson(text, {.projection = transform.projection().get()});
  ASSERT_EQ(narrowed.ok(), whole.ok()) << text;
  if (!whole.ok()) {
    EXPECT_EQ(narrowed.status(), whole.status());
    return;
  }
  EXPECT_EQ(*narrowed, transform(*whole)) << text;
}

TEST(TransformTest, ADecodeNarrowedByAProjectionIsTheTransformedObject) {
  for (int i = 0; i < 20; ++i) {
    json pod = test::Pod(i, 7);
    if (i % 3 == 0) pod["metadata"]["deletionTimestamp"] = "2026-11-22T00:00:00Z";
    if (i % 4 == 0) pod["metadata"]["annotations"]["kubernetes.io/config.mirror"] = "x";
    json node = test::Node(i, i + 1);
    if (i % 2 == 0) node["spec"]["taints"] = {{{"key", "k"}, {"effect", "NoSchedule"}}};
    for (const Transform& transform : InformerTransforms()) {
      ASSERT_NE(transform.projection(), nullptr);
      ExpectDecodedAsTransformed(pod.dump(), transform);
      ExpectDecodedAsTransformed(node.dump(2), transform);
    }
  }
}

TEST(TransformTest, ACorruptedObjectFailsAlikeNarrowedOrWhole) {
  std::mt19937_64 random(17);
  const std::string alphabet = "{}[]\",:\\-.e0 tfnu\x01\x80\xc3\xff";
  const std::vector<Transform> transforms = InformerTransforms();
  for (int i = 0; i < 2000; ++i) {
    std::string text = (i % 2 == 0 ? test::Pod(i, 5) : test::Node(i, i)).dump();
    for (int edits = 1 + static_cast<int>(random() % 2); edits > 0; --edits) {
      text[random() % text.size()] = alphabet[random() % alphabet.size()];
    }
    ExpectDecodedAsTransformed(text, transforms[random() % transforms.size()]);
  }
}

}  // namespace
}  // namespace nvsx::kube
