#include "kube/types/json_fields.h"

#include <charconv>

#include "core/json_member.h"
#include "core/str_cat.h"

namespace nvsx::kube {
namespace {

using json = nlohmann::json;

std::string_view TypeName(const json& value) {
  switch (value.type()) {
    case json::value_t::null:
      return "null";
    case json::value_t::object:
      return "an object";
    case json::value_t::array:
      return "a list";
    case json::value_t::string:
      return "a string";
    case json::value_t::boolean:
      return "a boolean";
    case json::value_t::number_integer:
    case json::value_t::number_unsigned:
      return "an integer";
    default:
      return "a number";
  }
}

}  // namespace

const json* FieldAt(const json& object, std::initializer_list<std::string_view> path) {
  return core::JsonFind(object, path);
}

std::string StringOf(const json* value) {
  return value != nullptr && value->is_string() ? value->get<std::string>() : std::string();
}

std::optional<int64_t> IntOf(const json* value) {
  if (value == nullptr || !value->is_number_integer()) return std::nullopt;
  return value->get<int64_t>();
}

bool BoolOf(const json* value) {
  return value != nullptr && value->is_boolean() && value->get<bool>();
}

std::optional<absl::Time> TimeOf(const json* value) {
  if (value == nullptr || !value->is_string()) return std::nullopt;
  return ParseTimestamp(value->get_ref<const std::string&>());
}

std::map<std::string, std::string> StringMapOf(const json* value) {
  std::map<std::string, std::string> out;
  if (value == nullptr || !value->is_object()) return out;
  for (const auto& [key, entry] : value->items()) {
    if (entry.is_string()) out.emplace(key, entry.get<std::string>());
  }
  return out;
}

std::vector<std::string> StringListOf(const json* value) {
  std::vector<std::string> out;
  for (const json& entry : ArrayOf(value)) {
    if (entry.is_string()) out.push_back(entry.get<std::string>());
  }
  return out;
}

const json& ArrayOf(const json* value) {
  static const json* const kEmpty = new json(json::array());
  return value != nullptr && value->is_array() ? *value : *kEmpty;
}

std::optional<absl::Time> ParseTimestamp(std::string_view text) {
  absl::Time time;
  std::string error;
  if (!absl::ParseTime(absl::RFC3339_full, std::string(text), &time, &error)) return std::nullopt;
  return time;
}

std::string FormatMicroTime(absl::Time time) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%E6SZ", time, absl::UTCTimeZone());
}

std::optional<int64_t> ParseIntegerQuantity(std::string_view text) {
  int64_t value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || text.empty()) {
    return std::nullopt;
  }
  return value;
}

FieldChecker::FieldChecker(const json& object, std::string what)
    : object_(object), what_(std::move(what)) {}

const json* FieldChecker::Resolve(std::string_view path) const {
  const json* current = &object_;
  while (!path.empty() && current != nullptr) {
    const size_t end = path.find_first_of(".[");
    std::string_view key = path.substr(0, end);
    path = end == std::string_view::npos ? std::string_view() : path.substr(end);
    if (!key.empty()) {
      current = FieldAt(*current, {key});
      continue;
    }
    if (path.front() == '.') {
      path.remove_prefix(1);
      continue;
    }
    // "[n]"
    const size_t close = path.find(']');
    size_t index = 0;
    std::from_chars(path.data() + 1, path.data() + close, index);
    path.remove_prefix(close + 1);
    current = current->is_array() && index < current->size() ? &(*current)[index] : nullptr;
  }
  // Kubernetes writes null for unset fields ("eventTime": null): absent.
  return current != nullptr && current->is_null() ? nullptr : current;
}

void FieldChecker::Fail(std::string_view path, std::string_view problem) {
  if (!problem_) problem_ = core::StrCat(path, " ", problem);
}

void FieldChecker::Expect(std::string_view path, const json& value, bool ok,
                          std::string_view expected) {
  if (ok || problem_) return;
  Fail(path, core::StrCat("must be ", expected, ", not ", TypeName(value)));
}

void FieldChecker::Object(std::string_view path) {
  const json* value = Resolve(path);
  if (value != nullptr) Expect(path, *value, value->is_object(), "an object");
}

void FieldChecker::String(std::string_view path, bool required) {
  const json* value = Resolve(path);
  if (value == nullptr) {
    if (required) Fail(path, "is required");
    return;
  }
  Expect(path, *value, value->is_string(), "a string");
}

void FieldChecker::Bool(std::string_view path) {
  const json* value = Resolve(path);
  if (value != nullptr) Expect(path, *value, value->is_boolean(), "a boolean");
}

void FieldChecker::Integer(std::string_view path) {
  const json* value = Resolve(path);
  if (value != nullptr) Expect(path, *value, value->is_number_integer(), "an integer");
}

void FieldChecker::Time(std::string_view path) {
  const json* value = Resolve(path);
  if (value == nullptr) return;
  Expect(path, *value, value->is_string(), "an RFC 3339 time string");
  if (value->is_string() && !ParseTimestamp(value->get_ref<const std::string&>())) {
    Fail(path, core::StrCat("is not an RFC 3339 time: \"", value->get<std::string>(), "\""));
  }
}

void FieldChecker::StringMap(std::string_view path) {
  const json* value = Resolve(path);
  if (value == nullptr) return;
  Expect(path, *value, value->is_object(), "an object of strings");
  if (!value->is_object()) return;
  for (const auto& [key, entry] : value->items()) {
    Expect(core::StrCat(path, "[\"", key, "\"]"), entry, entry.is_string(), "a string");
  }
}

void FieldChecker::StringList(std::string_view path) {
  const json* value = Resolve(path);
  if (value == nullptr) return;
  Expect(path, *value, value->is_array(), "a list of strings");
  for (size_t i = 0; value->is_array() && i < value->size(); ++i) {
    Expect(core::StrCat(path, "[", i, "]"), (*value)[i], (*value)[i].is_string(), "a string");
  }
}

void FieldChecker::OneOf(std::string_view path, const std::vector<std::string_view>& allowed) {
  String(path);
  const json* value = Resolve(path);
  if (value == nullptr || !value->is_string()) return;
  const std::string& text = value->get_ref<const std::string&>();
  for (std::string_view choice : allowed) {
    if (text == choice) return;
  }
  std::string choices;
  for (std::string_view choice : allowed)
    core::StrAppend(&choices, choices.empty() ? "" : ", ", choice);
  Fail(path, core::StrCat("is \"", text, "\"; expected one of ", choices));
}

void FieldChecker::EachObject(std::string_view path,
                              const std::function<void(const std::string&)>& check) {
  const json* value = Resolve(path);
  if (value == nullptr) return;
  Expect(path, *value, value->is_array(), "a list");
  for (size_t i = 0; value->is_array() && i < value->size(); ++i) {
    const std::string element = core::StrCat(path, "[", i, "]");
    Expect(element, (*value)[i], (*value)[i].is_object(), "an object");
    if ((*value)[i].is_object()) check(element);
  }
}

absl::Status FieldChecker::Result() const {
  if (!problem_) return absl::OkStatus();
  return absl::InvalidArgumentError(core::StrCat(what_, ": ", *problem_));
}

}  // namespace nvsx::kube
