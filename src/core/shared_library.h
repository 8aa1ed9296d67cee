#pragma once

// A shared object opened at run time with dlopen(), and typed lookups of its
// functions. For libraries a program needs only on some paths (NVML on a GPU
// node, libcurl when it talks to a cluster), so that the other paths do not
// pay for loading and relocating them at every start.

#include <memory>
#include <string>

#include "absl/status/statusor.h"

namespace nvsx::core {

class SharedLibrary {
 public:
  enum class Unload {
    kOnDestroy,  // dlclose() when this object goes
    kNever,      // stays mapped for the life of the process (RTLD_NODELETE): for
                 // libraries that register process-wide state such as atexit handlers
  };

  // dlopen()s `path` (a bare file name is searched the way the dynamic loader
  // searches) with RTLD_NOW | RTLD_LOCAL. On failure: kFailedPrecondition
  // with dlerror()'s text.
  static absl::StatusOr<std::unique_ptr<SharedLibrary>> Open(const std::string& path,
                                                             Unload unload = Unload::kOnDestroy);

  ~SharedLibrary();
  SharedLibrary(const SharedLibrary&) = delete;
  SharedLibrary& operator=(const SharedLibrary&) = delete;

  // Looks `name` up into `*slot`. A missing symbol leaves `*slot` null and,
  // if `*missing` is still empty, records `name` there, so a caller resolves
  // every function first and reports the first one absent.
  template <typename Fn>
  void Resolve(const char* name, Fn* slot, std::string* missing) const {
    *slot = reinterpret_cast<Fn>(Symbol(name));
    if (*slot == nullptr && missing->empty()) *missing = name;
  }

 private:
  explicit SharedLibrary(void* handle) : handle_(handle) {}
  void* Symbol(const char* name) const;

  void* handle_;
};

}  // namespace nvsx::core
