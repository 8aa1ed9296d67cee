#include "kube/resource.h"

#include <cctype>

#include "core/str_cat.h"

namespace nvsx::kube {

ResourceRef ResourceRef::WithName(std::string object_name) const {
  ResourceRef copy = *this;
  copy.name = std::move(object_name);
  return copy;
}

ResourceRef ResourceRef::WithSubresource(std::string sub) const {
  ResourceRef copy = *this;
  copy.subresource = std::move(sub);
  return copy;
}

std::string PercentEncode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

std::string ResourcePath(const ResourceRef& ref) {
  std::string path = ref.group.empty() ? core::StrCat("/api/", PercentEncode(ref.version))
                                       : core::StrCat("/apis/", PercentEncode(ref.group), "/",
                                                      PercentEncode(ref.version));
  if (!ref.namespace_name.empty()) {
    core::StrAppend(&path, "/namespaces/", PercentEncode(ref.namespace_name));
  }
  core::StrAppend(&path, "/", PercentEncode(ref.resource));
  if (!ref.name.empty()) core::StrAppend(&path, "/", PercentEncode(ref.name));
  if (!ref.subresource.empty()) core::StrAppend(&path, "/", PercentEncode(ref.subresource));
  return path;
}

std::string EncodeQuery(const QueryParams& params) {
  std::string out;
  for (const auto& [key, value] : params) {
    core::StrAppend(&out, out.empty() ? "?" : "&", PercentEncode(key), "=", PercentEncode(value));
  }
  return out;
}

}  // namespace nvsx::kube
