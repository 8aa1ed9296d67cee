// Project(): what each kind of projection keeps, and KeepPaths against a
// reference model of keeping paths one at a time (copy what a path reaches
// into the result, creating what lies on the way).
#include "core/json_projection.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

namespace nvsx::core {
namespace {

using nlohmann::json;
using Keep = JsonProjection::Keep;
using Paths = std::vector<std::vector<std::string>>;

TEST(KeepPathsTest, KeepsWhatThePathsReachAndNothingElse) {
  const json value = {{"a", {{"b", 1}, {"c", 2}}}, {"d", "x"}, {"e", {{"f", {{"g", 3}}}}}};
  EXPECT_EQ(Project(value, KeepPaths({{"a", "b"}, {"d"}})), (json{{"a", {{"b", 1}}}, {"d", "x"}}));
  // Overlapping paths: the wider one wins, in either order.
  EXPECT_EQ(Project(value, KeepPaths({{"a", "b"}, {"a"}})), (json{{"a", {{"b", 1}, {"c", 2}}}}));
  EXPECT_EQ(Project(value, KeepPaths({{"a"}, {"a", "b"}})), (json{{"a", {{"b", 1}, {"c", 2}}}}));
  // A path that runs into a scalar or a missing member keeps nothing, and
  // the objects on its way are not made.
  EXPECT_EQ(Project(value, KeepPaths({{"d", "x"}, {"e", "f", "h"}, {"z"}})), json::object());
  // The empty path keeps everything.
  EXPECT_EQ(Project(value, KeepPaths({{}})), value);
  // An empty object or null at the end of a path is kept.
  EXPECT_EQ(Project(json{{"a", json::object()}, {"b", nullptr}}, KeepPaths({{"a"}, {"b"}})),
            (json{{"a", json::object()}, {"b", nullptr}}));
}

TEST(KeepPathsTest, AStarNarrowsEveryElementAndKeepsTheirPlaces) {
  const json value = {{"list",
                       {{{"name", "a"}, {"x", 1}},
                        {{"x", 2}},
                        "scalar",
                        {{"name", "d"}, {"sub", {{{"y", 1}}, {{"z", 2}}}}}}}};
  EXPECT_EQ(Project(value, KeepPaths({{"list", "*", "name"}})),
            (json{{"list", {{{"name", "a"}}, json::object(), json::object(), {{"name", "d"}}}}}));
  EXPECT_EQ(Project(value, KeepPaths({{"list", "*", "sub", "*", "y"}})),
            (json{{"list",
                   {json::object(),
                    json::object(),
                    json::object(),
                    {{"sub", {{{"y", 1}}, json::object()}}}}}}));
  // No element keeps anything: the array goes; an empty one too.
  EXPECT_EQ(Project(value, KeepPaths({{"list", "*", "none"}})), json::object());
  EXPECT_EQ(Project(json{{"list", json::array()}}, KeepPaths({{"list", "*"}})), json::object());
  EXPECT_EQ(Project(json{{"list", {1, 2}}}, KeepPaths({{"list", "*"}})), (json{{"list", {1, 2}}}));
  // "*" on an object, a name on an array: nothing.
  EXPECT_EQ(Project(json{{"o", {{"k", 1}}}, {"l", {1}}}, KeepPaths({{"o", "*"}, {"l", "0"}})),
            json::object());
}

TEST(JsonProjectionTest, AllButKeepsEverythingItDoesNotNarrow) {
  JsonProjection metadata{.keep = Keep::kAllBut};
  metadata.fields.push_back({"managedFields", {.keep = Keep::kNothing}});
  metadata.fields.push_back({"labels", KeepPaths({{"app"}})});
  JsonProjection object{.keep = Keep::kAllBut};
  object.fields.push_back({"metadata", metadata});
  const json value = {
      {"metadata",
       {{"name", "n"}, {"managedFields", {1, 2}}, {"labels", {{"app", "a"}, {"tier", "t"}}}}},
      {"spec", {{"x", 1}}}};
  EXPECT_EQ(Project(value, object), (json{{"metadata", {{"name", "n"}, {"labels", {{"app", "a"}}}}},
                                          {"spec", {{"x", 1}}}}));
  // A narrowed member that keeps nothing goes; scalars stay whole.
  EXPECT_EQ(Project(json{{"metadata", {{"labels", {{"tier", "t"}}}}}}, object),
            (json{{"metadata", json::object()}}));
  EXPECT_EQ(Project(json{{"metadata", "scalar"}}, object), (json{{"metadata", "scalar"}}));
  EXPECT_EQ(Project(json(7), object), json(7));

  JsonProjection items{.keep = Keep::kAllBut,
                       .elements = std::make_shared<const JsonProjection>(KeepPaths({{"k"}}))};
  EXPECT_EQ(Project(json{{{"k", 1}, {"j", 2}}, {{"j", 3}}, 4}, items),
            (json{{{"k", 1}}, json::object(), json::object()}));
}

TEST(JsonProjectionTest, EmptyObjectForNothing) {
  JsonProjection keep_a = KeepPaths({{"a"}});
  EXPECT_EQ(Project(json{{"b", 1}}, keep_a), json::object());  // the top: always {}
  JsonProjection outer{.keep = Keep::kAllBut};
  outer.fields.push_back({"o", keep_a});
  EXPECT_EQ(Project(json{{"o", {{"b", 1}}}}, outer), json::object());
  outer.fields[0].projection.empty_object_for_nothing = true;
  EXPECT_EQ(Project(json{{"o", {{"b", 1}}}}, outer), (json{{"o", json::object()}}));
  EXPECT_EQ(Project(json{{"o", "scalar"}}, outer), (json{{"o", json::object()}}));
}

// The reference: each path copied on its own into the result, as
// kube::KeepFields did before it was a projection.
bool Reaches(const json& from, const std::vector<std::string>& path, size_t at) {
  if (at == path.size()) return true;
  if (path[at] == "*") {
    if (!from.is_array()) return false;
    for (const json& element : from) {
      if (Reaches(element, path, at + 1)) return true;
    }
    return false;
  }
  if (!from.is_object()) return false;
  auto found = from.find(path[at]);
  return found != from.end() && Reaches(*found, path, at + 1);
}

void CopyReached(const json& from, json& to, const std::vector<std::string>& path, size_t at) {
  if (at == path.size()) {
    to = from;
    return;
  }
  if (!Reaches(from, path, at)) return;
  if (path[at] == "*") {
    if (!to.is_array()) to = json::array();
    for (size_t i = 0; i < from.size(); ++i) {
      if (to.size() <= i) to.push_back(json::object());
      CopyReached(from[i], to[i], path, at + 1);
    }
    return;
  }
  if (!to.is_object()) to = json::object();
  CopyReached(from[path[at]], to[path[at]], path, at + 1);
}

json ReferenceKeep(const json& value, const Paths& paths) {
  json out = json::object();
  for (const std::vector<std::string>& path : paths) CopyReached(value, out, path, 0);
  return out;
}

json RandomTree(std::mt19937_64& random, int depth) {
  const int kind = static_cast<int>(random() % (depth > 3 ? 3 : 6));
  switch (kind) {
    case 0:
      return static_cast<int>(random() % 10);
    case 1:
      return "s";
    case 2:
      return nullptr;
    case 3: {
      json array = json::array();
      for (int i = static_cast<int>(random() % 4); i > 0; --i) {
        array.push_back(RandomTree(random, depth + 1));
      }
      return array;
    }
    default: {
      json object = json::object();
      for (int i = static_cast<int>(random() % 5); i > 0; --i) {
        object[std::string(1, static_cast<char>('a' + random() % 4))] =
            RandomTree(random, depth + 1);
      }
      return object;
    }
  }
}

TEST(KeepPathsTest, AgreesWithKeepingEachPathInTurn) {
  std::mt19937_64 random(4);
  const std::vector<std::string> names = {"a", "b", "c", "d", "*"};
  for (int i = 0; i < 5000; ++i) {
    const json value = RandomTree(random, 0);
    Paths paths(random() % 4);
    for (std::vector<std::string>& path : paths) {
      for (int n = static_cast<int>(random() % 4); n > 0; --n) {
        path.push_back(names[random() % names.size()]);
      }
    }
    ASSERT_EQ(Project(value, KeepPaths(paths)), ReferenceKeep(value, paths))
        << "value: " << value.dump() << " paths: " << json(paths).dump();
  }
}

}  // namespace
}  // namespace nvsx::core
