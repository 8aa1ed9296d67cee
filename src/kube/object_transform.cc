#include "kube/object_transform.h"

#include <algorithm>

#include "core/str_cat.h"

namespace nvsx::kube {

nlohmann::json StripManagedFields(nlohmann::json object) {
  if (auto metadata = object.find("metadata"); metadata != object.end() && metadata->is_object()) {
    metadata->erase("managedFields");
  }
  return object;
}

namespace {

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

// Whether `tokens[at..]` selects anything in `from`.
bool Selects(const nlohmann::json& from, const std::vector<std::string>& tokens, size_t at) {
  if (at == tokens.size()) return true;
  if (tokens[at] == "*") {
    return from.is_array() && std::any_of(from.begin(), from.end(), [&](const auto& element) {
             return Selects(element, tokens, at + 1);
           });
  }
  if (!from.is_object()) return false;
  auto found = from.find(tokens[at]);
  return found != from.end() && Selects(*found, tokens, at + 1);
}

// Copies what `tokens[at..]` selects in `from` into `to`, creating the
// objects and arrays on the way (only where something is selected); a "*"
// token walks every array element.
void CopySelected(const nlohmann::json& from, nlohmann::json& to,
                  const std::vector<std::string>& tokens, size_t at) {
  if (at == tokens.size()) {
    to = from;
    return;
  }
  const std::string& token = tokens[at];
  if (!Selects(from, tokens, at)) return;
  if (token == "*") {
    if (!to.is_array()) to = nlohmann::json::array();
    for (size_t i = 0; i < from.size(); ++i) {
      if (to.size() <= i) to.push_back(nlohmann::json::object());
      CopySelected(from[i], to[i], tokens, at + 1);
    }
    return;
  }
  auto found = from.find(token);
  if (!to.is_object()) to = nlohmann::json::object();
  CopySelected(*found, to[token], tokens, at + 1);
}

}  // namespace

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
  // Copied, not moved: one pointer may lie inside another ("/metadata" and
  // "/metadata/name").
  return Transform([keep = std::move(keep)](nlohmann::json object) {
    nlohmann::json out = nlohmann::json::object();
    for (const std::vector<std::string>& tokens : keep) CopySelected(object, out, tokens, 0);
    return out;
  });
}

}  // namespace nvsx::kube
