#pragma once

// libcurl loaded at run time. Only the programs' paths that talk to a cluster
// need it; loading it with the program would cost every start of `nvsx list`
// some 25 shared objects (libcurl's own dependencies) to map and relocate.

#include <curl/curl.h>

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "core/shared_library.h"

namespace nvsx::kube {

// The functions we call, typed after curl.h's own declarations.
struct CurlFunctions {
  decltype(&::curl_global_init) global_init = nullptr;
  decltype(&::curl_global_cleanup) global_cleanup = nullptr;
  decltype(&::curl_easy_init) easy_init = nullptr;
  decltype(&::curl_easy_cleanup) easy_cleanup = nullptr;
  decltype(&::curl_easy_reset) easy_reset = nullptr;
  decltype(&::curl_easy_setopt) easy_setopt = nullptr;
  decltype(&::curl_easy_getinfo) easy_getinfo = nullptr;
  decltype(&::curl_easy_perform) easy_perform = nullptr;
  decltype(&::curl_easy_strerror) easy_strerror = nullptr;
  decltype(&::curl_slist_append) slist_append = nullptr;
  decltype(&::curl_slist_free_all) slist_free_all = nullptr;
  decltype(&::curl_url) url = nullptr;
  decltype(&::curl_url_cleanup) url_cleanup = nullptr;
  decltype(&::curl_url_get) url_get = nullptr;
  decltype(&::curl_url_set) url_set = nullptr;
  decltype(&::curl_free) free = nullptr;
};

// An open, globally initialised libcurl with every function of CurlFunctions
// resolved. curl_global_cleanup() runs when it is destroyed (curl counts
// init/cleanup pairs, so several may live at once); the library itself stays
// mapped, as its TLS backend registers process-wide handlers.
class CurlLibrary {
 public:
  // kFailedPrecondition when `path` cannot be loaded or lacks a function; the
  // message names the library and the Debian package that provides it.
  static absl::StatusOr<std::unique_ptr<CurlLibrary>> Open(const std::string& path);

  ~CurlLibrary();
  CurlLibrary(const CurlLibrary&) = delete;
  CurlLibrary& operator=(const CurlLibrary&) = delete;

  const CurlFunctions& fn() const { return fn_; }

 private:
  explicit CurlLibrary(std::unique_ptr<core::SharedLibrary> library)
      : library_(std::move(library)) {}

  std::unique_ptr<core::SharedLibrary> library_;
  CurlFunctions fn_;
  bool initialised_ = false;  // curl_global_init succeeded
};

}  // namespace nvsx::kube
