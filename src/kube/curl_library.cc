#include "kube/curl_library.h"

#include "core/str_cat.h"

namespace nvsx::kube {

absl::StatusOr<std::unique_ptr<CurlLibrary>> CurlLibrary::Open(const std::string& path) {
  constexpr const char* kInstall = "install the Debian package libcurl4 (apt-get install libcurl4)";
  absl::StatusOr<std::unique_ptr<core::SharedLibrary>> shared =
      core::SharedLibrary::Open(path, core::SharedLibrary::Unload::kNever);
  if (!shared.ok()) {
    return absl::FailedPreconditionError(core::StrCat(
        "libcurl is needed to reach the cluster: ", shared.status().message(), "; ", kInstall));
  }
  std::unique_ptr<CurlLibrary> library(new CurlLibrary(std::move(*shared)));
  const core::SharedLibrary& so = *library->library_;
  CurlFunctions& fn = library->fn_;
  std::string missing;
  so.Resolve("curl_global_init", &fn.global_init, &missing);
  so.Resolve("curl_global_cleanup", &fn.global_cleanup, &missing);
  so.Resolve("curl_easy_init", &fn.easy_init, &missing);
  so.Resolve("curl_easy_cleanup", &fn.easy_cleanup, &missing);
  so.Resolve("curl_easy_reset", &fn.easy_reset, &missing);
  so.Resolve("curl_easy_setopt", &fn.easy_setopt, &missing);
  so.Resolve("curl_easy_getinfo", &fn.easy_getinfo, &missing);
  so.Resolve("curl_easy_perform", &fn.easy_perform, &missing);
  so.Resolve("curl_easy_strerror", &fn.easy_strerror, &missing);
  so.Resolve("curl_slist_append", &fn.slist_append, &missing);
  so.Resolve("curl_slist_free_all", &fn.slist_free_all, &missing);
  so.Resolve("curl_url", &fn.url, &missing);
  so.Resolve("curl_url_cleanup", &fn.url_cleanup, &missing);
  so.Resolve("curl_url_get", &fn.url_get, &missing);
  so.Resolve("curl_url_set", &fn.url_set, &missing);
  so.Resolve("curl_free", &fn.free, &missing);
  if (!missing.empty()) {
    return absl::FailedPreconditionError(core::StrCat(path, " is not a usable libcurl: it lacks ",
                                                      missing, " (older than 7.84?); ", kInstall));
  }
  // Reference-counted and thread-safe since curl 7.84.
  if (CURLcode code = fn.global_init(CURL_GLOBAL_DEFAULT); code != CURLE_OK) {
    return absl::FailedPreconditionError(
        core::StrCat("curl_global_init: ", fn.easy_strerror(code)));
  }
  library->initialised_ = true;
  return library;
}

CurlLibrary::~CurlLibrary() {
  if (initialised_) fn_.global_cleanup();
}

}  // namespace nvsx::kube
