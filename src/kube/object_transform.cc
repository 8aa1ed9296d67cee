#include "kube/object_transform.h"

#include "core/str_cat.h"

namespace nvsx::kube {
namespace {

using Keep = core::JsonProjection::Keep;

// metadata.managedFields out, everything else whole.
core::JsonProjection WithoutManagedFields() {
  core::JsonProjection metadata{.keep = Keep::kAllBut};
  metadata.fields.push_back({"managedFields", {.keep = Keep::kNothing}});
  core::JsonProjection object{.keep = Keep::kAllBut};
  object.fields.push_back({"metadata", std::move(metadata)});
  return object;
}

// A JSON pointer's reference tokens, unescaped ("~1" is '/', "~0" is '~');
// InvalidArgument unless it is empty or starts with '/'.
absl::StatusOr<std::vector<std::string>> Tokens(std::string_view pointer) {
  std::vector<std::string> tokens;
  if (pointer.empty()) return tokens;
  if (pointer.front() != '/') {
    return absl::InvalidArgumentError(core::StrCat(
        "KeepFields: \"", pointer, "\" is not a JSON pointer: it must start with '/'"));
  }
  for (std::string_view rest = pointer.substr(1);;) {
    const size_t slash = rest.find('/');
    std::string_view raw = rest.substr(0, slash);
    std::string token;
    for (size_t i = 0; i < raw.size(); ++i) {
      if (raw[i] != '~') {
        token += raw[i];
      } else if (i + 1 < raw.size() && (raw[i + 1] == '0' || raw[i + 1] == '1')) {
        token += raw[++i] == '0' ? '~' : '/';
      } else {
        return absl::InvalidArgumentError(core::StrCat(
            "KeepFields: \"", pointer, "\" is not a JSON pointer: '~' must be followed by 0 or 1"));
      }
    }
    tokens.push_back(std::move(token));
    if (slash == std::string_view::npos) break;
    rest.remove_prefix(slash + 1);
  }
  return tokens;
}

}  // namespace

Transform::Transform(core::JsonProjection projection)
    : projection_(std::make_shared<const core::JsonProjection>(std::move(projection))) {}

Transform::Transform(const StripManagedFieldsTransform&) : Transform(WithoutManagedFields()) {}

nlohmann::json Transform::operator()(nlohmann::json object) const {
  if (projection_) return core::Project(std::move(object), *projection_);
  if (function_) return function_(std::move(object));
  return object;
}

nlohmann::json StripManagedFieldsTransform::operator()(nlohmann::json object) const {
  return Transform(*this)(std::move(object));
}

std::string EscapeJsonPointer(std::string_view key) {
  std::string out;
  for (char c : key) {
    if (c == '~') {
      out += "~0";
    } else if (c == '/') {
      out += "~1";
    } else {
      out += c;
    }
  }
  return out;
}

absl::StatusOr<Transform> KeepFields(const std::vector<std::string>& json_pointers) {
  std::vector<std::vector<std::string>> keep;
  for (const char* identity : {"/apiVersion", "/kind", "/metadata/name", "/metadata/namespace",
                               "/metadata/uid", "/metadata/resourceVersion"}) {
    keep.push_back(*Tokens(identity));
  }
  for (const std::string& pointer : json_pointers) {
    absl::StatusOr<std::vector<std::string>> tokens = Tokens(pointer);
    if (!tokens.ok()) return tokens.status();
    keep.push_back(*std::move(tokens));
  }
  core::JsonProjection projection = core::KeepPaths(keep);
  // An object with none of the fields is kept as {}, never dropped: a
  // watch event's or a list's object stays an object.
  projection.empty_object_for_nothing = true;
  return Transform(std::move(projection));
}

}  // namespace nvsx::kube
