#pragma once

// Non-throwing reads of JSON fields, shared by the typed views. The policy of
// every view: a field that is missing or has the wrong type reads as absent
// (an empty string, zero, false, nullopt, an empty list), and list elements of
// the wrong type are skipped; the view's Validate() names the first such field.

#include <cstdint>
#include <functional>
#include <initializer_list>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "nlohmann/json.hpp"

namespace nvsx::kube {

// The value at `path` (object keys only), or nullptr where a level is missing
// or not an object (core::JsonFind).
const nlohmann::json* FieldAt(const nlohmann::json& object,
                              std::initializer_list<std::string_view> path);

std::string StringOf(const nlohmann::json* value);              // "" unless a string
std::optional<int64_t> IntOf(const nlohmann::json* value);      // integers only
bool BoolOf(const nlohmann::json* value);                       // false unless a boolean
std::optional<absl::Time> TimeOf(const nlohmann::json* value);  // an RFC 3339 string
// The string-valued entries of an object (labels, annotations, phaseTimes).
std::map<std::string, std::string> StringMapOf(const nlohmann::json* value);
std::vector<std::string> StringListOf(const nlohmann::json* value);
// The elements of an array, or an empty array.
const nlohmann::json& ArrayOf(const nlohmann::json* value);

// RFC 3339 with or without fractional seconds ("2026-01-02T03:04:05Z").
std::optional<absl::Time> ParseTimestamp(std::string_view text);
// metav1.MicroTime: "2026-01-02T03:04:05.123456Z".
std::string FormatMicroTime(absl::Time time);
// An integer resource quantity ("8"); nullopt for anything else ("100m", "1Gi").
std::optional<int64_t> ParseIntegerQuantity(std::string_view text);

// Finds the first field of an object whose type is wrong, for Validate().
// Paths are dotted ("spec.taints[1].effect"); an absent (or null) field passes unless
// it is required.
class FieldChecker {
 public:
  // `what` names the object in the message: "Node \"gpu-node-0\"".
  FieldChecker(const nlohmann::json& object, std::string what);

  void Object(std::string_view path);
  void String(std::string_view path, bool required = false);
  void Bool(std::string_view path);
  void Integer(std::string_view path);
  void Time(std::string_view path);
  void StringMap(std::string_view path);
  void StringList(std::string_view path);
  // A string that must be one of `allowed`.
  void OneOf(std::string_view path, const std::vector<std::string_view>& allowed);
  // A list of objects; `check` runs with each element's path ("spec.taints[0]").
  void EachObject(std::string_view path, const std::function<void(const std::string&)>& check);
  // Records a problem found by the caller ("must be an integer quantity").
  void Fail(std::string_view path, std::string_view problem);

  // OK, or InvalidArgument naming the object, the first bad field and its problem.
  absl::Status Result() const;

 private:
  const nlohmann::json* Resolve(std::string_view path) const;
  void Expect(std::string_view path, const nlohmann::json& value, bool ok,
              std::string_view expected);

  const nlohmann::json& object_;
  std::string what_;
  std::optional<std::string> problem_;
};

}  // namespace nvsx::kube
